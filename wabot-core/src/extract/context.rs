//! The conversation around a customer message: what the bot last asked, and how what the
//! parsers found is merged into the lead.

use super::{
    text::{Token, phrase_at, tokenize},
    vocab,
};
use crate::{
    domain::{Direction, LeadField, LeadFields, Message, PersonName},
    ids::MessageId,
};

/// How many of the bot's latest messages are looked at for the question in force: a bot
/// message that asks nothing ("Nice to meet you, Paris!") leaves the one before in force.
const QUESTION_LOOKBACK: usize = 2;

/// The lead fields the bot's question in force asks for; a short reply is read as its answer
/// ("Leicester" after "Whereabouts are you?" is the location).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked {
    name: bool,
    location: bool,
}

impl Asked {
    /// No question in force: each message is read on its own.
    pub const NOTHING: Self = Self {
        name: false,
        location: false,
    };

    /// Reads the question in force from the bot's latest messages, newest first (the
    /// messages the bot or an agent sent before the customer's message, nothing after it).
    ///
    /// The newest message that asks something decides; one that asks nothing and has no
    /// question mark ("Nice to meet you, Paris!") is skipped, at most
    /// one such message. Only the name and the location are recognised: e-mail addresses and
    /// phone numbers are read wherever they are.
    ///
    /// ```
    /// use wabot_core::{domain::LeadField, extract::Asked};
    ///
    /// let asked = Asked::from_bot_messages(["Thanks! And your name?", "Where are you?"]);
    /// assert!(asked.asks(LeadField::Name) && !asked.asks(LeadField::Location));
    /// let asked = Asked::from_bot_messages(["Nice to meet you!", "Which town are you in?"]);
    /// assert!(asked.asks(LeadField::Location));
    /// ```
    pub fn from_bot_messages<'a>(newest_first: impl IntoIterator<Item = &'a str>) -> Self {
        for text in newest_first.into_iter().take(QUESTION_LOOKBACK) {
            let asked = Self::in_message(text);
            if asked != Self::NOTHING || text.contains('?') {
                return asked;
            }
        }
        Self::NOTHING
    }

    /// Whether the question asks for `field`.
    pub fn asks(self, field: LeadField) -> bool {
        match field {
            LeadField::Name => self.name,
            LeadField::Location => self.location,
            LeadField::Email | LeadField::Phone => false,
        }
    }

    /// What one bot message asks for.
    fn in_message(text: &str) -> Self {
        let tokens = tokenize(text);
        let has = |list: &[&str]| tokens.iter().any(|t| list.contains(&t.folded.as_str()));
        let name = has(vocab::ASK_NAME_WORDS)
            || (0..tokens.len()).any(|i| {
                vocab::ASK_NAME_PHRASES
                    .iter()
                    .any(|p| phrase_at(&tokens, i, p))
            });
        // "Where is the listing?" asks about something else; "where are you?" does not.
        let location = has(vocab::ASK_PLACE_WORDS)
            && (has(vocab::YOU) || !has(vocab::ASK_PLACE_OTHER))
            && !asks_about_someone_else(&tokens);
        Self { name, location }
    }
}

/// "Where does your wife live?": the question is about another person.
fn asks_about_someone_else(tokens: &[Token<'_>]) -> bool {
    const NOT_PEOPLE: &[&str] = &[
        "your", "yours", "tu", "tus", "su", "sus", "seu", "sua", "voce", "voces", "usted", "votre",
        "ton", "ta", "dein", "deine", "euer", "eure", "tuo", "tua", "vostro", "vostra", "vuestro",
        "vuestra",
    ];
    tokens.iter().any(|t| {
        let word = t.folded.as_str();
        vocab::THIRD_PARTY.contains(&word) && !NOT_PEOPLE.contains(&word)
    }) && !tokens.iter().any(|t| t.folded == "you")
}

/// What the parsers may know about the conversation beyond the message itself.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// ISO 3166 code of the customer's own number (`"ES"`): national phone formats, and the
    /// country whose places are preferred.
    pub region: Option<&'a str>,
    /// What the bot's question in force asks for.
    pub asked: Asked,
    /// The customer's earlier messages in the conversation, newest first. They tell whether
    /// the name already stored was stated by the customer (then a later introduction does not
    /// replace it) or only guessed.
    pub earlier: Vec<&'a str>,
}

impl<'a> Context<'a> {
    /// The context of the message `answering` in `recent` (the conversation's latest messages,
    /// oldest first, as [`crate::ports::MessageStore::recent_messages`] returns them): the
    /// bot's question in force and the customer's earlier messages. Messages after `answering`
    /// are ignored.
    pub fn from_history(
        region: Option<&'a str>,
        recent: &'a [Message],
        answering: MessageId,
    ) -> Self {
        let at = recent
            .iter()
            .position(|m| m.id == answering)
            .unwrap_or(recent.len());
        let before = &recent[..at];
        let of = |direction: Direction| {
            before
                .iter()
                .rev()
                .filter(move |m| m.direction == direction)
                .map(|m| m.body.as_str())
        };
        Self {
            region,
            asked: Asked::from_bot_messages(of(Direction::Outbound)),
            earlier: of(Direction::Inbound).collect(),
        }
    }

    /// How sure the stored `name` is: [`Certainty::Stated`] when one of the customer's earlier
    /// messages introduces them by it.
    fn certainty_of(&self, name: &PersonName) -> Certainty {
        let plain = Context {
            region: self.region,
            ..Context::default()
        };
        let stated = self.earlier.iter().any(|text| {
            let found = super::parse_reply(text, &plain);
            found.name_certainty == Some(Certainty::Stated)
                && found
                    .fields
                    .name
                    .is_some_and(|n| n == *name || completes(name, &n))
        });
        if stated {
            Certainty::Stated
        } else {
            Certainty::Inferred
        }
    }
}

