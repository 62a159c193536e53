//! Where the customer is, from phrases ("I live in", "vivo en", "j'habite à", "ich wohne in"…).
//!
//! Firm phrases ("I live in", "based in", "vivo en") win over loose ones ("I'm in", "estoy en",
//! "soy de"); among equals the last one wins ("ya no vivo en Madrid, ahora vivo en Valencia").

use super::{
    name,
    text::{Gap, Token, is_organisation, phrase_at, tidy_case},
    vocab,
};
use crate::domain::Location;

/// The place the customer says they live or are, if a phrase introduces it.
pub(super) fn find(tokens: &[Token<'_>]) -> Option<Location> {
    let mut best: Option<(u8, Vec<&str>)> = None;
    for i in 0..tokens.len() {
        let firm = vocab::PLACE_PHRASES
            .iter()
            .find(|p| phrase_at(tokens, i, p))
            .map(|p| i + p.len())
            .or_else(|| label_at(tokens, i));
        let (rank, start) = match firm {
            Some(start) => (2, start),
            None => match vocab::PLACE_LOOSE.iter().find(|p| phrase_at(tokens, i, p)) {
                Some(p) => (1, i + p.len()),
                // "I'm Ana from Madrid", "Soy Ana de Sevilla".
                None => match name::loose_name_end(tokens, i) {
                    Some(end)
                        if tokens.get(end).is_some_and(|t| {
                            t.gap == Gap::Space
                                && matches!(t.folded.as_str(), "from" | "de" | "da" | "aus" | "di")
                        }) =>
                    {
                        (1, end + 1)
                    }
                    _ => continue,
                },
            },
        };
        if negated(tokens, i) {
            continue;
        }
        if let Some(words) = capture(tokens, start, rank == 2).filter(|w| !is_organisation(w))
            && best.as_ref().is_none_or(|(r, _)| rank >= *r)
        {
            best = Some((rank, words));
        }
    }
    let (_, words) = best?;
    Location::parse(&join_place(&words)).ok()
}

/// A label such as `City:` or `the address:` opening a clause, followed by a colon: the index
/// after it. Only an article or "my" may come before the label ("my wife's address:" is not
/// the customer's).
fn label_at(tokens: &[Token<'_>], i: usize) -> Option<usize> {
    let t = &tokens[i];
    let opens = i == 0
        || t.gap >= Gap::Soft
        || (t.gap == Gap::Space
            && matches!(
                tokens[i - 1].folded.as_str(),
                "the"
                    | "my"
                    | "our"
                    | "la"
                    | "mi"
                    | "a"
                    | "o"
                    | "meu"
                    | "minha"
                    | "mon"
                    | "ma"
                    | "l'adresse"
                    | "die"
                    | "meine"
                    | "il"
                    | "mio"
                    | "el"
            )
            && (i == 1 || tokens[i - 1].gap >= Gap::Soft || !tokens[i - 2].lower.ends_with("'s")));
    (opens
        && vocab::PLACE_LABELS.contains(&t.folded.as_str())
        && tokens.get(i + 1).is_some_and(|n| n.gap == Gap::Colon))
    .then_some(i + 1)
}

/// "No vivo en…", "ya no estoy en…", "I'm not in…".
fn negated(tokens: &[Token<'_>], i: usize) -> bool {
    i > 0
        && tokens[i].gap == Gap::Space
        && matches!(
            tokens[i - 1].folded.as_str(),
            "no" | "not" | "nicht" | "non" | "nao" | "ne" | "longer" | "never" | "nunca"
        )
}

/// Whether a token can be a word of a place name.
fn place_word(t: &Token<'_>) -> bool {
    t.is_word() && !vocab::NOT_PLACES.contains(&t.folded.as_str()) && !t.is_conjunction()
}

/// The place words starting at `start`, each with the separator to write before it. Capitalised
/// places continue over particles and commas ("Castellón de la Plana", "Porto, Portugal");
/// lower-case ones are taken only when short and closing the clause; `firm` phrases accept
/// lower case, loose ones only a short lower-case clause end.
fn capture<'a>(tokens: &[Token<'a>], start: usize, firm: bool) -> Option<Vec<&'a str>> {
    let mut start = start;
    let mut first = tokens.get(start)?;
    if first.gap > Gap::Colon {
        return None;
    }
    // "vivo en la calle Mayor 5": the article before a street word is not part of the place.
    if vocab::ARTICLES.contains(&first.folded.as_str())
        && tokens.get(start + 1).is_some_and(|t| {
            t.gap == Gap::Space && vocab::STREET_WORDS.contains(&t.folded.as_str())
        })
    {
        start += 1;
        first = &tokens[start];
    }
    let street = vocab::STREET_WORDS.contains(&first.folded.as_str());
    if !(place_word(first) || street) {
        return None;
    }
    let mut words = vec![first.text];
    let mut end = start + 1;
    if first.is_capitalised() || street {
        let mut commas = 0;
        while words.len() < 8 {
            let mut k = end;
            while tokens.get(k).is_some_and(|t| {
                t.gap == Gap::Space && vocab::PARTICLES.contains(&t.lower.as_str())
            }) {
                k += 1;
            }
            let Some(t) = tokens.get(k) else { break };
            let joins = t.gap == Gap::Space || (t.gap == Gap::Soft && t.comma && k == end);
            let fits = (t.is_capitalised() && place_word(t))
                || (street && t.text.chars().all(|c| c.is_ascii_digit()) && t.text.len() <= 5);
            if !(joins && fits) || (t.gap == Gap::Soft && commas >= 2) {
                break;
            }
            commas += usize::from(t.gap == Gap::Soft);
            for (n, tok) in tokens[end..=k].iter().enumerate() {
                if n == 0 && tok.gap == Gap::Soft {
                    words.push(",");
                }
                words.push(tok.text);
            }
            end = k + 1;
        }
        Some(words)
    } else {
        let rest: Vec<&Token<'_>> = tokens[end..]
            .iter()
            .take_while(|t| t.gap == Gap::Space && !t.is_conjunction())
            .take(3)
            .collect();
        let clause_ends = tokens
            .get(end + rest.len())
            .is_none_or(|t| t.starts_clause());
        // Particles may sit inside ("castellón de la plana"), not at the end.
        let all_place = rest.iter().enumerate().all(|(n, t)| {
            place_word(t) || (n + 1 < rest.len() && vocab::PARTICLES.contains(&t.lower.as_str()))
        });
        if clause_ends && all_place && (firm || rest.is_empty()) {
            words.extend(rest.iter().map(|t| t.text));
            Some(words)
        } else if firm {
            Some(words)
        } else {
            None
        }
    }
}

