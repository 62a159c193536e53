//! The OpenAI-compatible chat-completions client (DeepSeek by default).
//!
//! [`ChatClient`] implements [`LlmClient`](wabot_core::ports::LlmClient) over
//! `POST {base_url}/chat/completions`, the wire format DeepSeek, OpenAI, vLLM, Ollama and
//! llama.cpp's `llama-server` all speak. Pick the server with
//! [`OpenAiConfig::base_url`]:
//!
//! | server | base URL | key |
//! |---|---|---|
//! | DeepSeek (default) | `https://api.deepseek.com` (or `…/v1`) | required |
//! | OpenAI | `https://api.openai.com/v1` | required |
//! | Ollama | `http://localhost:11434/v1` | none |
//! | vLLM, llama.cpp | `http://host:8000/v1` | optional |
//!
//! Failures come back as [`LlmError`](wabot_core::LlmError) values that say whether retrying
//! helps (`Timeout`, `Transient`) or not (`Permanent`, with what to fix; `Malformed`). The
//! client already retries the transient ones within its deadline, so the caller's job is only
//! to fall back (the engine sends the bot's fallback message).
//!
//! Metrics: implement [`LlmObserver`] and attach it with [`ChatClient::with_observer`]; every
//! call also records a `llm.chat` `tracing` span with model, attempts, latency and tokens.
//!
//! ```no_run
//! use wabot_ai::openai::{ChatClient, OpenAiConfig, SecretString};
//! use wabot_core::domain::LlmSettings;
//!
//! # fn run(settings: &LlmSettings, key: SecretString) -> Result<(), wabot_core::LlmError> {
//! // One pool for all bots, one client per bot (each may have its own model and key).
//! let pool = ChatClient::http_client()?;
//! let bot_client = ChatClient::with_http_client(OpenAiConfig::from_settings(settings, key), pool)?;
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod observer;
mod retry;
mod status;
mod wire;

pub use client::ChatClient;
pub use config::{DEEPSEEK_BASE_URL, DEEPSEEK_CHAT_MODEL, OpenAiConfig};
pub use observer::{CallRecord, ErrorKind, LlmObserver, NoopObserver};
/// The secret type of [`OpenAiConfig::api_key`], re-exported so callers need not depend on
/// `secrecy` themselves.
pub use secrecy::SecretString;
