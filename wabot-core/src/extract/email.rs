//! E-mail addresses anywhere in a message.

use super::{
    text::{Token, clause_before, foreign_or_negated},
    vocab,
};
use crate::domain::Email;

/// The e-mail address in `text` that the customer gives as their own: among those not said to
/// be someone else's, the first introduced with "my", "me", "mi"…, else the first.
pub(super) fn find(text: &str, tokens: &[Token<'_>]) -> Option<Email> {
    let own: Vec<(Email, bool)> = candidates(text)
        .into_iter()
        .filter_map(|(start, email)| {
            let window = clause_before(tokens, start, 12);
            let mine = window
                .iter()
                .any(|t| vocab::OWN.contains(&t.folded.as_str()));
            (!foreign_or_negated(window)).then_some((email, mine))
        })
        .collect();
    let pick = own.iter().position(|(_, mine)| *mine).unwrap_or(0);
    own.into_iter().nth(pick).map(|(email, _)| email)
}

/// Every syntactically valid address in `text`, with the byte offset where it starts.
pub(super) fn candidates(text: &str) -> Vec<(usize, Email)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        // Local part: walk left over the characters an address may hold. Spaces on both sides
        // of the `@` are forgiven ("ana @ gmail.com"), a space on one side only is a handle.
        let spaced = at > 0 && bytes[at - 1] == b' ' && bytes.get(at + 1) == Some(&b' ');
        let local_end = if spaced { at - 1 } else { at };
        let local_start = text[..local_end]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map_or(local_end, |(i, _)| i);
        let local = text[local_start..local_end].trim_start_matches('.');
        if local.is_empty() {
            continue;
        }
        // Domain: walk right over labels; a comma before a well-known TLD is read as a dot.
        let domain_start = if spaced { at + 2 } else { at + 1 };
        let mut domain = String::new();
        let mut rest = &text[domain_start.min(text.len())..];
        loop {
            let run_len = rest
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '-')))
                .map_or(rest.len(), |(i, _)| i);
            domain.push_str(&rest[..run_len]);
            rest = &rest[run_len..];
            let Some(after_comma) = rest.strip_prefix(',') else {
                break;
            };
            let tld_len = after_comma
                .char_indices()
                .find(|(_, c)| !c.is_ascii_alphabetic())
                .map_or(after_comma.len(), |(i, _)| i);
            let tld = &after_comma[..tld_len];
            if domain.contains('.')
                || !vocab::COMMA_TLDS.contains(&tld.to_ascii_lowercase().as_str())
            {
                break;
            }
            domain.push('.');
            rest = after_comma;
        }
        let domain = domain.trim_end_matches(['.', '-']);
        if domain.is_empty() {
            continue;
        }
        if let Ok(email) = Email::parse(&format!("{local}@{domain}")) {
            found.push((local_end - local.len(), email));
        }
    }
    found
}

/// Characters of an address's local part as people type them.
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<String> {
        candidates(text).first().map(|(_, e)| e.to_string())
    }

    #[test]
    fn addresses_are_found_inside_punctuation_and_markup() {
        assert_eq!(
            first("write to <Ana.Lopez@Gmail.com>."),
            Some("Ana.Lopez@gmail.com".into())
        );
        assert_eq!(first("mailto:ana@x.es, thanks"), Some("ana@x.es".into()));
        assert_eq!(
            first("(ana_l+work@mail.co.uk)"),
            Some("ana_l+work@mail.co.uk".into())
        );
        assert_eq!(first("ana @ gmail.com"), Some("ana@gmail.com".into()));
        assert_eq!(first("ana@gmail,com"), Some("ana@gmail.com".into()));
    }

    #[test]
    fn handles_and_broken_addresses_are_not_addresses() {
        assert_eq!(first("follow @wabot on X"), None);
        assert_eq!(first("ana@localhost"), None);
        assert_eq!(first("@@@"), None);
        assert_eq!(first("meet @ 5"), None);
        assert_eq!(first("follow @wabot.com"), None);
    }
}
