//! The Graph API client of one number: sends texts, read receipts and typing indicators, with a
//! per-number rate limiter and bounded retries of temporary failures.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultDirectRateLimiter, Quota};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use wabot_core::TransportError;

use super::{
    config::{CloudConfig, RetryPolicy},
    graph_error::{self, Failure},
};

/// The per-number rate limiter shared by every transport of that number.
pub(crate) type Limiter = DefaultDirectRateLimiter;

/// A limiter letting `per_second` messages through per second, evenly spaced (burst of one).
pub(crate) fn limiter(per_second: NonZeroU32) -> Limiter {
    let period = Duration::from_secs(1) / per_second.get();
    let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
        .expect("a non-zero period")
        .allow_burst(NonZeroU32::MIN);
    DefaultDirectRateLimiter::direct(quota)
}

/// Talks to `{base}/{version}/{phone_number_id}` for one number.
pub(crate) struct GraphClient {
    http: reqwest::Client,
    number_url: Url,
    messages_url: Url,
    token: SecretString,
    limiter: Arc<Limiter>,
    retry: RetryPolicy,
    phone_number_id: String,
    /// Whether a network guard is on: then nothing an internal address answers is quoted.
    guarded: bool,
}

impl GraphClient {
    /// A client for `config`'s number over `http`, spacing sends with `limiter`; `guarded`
    /// when `http` was built by a [`wabot_net::NetworkPolicy`].
    pub(crate) fn new(
        config: &CloudConfig,
        http: reqwest::Client,
        limiter: Arc<Limiter>,
        guarded: bool,
    ) -> Result<Self, TransportError> {
        Ok(Self {
            http,
            number_url: config.number_url()?,
            messages_url: config.messages_url()?,
            token: config.access_token.clone(),
            limiter,
            retry: config.retry,
            phone_number_id: config.phone_number_id.clone(),
            guarded,
        })
    }

    /// Whether the error texts of `response` may be quoted.
    fn quotable(&self, response: &reqwest::Response) -> bool {
        !self.guarded
            || response
                .remote_addr()
                .is_some_and(|addr| !wabot_net::is_internal(addr.ip()))
    }

    /// Sends a text to `to` (a WhatsApp id: digits); returns the `wamid` Meta gave it.
    pub(crate) async fn send_text(&self, to: &str, body: &str) -> Result<String, TransportError> {
        let payload = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "body": body, "preview_url": has_link(body) },
        });
        let reply = self.post_messages(&payload, true, self.retry).await?;
        reply
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                // Not retried: the message may well have gone out.
                TransportError::Rejected(
                    "the Graph API accepted the message but returned no message id".into(),
                )
            })
    }

    /// Marks `message_id` (an inbound `wamid`) as read, and shows "typing…" when `typing`.
    /// Not rate limited and not retried: receipts are cosmetic and must not delay replies.
    pub(crate) async fn mark_read(
        &self,
        message_id: &str,
        typing: bool,
    ) -> Result<(), TransportError> {
        let mut payload = json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": message_id,
        });
        if typing {
            payload["typing_indicator"] = json!({ "type": "text" });
        }
        self.post_messages(&payload, false, RetryPolicy::NEVER)
            .await
            .map(drop)
    }

    /// The number's display form (e.g. `+1 555-0100`), read once at start. Also proves the
    /// token and the phone number id are right.
    pub(crate) async fn display_number(&self) -> Result<Option<String>, TransportError> {
        let mut url = self.number_url.clone();
        url.query_pairs_mut()
            .append_pair("fields", "display_phone_number,verified_name");
        let response = self
            .http
            .get(url)
            .bearer_auth(self.token.expose_secret())
            .send()
            .await
            .map_err(|e| graph_error::network(&e))?;
        let quote = self.quotable(&response);
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| graph_error::network(&e))?;
        if !status.is_success() {
            return Err(graph_error::classify(status, &headers, &body, quote).error);
        }
        Ok(serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
            v.get("display_phone_number")
                .and_then(Value::as_str)
                .map(str::to_string)
        }))
    }

    async fn post_messages(
        &self,
        payload: &Value,
        rate_limited: bool,
        retry: RetryPolicy,
    ) -> Result<Value, TransportError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if rate_limited {
                self.limiter.until_ready().await;
            }
            match self.post_once(payload).await {
                Ok(reply) => return Ok(reply),
                Err(failure) if failure.error.is_transient() && attempt < retry.max_attempts => {
                    let delay = retry.delay(attempt, failure.retry_after);
                    tracing::warn!(
                        phone_number_id = %self.phone_number_id,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %failure.error,
                        "Graph API call failed for now; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(failure) => return Err(failure.error),
            }
        }
    }

    async fn post_once(&self, payload: &Value) -> Result<Value, Failure> {
        let response = self
            .http
            .post(self.messages_url.clone())
            .bearer_auth(self.token.expose_secret())
            .json(payload)
            .send()
            .await
            .map_err(|e| Failure {
                error: graph_error::network(&e),
                retry_after: None,
            })?;
        let quote = self.quotable(&response);
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| Failure {
            error: graph_error::network(&e),
            retry_after: None,
        })?;
        if !status.is_success() {
            return Err(graph_error::classify(status, &headers, &body, quote));
        }
        Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

fn has_link(body: &str) -> bool {
    body.contains("https://") || body.contains("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_turn_previews_on() {
        assert!(has_link("see https://example.com"));
        assert!(!has_link("no link here"));
    }

    #[test]
    fn the_limiter_lets_one_through_then_spaces_the_next() {
        let l = limiter(NonZeroU32::new(1).unwrap());
        assert!(l.check().is_ok());
        assert!(l.check().is_err(), "a burst of one: the second must wait");
    }
}
