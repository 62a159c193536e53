//! The language model's JSON extraction: the instruction sent and the parser of its answer.

use serde_json::{Map, Value};

use crate::{
    LlmError,
    domain::{Email, LeadFields, Location, PersonName, Phone},
};

/// The system prompt of an extraction request.
pub(super) const INSTRUCTIONS: &str = "\
You extract a customer's own contact details from their WhatsApp messages to a business.
Answer with ONLY one JSON object, exactly of this shape, and nothing else:
{\"name\": string or null, \"email\": string or null, \"location\": string or null, \"phone\": string or null}
Rules:
- name: the customer's own name as they give it (e.g. \"Ana López\"), not a greeting or a company.
- email: the customer's own e-mail address, exactly as written.
- location: where the customer lives or is based (city, region or address), as written.
- phone: the customer's own phone number as written, with the country code if they gave one.
- Only details the customer states about THEMSELVES. Details of other people (a wife, a \
colleague, an assistant, a friend), numbers they ask you not to use, order numbers, prices, \
dates and postcodes are not theirs: use null.
- Use null for anything not given, refused or unclear. Never guess or invent.";

/// Keys accepted for each field (models sometimes vary the spelling).
const NAME_KEYS: &[&str] = &["name", "full_name", "fullName", "customer_name"];
const EMAIL_KEYS: &[&str] = &["email", "e-mail", "mail", "email_address"];
const LOCATION_KEYS: &[&str] = &["location", "city", "address"];
const PHONE_KEYS: &[&str] = &[
    "phone",
    "phone_number",
    "phoneNumber",
    "telephone",
    "mobile",
];

/// Strings that mean "unknown" in a model's answer.
const UNKNOWN: &[&str] = &[
    "",
    "null",
    "none",
    "n/a",
    "na",
    "unknown",
    "not provided",
    "not given",
    "-",
    "?",
    "desconocido",
    "no proporcionado",
];

/// Parses the model's answer; see [`super::parse_extraction_json`].
pub(super) fn parse(answer: &str, region: Option<&str>) -> Result<LeadFields, LlmError> {
    let object = first_object(answer)?;
    let mut fields = LeadFields::default();
    if let Some(raw) = text_field(&object, NAME_KEYS, "name") {
        fields.name = keep(
            "name",
            &raw,
            PersonName::parse(&raw)
                .ok()
                .filter(|_| plausible_name(&raw)),
        );
    }
    if let Some(raw) = text_field(&object, EMAIL_KEYS, "email") {
        fields.email = keep("email", &raw, Email::parse(&raw).ok());
    }
    if let Some(raw) = text_field(&object, LOCATION_KEYS, "location") {
        fields.location = keep("location", &raw, Location::parse(&raw).ok());
    }
    if let Some(raw) = phone_field(&object) {
        let parsed = Phone::parse(&raw, region).ok().or_else(|| {
            // A bare digit string from a model usually carries the country code.
            let digits_only = raw.chars().all(|c| c.is_ascii_digit());
            digits_only
                .then(|| Phone::parse(&format!("+{raw}"), None).ok())
                .flatten()
        });
        fields.phone = keep("phone", &raw, parsed);
    }
    Ok(fields)
}

/// Logs a dropped value and passes the parsed one through.
fn keep<T>(field: &str, raw: &str, parsed: Option<T>) -> Option<T> {
    if parsed.is_none() {
        tracing::debug!(
            field,
            value = raw,
            "dropping an invalid value from the llm extraction"
        );
    }
    parsed
}

/// A name made of letters, spaces, dots, apostrophes and hyphens, not an address or a number.
fn plausible_name(raw: &str) -> bool {
    raw.chars().any(char::is_alphabetic)
        && raw
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '’' | '-'))
}

/// The first JSON object in the answer: the whole answer, a ```json fence, or the first `{`
/// that starts a complete object amid prose.
fn first_object(answer: &str) -> Result<Map<String, Value>, LlmError> {
    let trimmed = strip_fence(answer.trim());
    if trimmed.is_empty() {
        return Err(LlmError::Malformed(
            "the extraction answer is empty; expected a JSON object with name, email, location \
             and phone"
                .into(),
        ));
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(map)) => return Ok(map),
        Ok(other) => {
            return Err(LlmError::Malformed(format!(
                "the extraction answer is JSON but not an object (got {}); expected {{\"name\":…, \
                 \"email\":…, \"location\":…, \"phone\":…}}",
                kind(&other)
            )));
        }
        Err(_) => {}
    }
    // The fenced part first; then the whole answer, in case what looked like a fence was inside
    // a JSON string (a value containing three backticks).
    for text in [trimmed, answer] {
        for (i, _) in text.match_indices('{') {
            let mut stream = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
            if let Some(Ok(Value::Object(map))) = stream.next() {
                return Ok(map);
            }
        }
    }
    Err(LlmError::Malformed(format!(
        "no JSON object found in the extraction answer: `{}`",
        snippet(trimmed)
    )))
}

/// The content of a Markdown code fence, or the text itself.
fn strip_fence(text: &str) -> &str {
    let Some(start) = text.find("```") else {
        return text;
    };
    let after = &text[start + 3..];
    // Skip the language tag ("json") up to the end of the line.
    let body_start = after.find('\n').map_or(0, |i| i + 1);
    let body = &after[body_start..];
    body.find("```").map_or(body, |end| &body[..end]).trim()
}

