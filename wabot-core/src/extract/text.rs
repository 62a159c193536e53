//! Tokens, clauses and the word lists the extractors share.
//!
//! A message is cut into whitespace-separated tokens whose leading and trailing punctuation is
//! kept aside, so the extractors can ask "which words come right before this e-mail, in the same
//! clause?" or "which capitalised words follow `me llamo`?".

use super::vocab;

/// How strongly the gap before a token separates it from the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Gap {
    /// Only whitespace (or nothing: the first token).
    Space,
    /// A colon: `Name: Ana` (a label, not a new clause).
    Colon,
    /// A comma, parenthesis or dash: a new clause of the same sentence.
    Soft,
    /// A full stop, `!`, `?`, `;` or a line break: a new sentence.
    Hard,
}

/// One word, number or other run of non-space characters.
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    /// The token as written, without surrounding punctuation.
    pub(super) text: &'a str,
    /// Lower case, typographic apostrophes made plain.
    pub(super) lower: String,
    /// `lower` without diacritics (`heiße` → `heisse`, `é` → `e`), for matching phrases.
    pub(super) folded: String,
    /// Byte offset of the start in the message.
    pub(super) start: usize,
    /// Byte offset just past the end in the message.
    pub(super) end: usize,
    /// What separates this token from the previous one.
    pub(super) gap: Gap,
    /// Whether that separation holds a comma.
    pub(super) comma: bool,
}

impl Token<'_> {
    /// Letters only (apostrophes and hyphens allowed inside).
    pub(super) fn is_word(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_alphabetic)
            && self
                .text
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
    }

    /// Starts with an upper-case letter.
    pub(super) fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether this is a conjunction that starts a new clause (`and`, `pero`, `mais`…).
    pub(super) fn is_conjunction(&self) -> bool {
        vocab::CONJUNCTIONS.contains(&self.lower.as_str())
    }

    /// Whether a clause ends right before this token (punctuation or a conjunction).
    pub(super) fn starts_clause(&self) -> bool {
        self.gap >= Gap::Soft || self.is_conjunction()
    }
}

/// Splits `text` into tokens.
pub(super) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut pending_gap = (Gap::Space, false);
    let mut chunk_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = chunk_start.take() {
                push_chunk(text, start, i, &mut pending_gap, &mut tokens);
            }
            if c == '\n' {
                pending_gap.0 = Gap::Hard;
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if let Some(start) = chunk_start {
        push_chunk(text, start, text.len(), &mut pending_gap, &mut tokens);
    }
    tokens
}

/// Adds the token inside `text[start..end]` (a run without whitespace), moving its leading and
/// trailing punctuation into the gaps around it. `gap` is the separation pending since the
/// previous token, with whether it holds a comma.
fn push_chunk<'a>(
    text: &'a str,
    start: usize,
    end: usize,
    gap: &mut (Gap, bool),
    tokens: &mut Vec<Token<'a>>,
) {
    let chunk = &text[start..end];
    let inner_start = chunk
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric() || *c == '+')
        .map(|(i, _)| i);
    let inner_end = chunk
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map(|(i, c)| i + c.len_utf8());
    let absorb = |gap: &mut (Gap, bool), punct: &str| {
        gap.0 = gap.0.max(gap_of(punct));
        gap.1 |= punct.contains(',');
    };
    let (Some(inner_start), Some(inner_end)) = (inner_start, inner_end) else {
        absorb(gap, chunk);
        return;
    };
    if inner_end <= inner_start {
        absorb(gap, chunk);
        return;
    }
    let word = &chunk[inner_start..inner_end];
    absorb(gap, &chunk[..inner_start]);
    let (this_gap, comma) = *gap;
    let lower = normalise_apostrophes(&word.to_lowercase());
    tokens.push(Token {
        text: word,
        folded: fold(&lower),
        lower,
        start: start + inner_start,
        end: start + inner_end,
        gap: this_gap,
        comma,
    });
    *gap = (Gap::Space, false);
    absorb(gap, &chunk[inner_end..]);
}

/// The strongest separation found in a run of punctuation.
fn gap_of(punct: &str) -> Gap {
    let mut gap = Gap::Space;
    for c in punct.chars() {
        let this = match c {
            '.' | '!' | '?' | ';' | '\n' | '¿' | '¡' | '…' => Gap::Hard,
            ',' | '(' | ')' | '-' | '–' | '—' | '/' | '|' => Gap::Soft,
            ':' => Gap::Colon,
            _ => Gap::Space,
        };
        gap = gap.max(this);
    }
    gap
}

/// Replaces typographic apostrophes and accents used as apostrophes by `'`.
pub(super) fn normalise_apostrophes(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '’' | '‘' | '`' | '´' => '\'',
            c => c,
        })
        .collect()
}

/// Removes the diacritics of Latin letters (`é` → `e`, `ß` → `ss`), for lenient matching.
pub(super) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ñ' => out.push('n'),
            'ç' => out.push('c'),
            'ß' => out.push_str("ss"),
            c => out.push(c),
        }
    }
    out
}

