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
//! [`parse_reply`] reads a message in its conversation ([`Context`]): the contact's country,
//! whose places are preferred, and the bot's question in force ([`Asked`]), so that a bare
//! "Leicester" after "Whereabouts are you?" is the location and a bare "Nerea" after "¿Cómo te
//! llamas?" is the name. Places are recognised against an embedded gazetteer of GeoNames'
//! populated places (CC BY 4.0). [`Findings::merge_into`] merges what was found into a lead
//! the way the engine does.
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

mod context;
mod email;
mod gazetteer;
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

pub use context::{Asked, Certainty, Context, Findings};

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
    parse_reply(
        text,
        &Context {
            region,
            ..Context::default()
        },
    )
    .fields
}

/// Deterministic extraction from one customer message read in its conversation.
///
/// Everything [`parse_message`] finds, plus what the context makes clear: a short reply to the
/// bot's question for the name or the location is that field (never a greeting, an e-mail or
/// a well-known place of the contact's country as a name), and places of the contact's own
/// country are recognised after a preposition ("desde Vigo") in any case. Merge the result
/// with [`Findings::merge_into`].
///
/// ```
/// use wabot_core::extract::{Asked, Context, parse_reply};
///
/// let context = Context {
///     region: Some("ES"),
///     asked: Asked::from_bot_messages(["¿Y desde dónde nos escribes?"]),
///     ..Context::default()
/// };
/// let found = parse_reply("de granada", &context);
/// assert_eq!(found.fields.location.unwrap().as_str(), "Granada");
/// ```
pub fn parse_reply(text: &str, context: &Context<'_>) -> Findings {
    let mut cut = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = &text[..cut];
    let tokens = text::tokenize(text);
    let name = name::find(&tokens, context);
    Findings {
        fields: LeadFields {
            name: name.as_ref().map(|(n, _)| n.clone()),
            email: email::find(text, &tokens),
            location: location::find(&tokens, context),
            phone: phone::find(text, &tokens, context.region),
        },
        name_certainty: name.map(|(_, c)| c),
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
            let context = Context {
                region: Some("ES"),
                asked: Asked::from_bot_messages(["¿Cómo te llamas y de dónde eres?"]),
                earlier: vec![text, "me llamo Ana"],
            };
            let found = parse_reply(text, &context);
            found.merge_into(&mut LeadFields::default(), &context);
        }
    }
}