/// A short excerpt of the answer for error messages.
fn snippet(text: &str) -> String {
    let mut out: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// The JSON type name, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The first present key of `keys` holding a meaningful string; other types are dropped.
fn text_field(object: &Map<String, Value>, keys: &[&str], field: &str) -> Option<String> {
    let value = keys.iter().find_map(|k| object.get(*k))?;
    match value {
        Value::String(s) if UNKNOWN.contains(&s.trim().to_lowercase().as_str()) => None,
        Value::String(s) => Some(s.trim().to_string()),
        Value::Null => None,
        other => {
            tracing::debug!(field, "dropping {} from the llm extraction", kind(other));
            None
        }
    }
}

/// The phone as a string; a JSON number is accepted too (`34612345678`).
fn phone_field(object: &Map<String, Value>) -> Option<String> {
    match PHONE_KEYS.iter().find_map(|k| object.get(*k))? {
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => text_field(object, PHONE_KEYS, "phone"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the property test (`tests/robustness.rs`): three backticks inside a value were
    /// taken for a Markdown fence, so the object was cut apart and not found.
    #[test]
    fn backticks_inside_a_value_are_not_taken_for_a_fence() {
        let answer = r#"Here: {"name":"a```b","location":"Madrid","email":null,"phone":null}"#;
        let fields = parse(answer, None).unwrap();
        assert_eq!(fields.location.unwrap().as_str(), "Madrid");
    }

    #[test]
    fn every_field_is_read_and_validated() {
        let fields = parse(
            r#"{"name":"Ana López","email":"Ana@Example.COM","location":"Madrid","phone":"+34 612 34 56 78"}"#,
            None,
        )
        .unwrap();
        assert_eq!(fields.name.unwrap().as_str(), "Ana López");
        assert_eq!(fields.email.unwrap().as_str(), "Ana@example.com");
        assert_eq!(fields.location.unwrap().as_str(), "Madrid");
        assert_eq!(fields.phone.unwrap().as_str(), "+34612345678");
    }

    #[test]
    fn nulls_missing_keys_and_unknown_markers_give_nothing() {
        let fields = parse(r#"{"name":null,"email":"N/A","phone":""}"#, None).unwrap();
        assert_eq!(fields, LeadFields::default());
        assert_eq!(parse("{}", None).unwrap(), LeadFields::default());
    }

    #[test]
    fn a_json_fence_and_surrounding_prose_are_tolerated() {
        let answer = "Sure! Here is the JSON:\n```json\n{\"name\": \"Ana\", \"email\": null}\n```\nHope it helps.";
        assert_eq!(parse(answer, None).unwrap().name.unwrap().as_str(), "Ana");
        let prose = "The details are {\"email\": \"ana@x.es\"} as requested {not json}";
        assert_eq!(
            parse(prose, None).unwrap().email.unwrap().as_str(),
            "ana@x.es"
        );
    }

    #[test]
    fn invalid_values_are_dropped_and_valid_ones_kept() {
        let fields = parse(
            r#"{"name":"Ana","email":"ana at gmail","phone":"12345","location":"X"}"#,
            Some("ES"),
        )
        .unwrap();
        assert_eq!(fields.name.unwrap().as_str(), "Ana");
        assert_eq!(fields.email, None);
        assert_eq!(fields.phone, None);
        assert_eq!(fields.location, None);
    }

    #[test]
    fn national_phones_use_the_region() {
        let fields = parse(r#"{"phone":"612 34 56 78"}"#, Some("ES")).unwrap();
        assert_eq!(fields.phone.unwrap().as_str(), "+34612345678");
        assert_eq!(
            parse(r#"{"phone":"612 34 56 78"}"#, None).unwrap().phone,
            None
        );
    }

    #[test]
    fn wrong_types_are_dropped_but_a_numeric_phone_is_read() {
        let fields = parse(
            r#"{"name":["Ana"],"email":42,"location":{"city":"Madrid"},"phone":34612345678}"#,
            None,
        )
        .unwrap();
        assert_eq!(fields.name, None);
        assert_eq!(fields.email, None);
        assert_eq!(fields.location, None);
        assert_eq!(fields.phone.unwrap().as_str(), "+34612345678");
        let fields = parse(r#"{"name":true,"phone":false}"#, None).unwrap();
        assert_eq!(fields, LeadFields::default());
    }

    #[test]
    fn a_name_that_is_an_address_or_number_is_dropped() {
        let fields = parse(r#"{"name":"ana@x.es"}"#, None).unwrap();
        assert_eq!(fields.name, None);
        assert_eq!(parse(r#"{"name":"612345678"}"#, None).unwrap().name, None);
    }

    #[test]
    fn answers_that_are_not_an_object_are_malformed() {
        for answer in [
            "",
            "   ",
            "[1,2]",
            "\"Ana\"",
            "null",
            "42",
            "I could not find anything",
            "{\"name\": ",
        ] {
            let err = parse(answer, None).unwrap_err();
            assert!(matches!(err, LlmError::Malformed(_)), "{answer}: {err:?}");
        }
        let LlmError::Malformed(message) = parse("[1]", None).unwrap_err() else {
            unreachable!()
        };
        assert!(message.contains("not an object"), "{message}");
    }
}
