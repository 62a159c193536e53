//! The chat-completions wire format (OpenAI's, which DeepSeek, vLLM, Ollama and llama.cpp
//! speak): the request body and the reading of a successful response.

use serde::Serialize;
use serde_json::Value;
use wabot_core::{
    LlmError,
    ports::{ChatMessage, ChatResponse, ChatRole, TokenUsage},
};

/// The body of `POST /chat/completions`.
#[derive(Debug, Serialize)]
pub(crate) struct ChatBody<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: Vec<WireMessage<'a>>,
    pub(crate) temperature: f32,
    pub(crate) max_tokens: u32,
    pub(crate) stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_format: Option<ResponseFormat>,
}

/// One message: `{"role": "...", "content": "..."}`.
#[derive(Debug, Serialize)]
pub(crate) struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

impl<'a> From<&'a ChatMessage> for WireMessage<'a> {
    fn from(message: &'a ChatMessage) -> Self {
        let role = match message.role {
            ChatRole::System => "system",
            ChatRole::User => "user",
            ChatRole::Assistant => "assistant",
        };
        Self {
            role,
            content: &message.content,
        }
    }
}

/// `{"type": "json_object"}`: JSON mode.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseFormat {
    #[serde(rename = "type")]
    kind: &'static str,
}

impl ResponseFormat {
    pub(crate) const JSON_OBJECT: Self = Self {
        kind: "json_object",
    };
}

/// Reads a 2xx body: `choices[0].message.content` and `usage`. Any body, however broken,
/// gives an answer or [`LlmError::Malformed`], never a panic.
pub(crate) fn parse_success(body: &[u8], json_mode: bool) -> Result<ChatResponse, LlmError> {
    let malformed = |message: String| Err(LlmError::Malformed(message));
    let root: Value = match serde_json::from_slice(body) {
        Ok(root) => root,
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => {
            return malformed("the response body is empty".into());
        }
        Err(e) if e.is_eof() => {
            return malformed(format!(
                "the response body was truncated: its JSON ends after {} bytes",
                body.len()
            ));
        }
        Err(e) => {
            return malformed(format!(
                "the response is not JSON ({e}); it starts with {:?}",
                snippet(body)
            ));
        }
    };
    let Some(choices) = root.get("choices") else {
        return malformed(match provider_message(&root) {
            Some(message) => format!("the response has no `choices`; provider says: {message}"),
            None => "the response has no `choices`".into(),
        });
    };
    let Some(choice) = choices.as_array().and_then(|choices| choices.first()) else {
        return malformed("`choices` is empty or not an array".into());
    };
    let finish_reason = choice.get("finish_reason").and_then(Value::as_str);
    let content = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    if content.is_empty() {
        return malformed(match finish_reason {
            Some("content_filter") => {
                "the answer is empty: the provider's content filter withheld it".into()
            }
            Some(reason) => format!("the answer is empty (finish_reason: {reason})"),
            None => "the answer is empty".into(),
        });
    }
    let content = if json_mode {
        json_object(content, finish_reason)?
    } else {
        content.to_owned()
    };
    Ok(ChatResponse {
        content,
        usage: usage(&root),
    })
}

/// In JSON mode the answer must be one JSON object. Markdown code fences around it (some local
/// models add them) are removed; the object is returned as sent otherwise.
fn json_object(content: &str, finish_reason: Option<&str>) -> Result<String, LlmError> {
    let unfenced = strip_code_fence(content);
    match serde_json::from_str::<Value>(unfenced) {
        Ok(Value::Object(_)) => Ok(unfenced.to_owned()),
        Ok(other) => Err(LlmError::Malformed(format!(
            "JSON mode was asked but the answer is a JSON {}, not an object",
            json_type(&other)
        ))),
        Err(_) if finish_reason == Some("length") => Err(LlmError::Malformed(
            "JSON mode was asked but the answer was cut off at max_tokens; raise max_tokens".into(),
        )),
        Err(e) => Err(LlmError::Malformed(format!(
            "JSON mode was asked but the answer is not a JSON object ({e}); it starts with {:?}",
            snippet(content.as_bytes())
        ))),
    }
}

