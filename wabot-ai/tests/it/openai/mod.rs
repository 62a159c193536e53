//! The OpenAI-compatible client at the wire, against a local fake DeepSeek.

mod errors;
mod fake_deepseek;
mod guard;
mod malformed;
mod observer;
mod retries;
mod secrets;
mod success;
