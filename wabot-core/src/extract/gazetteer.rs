//! The populated places the parsers know: GeoNames' places of at least 15,000 inhabitants in
//! the countries wabot's users are in, and large cities elsewhere, with alternate names
//! (`gazetteer.tsv`, rebuilt by `scripts/gazetteer/build.py`; GeoNames data, CC BY 4.0).
//!
//! Names are matched on whole tokens, folded for case and accents (`caceres` finds `Cáceres`),
//! longest first (`Mar del Plata` before `Mar`), preferring a place in the contact's own
//! country, then the most populous. The table is parsed once, on first use.

use std::{collections::HashMap, sync::OnceLock};

use super::{
    text::{Gap, Token, tokenize},
    vocab,
};

/// The embedded table: `country<TAB>population in thousands<TAB>name<TAB>alternates…`.
const DATA: &str = include_str!("gazetteer.tsv");

/// Longest place name matched, in tokens.
const MAX_WORDS: usize = 5;

/// One populated place.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// ISO 3166 code of its country.
    country: &'static str,
    /// Inhabitants, in thousands.
    population_k: u32,
}

/// Places by folded name (tokens joined by one space).
struct Gazetteer {
    places: Vec<Place>,
    by_key: HashMap<String, Vec<u32>>,
}

fn gazetteer() -> &'static Gazetteer {
    static TABLE: OnceLock<Gazetteer> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut places = Vec::new();
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        for line in DATA.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let (Some(country), Some(population)) = (fields.next(), fields.next()) else {
                continue;
            };
            let index = u32::try_from(places.len()).expect("fewer than 2^32 places");
            places.push(Place {
                country,
                population_k: population.parse().unwrap_or(0),
            });
            for name in fields {
                let Some(key) = key_of(name) else { continue };
                let entry = by_key.entry(key).or_default();
                if !entry.contains(&index) {
                    entry.push(index);
                }
            }
        }
        Gazetteer { places, by_key }
    })
}

/// The folded lookup key of a name, or `None` when it could never be told from an ordinary
/// word (a name that is a stop word of the supported languages, or too long).
fn key_of(name: &str) -> Option<String> {
    let tokens = tokenize(name);
    if tokens.is_empty() || tokens.len() > MAX_WORDS {
        return None;
    }
    if let [only] = tokens.as_slice()
        && is_stop_word(&only.folded)
    {
        return None;
    }
    Some(join(&tokens))
}

/// Words that are never a place on their own, even when some place is called so.
fn is_stop_word(folded: &str) -> bool {
    vocab::NOT_PLACES.contains(&folded)
        || vocab::NOT_NAMES.contains(&folded)
        || vocab::PARTICLES.contains(&folded)
        || vocab::CONJUNCTIONS.contains(&folded)
        || vocab::GREETINGS.contains(&folded)
        || vocab::MONTHS.contains(&folded)
}

fn join(tokens: &[Token<'_>]) -> String {
    let mut key = String::new();
    for (n, t) in tokens.iter().enumerate() {
        if n > 0 {
            key.push(' ');
        }
        key.push_str(&t.folded);
    }
    key
}

/// A known place found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    /// Index just past its last token.
    pub(super) end: usize,
    /// Whether it is in the contact's own country (`false` when that is unknown).
    pub(super) own_country: bool,
    /// Its inhabitants, in thousands.
    pub(super) population_k: u32,
}

impl Found {
    /// Whether a customer of `region` naming this place most likely means it: it is in their
    /// own country, or it is a large city (100,000 inhabitants or more), or their country is
    /// unknown.
    pub(super) fn plausible(&self, region: Option<&str>) -> bool {
        self.own_country || region.is_none() || self.population_k >= 100
    }
}

/// The longest known place whose words start at token `i`, separated by spaces only.
pub(super) fn place_at(tokens: &[Token<'_>], i: usize, region: Option<&str>) -> Option<Found> {
    let table = gazetteer();
    let longest = (i + MAX_WORDS).min(tokens.len());
    (i + 1..=longest).rev().find_map(|end| {
        if tokens[i + 1..end].iter().any(|t| t.gap != Gap::Space) {
            return None;
        }
        let candidates = table.by_key.get(&join(&tokens[i..end]))?;
        let best = candidates
            .iter()
            .map(|&p| table.places[p as usize])
            .max_by_key(|p| (region.is_some_and(|r| r == p.country), p.population_k))?;
        Some(Found {
            end,
            own_country: region.is_some_and(|r| r == best.country),
            population_k: best.population_k,
        })
    })
}

/// Whether `tokens` (all of them) name a known place.
pub(super) fn is_place(tokens: &[Token<'_>], region: Option<&str>) -> Option<Found> {
    place_at(tokens, 0, region).filter(|f| f.end == tokens.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, region: Option<&str>) -> Option<Found> {
        is_place(&tokenize(text), region)
    }

    #[test]
    fn names_match_folded_for_case_and_accents() {
        for text in [
            "Cáceres",
            "caceres",
            "MAR DEL PLATA",
            "Viña del Mar",
            "São Paulo",
        ] {
            assert!(found(text, None).is_some(), "{text}");
        }
        assert!(found("Lisbon", Some("PT")).is_some_and(|f| f.own_country));
        assert!(found("Saragossa", Some("ES")).is_some_and(|f| f.own_country));
    }

    #[test]
    fn the_contacts_own_country_is_preferred() {
        let valencia_es = found("Valencia", Some("ES")).unwrap();
        let valencia_ve = found("Valencia", Some("VE")).unwrap();
        assert!(valencia_es.own_country && valencia_ve.own_country);
        assert!(!found("Valencia", Some("GB")).unwrap().own_country);
    }

    #[test]
    fn stop_words_and_unknown_words_are_not_places() {
        for text in ["casa", "the", "March", "Hola", "Zzyzxville", "de"] {
            assert!(found(text, Some("ES")).is_none(), "{text}");
        }
    }

    #[test]
    fn the_longest_name_wins() {
        let tokens = tokenize("Mar del Plata");
        assert_eq!(place_at(&tokens, 0, Some("AR")).map(|f| f.end), Some(3));
    }
}
