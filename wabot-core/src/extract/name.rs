//! The customer's name, from explicit phrases ("my name is", "me llamo", "je m'appelle"…).
//!
//! Explicit phrases accept a name typed in lower case (`me llamo ana`). Loose phrases ("I'm",
//! "soy", "this is") accept only a capitalised word that is not a common word, so "I'm fine",
//! "I'm interested" or "soy de Madrid" give no name.

use super::{
    Certainty, Context, gazetteer,
    text::{Gap, Token, is_organisation, phrase_at, tidy_case, tokenize},
    vocab,
};
use crate::domain::{LeadField, PersonName};

/// The name the customer gives as their own, if a phrase introduces it or the message answers
/// the bot's question for the name; with how sure that is.
pub(super) fn find(tokens: &[Token<'_>], context: &Context<'_>) -> Option<(PersonName, Certainty)> {
    let region = context.region;
    let stated = explicit_name(tokens)
        .or_else(|| loose_name(tokens).filter(|w| !well_known_place(w, region)))
        .map(|w| (w, Certainty::Stated));
    let inferred = || {
        context
            .asked
            .asks(LeadField::Name)
            .then(|| reply_name(tokens))
            .flatten()
            .or_else(|| speaking_name(tokens))
            .or_else(|| signature_name(tokens))
            .filter(|w| !well_known_place(w, region))
            .map(|w| (w, Certainty::Inferred))
    };
    let (words, certainty) = stated.or_else(inferred)?;
    let name = PersonName::parse(&tidy_case(&words)).ok()?;
    Some((name, certainty))
}

/// "Valencia" sent as the name: a place of 100,000 inhabitants or more in the contact's own
/// country (any country when it is unknown) is not taken as a name without an explicit
/// phrase. Smaller places and foreign cities share their names with people (Paris, Florence).
fn well_known_place(words: &[String], region: Option<&str>) -> bool {
    let tokens = tokenize_words(words);
    gazetteer::is_place(&tokens, region)
        .is_some_and(|f| (f.own_country || region.is_none()) && f.population_k >= 100)
}

fn tokenize_words(words: &[String]) -> Vec<Token<'_>> {
    words.iter().flat_map(|w| tokenize(w)).collect()
}

/// A short reply to the bot's question for the name: the longest clause that is a name
/// ("Javier Lasheras", "Con Iria. Mi correo es…", "Mackenzie. Fiona Mackenzie", "sorry, Liam"),
/// after words that open a reply ("sure", "claro", "con", "de", "soy"); or a whole message of
/// one lower-case word after such words ("dre", "claro, soy luis"). Greetings, acknowledgements
/// and e-mail addresses are not names.
fn reply_name(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    if tokens.len() > 12 {
        return None;
    }
    let opener = |t: &Token<'_>| {
        vocab::REPLY_OPENERS.contains(&t.folded.as_str())
            || matches!(t.folded.as_str(), "de" | "soy" | "sou" | "i'm" | "im")
    };
    let acceptable = |t: &Token<'_>| {
        !vocab::NOT_NAMES_IN_REPLIES.contains(&t.folded.as_str())
            && !vocab::GREETINGS.contains(&t.folded.as_str())
    };
    let mut best: Option<Vec<String>> = None;
    for start in (0..tokens.len()).filter(|&k| k == 0 || tokens[k].gap >= Gap::Soft) {
        let mut s = start;
        while s < tokens.len() && (s == start || tokens[s].gap == Gap::Space) && opener(&tokens[s])
        {
            s += 1;
        }
        // "é a Tati", "soy el Quique": an article before a capitalised name.
        if tokens.get(s).is_some_and(|t| {
            (s > start || s == 0) && matches!(t.lower.as_str(), "a" | "o" | "la" | "el")
        }) && tokens
            .get(s + 1)
            .is_some_and(|t| t.gap == Gap::Space && t.is_capitalised())
        {
            s += 1;
        }
        let Some(first) = tokens.get(s) else { break };
        if s > start && first.gap != Gap::Space {
            continue;
        }
        let only_openers_before = tokens[..s].iter().all(&opener);
        let mode = if first.is_capitalised() {
            Mode::Loose
        } else if only_openers_before && s + 1 == tokens.len() {
            Mode::Greeted
        } else {
            continue;
        };
        let Some((words, end)) = capture(tokens, s, mode) else {
            continue;
        };
        let closes = tokens.get(end).is_none_or(|t| t.gap >= Gap::Soft);
        if closes
            && tokens[s..end].iter().all(acceptable)
            && best.as_ref().is_none_or(|b| words.len() > b.len())
        {
            best = Some(words);
        }
    }
    best
}