/// Finds `phrase` (folded words) at token index `i`, with only spaces between its words.
pub(super) fn phrase_at(tokens: &[Token<'_>], i: usize, phrase: &[&str]) -> bool {
    phrase.iter().enumerate().all(|(k, word)| {
        tokens
            .get(i + k)
            .is_some_and(|t| t.folded == *word && (k == 0 || t.gap == Gap::Space))
    })
}

/// The tokens of the clause that ends right before byte offset `pos`, nearest last: walking
/// back from `pos` until punctuation or a conjunction, at most `max` tokens.
pub(super) fn clause_before<'t, 'a>(
    tokens: &'t [Token<'a>],
    pos: usize,
    max: usize,
) -> &'t [Token<'a>] {
    let end = tokens.partition_point(|t| t.end <= pos);
    let mut start = end;
    while start > 0 && end - start < max {
        let t = &tokens[start - 1];
        if t.is_conjunction() {
            break;
        }
        start -= 1;
        if t.gap >= Gap::Soft {
            break;
        }
    }
    // A clause boundary right at `pos` (e.g. "…, 612 345 678") leaves the window empty.
    if let Some(first_inside) = tokens.get(end)
        && first_inside.start <= pos
        && first_inside.gap >= Gap::Soft
    {
        return &tokens[end..end];
    }
    &tokens[start..end]
}

/// Title-cases a name or place typed all in lower or upper case (`ana lópez` → `Ana López`);
/// mixed-case input is kept as written.
pub(super) fn tidy_case<S: AsRef<str>>(words: &[S]) -> String {
    let joined = words
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(" ");
    let has_lower = joined.chars().any(char::is_lowercase);
    let has_upper = joined.chars().any(char::is_uppercase);
    if has_lower && has_upper {
        return joined;
    }
    let mut out = String::with_capacity(joined.len());
    let mut at_start = true;
    for c in joined.chars() {
        if at_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        at_start = matches!(c, ' ' | '-');
    }
    // Particles stay lower case: "Castellón De La Plana" reads wrong.
    out.split(' ')
        .map(|w| {
            if vocab::PARTICLES.contains(&w.to_lowercase().as_str()) {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any of `words` names an organisation (`Acme Corp`, `Acme Plumbing`).
pub(super) fn is_organisation<S: AsRef<str>>(words: &[S]) -> bool {
    words.iter().any(|w| {
        vocab::ORGANISATION_WORDS.contains(&fold(&w.as_ref().to_lowercase()).trim_end_matches('.'))
    })
}

/// Whether the clause before a value says it belongs to someone else or must not be used.
pub(super) fn foreign_or_negated(window: &[Token<'_>]) -> bool {
    window.iter().enumerate().any(|(i, t)| {
        let word = t.folded.trim_end_matches("'s").trim_end_matches('\'');
        vocab::THIRD_PARTY.contains(&word)
            || vocab::NEGATIONS.contains(&t.folded.as_str())
            || (t.folded == "no"
                && window
                    .get(i + 1)
                    .is_some_and(|n| vocab::NO_NEGATES.contains(&n.folded.as_str())))
            || (vocab::POSSESSED_ONLY.contains(&word)
                && i > 0
                && vocab::POSSESSIVES.contains(&window[i - 1].folded.as_str()))
            || (t.folded.ends_with("'s")
                && t.is_capitalised()
                && !vocab::NOT_POSSESSIVE.contains(&t.folded.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_punctuation_aside_as_gaps() {
        let tokens = tokenize("Hola! Me llamo Ana, vivo en Madrid: gracias");
        let words: Vec<&str> = tokens.iter().map(|t| t.text).collect();
        assert_eq!(
            words,
            [
                "Hola", "Me", "llamo", "Ana", "vivo", "en", "Madrid", "gracias"
            ]
        );
        assert_eq!(tokens[1].gap, Gap::Hard);
        assert_eq!(tokens[4].gap, Gap::Soft);
        assert_eq!(tokens[7].gap, Gap::Colon);
    }

    #[test]
    fn folding_removes_accents_for_matching() {
        assert_eq!(fold("heiße josé"), "heisse jose");
    }

    #[test]
    fn clause_window_stops_at_punctuation_and_conjunctions() {
        let text = "my wife's email is a@b.co and mine is c@d.co";
        let tokens = tokenize(text);
        let pos = text.find("c@d").unwrap();
        let window: Vec<&str> = clause_before(&tokens, pos, 10)
            .iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(window, ["mine", "is"]);
    }

    #[test]
    fn lower_and_upper_case_names_are_title_cased() {
        assert_eq!(tidy_case(&["ana", "lópez"]), "Ana López");
        assert_eq!(tidy_case(&["JUAN"]), "Juan");
        assert_eq!(tidy_case(&["McDonald"]), "McDonald");
        assert_eq!(
            tidy_case(&["castellón", "de", "la", "plana"]),
            "Castellón de la Plana"
        );
    }
}
