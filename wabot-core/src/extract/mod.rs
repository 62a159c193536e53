//! Lead extraction: deterministic parsers for what customers write, and the language model's
//! JSON extraction.
//!
//! [`parse_message`] reads one customer message and returns the fields the customer gives **as
//! their own**: e-mail addresses and phone numbers anywhere in the text, names and places when a
//! phrase introduces them ("my name is", "me llamo", "I live in", "vivo en"… in English,
//! Spanish, Portuguese, French, German and Italian). It prefers precision to recall: details of
//! other people ("my wife's email is…"), numbers the customer asks not to use, dates, amounts
//! and references are left out, and a doubtful value is not taken.
//!
//! [`extraction_instructions`] is the system prompt of a JSON-mode extraction request, and
//! [`parse_extraction_json`] validates the model's answer with the same domain types.
//!
//! ```
//! use wabot_core::extract::parse_message;
//!
//! let fields = parse_message("Hola, me llamo Ana. Mi móvil es 612 34 56 78", Some("ES"));
//! assert_eq!(fields.name.unwrap().as_str(), "Ana");
//! assert_eq!(fields.phone.unwrap().as_str(), "+34612345678");
//!
//! let fields = parse_message("my wife's email is laura@example.com", None);
//! assert!(fields.email.is_none());
//! ```

mod email;
mod json;
mod location;
mod name;
mod phone;
mod text;
#[rustfmt::skip]
mod vocab;

#[cfg(test)]
mod conversations;
#[cfg(test)]
mod quality;

use crate::{LlmError, domain::LeadFields};

/// Longest message read, in bytes; the rest is ignored (a pasted document holds no lead data
/// worth the time).
const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Deterministic extraction from one customer message.
///
/// `region` is the ISO 3166 code (e.g. `"ES"`) of the customer's own number, used to read
/// phone numbers written in national format (`612 34 56 78`); without it only international
/// numbers (`+34…`, `0034…`) are found. Every returned value is valid ([`crate::domain::Email`],
/// [`crate::domain::Phone`], [`crate::domain::PersonName`], [`crate::domain::Location`]); a
/// field the customer did not clearly give as their own is `None`.
pub fn parse_message(text: &str, region: Option<&str>) -> LeadFields {
    let mut cut = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = &text[..cut];
    let tokens = text::tokenize(text);
    LeadFields {
        name: name::find(&tokens),
        email: email::find(text, &tokens),
        location: location::find(&tokens),
        phone: phone::find(text, &tokens, region),
    }
}

/// Parses the language model's JSON-mode extraction answer,
/// `{"name": …, "email": …, "location": …, "phone": …}` (each a string, or `null`/missing when
/// unknown).
///
/// A ```` ```json ```` fence and prose around the object are tolerated: the first JSON object
/// is used. Every field is validated with the domain types (phones in national format are read
/// in `region`); invalid values and values of the wrong type are dropped (logged at `debug`).
///
/// # Errors
///
/// [`LlmError::Malformed`] when the answer holds no JSON object (empty, prose only, an array,
/// a string, cut-off JSON), with a message saying what was expected.
pub fn parse_extraction_json(answer: &str, region: Option<&str>) -> Result<LeadFields, LlmError> {
    json::parse(answer, region)
}

/// The JSON-mode extraction instruction (system prompt) for the language model: it names the
/// exact JSON shape [`parse_extraction_json`] reads and asks for the customer's own details
/// only.
pub fn extraction_instructions() -> &'static str {
    json::INSTRUCTIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_name_the_json_shape() {
        let text = extraction_instructions();
        for key in ["\"name\"", "\"email\"", "\"location\"", "\"phone\"", "null"] {
            assert!(text.contains(key), "{key}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let long = "ñ@.+(0 ".repeat(5_000);
        for text in [
            "",
            " ",
            "@",
            "+",
            "(",
            "🙂🙂",
            "me llamo",
            "I live in",
            "0034",
            &long,
        ] {
            let _ = parse_message(text, Some("ES"));
            let _ = parse_message(text, Some("??"));
        }
    }
}