/// How a name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// The customer introduced themselves ("my name is Ana", "I'm Ana", "soy Ana"): it
    /// corrects an earlier guess.
    Stated,
    /// Read from the shape of the conversation (a bare reply to the bot's question, a
    /// signature, "Ana here"): it fills a gap, or completes a shorter form of the same name.
    Inferred,
}

/// What [`super::parse_reply`] found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// The values, each valid.
    pub fields: LeadFields,
    /// How the name was found, when there is one.
    pub name_certainty: Option<Certainty>,
}

impl Findings {
    /// Merges the findings into a lead's fields and returns the fields that changed.
    ///
    /// E-mail and phone are strictly validated, so a newer one is a correction the customer
    /// typed and replaces the old one. A [`Certainty::Stated`] name corrects a stored name
    /// that was only guessed (none of the customer's [`Context::earlier`] messages states
    /// it), unless the stored one is a fuller form of it ("Ana López", then "soy Ana"); any
    /// name fills a gap or completes a shorter form ("Dani", then "Daniel Ortega"). A location
    /// only fills a gap, so a false positive never replaces a good value.
    pub fn merge_into(self, fields: &mut LeadFields, context: &Context<'_>) -> Vec<LeadField> {
        let (strict, heuristic) = self.fields.split_strict();
        let mut changed = fields.merge(strict, true);
        if let Some(name) = heuristic.name {
            let replace = match &fields.name {
                None => true,
                Some(old) if *old == name => false,
                Some(old) if completes(&name, old) => true,
                Some(old) => {
                    self.name_certainty == Some(Certainty::Stated)
                        && !completes(old, &name)
                        && context.certainty_of(old) == Certainty::Inferred
                }
            };
            if replace {
                fields.name = Some(name);
                changed.push(LeadField::Name);
            }
        }
        if let Some(location) = heuristic.location
            && fields.location.is_none()
        {
            fields.location = Some(location);
            changed.push(LeadField::Location);
        }
        changed
    }
}

/// Whether `fuller` is a longer form of `shorter`: every word of `shorter` begins a word of
/// `fuller` ("Dani" → "Daniel Ortega", "Mackenzie" → "Fiona Mackenzie").
fn completes(fuller: &PersonName, shorter: &PersonName) -> bool {
    let fold = |n: &PersonName| super::text::fold(&n.as_str().to_lowercase());
    let (fuller, shorter) = (fold(fuller), fold(shorter));
    fuller.len() > shorter.len()
        && shorter
            .split(' ')
            .all(|w| fuller.split(' ').any(|f| f.starts_with(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PersonName {
        PersonName::parse(text).unwrap()
    }

    fn found(text: &str, certainty: Certainty) -> Findings {
        Findings {
            fields: LeadFields {
                name: Some(name(text)),
                ..LeadFields::default()
            },
            name_certainty: Some(certainty),
        }
    }

    #[test]
    fn bot_questions_are_read_for_name_and_location() {
        let asks = |text: &str| {
            let a = Asked::from_bot_messages([text]);
            (a.asks(LeadField::Name), a.asks(LeadField::Location))
        };
        assert_eq!(asks("Hola, ¿cómo te llamas?"), (true, false));
        assert_eq!(asks("Who am I speaking with?"), (true, false));
        assert_eq!(asks("¿Desde qué ciudad saldrías?"), (false, true));
        assert_eq!(asks("Hi Priya! Whereabouts are you?"), (false, true));
        assert_eq!(asks("Em qual cidade você está?"), (false, true));
        assert_eq!(asks("Hi Maria! Where is the listing?"), (false, false));
        assert_eq!(asks("Where does your wife work?"), (false, false));
        assert_eq!(asks("Gracias Rafael, ¿un teléfono?"), (false, false));
        assert_eq!(
            asks("¿Cómo te llamas y de dónde eres?"),
            (true, true),
            "both"
        );
    }

    #[test]
    fn a_message_asking_nothing_leaves_the_question_before_in_force() {
        let asked = Asked::from_bot_messages(["Just to check!", "Where are you based?"]);
        assert!(asked.asks(LeadField::Location));
        let asked = Asked::from_bot_messages(["Any questions?", "Where are you based?"]);
        assert_eq!(asked, Asked::NOTHING);
    }

    #[test]
    fn a_stated_name_corrects_a_guess_and_a_guess_only_completes() {
        let mut fields = LeadFields::default();
        let guessed = Context {
            earlier: vec!["Valencia"],
            ..Context::default()
        };
        found("Valencia", Certainty::Inferred).merge_into(&mut fields, &guessed);
        found("Rocío", Certainty::Stated).merge_into(&mut fields, &guessed);
        assert_eq!(fields.name, Some(name("Rocío")));

        let stated = Context {
            earlier: vec!["la ciudad jaja, me llamo Rocío", "Valencia"],
            ..Context::default()
        };
        found("Marta", Certainty::Inferred).merge_into(&mut fields, &stated);
        assert_eq!(fields.name, Some(name("Rocío")), "a guess fills gaps only");
        found("Bea", Certainty::Stated).merge_into(&mut fields, &stated);
        assert_eq!(fields.name, Some(name("Rocío")), "a stated name stays");
        found("Rocío Vidal", Certainty::Inferred).merge_into(&mut fields, &stated);
        assert_eq!(fields.name, Some(name("Rocío Vidal")), "or is completed");
        let changed = found("Rocío", Certainty::Stated).merge_into(&mut fields, &stated);
        assert_eq!(
            fields.name,
            Some(name("Rocío Vidal")),
            "the fuller form stays"
        );
        assert!(changed.is_empty());
    }
}
