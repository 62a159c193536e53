//! Turns a failed HTTP exchange into an [`LlmError`] that says whether retrying helps and,
//! when it cannot, what the operator should do.

use reqwest::StatusCode;
use serde_json::Value;
use wabot_core::LlmError;

use super::wire::{provider_message, snippet};

/// The error for a non-2xx response with `body`, sent by `endpoint`.
///
/// Transient (retried): 408, 429, every 5xx (500, 502, 503 "Server Overloaded", 504).
/// Permanent: every other status, each with advice for the ones providers document.
pub(crate) fn status_error(status: StatusCode, body: &[u8], endpoint: &str) -> LlmError {
    let code = status.as_u16();
    let (what, advice, transient) = match code {
        400 => (
            "bad request",
            "check the model name and the request parameters",
            false,
        ),
        401 => ("authentication failed", "check the API key", false),
        402 => (
            "insufficient balance",
            "top up the account balance with the provider",
            false,
        ),
        403 => (
            "forbidden",
            "check that the API key may use this model from this region",
            false,
        ),
        404 => (
            "not found",
            "check base_url (OpenAI needs https://api.openai.com/v1, Ollama \
             http://localhost:11434/v1) and the model name",
            false,
        ),
        422 => (
            "invalid parameters",
            "check the request parameters (temperature, max_tokens, messages)",
            false,
        ),
        408 => ("request timeout", "retry later", true),
        429 => (
            "rate limited",
            "retry later, or raise the rate limit with the provider",
            true,
        ),
        502 => ("bad gateway", "retry later", true),
        503 => ("server overloaded", "retry later", true),
        504 => ("gateway timeout", "retry later", true),
        300..=399 => (
            "unexpected redirect",
            "point base_url at the final address",
            false,
        ),
        500..=599 => ("server error", "retry later", true),
        _ => ("request rejected", "check the configuration", false),
    };
    let mut message = format!("HTTP {code} {what} at {endpoint}: {advice}");
    if let Some(said) = provider_says(body) {
        message.push_str("; provider says: ");
        message.push_str(&said);
    }
    if transient {
        LlmError::Transient(message)
    } else {
        LlmError::Permanent(message)
    }
}

/// The provider's error message, or the start of a non-JSON body.
fn provider_says(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(root) => provider_message(&root),
        Err(_) => {
            let text = snippet(body);
            (!text.is_empty()).then_some(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "https://api.deepseek.com/chat/completions";

    fn error(code: u16, body: &str) -> LlmError {
        status_error(
            StatusCode::from_u16(code).unwrap(),
            body.as_bytes(),
            ENDPOINT,
        )
    }

    #[test]
    fn rate_limits_and_server_errors_are_transient() {
        for code in [408, 429, 500, 502, 503, 504, 599] {
            assert!(error(code, "").is_transient(), "{code}");
        }
    }

    #[test]
    fn client_errors_are_permanent() {
        for code in [301, 400, 401, 402, 403, 404, 409, 422, 451] {
            assert!(matches!(error(code, ""), LlmError::Permanent(_)), "{code}");
        }
    }

    #[test]
    fn permanent_errors_say_what_to_do_and_quote_the_provider() {
        let body = r#"{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}"#;

        let message = error(402, body).to_string();

        assert_eq!(
            message,
            "rejected: HTTP 402 insufficient balance at https://api.deepseek.com/chat/completions: \
             top up the account balance with the provider; provider says: Insufficient Balance"
        );
    }

    #[test]
    fn a_non_json_error_body_is_quoted_briefly() {
        let message = error(502, "<html>\n<body>Bad   Gateway</body></html>").to_string();

        assert!(
            message.ends_with("provider says: <html> <body>Bad Gateway</body></html>"),
            "{message}"
        );
    }
}
