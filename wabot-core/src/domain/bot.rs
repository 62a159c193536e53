//! Bots: what a bot is, how it talks, which features it has switched on.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{hours::WorkingHours, lead::LeadField, text::text_type};
use crate::{
    error::ValidationError,
    ids::{BotId, WorkspaceId},
};

text_type!(
    /// A bot's display name (1–80 characters).
    BotName, "name", 1, 80
);
text_type!(
    /// The system prompt that gives a bot its personality and knowledge (1–20,000 characters).
    Prompt, "prompt", 1, 20_000
);
text_type!(
    /// A message the bot sends verbatim (fallback or away message; 1–1,000 characters).
    CannedMessage, "message", 1, 1_000
);

/// What a bot is doing right now, as reported by its supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BotStatus {
    /// Not running (disabled, or never started).
    #[default]
    Stopped,
    /// The transport is being launched.
    Starting,
    /// Waiting for the owner to scan a QR code (or enter a pairing code).
    Qr,
    /// Paired; the session is syncing.
    Authenticated,
    /// Connected and answering.
    Ready,
    /// The connection dropped; the supervisor will retry.
    Disconnected,
    /// Failed and waiting before the next restart attempt (or gave up).
    Failed,
}

impl BotStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [BotStatus; 7] = [
        Self::Stopped,
        Self::Starting,
        Self::Qr,
        Self::Authenticated,
        Self::Ready,
        Self::Disconnected,
        Self::Failed,
    ];

    /// The stable lower-case name used in storage, the API and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Starting => "starting",
            Self::Qr => "qr",
            Self::Authenticated => "authenticated",
            Self::Ready => "ready",
            Self::Disconnected => "disconnected",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for BotStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BotStatus {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "status",
                    format!("unknown bot status `{s}`; expected one of stopped, starting, qr, authenticated, ready, disconnected, failed"),
                )
            })
    }
}

/// How a bot connects to WhatsApp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransportConfig {
    /// In-memory sandbox: the dashboard's chat simulator plays the customer.
    #[default]
    Sandbox,
    /// The WhatsApp multi-device protocol spoken natively (whatsapp-rust): no browser, about a
    /// megabyte per session, the session keys stored (encrypted) in the bot's own database so a
    /// restart or another replica resumes without a QR code. The default for WhatsApp bots.
    Native {
        /// Phone number for pairing-code login instead of QR.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pairing_phone: Option<String>,
    },
    /// WhatsApp Web driven in a headless Chromium (the fallback engine).
    ///
    /// The Chromium executable is not a bot setting: it is the host's configuration (the
    /// adapter's factory), because whoever edits a bot must not choose a program the server
    /// runs. A `chromium_path` stored by older versions is ignored when read.
    Web {
        /// Phone number for pairing-code login instead of QR.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pairing_phone: Option<String>,
    },
    /// The official WhatsApp Business Cloud API.
    Cloud {
        /// The business phone number id from Meta.
        phone_number_id: String,
        /// Graph API base URL; `None` uses `https://graph.facebook.com`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        graph_base_url: Option<String>,
    },
}

impl TransportConfig {
    /// The short name of the transport kind: `sandbox`, `native`, `web` or `cloud`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Native { .. } => "native",
            Self::Web { .. } => "web",
            Self::Cloud { .. } => "cloud",
        }
    }
}

/// Which language model a bot uses. The API key is not part of this: it is a secret held by the
/// host (encrypted at rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmSettings {
    /// `offline` (built-in rule-based dialogue) or `openai_compatible` (DeepSeek, OpenAI, vLLM…).
    pub provider: LlmProvider,
    /// Base URL of an OpenAI-compatible API; `None` uses the provider default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Model name; `None` uses the provider default (`deepseek-chat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Sampling temperature (0–2).
    pub temperature: f32,
    /// Largest reply in tokens.
    pub max_tokens: u32,
    /// Deadline for one call, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            provider: LlmProvider::Offline,
            base_url: None,
            model: None,
            temperature: 0.7,
            max_tokens: 400,
            timeout_ms: 20_000,
        }
    }
}

impl LlmSettings {
    /// Checks ranges: temperature 0–2, max tokens 1–8192, timeout 100 ms–5 min.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(ValidationError::new(
                "llm.temperature",
                "must be between 0 and 2",
            ));
        }
        if !(1..=8192).contains(&self.max_tokens) {
            return Err(ValidationError::new(
                "llm.max_tokens",
                "must be between 1 and 8192",
            ));
        }
        if !(100..=300_000).contains(&self.timeout_ms) {
            return Err(ValidationError::new(
                "llm.timeout_ms",
                "must be between 100 and 300000",
            ));
        }
        Ok(())
    }
}

