//! Scripted conversations through a small imitation of the engine, extraction answers, and odd
//! input.

use wabot_core::{
    domain::{LeadField, LeadFields},
    extract::{extraction_instructions, parse_extraction_json, parse_message},
    ports::{ChatMessage, ChatPurpose, ChatRequest, ChatRole, LlmClient},
};

use super::{OfflineLlm, conversation::asked_field};

/// Builds the reply prompt the way the engine does: the bot's prompt, the details collected
/// and the `Still missing:` line.
fn engine_prompt(bot_prompt: &str, fields: &LeadFields, required: &[LeadField]) -> String {
    let mut text = format!("{bot_prompt}\n\n---\nYou are chatting with a customer on WhatsApp.");
    let known: Vec<String> = [
        ("name", fields.name.as_ref().map(ToString::to_string)),
        ("email", fields.email.as_ref().map(ToString::to_string)),
        ("phone", fields.phone.as_ref().map(ToString::to_string)),
        (
            "location",
            fields.location.as_ref().map(ToString::to_string),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("- {k}: {v}")))
    .collect();
    text.push_str("\nCustomer details collected so far: ");
    text.push_str(if known.is_empty() {
        "none"
    } else {
        "see below"
    });
    for line in &known {
        text.push('\n');
        text.push_str(line);
    }
    let missing: Vec<&str> = fields
        .missing(required)
        .iter()
        .map(|f| f.as_str())
        .collect();
    text.push_str("\nStill missing: ");
    text.push_str(&if missing.is_empty() {
        "nothing".to_string()
    } else {
        missing.join(", ")
    });
    text
}

/// The engine's loop for one conversation, with the offline model for replies and extraction.
struct Chat {
    bot_prompt: &'static str,
    region: Option<&'static str>,
    required: Vec<LeadField>,
    fields: LeadFields,
    history: Vec<ChatMessage>,
    llm: OfflineLlm,
}

impl Chat {
    fn new(bot_prompt: &'static str, region: Option<&'static str>) -> Self {
        Self {
            bot_prompt,
            region,
            required: vec![LeadField::Name, LeadField::Email, LeadField::Phone],
            fields: LeadFields::default(),
            history: Vec::new(),
            llm: OfflineLlm::new(),
        }
    }

    /// The customer writes `text`; returns the bot's reply.
    fn say(&mut self, text: &str) -> String {
        self.history.push(ChatMessage::user(text));
        self.fields.merge(parse_message(text, self.region), true);
        let mut messages = vec![ChatMessage::system(engine_prompt(
            self.bot_prompt,
            &self.fields,
            &self.required,
        ))];
        messages.extend(self.history.iter().cloned());
        let reply = self.llm.answer(&ChatRequest {
            messages,
            ..Default::default()
        });
        // The engine asks for the extraction at the same time, from the customer's messages.
        let mut extraction = vec![ChatMessage::system(extraction_instructions())];
        extraction.extend(
            self.history
                .iter()
                .filter(|m| m.role == ChatRole::User)
                .cloned(),
        );
        let answer = self.llm.answer(&ChatRequest {
            messages: extraction,
            json_mode: true,
            purpose: ChatPurpose::Extraction,
            ..Default::default()
        });
        let extracted = parse_extraction_json(&answer, self.region).expect("valid JSON");
        self.fields.merge(extracted, false);
        self.history.push(ChatMessage::assistant(reply.clone()));
        reply
    }
}

const DENTAL: &str = "You are the friendly assistant of Acme Dental, a dental clinic in Madrid. \
                      Help customers book appointments.";

