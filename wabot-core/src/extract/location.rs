//! Where the customer is, from phrases ("I live in", "vivo en", "j'habite à", "ich wohne in"…).
//!
//! Firm phrases ("I live in", "based in", "vivo en") win over loose ones ("I'm in", "estoy en",
//! "soy de"); among equals the last one wins ("ya no vivo en Madrid, ahora vivo en Valencia").
//!
//! Without a phrase, a known place of the gazetteer counts after a locative preposition
//! ("precios para una nave en Zaragoza", "les escribo desde Guadalajara", "from Glasgow"),
//! unless the clause is about going, sending or working somewhere ("I want to go to…",
//! "trabajo en…") or the place is part of a longer proper noun ("Manchester United", "Oxford
//! Road"); and a short reply to the bot's question for the location is the location.

use super::{
    Context, gazetteer, name,
    text::{Gap, Token, clause_before, is_organisation, phrase_at, tidy_case},
    vocab,
};
use crate::domain::{LeadField, Location};

/// Rank of a firm phrase; loose phrases, known places and replies rank [`LOOSE`].
const FIRM: u8 = 2;
/// Rank of a loose phrase, a known place after a preposition or a reply to the bot.
const LOOSE: u8 = 1;

/// The place the customer says they live or are, if a phrase introduces it.
pub(super) fn find(tokens: &[Token<'_>], context: &Context<'_>) -> Option<Location> {
    // (rank, position, text): the highest rank wins, then the latest.
    let mut best: Option<(u8, usize, String)> = None;
    let mut offer = |rank: u8, at: usize, text: String| {
        if best.as_ref().is_none_or(|(r, p, _)| (rank, at) >= (*r, *p)) {
            best = Some((rank, at, text));
        }
    };
    phrased(tokens, context, &mut offer);
    let mut i = 0;
    while i < tokens.len() {
        // "de San Miguel de Tucumán": the longest place, not the one inside it.
        match known_place_after_locative(tokens, i, context) {
            Some((text, end)) => {
                offer(LOOSE, i, text);
                i = end;
            }
            None => i += 1,
        }
    }
    if context.asked.asks(LeadField::Location)
        && let Some((at, text)) = reply(tokens, context)
    {
        offer(LOOSE, at, text);
    }
    let (_, _, text) = best?;
    Location::parse(&text).ok()
}

/// Places introduced by a phrase ("I live in", "soy de", "City:").
fn phrased(tokens: &[Token<'_>], context: &Context<'_>, offer: &mut impl FnMut(u8, usize, String)) {
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
        let words = capture(tokens, start, rank == FIRM)
            .or_else(|| known_place(tokens, start, rank == FIRM, context));
        if let Some(words) = words.filter(|w| !is_organisation(w)) {
            offer(rank, i, join_place(&words));
        }
    }
}

/// A known place right after a phrase, when [`capture`] does not take it: "Zona: La Plata",
/// "soy de Las Palmas" (an article opens the name).
fn known_place<'a>(
    tokens: &[Token<'a>],
    start: usize,
    firm: bool,
    context: &Context<'_>,
) -> Option<Vec<&'a str>> {
    let first = tokens.get(start)?;
    let found = gazetteer::place_at(tokens, start, context.region)?;
    let case_ok = first.is_capitalised() || (firm && found.own_country);
    (first.gap <= Gap::Colon && case_ok && found.plausible(context.region))
        .then(|| tokens[start..found.end].iter().map(|t| t.text).collect())
}

