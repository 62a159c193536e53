//! The OpenAI-compatible chat-completions client (DeepSeek by default).