/// "My name is …", "me llamo …", "Name: …".
fn explicit_name(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    (0..tokens.len()).find_map(|i| {
        let after = vocab::NAME_PHRASES
            .iter()
            .find(|p| phrase_at(tokens, i, p))
            .map(|p| i + p.len())
            .or_else(|| label_at(tokens, i))?;
        if preceded_by_negation(tokens, i) {
            return None;
        }
        capture_after(tokens, after, Mode::Explicit).map(|(words, _)| words)
    })
}

/// "I'm Ana", "soy Pedro", "this is Mark Evans"; in lower case only right after a greeting.
fn loose_name(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    (0..tokens.len()).find_map(|i| {
        let phrase = vocab::NAME_LOOSE.iter().find(|p| phrase_at(tokens, i, p))?;
        if preceded_by_negation(tokens, i) {
            return None;
        }
        let greeted = i <= 2 && vocab::GREETINGS.contains(&tokens[0].folded.as_str());
        let mode = if greeted { Mode::Greeted } else { Mode::Loose };
        let mut start = i + phrase.len();
        // "Sou a Carla", "aqui é o João", "soy la licenciada Patricia Gómez": an article, and
        // maybe a profession, before the name.
        let articles: &[&str] = match *phrase {
            ["sou"] | ["aqui", "e"] | ["eu", "sou"] => &["a", "o"],
            ["soy"] => &["la", "el"],
            _ => &[],
        };
        if tokens
            .get(start)
            .is_some_and(|t| articles.contains(&t.lower.as_str()))
        {
            let mut k = start + 1;
            if tokens.get(k).is_some_and(|t| {
                t.gap == Gap::Space && vocab::PROFESSIONS.contains(&t.folded.as_str())
            }) {
                k += 1;
            }
            if tokens
                .get(k)
                .is_some_and(|t| t.gap == Gap::Space && t.is_capitalised())
            {
                start = k;
            }
        }
        capture_after(tokens, start, mode).map(|(words, _)| words)
    })
}

/// "Ana here", "Hola, Ana aquí": capitalised words opening a clause, then "here".
fn speaking_name(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    (0..tokens.len()).find_map(|i| {
        let first = &tokens[i];
        if !(i == 0 || first.gap >= Gap::Soft) || !first.is_capitalised() {
            return None;
        }
        let (words, end) = capture(tokens, i, Mode::Loose)?;
        let here = tokens.get(end)?;
        let closes = tokens.get(end + 1).is_none_or(|t| t.starts_clause());
        (here.gap == Gap::Space && vocab::HERE.contains(&here.folded.as_str()) && closes)
            .then_some(words)
    })
}

