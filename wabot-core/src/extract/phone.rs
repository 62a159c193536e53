//! Phone numbers anywhere in a message, validated with libphonenumber's metadata.
//!
//! Candidates are runs of digits joined by spaces, dots, dashes and parentheses. A run is
//! dropped when it looks like a date, an amount or a reference (order, invoice, postcode…), or
//! when its clause says it belongs to someone else.

use super::{
    text::{Token, clause_before, foreign_or_negated},
    vocab,
};
use crate::domain::Phone;

/// One digit group of a candidate: byte range in the message.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

/// The first phone number in `text` that the customer gives as their own. National numbers are
/// read in `region` (ISO code such as `ES`).
pub(super) fn find(text: &str, tokens: &[Token<'_>], region: Option<&str>) -> Option<Phone> {
    for groups in runs(text) {
        let start = groups[0].start;
        let window = clause_before(tokens, start, 12);
        if foreign_or_negated(window) || is_reference(window) {
            continue;
        }
        if let Some(phone) = best_span(text, &groups, region) {
            return Some(phone);
        }
    }
    None
}

/// Whether one of the last words before the number names a reference or account.
fn is_reference(window: &[Token<'_>]) -> bool {
    window
        .iter()
        .rev()
        .take(4)
        .any(|t| vocab::REFERENCE_WORDS.contains(&t.folded.as_str()))
}

/// The whole run if it is a valid number, else the longest valid span of whole groups (so
/// "I'm 35, 612 345 678" or two numbers in a row still give one).
fn best_span(text: &str, groups: &[Group], region: Option<&str>) -> Option<Phone> {
    let n = groups.len();
    for len in (1..=n).rev() {
        for first in 0..=n - len {
            let span = &groups[first..first + len];
            let (start, end) = (span[0].start, span[len - 1].end);
            let digits = text[start..end]
                .chars()
                .filter(char::is_ascii_digit)
                .count();
            if !(7..=15).contains(&digits) || is_amount_or_date(text, span) {
                continue;
            }
            if let Ok(phone) = Phone::parse(&text[start..end], region) {
                return Some(phone);
            }
        }
    }
    None
}

/// Runs of digit groups, each group a maximal digit run (with a leading `+` or `(`).
fn runs(text: &str) -> Vec<Vec<Group>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_here = match bytes[i] {
            b'0'..=b'9' => true,
            b'+' | b'(' => bytes.get(i + 1).is_some_and(u8::is_ascii_digit),
            _ => false,
        };
        if !starts_here || glued_to_previous(text, i) {
            i += 1;
            continue;
        }
        let mut groups = Vec::new();
        let mut j = i;
        loop {
            let group_start = j;
            if matches!(bytes[j], b'+' | b'(') {
                j += 1;
            }
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let mut group_end = j;
            if bytes.get(j) == Some(&b')') {
                group_end = j + 1;
            }
            groups.push(Group {
                start: group_start,
                end: group_end,
            });
            // A separator of at most three characters (" ", "-", " (", " - ", ".") followed by
            // a digit continues the run.
            let sep_len = bytes[group_end..]
                .iter()
                .take(4)
                .take_while(|b| matches!(b, b' ' | b'.' | b'-' | b'(' | b')'))
                .count();
            let next = group_end + sep_len;
            let sep = &text[group_end..next];
            let continues = (1..=3).contains(&sep_len)
                && sep.matches('.').count() <= 1
                && bytes.get(next).is_some_and(u8::is_ascii_digit);
            if !continues || groups.len() >= 8 {
                j = group_end;
                break;
            }
            j = next;
        }
        // Digits glued to letters after the run ("612345678abc", "15kg") are not phones.
        let glued_after = text[j..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '@');
        if !glued_after {
            out.push(groups);
        }
        i = j.max(i + 1);
    }
    out
}

/// Whether the character before `i` makes a digit there part of something else (a word, an
/// e-mail, a reference `#123`, an amount `€5`).
fn glued_to_previous(text: &str, i: usize) -> bool {
    text[..i].chars().next_back().is_some_and(|c| {
        c.is_alphanumeric()
            || matches!(c, '@' | '#' | '€' | '$' | '£' | '/' | ',' | '.' | '_' | '+')
    })
}

/// Whether a span reads as a date (`12.05.2024`, `2024-05-12`, `20240512`) or an amount
/// (`1.500.000 €`).
fn is_amount_or_date(text: &str, span: &[Group]) -> bool {
    let raw = &text[span[0].start..span[span.len() - 1].end];
    let lengths: Vec<usize> = span.iter().map(|g| g.end - g.start).collect();
    let plain = !raw.starts_with('+') && !raw.starts_with("00") && !raw.starts_with('(');
    let date_like_groups = span.len() == 3
        && plain
        && ((lengths[0] <= 2 && lengths[1] <= 2 && matches!(lengths[2], 2 | 4))
            || (lengths[0] == 4 && lengths[1] <= 2 && lengths[2] <= 2));
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let date_like_digits = plain && digits.len() == 8 && looks_like_compact_date(&digits);
    let after = text[span[span.len() - 1].end..].trim_start();
    let unit_after = vocab::UNIT_WORDS.iter().any(|u| {
        after
            .get(..u.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(u))
            && !after[u.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    });
    let currency_before = text[..span[0].start].trim_end().ends_with(['€', '$', '£']);
    date_like_groups || date_like_digits || unit_after || currency_before
}

/// `YYYYMMDD` or `DDMMYYYY` with a plausible year, month and day.
fn looks_like_compact_date(d: &str) -> bool {
    let num = |s: &str| s.parse::<u32>().unwrap_or(0);
    let ymd = matches!(&d[..2], "19" | "20")
        && (1..=12).contains(&num(&d[4..6]))
        && (1..=31).contains(&num(&d[6..8]));
    let dmy = matches!(&d[4..6], "19" | "20")
        && (1..=31).contains(&num(&d[..2]))
        && (1..=12).contains(&num(&d[2..4]));
    ymd || dmy
}

#[cfg(test)]
mod tests {
    use super::{super::text::tokenize, *};

    fn phone(text: &str, region: Option<&str>) -> Option<String> {
        find(text, &tokenize(text), region).map(|p| p.to_string())
    }

    #[test]
    fn international_and_national_formats_are_read() {
        assert_eq!(
            phone("+34 612 34 56 78", None).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(
            phone("0034612345678", None).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(
            phone("612-345-678", Some("ES")).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(
            phone("612.34.56.78", Some("ES")).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(
            phone("(415) 555-2671", Some("US")).as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            phone("call 06 12 34 56 78!", Some("FR")).as_deref(),
            Some("+33612345678")
        );
    }

    #[test]
    fn national_numbers_need_a_region() {
        assert_eq!(phone("612 345 678", None), None);
    }

    #[test]
    fn dates_amounts_and_references_are_not_phones() {
        for text in [
            "see you on 12.05.2024",
            "on 2024-05-12",
            "born 19850312",
            "it costs 1.500.000 €",
            "it costs €612345678",
            "order 612345678",
            "my order number is 612 345 678",
            "pedido #612345678",
            "CP 28001",
            "IBAN ES91 2100 0418 4502 0005 1332",
        ] {
            assert_eq!(phone(text, Some("ES")), None, "{text}");
        }
        assert_eq!(phone("born 19850312", Some("DE")), None);
    }

    #[test]
    fn a_phone_is_found_among_other_numbers() {
        assert_eq!(
            phone("I'm 35 612345678", Some("ES")).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(
            phone("612345678 699111222", Some("ES")).as_deref(),
            Some("+34612345678")
        );
    }
}
