//! Reading a chat request the way the offline model needs it: the engine's system prompt
//! (business, details collected, the `Still missing:` line) and the customer's turns, each with
//! the detail the bot had just asked for.

use wabot_core::{
    domain::{Email, LeadField, LeadFields, Location, PersonName, Phone},
    extract::parse_message,
    ports::{ChatMessage, ChatRole},
};

use super::phrases::CONFIRMED_MARKERS;

/// The line of the engine's system prompt listing the fields still missing.
pub(super) const MISSING_PREFIX: &str = "Still missing:";

/// The fields a bot asks for when the prompt does not say (the engine's default).
const DEFAULT_REQUIRED: [LeadField; 3] = [LeadField::Name, LeadField::Email, LeadField::Phone];

/// One customer message and the detail the bot's previous message asked for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Turn<'a> {
    /// What the bot asked right before, if it asked for a detail.
    pub(super) asked: Option<LeadField>,
    /// The customer's text.
    pub(super) text: &'a str,
}

/// A chat request, read.
#[derive(Debug, Default)]
pub(super) struct Conversation<'a> {
    /// The system prompt(s), joined.
    pub(super) system: String,
    /// The customer's messages in order.
    pub(super) turns: Vec<Turn<'a>>,
    /// The bot's messages in order.
    pub(super) assistant: Vec<&'a str>,
}

impl<'a> Conversation<'a> {
    /// Reads the messages of a request.
    pub(super) fn read(messages: &'a [ChatMessage]) -> Self {
        let mut convo = Conversation::default();
        let mut asked = None;
        for message in messages {
            match message.role {
                ChatRole::System => {
                    if !convo.system.is_empty() {
                        convo.system.push('\n');
                    }
                    convo.system.push_str(&message.content);
                }
                ChatRole::Assistant => {
                    asked = asked_field(&message.content);
                    convo.assistant.push(&message.content);
                }
                ChatRole::User => {
                    convo.turns.push(Turn {
                        asked,
                        text: &message.content,
                    });
                    asked = None;
                }
            }
        }
        convo
    }

    /// The newest customer message.
    pub(super) fn last_turn(&self) -> Option<Turn<'a>> {
        self.turns.last().copied()
    }

    /// The fields the `Still missing:` line lists, if the prompt has one.
    pub(super) fn missing_line(&self) -> Option<Vec<LeadField>> {
        let line = self.system.lines().find_map(|l| {
            let l = l.trim();
            l.strip_prefix(MISSING_PREFIX)
        })?;
        Some(
            line.split(',')
                .filter_map(
                    |f| match f.trim().trim_end_matches('.').to_lowercase().as_str() {
                        "name" => Some(LeadField::Name),
                        "email" => Some(LeadField::Email),
                        "phone" => Some(LeadField::Phone),
                        "location" => Some(LeadField::Location),
                        _ => None,
                    },
                )
                .collect(),
        )
    }

    /// The details the prompt lists as collected (`- name: Ana`), validated.
    fn prompt_fields(&self) -> LeadFields {
        let mut fields = LeadFields::default();
        for line in self.system.lines() {
            let Some(item) = line.trim().strip_prefix("- ") else {
                continue;
            };
            let Some((key, value)) = item.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "name" => fields.name = PersonName::parse(value).ok(),
                "email" => fields.email = Email::parse(value).ok(),
                "phone" => fields.phone = Phone::parse(value, None).ok(),
                "location" => fields.location = Location::parse(value).ok(),
                _ => {}
            }
        }
        fields
    }

    /// What one customer message gives: the parsers' findings, or a bare answer ("Ana",
    /// "Madrid") to the name or place the bot had just asked for.
    pub(super) fn given(turn: Turn<'_>) -> LeadFields {
        let found = parse_message(turn.text, None);
        if found != LeadFields::default() {
            return found;
        }
        match turn.asked {
            Some(field @ (LeadField::Name | LeadField::Location)) => {
                bare_answer(turn.text, field, false)
            }
            _ => found,
        }
    }

    /// Whether the prompt lists `field` as collected.
    pub(super) fn prompt_has(&self, field: LeadField) -> bool {
        self.prompt_fields().has(field)
    }

    /// Everything known: the prompt's list, then what the customer's messages give.
    pub(super) fn known(&self) -> LeadFields {
        let mut fields = self.prompt_fields();
        for turn in &self.turns {
            fields.merge(Self::given(*turn), false);
        }
        fields
    }

    /// The fields still to collect, in asking order: the prompt's line (minus what the newest
    /// message just gave), or, without a line, the default fields not yet known.
    pub(super) fn missing(&self, known: &LeadFields, given_now: &LeadFields) -> Vec<LeadField> {
        match self.missing_line() {
            Some(line) => line.into_iter().filter(|f| !given_now.has(*f)).collect(),
            None => known.missing(&DEFAULT_REQUIRED),
        }
    }

    /// Fields the customer declined to give, in any message.
    pub(super) fn declined(&self) -> Vec<LeadField> {
        let mut out = Vec::new();
        for turn in &self.turns {
            for field in declined(*turn) {
                if !out.contains(&field) {
                    out.push(field);
                }
            }
        }
        out
    }

    /// Whether the bot already confirmed it has everything.
    pub(super) fn confirmed(&self) -> bool {
        self.assistant
            .iter()
            .any(|m| CONFIRMED_MARKERS.iter().any(|k| m.contains(k)))
    }

    /// The business named in the prompt's first sentence, when it is short and clear.
    pub(super) fn business(&self) -> Option<String> {
        business(&self.system)
    }
}