/// "Regards,\nDavid Brown": a formal sign-off, then a capitalised name closing its line.
fn signature_name(tokens: &[Token<'_>]) -> Option<Vec<String>> {
    (0..tokens.len()).find_map(|i| {
        let phrase = vocab::SIGN_OFFS.iter().find(|p| phrase_at(tokens, i, p))?;
        let start = i + phrase.len();
        let first = tokens.get(start)?;
        if !(first.gap >= Gap::Soft && first.is_capitalised()) {
            return None;
        }
        let (words, end) = capture(tokens, start, Mode::Loose)?;
        tokens
            .get(end)
            .is_none_or(|t| t.gap == Gap::Hard)
            .then_some(words)
    })
}

/// Where the name (or whatever follows a loose "I'm") starts after a phrase at `i`, plus the
/// index just past the name. Used by the location extractor for "I'm Ana from Madrid".
pub(super) fn loose_name_end(tokens: &[Token<'_>], i: usize) -> Option<usize> {
    let phrase = vocab::NAME_LOOSE.iter().find(|p| phrase_at(tokens, i, p))?;
    capture_after(tokens, i + phrase.len(), Mode::Loose).map(|(_, end)| end)
}

/// A label such as `Name:` at the start of a clause, followed by a colon: the index after it.
fn label_at(tokens: &[Token<'_>], i: usize) -> Option<usize> {
    if !(i == 0 || tokens[i].gap >= Gap::Soft) {
        return None;
    }
    vocab::NAME_LABELS.iter().find_map(|label| {
        let words: Vec<&str> = label.split(' ').collect();
        let next = tokens.get(i + words.len())?;
        (phrase_at(tokens, i, &words) && next.gap == Gap::Colon).then_some(i + words.len())
    })
}

/// "No me llamo…", "not": the phrase is denied.
fn preceded_by_negation(tokens: &[Token<'_>], i: usize) -> bool {
    i > 0
        && tokens[i].gap == Gap::Space
        && matches!(
            tokens[i - 1].folded.as_str(),
            "no" | "not" | "nicht" | "non" | "nao" | "ne"
        )
}

/// Whether a token can be part of a name.
fn name_word(t: &Token<'_>) -> bool {
    t.is_word()
        && t.text.chars().count() >= 2
        && !t.lower.ends_with("'s")
        && !vocab::NOT_NAMES.contains(&t.folded.as_str())
        && !t.is_conjunction()
}

/// How sure the phrase before a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// "my name is": a lower-case name is accepted.
    Explicit,
    /// "I'm", "soy": a capitalised name only.
    Loose,
    /// "hi im …": one lower-case word closing the clause is accepted.
    Greeted,
}

/// [`capture`] right after a phrase: nothing but spaces or a colon may come between.
fn capture_after(tokens: &[Token<'_>], start: usize, mode: Mode) -> Option<(Vec<String>, usize)> {
    if tokens.get(start)?.gap > Gap::Colon {
        return None;
    }
    capture(tokens, start, mode)
}

/// The name words starting at `start` and the index just past them.
fn capture(tokens: &[Token<'_>], start: usize, mode: Mode) -> Option<(Vec<String>, usize)> {
    let mut first = tokens.get(start)?;
    let mut words = Vec::new();
    let mut start = start;
    // "Dr. Patel": a title, its dot, then the name.
    if vocab::TITLES.contains(&first.folded.as_str())
        && first.is_capitalised()
        && let Some(next) = tokens.get(start + 1)
    {
        let dotted = next.gap == Gap::Hard && next.start <= first.end + 2;
        if (next.gap == Gap::Space || dotted) && next.is_capitalised() && name_word(next) {
            words.push(if dotted {
                format!("{}.", first.text)
            } else {
                first.text.to_string()
            });
            start += 1;
            first = next;
        }
    }
    if !name_word(first) {
        return None;
    }
    words.push(first.text.to_string());
    let mut end = start + 1;
    if first.is_capitalised() {
        // More capitalised words, with particles between them ("María de la Cruz").
        while words.len() < 5 {
            let mut k = end;
            while tokens.get(k).is_some_and(|t| {
                t.gap == Gap::Space && vocab::PARTICLES.contains(&t.lower.as_str())
            }) {
                k += 1;
            }
            // "Soy Ana de Madrid": after a loose phrase, a lone "de" after the first name says
            // where the customer is from, not a surname.
            let origin = mode != Mode::Explicit
                && words.len() == 1
                && k == end + 1
                && matches!(tokens[end].lower.as_str(), "de" | "da" | "di" | "do");
            if origin {
                break;
            }
            match tokens.get(k) {
                Some(t) if t.gap == Gap::Space && t.is_capitalised() && name_word(t) => {
                    words.extend(tokens[end..=k].iter().map(|t| t.text.to_string()));
                    end = k + 1;
                }
                _ => break,
            }
        }
    } else if mode == Mode::Explicit {
        // Lower case: the rest of the clause is the name only when it is short ("me llamo
        // juan carlos"); otherwise just the first word ("me llamo ana quiero info").
        let rest: Vec<&Token<'_>> = tokens[end..]
            .iter()
            .take_while(|t| t.gap == Gap::Space && !t.is_conjunction())
            .take(2)
            .collect();
        let clause_ends = tokens
            .get(end + rest.len())
            .is_none_or(|t| t.starts_clause());
        if clause_ends && rest.iter().all(|t| name_word(t) && !t.is_capitalised()) {
            words.extend(rest.iter().map(|t| t.text.to_string()));
            end += rest.len();
        }
    } else if mode == Mode::Greeted {
        if !tokens.get(end).is_none_or(|t| t.starts_clause()) {
            return None;
        }
    } else {
        return None;
    }
    if words.len() > 5 || is_organisation(&words) || belongs_to_someone_else(tokens, end) {
        return None;
    }
    Some((words, end))
}

/// "This is Ana, my boss": the name is followed by an apposition saying it is someone else.
fn belongs_to_someone_else(tokens: &[Token<'_>], end: usize) -> bool {
    let (Some(owner), Some(relation)) = (tokens.get(end), tokens.get(end + 1)) else {
        return false;
    };
    let apposition_ends = tokens.get(end + 2).is_none_or(|t| t.gap >= Gap::Soft);
    matches!(
        owner.folded.as_str(),
        "my" | "mi"
            | "meu"
            | "minha"
            | "mon"
            | "ma"
            | "mein"
            | "meine"
            | "mio"
            | "mia"
            | "the"
            | "el"
            | "la"
            | "his"
            | "her"
            | "our"
    ) && vocab::THIRD_PARTY.contains(&relation.folded.trim_end_matches("'s"))
        && apposition_ends
}

#[cfg(test)]
mod tests {
    use super::{super::text::tokenize, *};

    fn name(text: &str) -> Option<String> {
        find(&tokenize(text), &Context::default()).map(|(n, _)| n.to_string())
    }

    #[test]
    fn explicit_phrases_give_the_name_in_any_case() {
        assert_eq!(
            name("Hi, my name is Ana López").as_deref(),
            Some("Ana López")
        );
        assert_eq!(name("me llamo juan carlos").as_deref(), Some("Juan Carlos"));
        assert_eq!(name("me llamo ana quiero info").as_deref(), Some("Ana"));
        assert_eq!(name("Je m’appelle Élodie.").as_deref(), Some("Élodie"));
        assert_eq!(
            name("Name: María de la Cruz").as_deref(),
            Some("María de la Cruz")
        );
    }

    #[test]
    fn loose_phrases_need_a_capitalised_uncommon_word() {
        assert_eq!(name("I'm Ana").as_deref(), Some("Ana"));
        assert_eq!(name("I am Dr. Patel").as_deref(), Some("Dr. Patel"));
        assert_eq!(name("Sou a Carla").as_deref(), Some("Carla"));
        assert_eq!(name("I'm Don").as_deref(), Some("Don"));
        assert_eq!(name("hi im sarah, email me").as_deref(), Some("Sarah"));
        assert_eq!(
            name("Hi there! Ana here, looking for a quote").as_deref(),
            Some("Ana")
        );
        assert_eq!(
            name("Regards,\nDavid Brown\n+44 7911 123456").as_deref(),
            Some("David Brown")
        );
        assert_eq!(name("Soy Pedro, buenas").as_deref(), Some("Pedro"));
        assert_eq!(name("Soy Ana de Sevilla").as_deref(), Some("Ana"));
        assert_eq!(
            name("me llamo Ana de Castro").as_deref(),
            Some("Ana de Castro")
        );
        assert_eq!(
            name("Hi, I'm Ana, my husband and I want a quote").as_deref(),
            Some("Ana")
        );
        for text in [
            "I'm fine",
            "I'm Interested",
            "soy de Madrid",
            "I'm from Lisbon",
            "im ana",
            "I'm a Doctor",
            "hi im interested",
            "Thanks, Sofia",
            "Hello, this is Acme Plumbing",
        ] {
            assert_eq!(name(text), None, "{text}");
        }
    }

    fn reply(text: &str, region: &str, bot_asked: &str) -> Option<(String, Certainty)> {
        let context = Context {
            region: Some(region),
            asked: crate::extract::Asked::from_bot_messages([bot_asked]),
            ..Context::default()
        };
        find(&tokenize(text), &context).map(|(n, c)| (n.to_string(), c))
    }

    #[test]
    fn a_short_reply_to_the_bots_question_is_the_name() {
        let asked = "¿Cómo te llamas?";
        for (text, want) in [
            ("Javier Lasheras", "Javier Lasheras"),
            ("Con Iria. Mi correo es iria@example.com", "Iria"),
            ("Mackenzie. Fiona Mackenzie", "Fiona Mackenzie"),
            ("sorry, Liam", "Liam"),
            ("dre", "Dre"),
            ("claro, soy luis", "Luis"),
            ("Dr. Anita Shah, anita@shahdental.com", "Dr. Anita Shah"),
            ("Chloe, 07911 123456", "Chloe"),
        ] {
            assert_eq!(
                reply(text, "ES", asked),
                Some((want.to_string(), Certainty::Inferred)),
                "{text}"
            );
        }
        for text in [
            "Hola",
            "Good morning",
            "Oi",
            "john.doe@gmail.com",
            "prefiero no darlo",
            "Perfecto",
            "Valencia",
            "de Granada",
        ] {
            assert_eq!(reply(text, "ES", asked), None, "{text}");
        }
        assert_eq!(reply("Javier", "ES", "¿Y un teléfono?"), None, "not asked");
        // A small place abroad shares its name with people.
        assert_eq!(
            reply("Paris", "US", "What's your name?")
                .map(|(n, _)| n)
                .as_deref(),
            Some("Paris")
        );
    }

    #[test]
    fn introductions_are_stated() {
        for (text, want) in [
            (
                "hi there, name's Priya, looking at your bathroom fitting service",
                "Priya",
            ),
            ("Contacto: Ben Walsh, ben.walsh@outlook.com", "Ben Walsh"),
            ("Soy la licenciada Patricia Gómez", "Patricia Gómez"),
            ("Pode me chamar de Duda", "Duda"),
            ("aqui é a Fernanda, da Mooca", "Fernanda"),
        ] {
            assert_eq!(
                reply(text, "ES", ""),
                Some((want.to_string(), Certainty::Stated)),
                "{text}"
            );
        }
    }

    #[test]
    fn other_peoples_names_are_ignored() {
        for text in [
            "my wife's name is Laura",
            "This is Ana, my boss",
            "this is Laura my wife",
            "I'm Pedro's assistant",
            "no me llamo Pedro",
        ] {
            assert_eq!(name(text), None, "{text}");
        }
    }
}