fn strip_code_fence(content: &str) -> &str {
    let Some(inner) = content
        .strip_prefix("```")
        .and_then(|rest| rest.strip_suffix("```"))
    else {
        return content;
    };
    // Drop an info string such as `json` on the opening line.
    let inner = match inner.split_once('\n') {
        Some((info, body)) if !info.contains('{') => body,
        _ => inner,
    };
    inner.trim()
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `usage.prompt_tokens`, `usage.completion_tokens` and the cached part of the prompt:
/// DeepSeek's `prompt_cache_hit_tokens` or OpenAI's `prompt_tokens_details.cached_tokens`.
/// Missing or odd numbers count as zero: usage is for metrics, not a reason to fail.
fn usage(root: &Value) -> TokenUsage {
    let count = |pointer: &str| {
        root.pointer(pointer)
            .and_then(Value::as_u64)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    TokenUsage {
        prompt: count("/usage/prompt_tokens").unwrap_or(0),
        completion: count("/usage/completion_tokens").unwrap_or(0),
        cached: count("/usage/prompt_cache_hit_tokens")
            .or_else(|| count("/usage/prompt_tokens_details/cached_tokens"))
            .unwrap_or(0),
    }
}

/// The provider's own explanation in an error body, in the shapes seen in the wild:
/// `{"error": {"message": ...}}` (OpenAI, DeepSeek), `{"error": "..."}` (Ollama),
/// `{"message": ...}` (vLLM) or `{"detail": ...}`.
pub(crate) fn provider_message(root: &Value) -> Option<String> {
    let text = root
        .pointer("/error/message")
        .or_else(|| root.get("error"))
        .or_else(|| root.get("message"))
        .or_else(|| root.get("detail"))
        .and_then(Value::as_str)?;
    let text = clip(text.trim(), 300);
    (!text.is_empty()).then_some(text)
}

/// The start of a body for an error message: lossy UTF-8, whitespace collapsed, 120 chars.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    clip(&collapsed, 120)
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap()
    }

    fn answer(content: Value) -> Vec<u8> {
        body(
            json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}),
        )
    }

    #[test]
    fn request_body_has_the_openai_shape() {
        let messages = [ChatMessage::system("Be brief."), ChatMessage::user("Hi")];
        let body = ChatBody {
            model: "deepseek-chat",
            messages: messages.iter().map(WireMessage::from).collect(),
            temperature: 0.5,
            max_tokens: 64,
            stream: false,
            response_format: Some(ResponseFormat::JSON_OBJECT),
        };

        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "model": "deepseek-chat",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                ],
                "temperature": 0.5,
                "max_tokens": 64,
                "stream": false,
                "response_format": {"type": "json_object"},
            })
        );
    }

    #[test]
    fn usage_reads_deepseek_and_openai_cache_fields() {
        let deepseek = json!({"usage": {"prompt_tokens": 10, "completion_tokens": 3, "prompt_cache_hit_tokens": 8}});
        let openai = json!({"usage": {"prompt_tokens": 10, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 6}}});
        let odd = json!({"usage": {"prompt_tokens": -1, "completion_tokens": "3"}});

        assert_eq!(usage(&deepseek).cached, 8);
        assert_eq!(usage(&openai).cached, 6);
        assert_eq!(usage(&odd), TokenUsage::default());
    }

    #[test]
    fn any_garbage_body_is_malformed_not_a_panic() {
        let bodies: [&[u8]; 12] = [
            b"",
            b"   ",
            b"null",
            b"[]",
            b"\"hi\"",
            b"{",
            b"{\"choices\": null}",
            b"{\"choices\": [null]}",
            b"{\"choices\": [{\"message\": 5}]}",
            b"<html>502 Bad Gateway</html>",
            b"\xff\xfe\x00garbage",
            b"{\"choices\": []}",
        ];

        for body in bodies {
            let result = parse_success(body, false);
            assert!(
                matches!(result, Err(LlmError::Malformed(_))),
                "{body:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn fenced_json_is_unwrapped_in_json_mode() {
        let fenced = "```json\n{\"name\": \"Ana\"}\n```";

        let response = parse_success(&answer(json!(fenced)), true).unwrap();

        assert_eq!(response.content, "{\"name\": \"Ana\"}");
    }

    #[test]
    fn json_mode_rejects_arrays_and_prose() {
        for content in ["[1, 2]", "Sure! Here is the JSON", "```\n[]\n```"] {
            let result = parse_success(&answer(json!(content)), true);
            assert!(
                matches!(result, Err(LlmError::Malformed(_))),
                "{content} gave {result:?}"
            );
        }
    }

    #[test]
    fn provider_messages_are_found_in_every_known_shape() {
        for root in [
            json!({"error": {"message": "Insufficient Balance", "type": "unknown_error"}}),
            json!({"error": "Insufficient Balance"}),
            json!({"object": "error", "message": "Insufficient Balance"}),
            json!({"detail": "Insufficient Balance"}),
        ] {
            assert_eq!(
                provider_message(&root).as_deref(),
                Some("Insufficient Balance")
            );
        }
        assert_eq!(provider_message(&json!({"error": {"code": 1}})), None);
    }

    #[test]
    fn snippets_are_short_and_never_split_a_character() {
        let long = "é".repeat(500);

        let short = snippet(long.as_bytes());

        assert_eq!(short.chars().count(), 121);
    }
}