#[test]
fn an_english_conversation_greets_collects_name_email_phone_and_confirms() {
    let mut chat = Chat::new(DENTAL, Some("ES"));

    let greeting = chat.say("Hi, do you do teeth whitening?");
    assert!(greeting.contains("Acme Dental"), "{greeting}");
    assert!(greeting.contains("colleague"), "{greeting}");
    assert_eq!(asked_field(&greeting), Some(LeadField::Name), "{greeting}");

    let after_name = chat.say("I'm Ana");
    assert!(after_name.contains("Ana"), "{after_name}");
    assert_eq!(
        asked_field(&after_name),
        Some(LeadField::Email),
        "{after_name}"
    );

    let after_email = chat.say("sure, ana@example.com");
    assert_eq!(
        asked_field(&after_email),
        Some(LeadField::Phone),
        "{after_email}"
    );

    let confirmation = chat.say("+34 612 34 56 78");
    for expected in [
        "Perfect, I have everything",
        "Ana",
        "ana@example.com",
        "+34612345678",
        "a colleague will contact you shortly",
    ] {
        assert!(
            confirmation.contains(expected),
            "{expected} in {confirmation}"
        );
    }
    assert_eq!(asked_field(&confirmation), None);

    let closing = chat.say("thanks!");
    assert!(!closing.contains("I have everything"), "{closing}");
    let closing_again = chat.say("thank you");
    assert_ne!(closing, closing_again);
    assert_eq!(asked_field(&closing_again), None);
}

#[test]
fn a_spanish_conversation_is_answered_in_spanish() {
    let mut chat = Chat::new(DENTAL, Some("ES"));

    let greeting = chat.say("Hola, ¿cuánto cuesta una limpieza?");
    assert!(greeting.starts_with("¡Hola"), "{greeting}");
    assert!(greeting.contains("precio"), "{greeting}");
    assert_eq!(asked_field(&greeting), Some(LeadField::Name), "{greeting}");

    let after_name = chat.say("me llamo Carlos");
    assert!(after_name.contains("Carlos"), "{after_name}");
    assert_eq!(
        asked_field(&after_name),
        Some(LeadField::Email),
        "{after_name}"
    );

    let after_email = chat.say("carlos@example.es");
    assert_eq!(
        asked_field(&after_email),
        Some(LeadField::Phone),
        "{after_email}"
    );

    let confirmation = chat.say("612 345 678");
    for expected in [
        "ya tengo todo",
        "Carlos",
        "carlos@example.es",
        "+34612345678",
        "compañero",
    ] {
        assert!(
            confirmation.contains(expected),
            "{expected} in {confirmation}"
        );
    }
}

#[test]
fn bare_answers_are_understood_through_the_extraction() {
    let mut chat = Chat::new("Answer politely.", Some("ES"));
    let greeting = chat.say("Hola");
    assert!(greeting.starts_with("¡Hola"), "{greeting}");
    assert_eq!(asked_field(&greeting), Some(LeadField::Name));
    let after_name = chat.say("Lucía");
    assert!(after_name.contains("Lucía"), "{after_name}");
    assert_eq!(
        asked_field(&after_name),
        Some(LeadField::Email),
        "{after_name}"
    );
    assert_eq!(chat.fields.name.as_ref().unwrap().as_str(), "Lucía");
}

#[test]
fn a_question_asked_twice_in_a_row_is_worded_differently() {
    let mut chat = Chat::new(DENTAL, None);
    let mut previous = chat.say("hello");
    for text in ["hmm", "what?", "ok", "🙂", "hmm"] {
        let reply = chat.say(text);
        assert_eq!(asked_field(&reply), Some(LeadField::Name), "{reply}");
        for sentence in reply.split_inclusive(['.', '!', '?']) {
            assert!(
                !previous.contains(sentence.trim()),
                "`{}` repeated from `{previous}`",
                sentence.trim()
            );
        }
        previous = reply;
    }
}

#[test]
fn a_declined_detail_is_not_asked_again() {
    let mut chat = Chat::new(DENTAL, Some("ES"));
    chat.say("Hi, I'm Ana, ana@example.com");
    let after = chat.say("I'd rather not give my phone");
    assert!(after.contains("No problem") || after.contains("fine") || after.contains("worries"));
    assert_ne!(asked_field(&after), Some(LeadField::Phone), "{after}");
    assert!(
        after.contains("a colleague will contact you shortly"),
        "{after}"
    );
}