/// The kind of language model behind a bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmProvider {
    /// The built-in offline dialogue (no network, no key).
    Offline,
    /// Any OpenAI-compatible chat-completions API (DeepSeek by default).
    OpenaiCompatible,
}

/// How long the bot "types" before a reply, to look human and avoid bans.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pacing {
    /// Fixed part of the delay in milliseconds.
    pub base_ms: u64,
    /// Added per character of the reply, in milliseconds.
    pub per_char_ms: u64,
    /// Upper bound of the delay in milliseconds.
    pub max_ms: u64,
    /// Random variation, as a fraction of the delay (0 – 1).
    pub jitter: f32,
}

impl Pacing {
    /// No delay at all (tests, benchmarks, the sandbox when wanted).
    pub const INSTANT: Pacing = Pacing {
        base_ms: 0,
        per_char_ms: 0,
        max_ms: 0,
        jitter: 0.0,
    };

    /// Checks ranges: max delay ≤ 60 s, jitter 0–1.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.max_ms > 60_000 {
            return Err(ValidationError::new(
                "pacing.max_ms",
                "must be at most 60000",
            ));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(ValidationError::new(
                "pacing.jitter",
                "must be between 0 and 1",
            ));
        }
        Ok(())
    }
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            base_ms: 800,
            per_char_ms: 35,
            max_ms: 6_000,
            jitter: 0.3,
        }
    }
}

/// The features a bot has switched on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Answer customers with the language model.
    pub auto_response: bool,
    /// Extract lead fields from the conversation.
    pub lead_capture: bool,
    /// Obey enable/disable schedules.
    pub scheduling: bool,
    /// Answer only within these hours (`None`: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// Sent outside working hours, at most once per contact per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_message: Option<CannedMessage>,
    /// Fields a lead needs before it is qualified.
    pub required_fields: Vec<LeadField>,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            auto_response: true,
            lead_capture: true,
            scheduling: true,
            working_hours: None,
            away_message: None,
            required_fields: vec![LeadField::Name, LeadField::Email, LeadField::Phone],
        }
    }
}

/// A bot: one WhatsApp number answering with one prompt for one workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bot {
    /// Identifier.
    pub id: BotId,
    /// The workspace that owns the bot.
    pub workspace_id: WorkspaceId,
    /// Display name.
    pub name: BotName,
    /// System prompt.
    pub prompt: Prompt,
    /// Whether the bot should be running (the desired state; schedules flip it).
    pub enabled: bool,
    /// What the bot is doing now.
    pub status: BotStatus,
    /// How it connects to WhatsApp.
    pub transport: TransportConfig,
    /// Which language model it uses.
    pub llm: LlmSettings,
    /// Switched-on features.
    pub features: Features,
    /// Typing delay before replies.
    pub pacing: Pacing,
    /// Sent when the language model fails.
    pub fallback_message: CannedMessage,
    /// When the bot was created.
    pub created_at: DateTime<Utc>,
    /// When the bot was last changed.
    pub updated_at: DateTime<Utc>,
}

impl Bot {
    /// A new, disabled bot with default features and settings.
    pub fn new(
        workspace_id: WorkspaceId,
        name: BotName,
        prompt: Prompt,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: BotId::new(),
            workspace_id,
            name,
            prompt,
            enabled: false,
            status: BotStatus::Stopped,
            transport: TransportConfig::Sandbox,
            llm: LlmSettings::default(),
            features: Features::default(),
            pacing: Pacing::default(),
            fallback_message: CannedMessage::parse(
                "Thanks for your message! We're having a technical hiccup; a colleague will get back to you shortly.",
            )
            .expect("the default fallback message is valid"),
            created_at: now,
            updated_at: now,
        }
    }

    /// Checks the settings that are not enforced by types.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.llm.validate()?;
        self.pacing.validate()?;
        if let Some(hours) = &self.features.working_hours {
            hours.validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chromium_path_stored_by_older_versions_is_ignored() {
        let stored = r#"{"kind":"web","chromium_path":"/bin/sh","pairing_phone":"34600000000"}"#;

        let transport: TransportConfig = serde_json::from_str(stored).unwrap();

        assert_eq!(
            transport,
            TransportConfig::Web {
                pairing_phone: Some("34600000000".into())
            }
        );
        assert!(
            !serde_json::to_string(&transport)
                .unwrap()
                .contains("chromium")
        );
    }

    #[test]
    fn a_native_transport_is_stored_as_its_kind_with_an_optional_pairing_phone() {
        let native = TransportConfig::Native {
            pairing_phone: None,
        };

        let json = serde_json::to_string(&native).unwrap();

        assert_eq!(json, r#"{"kind":"native"}"#);
        assert_eq!(
            serde_json::from_str::<TransportConfig>(&json).unwrap(),
            native
        );
        assert_eq!(native.kind(), "native");
    }
}
