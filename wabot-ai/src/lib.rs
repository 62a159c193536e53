//! # wabot-ai
//!
//! Language models for wabot, implementing [`wabot_core::ports::LlmClient`]:
//!
//! - [`openai`]: a chat-completions client for DeepSeek and any OpenAI-compatible server
//!   (OpenAI, vLLM, Ollama, llama.cpp).
//! - [`offline`]: a rule-based lead-capture dialogue that needs no network and no key.

pub mod offline;
pub mod openai;
