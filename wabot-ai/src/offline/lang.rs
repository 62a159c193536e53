//! Which language to answer in: Spanish when the customer writes Spanish, English otherwise.

/// A language the offline model answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    /// English (also the answer to every language other than Spanish).
    En,
    /// Spanish.
    Es,
}

/// Words much more common in Spanish than in English.
#[rustfmt::skip]
const SPANISH: &[&str] = &[
    "hola", "buenas", "buenos", "gracias", "quiero", "quisiera", "me", "mi", "llamo", "soy", "es",
    "de", "el", "la", "los", "las", "que", "qué", "por", "para", "con", "una", "un", "y", "pero",
    "sí", "si", "vale", "correo", "teléfono", "telefono", "número", "numero", "móvil", "movil",
    "vivo", "en", "estoy", "cuánto", "cuanto", "precio", "cita", "información", "informacion",
    "nombre", "dónde", "donde", "tengo", "necesito", "busco", "saber", "tienen", "hay", "muy",
    "bien", "perfecto", "claro", "días", "dias", "tardes", "noches", "cuesta", "horario", "abren",
    "también", "tambien", "mañana", "manana", "ahora", "favor", "yo",
];

/// Words much more common in English than in Spanish.
#[rustfmt::skip]
const ENGLISH: &[&str] = &[
    "hi", "hello", "hey", "the", "my", "is", "i", "i'm", "im", "am", "want", "would", "like",
    "thanks", "thank", "you", "your", "please", "phone", "number", "name", "live", "how", "much",
    "what", "price", "yes", "and", "to", "for", "of", "in", "can", "it", "it's", "this", "that",
    "do", "does", "are", "have", "need", "looking", "info", "about", "morning", "evening", "open",
    "hours", "cost", "sure", "ok", "okay", "great", "call", "me", "email",
];

/// The language of one text: `None` when it gives no sign (an address, a number, an emoji).
pub(super) fn detect(text: &str) -> Option<Lang> {
    let lower = text.to_lowercase();
    let mut es = lower
        .chars()
        .filter(|c| matches!(c, 'ñ' | '¿' | '¡'))
        .count()
        * 2;
    let mut en = 0;
    for word in lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
    {
        let word = word.replace('’', "'");
        if SPANISH.contains(&word.as_str()) {
            es += 1;
        }
        if ENGLISH.contains(&word.as_str()) {
            en += 1;
        }
        if word
            .chars()
            .any(|c| matches!(c, 'á' | 'é' | 'í' | 'ó' | 'ú'))
        {
            es += 1;
        }
    }
    match es.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Es),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

/// The language of a conversation: the newest customer message that shows one, English when
/// none does.
pub(super) fn of_conversation<'a>(
    customer_texts: impl DoubleEndedIterator<Item = &'a str>,
) -> Lang {
    customer_texts.rev().find_map(detect).unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_and_english_are_told_apart() {
        assert_eq!(detect("Hola, quería información"), Some(Lang::Es));
        assert_eq!(detect("me llamo Ana"), Some(Lang::Es));
        assert_eq!(detect("¿Cuánto cuesta?"), Some(Lang::Es));
        assert_eq!(detect("Hi, I'd like some info"), Some(Lang::En));
        assert_eq!(detect("my name is Ana"), Some(Lang::En));
        assert_eq!(detect("ana@example.com"), None);
        assert_eq!(detect("🙂"), None);
    }

    #[test]
    fn a_neutral_message_keeps_the_conversation_language() {
        let texts = ["Hola, buenas tardes", "ana@example.com"];
        assert_eq!(of_conversation(texts.into_iter()), Lang::Es);
        assert_eq!(of_conversation(std::iter::empty()), Lang::En);
    }
}
