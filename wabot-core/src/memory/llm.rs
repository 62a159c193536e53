//! A scripted language model for tests and examples.

use std::{collections::VecDeque, sync::Mutex, time::Duration};

use async_trait::async_trait;

use crate::{
    error::LlmError,
    ports::{ChatPurpose, ChatRequest, ChatResponse, LlmClient, TokenUsage},
};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// Answer with this text.
    Reply(String),
    /// Fail with this error.
    Fail(LlmError),
    /// Wait this long, then answer with the text (to exercise timeouts).
    Slow(Duration, String),
}

/// A language model that answers from a script.
///
/// Reply requests take the next scripted answer; when the script is empty they echo a short
/// acknowledgement of the last customer message (so load tests need no script). Extraction
/// requests answer `extraction` (by default `{}`: nothing found).
pub struct ScriptedLlm {
    replies: Mutex<VecDeque<Scripted>>,
    extraction: Mutex<String>,
    requests: Mutex<Vec<ChatRequest>>,
    record: bool,
}

impl ScriptedLlm {
    /// A model that answers `replies` in order, then echoes.
    pub fn new(replies: impl IntoIterator<Item = Scripted>) -> Self {
        Self {
            replies: Mutex::new(replies.into_iter().collect()),
            extraction: Mutex::new("{}".to_string()),
            requests: Mutex::new(Vec::new()),
            record: true,
        }
    }

    /// A model that always echoes instantly and records nothing (for benchmarks).
    pub fn echo() -> Self {
        let mut llm = Self::new([]);
        llm.record = false;
        llm
    }

    /// Appends an answer to the script.
    pub fn push(&self, answer: Scripted) {
        self.replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(answer);
    }

    /// Sets the JSON returned for extraction requests.
    pub fn set_extraction(&self, json: impl Into<String>) {
        *self.extraction.lock().unwrap_or_else(|p| p.into_inner()) = json.into();
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[async_trait]
impl LlmClient for ScriptedLlm {
    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        if self.record {
            self.requests
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(request.clone());
        }
        let usage = TokenUsage::default();
        if request.purpose == ChatPurpose::Extraction {
            let content = self
                .extraction
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            return Ok(ChatResponse { content, usage });
        }
        let next = self
            .replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        match next {
            Some(Scripted::Reply(content)) => Ok(ChatResponse { content, usage }),
            Some(Scripted::Fail(e)) => Err(e),
            Some(Scripted::Slow(wait, content)) => {
                tokio::time::sleep(wait).await;
                Ok(ChatResponse { content, usage })
            }
            None => {
                let last = request
                    .messages
                    .last()
                    .map(|m| m.content.as_str())
                    .unwrap_or("");
                let short: String = last.chars().take(60).collect();
                Ok(ChatResponse {
                    content: format!("Got it: {short}"),
                    usage,
                })
            }
        }
    }
}
