//! What the offline model says, in English and Spanish, with a few wordings of each line.
//!
//! `{b}` stands for the business, `{name}` for the customer's first name and `{summary}` for
//! the collected details.

use wabot_core::domain::LeadField;

use super::lang::Lang;

/// Every line of the dialogue in one language.
pub(super) struct Phrases {
    /// First reply, naming the business.
    pub(super) greet_business: &'static [&'static str],
    /// First reply when the business is unknown.
    pub(super) greet: &'static [&'static str],
    /// The customer just gave their name.
    pub(super) thanks_name: &'static [&'static str],
    /// The customer just gave another detail.
    pub(super) thanks: &'static [&'static str],
    /// The customer declined to give a detail.
    pub(super) declined: &'static [&'static str],
    /// A question about prices.
    pub(super) price: &'static [&'static str],
    /// A question about opening hours.
    pub(super) hours: &'static [&'static str],
    /// Any other question.
    pub(super) question: &'static [&'static str],
    /// Asking for the name.
    pub(super) ask_name: &'static [&'static str],
    /// Asking for the e-mail.
    pub(super) ask_email: &'static [&'static str],
    /// Asking for the phone.
    pub(super) ask_phone: &'static [&'static str],
    /// Asking for the location.
    pub(super) ask_location: &'static [&'static str],
    /// Everything collected.
    pub(super) confirm: &'static str,
    /// Everything collected, but there is nothing to list.
    pub(super) confirm_bare: &'static str,
    /// The customer declined what was left; what there is goes to a colleague (starts with a
    /// capital, may follow a sentence).
    pub(super) confirm_partial: &'static str,
    /// After the confirmation.
    pub(super) closing: &'static [&'static str],
    /// Field names in the summary: name, email, phone, location.
    pub(super) labels: [&'static str; 4],
}

impl Phrases {
    /// The lines of `lang`.
    pub(super) fn of(lang: Lang) -> &'static Phrases {
        match lang {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    /// The ways of asking for `field`.
    pub(super) fn ask(&self, field: LeadField) -> &'static [&'static str] {
        match field {
            LeadField::Name => self.ask_name,
            LeadField::Email => self.ask_email,
            LeadField::Phone => self.ask_phone,
            LeadField::Location => self.ask_location,
        }
    }

    /// The summary label of `field`.
    pub(super) fn label(&self, field: LeadField) -> &'static str {
        match field {
            LeadField::Name => self.labels[0],
            LeadField::Email => self.labels[1],
            LeadField::Phone => self.labels[2],
            LeadField::Location => self.labels[3],
        }
    }
}

/// Markers of a confirmation already sent (any language), so it is not sent twice.
pub(super) const CONFIRMED_MARKERS: &[&str] = &[
    "I have everything",
    "I'll pass on what I have",
    "ya tengo todo",
    "paso lo que tengo",
];