#[test]
fn without_a_missing_line_the_fields_are_inferred_from_the_conversation() {
    let llm = OfflineLlm::new();
    let request = |messages: Vec<ChatMessage>| ChatRequest {
        messages,
        ..Default::default()
    };
    let first = llm.answer(&request(vec![ChatMessage::user("hi")]));
    assert_eq!(asked_field(&first), Some(LeadField::Name), "{first}");
    let done = llm.answer(&request(vec![
        ChatMessage::user("hi"),
        ChatMessage::assistant(first.clone()),
        ChatMessage::user("my name is Tom, tom@example.com, +44 7911 123456"),
    ]));
    assert!(done.contains("I have everything"), "{done}");
    assert!(done.contains("+447911123456"), "{done}");
}

#[test]
fn the_same_conversation_gets_the_same_reply() {
    let messages = vec![
        ChatMessage::system(engine_prompt(
            DENTAL,
            &LeadFields::default(),
            &[LeadField::Name],
        )),
        ChatMessage::user("Hello there"),
    ];
    let request = ChatRequest {
        messages,
        ..Default::default()
    };
    let llm = OfflineLlm::new();
    assert_eq!(llm.answer(&request), llm.answer(&request));
}

#[test]
fn extraction_answers_are_json_a_real_model_would_give() {
    let llm = OfflineLlm::new();
    let extract = |texts: &[&str]| {
        let mut messages = vec![ChatMessage::system(extraction_instructions())];
        messages.extend(texts.iter().map(|t| ChatMessage::user(*t)));
        llm.answer(&ChatRequest {
            messages,
            json_mode: true,
            purpose: ChatPurpose::Extraction,
            ..Default::default()
        })
    };
    let answer = extract(&["Hola, me llamo Ana", "ana@example.com y vivo en Sevilla"]);
    let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(value["name"], "Ana");
    assert_eq!(value["email"], "ana@example.com");
    assert_eq!(value["location"], "Sevilla");
    assert!(value["phone"].is_null());

    let foreign = extract(&["my wife's email is laura@example.com"]);
    assert_eq!(
        foreign,
        r#"{"email":null,"location":null,"name":null,"phone":null}"#
    );
    let fields = parse_extraction_json(&extract(&["+34 612 34 56 78"]), None).unwrap();
    assert_eq!(fields.phone.unwrap().as_str(), "+34612345678");
}

#[tokio::test]
async fn the_client_reports_token_usage() {
    let response = OfflineLlm::new()
        .chat(ChatRequest {
            messages: vec![ChatMessage::user("Hello, I'd like a quote")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!response.content.is_empty());
    assert!(response.usage.prompt > 0 && response.usage.completion > 0);
}

#[test]
fn odd_input_never_panics() {
    let long = "a".repeat(10_000);
    let long_mixed = "ñ@ 612 ¿? ".repeat(1_000);
    let odd = [
        "",
        " ",
        "🙂🙂🙂",
        "\u{0}\u{7}\u{1b}[31m",
        "????",
        "¿¡",
        "@",
        "+",
        "'s",
        "Still missing: name, email",
        "\u{202e}reversed",
        "İstanbul ǅ ﬁ",
        long.as_str(),
        long_mixed.as_str(),
    ];
    let llm = OfflineLlm::new();
    let systems = [
        String::new(),
        "Still missing: ".to_string(),
        "Still missing: name,,email,unknown".to_string(),
        "- name:\n- email: not an email\nStill missing: nothing".to_string(),
        engine_prompt(
            "You are the assistant of İ.",
            &LeadFields::default(),
            &LeadField::ALL,
        ),
    ];
    for system in &systems {
        for text in odd {
            for purpose in [ChatPurpose::Reply, ChatPurpose::Extraction] {
                let mut messages = Vec::new();
                if !system.is_empty() {
                    messages.push(ChatMessage::system(system.clone()));
                }
                messages.push(ChatMessage::assistant(text));
                messages.push(ChatMessage::user(text));
                let answer = llm.answer(&ChatRequest {
                    messages,
                    json_mode: purpose == ChatPurpose::Extraction,
                    purpose,
                    ..Default::default()
                });
                assert!(!answer.is_empty());
                if purpose == ChatPurpose::Extraction {
                    parse_extraction_json(&answer, None).expect("always a JSON object");
                }
            }
        }
    }
    // No messages at all.
    assert!(!llm.answer(&ChatRequest::default()).is_empty());
}
