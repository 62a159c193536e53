//! The offline, rule-based lead-capture dialogue: [`OfflineLlm`].
//!
//! It needs no network and no API key, so a fresh install can show the whole product working:
//! the bot greets, collects name, e-mail and phone one at a time, answers simple questions by
//! promising a colleague's follow-up, and confirms what it collected. It is **not** a language
//! model; anything shown to users should say so, e.g. with [`OfflineLlm::LABEL`].

mod conversation;
mod lang;
mod phrases;
mod reply;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use wabot_core::{
    LlmError,
    domain::LeadFields,
    ports::{ChatPurpose, ChatRequest, ChatResponse, ChatRole, LlmClient, TokenUsage},
};

/// A rule-based stand-in for a language model, used when no AI provider is configured.
///
/// - **Reply** requests ([`ChatPurpose::Reply`]): reads the engine's system prompt (the
///   business in its first sentence, the details collected, the `Still missing: …` line; when
///   that line is absent the missing fields are inferred from the conversation) and answers in
///   Spanish when the customer writes Spanish, in English otherwise: a greeting on the first
///   message, thanks for what was just given, a short answer to simple questions ("a colleague
///   will confirm"), one question for the next missing detail, and a confirmation once
///   everything is collected.
/// - **Extraction** requests ([`ChatPurpose::Extraction`] or `json_mode`): answers the JSON
///   object `{"name", "email", "location", "phone"}` read from the customer's messages with
///   [`wabot_core::extract::parse_message`], as a model would.
///
/// Answers are deterministic: the wording varies with a hash of the conversation, never with
/// randomness, and the same sentence is never said twice in a row.
///
/// It is offline and is not AI: label it as such wherever users see its answers (see
/// [`OfflineLlm::LABEL`]).
///
/// ```
/// use wabot_ai::offline::OfflineLlm;
/// use wabot_core::ports::{ChatMessage, ChatRequest};
///
/// let request = ChatRequest {
///     messages: vec![
///         ChatMessage::system("You are the assistant of Acme Dental.\nStill missing: name, email, phone"),
///         ChatMessage::user("Hi!"),
///     ],
///     ..Default::default()
/// };
/// let reply = OfflineLlm::new().answer(&request);
/// assert!(reply.contains("Acme Dental"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineLlm;

impl OfflineLlm {
    /// How to present this model to users: it is not an AI model.
    pub const LABEL: &'static str = "Offline demo model (no AI provider configured)";

    /// The offline model.
    pub fn new() -> Self {
        Self
    }

    /// The answer to `request`, synchronously (the [`LlmClient`] implementation wraps it).
    pub fn answer(&self, request: &ChatRequest) -> String {
        if request.purpose == ChatPurpose::Extraction || request.json_mode {
            extraction_json(request)
        } else {
            reply::reply(&request.messages)
        }
    }
}

#[async_trait]
impl LlmClient for OfflineLlm {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let content = self.answer(&request);
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.len()).sum();
        Ok(ChatResponse {
            usage: TokenUsage {
                prompt: estimate_tokens(prompt_chars),
                completion: estimate_tokens(content.len()),
                cached: 0,
            },
            content,
        })
    }
}

/// The extraction answer: the customer's details as one JSON object, `null` when unknown.
fn extraction_json(request: &ChatRequest) -> String {
    let customer = request
        .messages
        .iter()
        .filter(|m| m.role == ChatRole::User)
        .map(|m| m.content.as_str());
    let LeadFields {
        name,
        email,
        location,
        phone,
    } = conversation::extraction_fields(customer);
    serde_json::json!({
        "name": name.map(String::from),
        "email": email.map(String::from),
        "location": location.map(String::from),
        "phone": phone.map(String::from),
    })
    .to_string()
}

/// About four bytes of text per token, as providers count roughly.
fn estimate_tokens(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(4)).unwrap_or(u32::MAX)
}