static EN: Phrases = Phrases {
    greet_business: &[
        "Hi! Thanks for writing to {b}.",
        "Hello, and welcome to {b}!",
        "Hi there, thanks for contacting {b}!",
    ],
    greet: &[
        "Hi! Thanks for getting in touch.",
        "Hello, and thanks for your message!",
        "Hi there, nice to hear from you!",
    ],
    thanks_name: &[
        "Thanks, {name}!",
        "Nice to meet you, {name}!",
        "Lovely to meet you, {name}.",
    ],
    thanks: &["Got it, thanks!", "Perfect, noted.", "Great, thank you!"],
    declined: &[
        "No problem at all.",
        "That's completely fine.",
        "Of course, no worries.",
    ],
    price: &[
        "A colleague will confirm the exact price with you.",
        "Prices depend on the details, so a colleague will confirm them for you.",
    ],
    hours: &[
        "A colleague will confirm our opening hours with you.",
        "I'll have a colleague confirm the hours for you.",
    ],
    question: &[
        "Good question, a colleague will confirm the details.",
        "A colleague will get back to you with the details on that.",
    ],
    ask_name: &[
        "May I have your name?",
        "What's your name, please?",
        "Who am I talking to? Could you tell me your name?",
    ],
    ask_email: &[
        "What's the best email to reach you?",
        "Could you share your email address?",
        "Which email should we send the details to?",
    ],
    ask_phone: &[
        "And a phone number where a colleague can call you?",
        "What's the best phone number to reach you?",
        "Could you share a phone number, just in case?",
    ],
    ask_location: &[
        "Where are you based?",
        "Which city are you in?",
        "And where are you located?",
    ],
    confirm: "Perfect, I have everything: {summary}; a colleague will contact you shortly.",
    confirm_bare: "Perfect, I have everything I need; a colleague will contact you shortly.",
    confirm_partial: "I'll pass on what I have ({summary}); a colleague will contact you shortly.",
    closing: &[
        "You're welcome! A colleague will be in touch soon.",
        "Thanks again! A colleague will contact you shortly; anything else I can help with?",
        "Happy to help. Someone from the team will get back to you shortly.",
    ],
    labels: ["name", "email", "phone", "location"],
};

static ES: Phrases = Phrases {
    greet_business: &[
        "¡Hola! Gracias por escribir a {b}.",
        "¡Hola, bienvenido a {b}!",
        "¡Hola! Gracias por contactar con {b}.",
    ],
    greet: &[
        "¡Hola! Gracias por escribirnos.",
        "¡Hola, gracias por tu mensaje!",
        "¡Hola! Encantados de saludarte.",
    ],
    thanks_name: &[
        "¡Gracias, {name}!",
        "¡Encantado, {name}!",
        "Un placer, {name}.",
    ],
    thanks: &[
        "¡Perfecto, gracias!",
        "Anotado, gracias.",
        "¡Genial, gracias!",
    ],
    declined: &[
        "Sin problema.",
        "Claro, no pasa nada.",
        "Por supuesto, sin problema.",
    ],
    price: &[
        "Un compañero te confirmará el precio exacto.",
        "El precio depende de los detalles; un compañero te lo confirmará.",
    ],
    hours: &[
        "Un compañero te confirmará el horario.",
        "Le pido a un compañero que te confirme el horario.",
    ],
    question: &[
        "Buena pregunta, un compañero te confirmará los detalles.",
        "Un compañero te responderá con los detalles.",
    ],
    ask_name: &[
        "¿Me dices tu nombre?",
        "¿Cómo te llamas?",
        "¿Con quién tengo el gusto de hablar? ¿Cuál es tu nombre?",
    ],
    ask_email: &[
        "¿Cuál es tu correo electrónico?",
        "¿Me pasas tu email?",
        "¿A qué correo te enviamos la información?",
    ],
    ask_phone: &[
        "¿Y un teléfono de contacto?",
        "¿Me dejas un número de teléfono?",
        "¿En qué número de teléfono te podemos llamar?",
    ],
    ask_location: &[
        "¿Desde qué ciudad nos escribes?",
        "¿Dónde te encuentras?",
        "¿En qué zona vives?",
    ],
    confirm: "¡Perfecto, ya tengo todo: {summary}! Un compañero se pondrá en contacto contigo en breve.",
    confirm_bare: "¡Perfecto, ya tengo todo lo necesario! Un compañero se pondrá en contacto contigo en breve.",
    confirm_partial: "Te paso lo que tengo ({summary}); un compañero se pondrá en contacto contigo en breve.",
    closing: &[
        "¡De nada! Un compañero te contactará pronto.",
        "¡Gracias a ti! Un compañero te contactará en breve; ¿puedo ayudarte en algo más?",
        "Encantado de ayudar. Alguien del equipo te contactará en breve.",
    ],
    labels: ["nombre", "correo", "teléfono", "ubicación"],
};
