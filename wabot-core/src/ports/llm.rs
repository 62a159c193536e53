//! The language-model port: chat completion, OpenAI-style.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{domain::Bot, error::LlmError};

/// The author of a chat message sent to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    /// Instructions.
    System,
    /// The customer.
    User,
    /// The bot (or an agent speaking for it).
    Assistant,
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: ChatRole,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::System,
            content: content.into(),
        }
    }

    /// A user (customer) message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::User,
            content: content.into(),
        }
    }

    /// An assistant (bot) message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::Assistant,
            content: content.into(),
        }
    }
}

/// What the request is for; lets rule-based or scripted clients answer appropriately and lets
/// metrics tell replies from extractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChatPurpose {
    /// A reply to the customer.
    #[default]
    Reply,
    /// JSON extraction of lead fields.
    Extraction,
}

/// A chat-completion request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ChatRequest {
    /// The conversation, system message first.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature; `None` uses the client's default.
    pub temperature: Option<f32>,
    /// Reply length limit; `None` uses the client's default.
    pub max_tokens: Option<u32>,
    /// Ask for a JSON object as the reply.
    pub json_mode: bool,
    /// What the request is for.
    pub purpose: ChatPurpose,
}

/// Tokens counted by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens in the prompt.
    pub prompt: u32,
    /// Tokens in the completion.
    pub completion: u32,
    /// Prompt tokens served from the provider's cache.
    pub cached: u32,
}

/// A chat-completion answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The reply text (a JSON object when `json_mode` was asked).
    pub content: String,
    /// Token usage.
    pub usage: TokenUsage,
}

/// A language model.
#[async_trait]
pub trait LlmClient: Send + Sync {
    /// Completes the chat.
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError>;
}

/// Picks the language model for a bot (bots may use different providers and keys).
pub trait LlmFactory: Send + Sync {
    /// The client for `bot`.
    fn client_for(&self, bot: &Bot) -> Result<Arc<dyn LlmClient>, LlmError>;
}

/// An [`LlmFactory`] that gives every bot the same client.
#[derive(Clone)]
pub struct SharedLlm(pub Arc<dyn LlmClient>);

impl LlmFactory for SharedLlm {
    fn client_for(&self, _bot: &Bot) -> Result<Arc<dyn LlmClient>, LlmError> {
        Ok(self.0.clone())
    }
}
