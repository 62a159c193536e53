//! Property tests ("fuzzing" under `cargo test`) of the parsers that take outside input:
//! customer messages, the language model's extraction answers, cron expressions and the
//! identifiers that arrive from WhatsApp. Each must answer every input with a value or an
//! error — never a panic — and what it accepts must be valid.
//!
//! `./scripts/test` runs the default number of cases; a longer run is
//! `PROPTEST_CASES=20000 cargo test -p wabot-core --test robustness`. A failure a run finds is
//! fixed and kept twice: its seed in `robustness.proptest-regressions` (replayed first on every
//! run) and a named unit test beside the parser (e.g. the extraction parser's
//! `backticks_inside_a_value_are_not_taken_for_a_fence`).

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use wabot_core::{
    domain::{ContactId, CronExpr, Email, Location, PersonName, Phone},
    extract::{parse_extraction_json, parse_message},
};

/// Text that looks like what customers write: words, digits, e-mail and phone punctuation, and
/// some non-ASCII letters and emoji, plus fully arbitrary strings.
fn customer_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 @.+()_-ñáéíóúçãõü🙂]{0,120}",
        "(me llamo|my name is|soy|estoy en|I'm in|email|tel|from) [A-Za-zÁÉñ .@+0-9-]{0,60}",
        any::<String>(),
    ]
}

fn region() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("ES".to_string())),
        Just(Some("MX".to_string())),
        Just(Some("US".to_string())),
        Just(Some("BR".to_string())),
        "[A-Z]{2}".prop_map(Some),
        ".{0,4}".prop_map(Some),
    ]
}

/// Every field a parser returns must pass its own domain type again.
fn assert_fields_valid(fields: &wabot_core::domain::LeadFields) {
    if let Some(email) = &fields.email {
        Email::parse(email.as_str()).expect("a returned e-mail is valid");
    }
    if let Some(phone) = &fields.phone {
        Phone::parse(phone.as_str(), None).expect("a returned phone is valid E.164");
    }
    if let Some(name) = &fields.name {
        PersonName::parse(name.as_str()).expect("a returned name is valid");
    }
    if let Some(location) = &fields.location {
        Location::parse(location.as_str()).expect("a returned location is valid");
    }
}

proptest! {
    #[test]
    fn customer_messages_never_panic_and_yield_valid_fields(text in customer_text(), region in region()) {
        let fields = parse_message(&text, region.as_deref());
        assert_fields_valid(&fields);
    }

    #[test]
    fn any_extraction_answer_is_a_value_or_a_malformed_error(answer in any::<String>(), region in region()) {
        if let Ok(fields) = parse_extraction_json(&answer, region.as_deref()) {
            assert_fields_valid(&fields);
        }
    }

    #[test]
    fn extraction_objects_with_arbitrary_values_keep_only_valid_fields(
        name in prop::option::of(any::<String>()),
        email in prop::option::of("[a-z0-9.@+-]{0,40}"),
        phone in prop::option::of("[0-9 +()-]{0,20}"),
        location in prop::option::of(any::<String>()),
        fenced in any::<bool>(),
        prose in "[a-zA-Z ]{0,20}",
    ) {
        let object = serde_json::json!({
            "name": name, "email": email, "phone": phone, "location": location,
        });
        let answer = if fenced {
            format!("{prose}\n```json\n{object}\n```")
        } else {
            format!("{prose} {object}")
        };
        let fields = parse_extraction_json(&answer, Some("ES")).expect("an object is read");
        assert_fields_valid(&fields);
    }

    #[test]
    fn cron_expressions_parse_or_fail_cleanly_and_accepted_ones_compute_a_next_run(
        raw in prop_oneof![
            "([0-9*/,-]{1,6} ){4}[0-9*/,A-Z-]{1,8}",
            "([0-9*/,-]{1,6} ){5}[0-9*/,A-Z-]{1,8}",
            any::<String>(),
        ]
    ) {
        if let Ok(cron) = CronExpr::parse(&raw) {
            let after = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
            // Must not panic for any zone; `None` (never fires again) is allowed.
            let _ = cron.next_after(after, chrono_tz::Europe::Madrid);
            let _ = cron.next_after(after, chrono_tz::Pacific::Apia);
            // What was accepted parses again from its stored form.
            CronExpr::parse(cron.as_str()).expect("a stored cron expression parses again");
        }
    }

    #[test]
    fn contact_ids_from_the_network_parse_or_fail_cleanly(raw in prop_oneof![
        "[0-9]{0,20}(@c\\.us|@s\\.whatsapp\\.net|@lid|@g\\.us)?",
        any::<String>(),
    ]) {
        if let Ok(contact) = ContactId::parse(&raw) {
            let again = ContactId::parse(contact.as_str()).expect("a stored contact parses again");
            prop_assert_eq!(again, contact.clone());
            let _ = contact.phone_digits();
        }
    }
}
