//! Turning sqlx errors into [`wabot_core::Error`], and keeping passwords out of messages.

use sqlx::error::{DatabaseError, ErrorKind};
use wabot_core::Error;

/// Whether `e` is a unique or primary-key violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation)
}

/// Whether `e` is a foreign-key violation.
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == ErrorKind::ForeignKeyViolation)
}

/// A failed insert: a foreign-key violation means the parent record is missing (`missing()`),
/// a unique violation that the record already exists (`duplicate()`); anything else is
/// [`db_error`].
pub(crate) fn insert_error(
    operation: &str,
    e: sqlx::Error,
    missing: impl FnOnce() -> Error,
    duplicate: impl FnOnce() -> Error,
) -> Error {
    if is_foreign_key_violation(&e) {
        missing()
    } else if is_unique_violation(&e) {
        duplicate()
    } else {
        db_error(operation, e)
    }
}

/// A storage error for a failed `operation`: unique violations become
/// [`Error::Conflict`], busy/locked databases, lost connections and pool timeouts are
/// transient, the rest is permanent.
pub(crate) fn db_error(operation: &str, e: sqlx::Error) -> Error {
    if is_unique_violation(&e) {
        return Error::Conflict(format!("{operation}: {e}"));
    }
    let transient = is_transient(&e);
    Error::storage(format!("{operation} failed: {e}"), transient)
}

fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => is_transient_code(db.as_ref()),
        _ => false,
    }
}

fn is_transient_code(db: &dyn DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    if let Ok(sqlite_code) = code.parse::<i32>() {
        // SQLite (extended) result codes: the primary code is the low byte.
        // BUSY, LOCKED, NOMEM, IOERR.
        return matches!(sqlite_code & 0xff, 5 | 6 | 7 | 10);
    }
    // PostgreSQL SQLSTATEs: connection exceptions, serialization failure, deadlock, too many
    // connections, lock not available, operator intervention (shutdown, restart).
    code.starts_with("08")
        || matches!(&*code, "40001" | "40P01" | "53300" | "55P03")
        || code.starts_with("57P")
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    // user:password@ in the authority.
    if let Some(scheme_end) = out.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = out[authority_start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| authority_start + i);
        if let Some(at) = out[authority_start..authority_end].rfind('@') {
            let userinfo = &out[authority_start..authority_start + at];
            if let Some(colon) = userinfo.find(':') {
                let from = authority_start + colon + 1;
                out.replace_range(from..authority_start + at, "***");
            }
        }
    }
    // password=… in the query string.
    if let Some(query_start) = out.find('?') {
        let mut redacted = out[..=query_start].to_string();
        let pairs: Vec<String> = out[query_start + 1..]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        redacted.push_str(&pairs.join("&"));
        out = redacted;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://wabot:s3cr3t@db:5432/wabot"),
            "postgres://wabot:***@db:5432/wabot"
        );
        assert_eq!(
            redact_url("postgres://wabot:p@ss@db/wabot?sslmode=require&password=x"),
            "postgres://wabot:***@db/wabot?sslmode=require&password=***"
        );
        assert_eq!(
            redact_url("postgres://wabot@db/wabot"),
            "postgres://wabot@db/wabot"
        );
        assert_eq!(
            redact_url("sqlite://data/wabot.db"),
            "sqlite://data/wabot.db"
        );
    }
}