/// The fields an extraction request's customer messages give, as a model would read them:
/// each message parsed, newer values winning; a short capitalised message after the first
/// ("Ana", "Madrid") answers the bot's question, i.e. the name, or the place once the name is
/// known.
pub(super) fn extraction_fields<'a>(customer_texts: impl Iterator<Item = &'a str>) -> LeadFields {
    let mut fields = LeadFields::default();
    for (i, text) in customer_texts.enumerate() {
        let mut found = parse_message(text, None);
        if found == LeadFields::default() && i > 0 {
            let field = if fields.name.is_none() {
                LeadField::Name
            } else {
                LeadField::Location
            };
            found = bare_answer(text, field, true);
        }
        fields.merge(found, true);
    }
    fields
}

/// Words that are not a name or a place when sent alone (lower case).
#[rustfmt::skip]
const NOT_ANSWERS: &[&str] = &[
    "hi", "hello", "hey", "hola", "buenas", "buenos", "dias", "días", "tardes", "noches", "yes",
    "no", "ok", "okay", "vale", "si", "sí", "claro", "perfect", "perfecto", "thanks", "thank",
    "you", "gracias", "great", "genial", "good", "bien", "fine", "sure", "info", "information",
    "información", "informacion", "price", "precio", "prices", "precios", "help", "ayuda", "quote",
    "presupuesto", "cita", "appointment", "please", "por", "favor", "bye", "adiós", "adios",
    "hasta", "luego", "why", "what", "who", "qué", "que", "quién", "porque", "cool", "nice",
    "great", "morning", "evening", "afternoon", "and", "y", "the", "el", "la", "me", "mi", "my",
    "i", "yo", "not", "nope", "nada", "nothing", "later", "después", "despues", "mañana",
    "tomorrow", "today", "hoy", "urgent", "urgente", "lol", "jaja", "haha", "menu", "menú", "start",
    "stop", "test", "prueba",
    "hmm", "mmm", "uh", "um", "eh", "ah", "oh", "huh", "wow", "vaya", "bueno", "pues", "sorry",
    "perdón", "perdon",
];

/// Whether a word has a vowel, as names and places do ("hmm" and "brb" do not count).
fn has_vowel(word: &str) -> bool {
    word.chars()
        .any(|c| "aeiouyáéíóúàèìòùâêîôûäëïöüãõ".contains(c.to_lowercase().next().unwrap_or(c)))
}

/// A short message that is only a name or a place. With `strict`, every word must be
/// capitalised (used when the bot's question is not visible).
pub(super) fn bare_answer(text: &str, field: LeadField, strict: bool) -> LeadFields {
    let trimmed = text
        .trim()
        .trim_end_matches(['.', '!', ' '])
        .trim_start_matches(['¡']);
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let wordlike = |w: &&str| {
        w.chars().next().is_some_and(char::is_alphabetic)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | ','))
    };
    let plausible = (1..=4).contains(&words.len())
        && words.iter().all(wordlike)
        && words.iter().all(|w| has_vowel(w))
        && !words
            .iter()
            .any(|w| NOT_ANSWERS.contains(&w.trim_end_matches(',').to_lowercase().as_str()))
        && (!strict
            || words
                .iter()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase)));
    let mut fields = LeadFields::default();
    if !plausible {
        return fields;
    }
    let value = title_case(trimmed);
    match field {
        LeadField::Name => fields.name = PersonName::parse(&value.replace(',', "")).ok(),
        LeadField::Location => fields.location = Location::parse(&value).ok(),
        _ => {}
    }
    fields
}