/// Joins place words, gluing commas to the word before.
fn join_place(words: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut pieces = Vec::new();
    for w in words {
        if *w == "," {
            pieces.push(tidy_case(&out));
            out.clear();
        } else {
            out.push(w);
        }
    }
    pieces.push(tidy_case(&out));
    pieces.join(", ")
}

#[cfg(test)]
mod tests {
    use super::{super::text::tokenize, *};

    fn place(text: &str) -> Option<String> {
        find(&tokenize(text)).map(|l| l.to_string())
    }

    #[test]
    fn firm_phrases_give_the_place() {
        assert_eq!(
            place("I live in Madrid, Spain.").as_deref(),
            Some("Madrid, Spain")
        );
        assert_eq!(
            place("vivo en castellón de la plana").as_deref(),
            Some("Castellón de la Plana")
        );
        assert_eq!(
            place("Ich wohne in Frankfurt am Main").as_deref(),
            Some("Frankfurt am Main")
        );
        assert_eq!(
            place("vivo en Calle Mayor 5, Madrid").as_deref(),
            Some("Calle Mayor 5, Madrid")
        );
        assert_eq!(place("City: Porto").as_deref(), Some("Porto"));
    }

    #[test]
    fn loose_phrases_need_a_place_like_word() {
        assert_eq!(place("I'm from Lisbon").as_deref(), Some("Lisbon"));
        assert_eq!(place("soy de sevilla").as_deref(), Some("Sevilla"));
        assert_eq!(place("I'm Ana from Madrid").as_deref(), Some("Madrid"));
        for text in [
            "I'm in a meeting",
            "estoy en casa",
            "I'm from the sales team",
            "estoy en ello",
            "This is Maria from Acme Corp",
        ] {
            assert_eq!(place(text), None, "{text}");
        }
    }

    #[test]
    fn the_firm_and_latest_place_wins() {
        assert_eq!(
            place("ya no vivo en Madrid, ahora vivo en Valencia").as_deref(),
            Some("Valencia")
        );
        assert_eq!(
            place("I'm from Porto but I live in Lyon").as_deref(),
            Some("Lyon")
        );
    }
}