/// "en Zaragoza", "desde Guadalajara", "from Glasgow", "em São Paulo": a known place right
/// after a locative preposition at `i`.
///
/// A place written in lower case counts only in the contact's own country and when the
/// customer writes everything in lower case or answers the bot's question for the location;
/// a place abroad only when it is a large city.
fn known_place_after_locative(
    tokens: &[Token<'_>],
    i: usize,
    context: &Context<'_>,
) -> Option<(String, usize)> {
    let prep = &tokens[i];
    let first = tokens.get(i + 1)?;
    if !vocab::LOCATIVES.contains(&prep.folded.as_str()) || first.gap != Gap::Space {
        return None;
    }
    let found = gazetteer::place_at(tokens, i + 1, context.region)?;
    let lower_case_ok = found.own_country
        && (context.asked.asks(LeadField::Location) || !tokens.iter().any(Token::is_capitalised));
    if !((first.is_capitalised() && found.plausible(context.region)) || lower_case_ok) {
        return None;
    }
    // "Universidad de Granada", "calle de Alcalá": the place names something else.
    let before = i.checked_sub(1).map(|k| &tokens[k]);
    let of = matches!(prep.folded.as_str(), "de" | "del" | "da" | "do" | "di");
    if before.is_some_and(|b| {
        prep.gap == Gap::Space
            && of
            && (vocab::STREET_WORDS.contains(&b.folded.as_str()) || is_organisation(&[b.text]))
    }) {
        return None;
    }
    // "Manchester United", "Oxford Road", "Sunrise Realty": part of a longer proper noun.
    if let Some(next) = tokens.get(found.end)
        && next.gap == Gap::Space
        && ((next.is_capitalised() && !is_code(next))
            || vocab::STREET_WORDS.contains(&next.folded.as_str()))
    {
        return None;
    }
    if negated(tokens, i) || elsewhere(clause_before(tokens, prep.start, 12)) {
        return None;
    }
    let words: Vec<&str> = tokens[i + 1..found.end].iter().map(|t| t.text).collect();
    Some((tidy_case(&words), found.end))
}

/// A state or province code after a city ("Austin TX", "Campinas SP").
fn is_code(t: &Token<'_>) -> bool {
    (2..=3).contains(&t.text.len()) && t.text.chars().all(|c| c.is_ascii_uppercase())
}

/// Whether the clause before a place says the customer goes, sends, moves or works there, that
/// the place is the business's ("do you have a store in Houston?", "vuestro local de Murcia"),
/// or that the customer is looking for something there without saying it is theirs ("looking
/// for an apartment in Madrid"; "solar panels for my house in Phoenix" is theirs).
fn elsewhere(clause: &[Token<'_>]) -> bool {
    if clause.iter().any(|t| {
        let word = t.folded.as_str();
        vocab::TRAVEL.contains(&word)
            || vocab::WORKING.contains(&word)
            || vocab::MOVING.contains(&word)
            || vocab::PREMISES.contains(&word)
            || vocab::YOUR.contains(&word)
    }) {
        return true;
    }
    clause
        .iter()
        .position(|t| vocab::SEEKING.contains(&t.folded.as_str()))
        .is_some_and(|k| {
            !clause[k..]
                .iter()
                .any(|t| vocab::POSSESSIVES.contains(&t.folded.as_str()))
        })
}

/// A short reply to the bot's question for the location: a clause that is a known place
/// ("Leicester", "sí, de Rosario", "ok fair, Norwich", "no, en Viña del Mar"), or a whole
/// message of one to three capitalised words that are not common ones ("Mooca"). Returns the
/// index where the place starts and the place.
fn reply(tokens: &[Token<'_>], context: &Context<'_>) -> Option<(usize, String)> {
    if tokens.len() > 10 {
        return None;
    }
    let region = context.region;
    let mut start = 0;
    while start < tokens.len() {
        let end = (start + 1..tokens.len())
            .find(|&k| tokens[k].gap >= Gap::Soft)
            .unwrap_or(tokens.len());
        let mut s = start;
        while s < end && is_opener(&tokens[s]) {
            s += 1;
        }
        if s < end {
            let clause = &tokens[s..end];
            let words: Vec<&str> = clause.iter().map(|t| t.text).collect();
            if let Some(found) = gazetteer::place_at(tokens, s, region)
                && found.end == end
                && (found.own_country || region.is_none() || found.plausible(region))
            {
                return Some((s, tidy_case(&words)));
            }
            let whole = start == 0 && end == tokens.len();
            if whole
                && clause.len() <= 3
                && clause.iter().all(|t| {
                    t.is_capitalised()
                        && place_word(t)
                        && !vocab::NOT_NAMES_IN_REPLIES.contains(&t.folded.as_str())
                        && !vocab::GREETINGS.contains(&t.folded.as_str())
                })
                && !is_organisation(&words)
            {
                return Some((s, tidy_case(&words)));
            }
        }
        start = end;
    }
    None
}

/// Words opening a reply before the place: "ok", "sí", "it's in", "just outside".
fn is_opener(t: &Token<'_>) -> bool {
    let word = t.folded.as_str();
    vocab::REPLY_OPENERS.contains(&word) || vocab::LOCATIVES.contains(&word) || word == "por"
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
        find(&tokenize(text), &Context::default()).map(|l| l.to_string())
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

    fn place_in(text: &str, region: &str, bot_asked: &str) -> Option<String> {
        let context = Context {
            region: Some(region),
            asked: crate::extract::Asked::from_bot_messages([bot_asked]),
            ..Context::default()
        };
        find(&tokenize(text), &context).map(|l| l.to_string())
    }

    #[test]
    fn a_known_place_after_a_preposition_is_the_location() {
        for (text, region, want) in [
            (
                "queria precios para una nave industrial en Zaragoza",
                "ES",
                "Zaragoza",
            ),
            (
                "les escribo desde Guadalajara, Jalisco",
                "MX",
                "Guadalajara",
            ),
            ("hey do you install in Austin TX?", "US", "Austin"),
            ("estamos en el polígono de Getafe", "ES", "Getafe"),
            (
                "Olá, aqui é a Fernanda, da Mooca em São Paulo",
                "BR",
                "São Paulo",
            ),
            ("estoy en zaragoza", "ES", "Zaragoza"),
        ] {
            assert_eq!(place_in(text, region, "").as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn streets_companies_trips_and_work_places_are_not_the_location() {
        for (text, region) in [
            ("Hello, I live on Oxford Road, is that in your area?", "GB"),
            ("I work for Manchester United Foundation", "GB"),
            ("hi this is Maria from Sunrise Realty", "US"),
            ("I want to go to Edinburgh for the festival", "GB"),
            ("Quiero viajar a Cancún en diciembre", "MX"),
            ("¿hacen envíos a Rosario?", "AR"),
            ("I'm Looking for a 2 bedroom apartment in Madrid", "ES"),
            ("Sou a Carla, trabalho em Braga", "PT"),
            ("Estudié en la Universidad de Granada", "ES"),
            ("i need it done in march", "GB"),
        ] {
            assert_eq!(place_in(text, region, ""), None, "{text}");
        }
    }

    #[test]
    fn a_short_reply_to_the_bots_question_is_the_location() {
        let asked = "¿Desde qué ciudad nos escribes?";
        assert_eq!(
            place_in("de granada", "ES", asked).as_deref(),
            Some("Granada")
        );
        assert_eq!(
            place_in("mar del plata", "AR", asked).as_deref(),
            Some("Mar del Plata")
        );
        assert_eq!(
            place_in("ok fair, Norwich", "GB", "Where are you based?").as_deref(),
            Some("Norwich")
        );
        assert_eq!(
            place_in("Leicester", "GB", "Whereabouts are you?").as_deref(),
            Some("Leicester")
        );
        assert_eq!(place_in("Leicester", "GB", "What's your name?"), None);
        assert_eq!(place_in("en el trabajo ahora mismo", "ES", asked), None);
        assert_eq!(place_in("San Diego", "US", "Where is the listing?"), None);
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