/// `ana lópez` → `Ana López`; mixed case is kept.
fn title_case(text: &str) -> String {
    if text.chars().any(char::is_uppercase) {
        return text.to_string();
    }
    text.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The detail a bot message asks for: the field named in its last question.
pub(super) fn asked_field(text: &str) -> Option<LeadField> {
    let question_end = text.rfind('?')?;
    let start = text[..question_end]
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '.' | '!' | '?' | '¿'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let question = text[start..question_end].to_lowercase();
    const KEYS: [(LeadField, &[&str]); 4] = [
        (LeadField::Email, &["email", "e-mail", "correo"]),
        (
            LeadField::Phone,
            &["phone", "teléfono", "telefono", "número", "numero"],
        ),
        (
            LeadField::Location,
            &[
                "where", "city", "located", "based", "dónde", "ciudad", "zona",
            ],
        ),
        (
            LeadField::Name,
            &["name", "nombre", "llamas", "quién", "who am i"],
        ),
    ];
    KEYS.into_iter()
        .find(|(_, keys)| keys.iter().any(|k| question.contains(k)))
        .map(|(field, _)| field)
}

/// Phrases that decline to give something (lower case).
#[rustfmt::skip]
const DECLINE: &[&str] = &[
    "rather not", "prefer not", "don't want", "dont want", "do not want", "not comfortable",
    "won't give", "wont give", "will not give", "can't give", "cannot give", "don't have",
    "dont have", "do not have", "no thanks", "no thank you", "not now", "prefiero no", "no quiero",
    "mejor no", "no voy a", "no te voy", "no puedo dar", "no tengo", "no gracias", "ahora no",
    "paso de",
];

/// The fields one customer message declines: those it names, or the one just asked.
pub(super) fn declined(turn: Turn<'_>) -> Vec<LeadField> {
    let lower = turn.text.to_lowercase().replace('’', "'");
    let bare_no = matches!(
        lower.trim().trim_end_matches(['.', '!']),
        "no" | "nope" | "nah" | "no way" | "nop"
    );
    if !bare_no && !DECLINE.iter().any(|d| lower.contains(d)) {
        return Vec::new();
    }
    const KEYS: [(LeadField, &[&str]); 4] = [
        (LeadField::Name, &["name", "nombre"]),
        (LeadField::Email, &["email", "e-mail", "mail", "correo"]),
        (
            LeadField::Phone,
            &[
                "phone",
                "number",
                "teléfono",
                "telefono",
                "número",
                "numero",
                "móvil",
                "movil",
            ],
        ),
        (
            LeadField::Location,
            &[
                "location",
                "address",
                "city",
                "dirección",
                "direccion",
                "ciudad",
                "ubicación",
            ],
        ),
    ];
    let named: Vec<LeadField> = KEYS
        .into_iter()
        .filter(|(_, keys)| keys.iter().any(|k| lower.contains(k)))
        .map(|(field, _)| field)
        .collect();
    if named.is_empty() {
        turn.asked.into_iter().collect()
    } else {
        named
    }
}

/// Words that introduce the business in a prompt's first sentence (lower case).
#[rustfmt::skip]
const BUSINESS_INTROS: &[&str] = &[
    "assistant of ", "assistant for ", "assistant at ", "receptionist of ", "receptionist at ",
    "receptionist for ", "agent of ", "agent for ", "bot of ", "bot for ", "you work for ",
    "you work at ", "you represent ", "welcome to ", "asistente virtual de ", "asistente de ",
    "recepcionista de ", "trabajas para ", "trabajas en ", "representas a ",
];

/// Where a business name stops.
#[rustfmt::skip]
const BUSINESS_ENDS: &[&str] = &[
    ",", ";", ":", "(", " - ", " – ", " in ", " and ", " that ", " which ", " who ", " en ",
    " que ", " y ", " con ", " with ",
];

/// The business named in the first sentence of `system`, if short and clear.
fn business(system: &str) -> Option<String> {
    let sentence = system
        .split(['.', '!', '?', '\n'])
        .next()
        .unwrap_or_default()
        .trim();
    let lower = sentence.to_lowercase();
    if lower.len() != sentence.len() {
        return None;
    }
    let name = BUSINESS_INTROS
        .iter()
        .find_map(|intro| lower.find(intro).map(|i| &sentence[i + intro.len()..]))
        .or_else(|| {
            // "You are Sonrisa Dental's assistant".
            let at = lower.find("'s ")?;
            let start = lower
                .find("you are ")
                .map(|i| i + 8)
                .or_else(|| lower.find("eres ").map(|i| i + 5))?;
            (start < at).then(|| &sentence[start..at])
        })?;
    let lower_name = name.to_lowercase();
    let end = BUSINESS_ENDS
        .iter()
        .filter_map(|e| lower_name.find(e))
        .min()
        .unwrap_or(name.len());
    let name = name[..end].trim();
    let words = name.split_whitespace().count();
    let simple = (1..=5).contains(&words)
        && name.chars().count() <= 40
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && !name.contains(['{', '}', '<', '>', '"', '`']);
    simple.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_comes_from_a_simple_first_sentence() {
        assert_eq!(
            business(
                "You are the friendly assistant of Clínica Dental Sonrisa, a clinic in Madrid.\nMore."
            ),
            Some("Clínica Dental Sonrisa".into())
        );
        assert_eq!(
            business("You are Acme Plumbing's WhatsApp assistant."),
            Some("Acme Plumbing".into())
        );
        assert_eq!(
            business("Eres el asistente de Inmobiliaria Sol. Responde"),
            Some("Inmobiliaria Sol".into())
        );
        assert_eq!(business("Answer customers politely and briefly."), None);
        assert_eq!(
            business(
                "You are the assistant of the biggest and most loved chain of bakeries in the whole country."
            ),
            None
        );
    }

    #[test]
    fn the_missing_line_and_collected_details_are_read() {
        let messages = [ChatMessage::system(
            "Bot.\nCustomer details collected so far: see below\n- name: Ana\nStill missing: email, phone\nWhile helping…",
        )];
        let convo = Conversation::read(&messages);
        assert_eq!(
            convo.missing_line(),
            Some(vec![LeadField::Email, LeadField::Phone])
        );
        assert_eq!(convo.known().name.unwrap().as_str(), "Ana");
        let nothing = [ChatMessage::system("Still missing: nothing")];
        assert_eq!(Conversation::read(&nothing).missing_line(), Some(vec![]));
    }

    #[test]
    fn a_bare_answer_fills_the_field_just_asked() {
        let messages = [
            ChatMessage::user("hola"),
            ChatMessage::assistant("¡Hola! ¿Cómo te llamas?"),
            ChatMessage::user("ana lópez"),
        ];
        let convo = Conversation::read(&messages);
        let turn = convo.last_turn().unwrap();
        assert_eq!(turn.asked, Some(LeadField::Name));
        assert_eq!(
            Conversation::given(turn).name.unwrap().as_str(),
            "Ana López"
        );
        assert_eq!(
            bare_answer("gracias", LeadField::Name, false),
            LeadFields::default()
        );
        assert_eq!(
            bare_answer("dental implants", LeadField::Name, true),
            LeadFields::default()
        );
    }

    #[test]
    fn declines_name_the_field_or_answer_the_question() {
        let turn = Turn {
            asked: Some(LeadField::Phone),
            text: "I'd rather not, sorry",
        };
        assert_eq!(declined(turn), vec![LeadField::Phone]);
        let turn = Turn {
            asked: None,
            text: "prefiero no dar mi correo",
        };
        assert_eq!(declined(turn), vec![LeadField::Email]);
        let turn = Turn {
            asked: Some(LeadField::Phone),
            text: "sure, 612 345 678",
        };
        assert!(declined(turn).is_empty());
    }

    #[test]
    fn extraction_reads_bare_answers_after_the_first_message() {
        let fields = extraction_fields(["Hola", "Ana", "ana@example.com", "Madrid"].into_iter());
        assert_eq!(fields.name.unwrap().as_str(), "Ana");
        assert_eq!(fields.email.unwrap().as_str(), "ana@example.com");
        assert_eq!(fields.location.unwrap().as_str(), "Madrid");
        let first_only = extraction_fields(["Madrid"].into_iter());
        assert_eq!(first_only, LeadFields::default());
    }
}
