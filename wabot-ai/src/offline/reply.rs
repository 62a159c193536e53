//! The offline model's reply: greet, acknowledge, answer simple questions, ask for the next
//! missing detail, confirm, close.

use wabot_core::{
    domain::{LeadField, LeadFields},
    ports::ChatMessage,
};

use super::{
    conversation::{Conversation, declined},
    lang,
    phrases::Phrases,
};

/// The reply to the conversation in `messages` (system prompt first, then the history).
pub(super) fn reply(messages: &[ChatMessage]) -> String {
    let convo = Conversation::read(messages);
    let lang = lang::of_conversation(convo.turns.iter().map(|t| t.text));
    let phrases = Phrases::of(lang);
    let mut say = Say {
        seed: conversation_hash(messages),
        previous: convo.assistant.last().copied().unwrap_or_default(),
        parts: Vec::new(),
    };

    let last = convo.last_turn();
    let given_now = last.map(Conversation::given).unwrap_or_default();
    let declined_now = last.map(declined).unwrap_or_default();
    let known = convo.known();
    let missing = convo.missing(&known, &given_now);
    let declined_ever = convo.declined();
    let next = missing.iter().find(|f| !declined_ever.contains(f)).copied();

    if convo.assistant.is_empty() {
        match convo.business() {
            Some(business) => say.pick(1, phrases.greet_business, &[("{b}", &business)]),
            None => say.pick(2, phrases.greet, &[]),
        }
    }
    // The engine reads national phone numbers with the contact's region, which the prompt
    // does not carry: an answer to the question just asked counts as given when the prompt
    // now lists that detail as collected.
    let answered_ask = last
        .and_then(|t| t.asked)
        .is_some_and(|f| convo.prompt_has(f) && !missing.contains(&f));
    let gave_something = given_now != LeadFields::default() || answered_ask;
    let confirming = next.is_none() && !convo.confirmed();
    if let Some(name) = &given_now.name {
        let first = name.as_str().split_whitespace().next().unwrap_or_default();
        say.pick(3, phrases.thanks_name, &[("{name}", first)]);
    } else if !declined_now.is_empty() {
        say.pick(5, phrases.declined, &[]);
    } else if gave_something && !(confirming && missing.is_empty()) {
        say.pick(4, phrases.thanks, &[]);
    }
    let answered = match last.and_then(|t| question(t.text)) {
        Some(kind) => {
            let lines = match kind {
                Question::Price => phrases.price,
                Question::Hours => phrases.hours,
                Question::Other => phrases.question,
            };
            say.pick(6, lines, &[]);
            true
        }
        None => false,
    };
    if let Some(field) = next {
        say.pick(7, phrases.ask(field), &[]);
    } else if !convo.confirmed() {
        let summary = summary(phrases, &known, &given_now);
        let template = if !missing.is_empty() {
            phrases.confirm_partial
        } else if summary.is_empty() {
            phrases.confirm_bare
        } else {
            phrases.confirm
        };
        say.parts.push(template.replace("{summary}", &summary));
    } else if !answered {
        say.pick(8, phrases.closing, &[]);
    }
    say.parts.join(" ")
}

/// The reply being built.
struct Say<'a> {
    /// Varies the wording, from the conversation so the same input gives the same reply.
    seed: u64,
    /// The bot's previous message: no sentence of it is said again.
    previous: &'a str,
    /// Sentences so far.
    parts: Vec<String>,
}

impl Say<'_> {
    /// Adds one of `options` (chosen by the seed and `slot`), skipping any the previous
    /// message already said, with `{placeholders}` filled.
    fn pick(&mut self, slot: u64, options: &[&str], fill: &[(&str, &str)]) {
        if options.is_empty() {
            return;
        }
        let render = |template: &str| {
            fill.iter()
                .fold(template.to_string(), |text, (key, value)| {
                    text.replace(key, value)
                })
        };
        let start = (mix(self.seed, slot) % options.len() as u64) as usize;
        let chosen = (0..options.len())
            .map(|k| render(options[(start + k) % options.len()]))
            .find(|text| !self.previous.contains(text.as_str()))
            .unwrap_or_else(|| render(options[start]));
        self.parts.push(chosen);
    }
}

/// The kind of question a customer asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Question {
    /// About prices.
    Price,
    /// About opening hours.
    Hours,
    /// Anything else.
    Other,
}

/// Whether `text` asks something, and about what.
fn question(text: &str) -> Option<Question> {
    let lower = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let words = lower.split_whitespace().count();
    let asks = lower.contains('?')
        || lower.contains('¿')
        || [
            "how much", "how many", "what ", "when ", "do you", "can i", "cuánto", "cuanto",
            "cuándo", "qué ", "tienen", "hay ",
        ]
        .iter()
        .any(|w| lower.starts_with(w));
    if !asks {
        return None;
    }
    Some(
        if has(&[
            "price",
            "cost",
            "how much",
            "fee",
            "quote",
            "precio",
            "cuánto",
            "cuanto",
            "cuesta",
            "tarifa",
            "presupuesto",
            "€",
            "$",
        ]) {
            Question::Price
        } else if has(&[
            "hours", "open", "close", "horario", "abren", "abierto", "cierran", "abrís",
        ]) {
            Question::Hours
        } else if words >= 3 {
            Question::Other
        } else {
            // "what?", "??": confusion rather than a question; the bot just asks again.
            return None;
        },
    )
}

/// "name Ana, email ana@example.com, phone +34…", in asking order.
fn summary(phrases: &Phrases, known: &LeadFields, given_now: &LeadFields) -> String {
    let mut all = known.clone();
    all.merge(given_now.clone(), false);
    LeadField::ALL
        .into_iter()
        .filter_map(|field| {
            let value = match field {
                LeadField::Name => all.name.as_ref().map(|v| v.to_string()),
                LeadField::Email => all.email.as_ref().map(|v| v.to_string()),
                LeadField::Phone => all.phone.as_ref().map(|v| v.to_string()),
                LeadField::Location => all.location.as_ref().map(|v| v.to_string()),
            };
            value.map(|v| format!("{} {v}", phrases.label(field)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// FNV-1a over the roles and texts: stable across runs and platforms.
fn conversation_hash(messages: &[ChatMessage]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for message in messages {
        let role = format!("{:?}", message.role);
        for byte in role.bytes().chain(message.content.bytes()).chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A different pseudo-random number per slot from one seed (splitmix64 step).
fn mix(seed: u64, slot: u64) -> u64 {
    let mut z = seed.wrapping_add(slot.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
