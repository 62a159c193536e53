-- Ended dashboard sessions (wabot_core::ports::SessionRevocationStore): the session id of a
-- logged-out or refreshed session token, kept until the token expires so every replica and a
-- restarted server refuse it. No foreign key: a record outlives nothing it points to.
CREATE TABLE revoked_sessions (
    sid        BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
