//! A bot on the wire: [`BotBody`] (what the API answers), [`CreateBot`] / [`UpdateBot`] (what
//! it accepts) and their groups (transport, model, features, pacing), with their parsing into
//! domain types (422 naming the field). The behaviour groups (features, working hours,
//! pacing) are in [`super::features`].

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;
use wabot_core::{
    domain::{self, Bot, BotName, CannedMessage, LlmSettings, Prompt, TransportConfig},
    ports::BotActivity,
};
use wabot_net::NetworkPolicy;

pub use super::features::{FeaturesBody, PacingBody, WorkingHoursBody};
use crate::{
    api::types::{BotStatus, LlmProvider, TransportKind, wire_f32},
    error::ApiError,
    network::check_tenant_url,
};

/// How a bot connects to WhatsApp.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Transport {
    // `sandbox`, `native` (recommended), `web` or `cloud`.
    pub(crate) kind: TransportKind,
    /// Not settable: the Chromium executable is the operator's configuration
    /// (`[chromium] path` of the server), not a bot setting. A request that sets it is
    /// refused with 422; it is never returned.
    #[oai(write_only, deprecated)]
    pub chromium_path: Option<String>,
    /// `native`, `web`: pair with a pairing code sent to this phone instead of a QR code.
    pub pairing_phone: Option<String>,
    /// `cloud`: the business phone number id from Meta (required for `cloud`).
    pub phone_number_id: Option<String>,
    /// `cloud`: Graph API base URL (default `https://graph.facebook.com`).
    pub graph_base_url: Option<String>,
}

impl From<&TransportConfig> for Transport {
    fn from(t: &TransportConfig) -> Self {
        let mut out = Transport {
            kind: TransportKind::Sandbox,
            chromium_path: None,
            pairing_phone: None,
            phone_number_id: None,
            graph_base_url: None,
        };
        match t {
            TransportConfig::Sandbox => {}
            TransportConfig::Native { pairing_phone } => {
                out.kind = TransportKind::Native;
                out.pairing_phone = pairing_phone.clone();
            }
            TransportConfig::Web { pairing_phone } => {
                out.kind = TransportKind::Web;
                out.pairing_phone = pairing_phone.clone();
            }
            TransportConfig::Cloud {
                phone_number_id,
                graph_base_url,
            } => {
                out.kind = TransportKind::Cloud;
                out.phone_number_id = Some(phone_number_id.clone());
                out.graph_base_url = graph_base_url.clone();
            }
        }
        out
    }
}

/// The trimmed value, `None` when absent or blank.
pub(crate) fn nonblank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl Transport {
    /// The transport; `graph_base_url` must be an http(s) URL `network` permits.
    fn parse(&self, network: &NetworkPolicy) -> Result<TransportConfig, ApiError> {
        if nonblank(&self.chromium_path).is_some() {
            return Err(ApiError::invalid(
                "transport.chromium_path",
                "cannot be set through the API: the Chromium executable is the server \
                 operator's configuration (`[chromium] path`); remove the field",
            ));
        }
        let pairing_phone = || -> Result<Option<String>, ApiError> {
            nonblank(&self.pairing_phone)
                .map(|p| {
                    domain::Phone::parse(&p, None)
                        .map(|p| p.as_str().to_string())
                        .map_err(|e| ApiError::invalid("transport.pairing_phone", e.message))
                })
                .transpose()
        };
        Ok(match self.kind {
            TransportKind::Sandbox => TransportConfig::Sandbox,
            TransportKind::Native => TransportConfig::Native {
                pairing_phone: pairing_phone()?,
            },
            TransportKind::Web => TransportConfig::Web {
                pairing_phone: pairing_phone()?,
            },
            TransportKind::Cloud => TransportConfig::Cloud {
                phone_number_id: nonblank(&self.phone_number_id).ok_or_else(|| {
                    ApiError::invalid(
                        "transport.phone_number_id",
                        "is required for a cloud bot (Meta's phone number id)",
                    )
                })?,
                graph_base_url: match nonblank(&self.graph_base_url) {
                    Some(u) => Some(check_tenant_url(network, "transport.graph_base_url", &u)?),
                    None => None,
                },
            },
        })
    }
}

/// Which language model a bot uses. The API key is write-only (`PUT …/llm-key`).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Llm {
    // `offline` (built in, no key) or `openai_compatible` (DeepSeek, OpenAI, vLLM…).
    pub(crate) provider: LlmProvider,
    /// Base URL of the OpenAI-compatible API (default DeepSeek's).
    pub base_url: Option<String>,
    /// Model name (default `deepseek-chat`).
    pub model: Option<String>,
    /// Sampling temperature, 0–2 (returned as given, e.g. `0.7`).
    #[oai(default = "default_temperature")]
    pub temperature: f64,
    /// Largest reply in tokens, 1–8192.
    #[oai(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Deadline of one call in milliseconds, 100–300000.
    #[oai(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Whether an API key is stored for this bot (read-only).
    #[oai(read_only)]
    pub has_api_key: bool,
    /// A human description of the model in use (read-only).
    #[oai(read_only)]
    pub label: String,
}

fn default_temperature() -> f64 {
    wire_f32(LlmSettings::default().temperature)
}
fn default_max_tokens() -> u32 {
    LlmSettings::default().max_tokens
}
fn default_timeout() -> u64 {
    LlmSettings::default().timeout_ms
}

impl Llm {
    /// The model settings; `base_url` must be an http(s) URL `network` permits.
    fn parse(&self, network: &NetworkPolicy) -> Result<LlmSettings, ApiError> {
        let base_url = match nonblank(&self.base_url) {
            Some(u) => Some(check_tenant_url(network, "llm.base_url", &u)?),
            None => None,
        };
        let settings = LlmSettings {
            provider: self.provider.into(),
            base_url,
            model: nonblank(&self.model),
            temperature: self.temperature as f32,
            max_tokens: self.max_tokens,
            timeout_ms: self.timeout_ms,
        };
        settings.validate()?;
        Ok(settings)
    }
}

/// A bot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotBody {
    /// Identifier.
    pub id: Uuid,
    /// Owning workspace.
    pub workspace_id: Uuid,
    /// Display name.
    pub name: String,
    /// System prompt.
    pub prompt: String,
    /// Whether the bot should run.
    pub enabled: bool,
    // What it is doing now.
    pub(crate) status: BotStatus,
    /// How it connects.
    pub transport: Transport,
    /// Its language model.
    pub llm: Llm,
    /// Switched-on features.
    pub features: FeaturesBody,
    /// Typing delay.
    pub pacing: PacingBody,
    /// Sent when the model fails.
    pub fallback_message: String,
    /// Whether Cloud API credentials are stored (cloud bots).
    pub has_cloud_credentials: bool,
    /// Messages of its conversations, both directions, created today: since the start of the
    /// current UTC day, or since the request's `since` when given.
    pub messages_today: u64,
    /// Its leads (new conversations) created today, counted like `messages_today`.
    pub leads_today: u64,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl BotBody {
    /// The API view of a bot, with no activity today (see [`with_activity`](Self::with_activity)).
    pub fn new(bot: &Bot, has_api_key: bool, has_cloud_credentials: bool) -> Self {
        Self {
            id: bot.id.as_uuid(),
            workspace_id: bot.workspace_id.as_uuid(),
            name: bot.name.as_str().to_string(),
            prompt: bot.prompt.as_str().to_string(),
            enabled: bot.enabled,
            status: bot.status.into(),
            transport: (&bot.transport).into(),
            llm: Llm {
                provider: bot.llm.provider.into(),
                base_url: bot.llm.base_url.clone(),
                model: bot.llm.model.clone(),
                temperature: wire_f32(bot.llm.temperature),
                max_tokens: bot.llm.max_tokens,
                timeout_ms: bot.llm.timeout_ms,
                has_api_key,
                label: crate::wiring::LlmRouter::label(&bot.llm),
            },
            features: (&bot.features).into(),
            pacing: (&bot.pacing).into(),
            fallback_message: bot.fallback_message.as_str().to_string(),
            has_cloud_credentials,
            messages_today: 0,
            leads_today: 0,
            created_at: bot.created_at,
            updated_at: bot.updated_at,
        }
    }

    /// Sets today's counts from the bot's [`BotActivity`], if it had any.
    pub fn with_activity(mut self, activity: Option<&BotActivity>) -> Self {
        if let Some(a) = activity {
            self.messages_today = a.messages;
            self.leads_today = a.leads;
        }
        self
    }
}

/// A new bot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreateBot {
    /// The workspace; optional when you belong to exactly one.
    pub workspace_id: Option<Uuid>,
    /// Display name, 1–80 characters.
    pub name: String,
    /// System prompt, 1–20000 characters.
    pub prompt: String,
    /// Start it right away (default false).
    #[oai(default)]
    pub enabled: bool,
    /// Transport (default sandbox).
    pub transport: Option<Transport>,
    /// Language model (default offline).
    pub llm: Option<Llm>,
    /// Features (default: auto-response, lead capture, scheduling; name, email, phone).
    pub features: Option<FeaturesBody>,
    /// Typing delay.
    pub pacing: Option<PacingBody>,
    /// Fallback message.
    pub fallback_message: Option<String>,
}

/// Changes to a bot; absent fields are kept.
#[derive(Debug, Clone, Default, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateBot {
    /// Display name.
    pub name: Option<String>,
    /// System prompt.
    pub prompt: Option<String>,
    /// Whether the bot should run (starts or stops it).
    pub enabled: Option<bool>,
    /// Transport (restarts a running bot).
    pub transport: Option<Transport>,
    /// Language model.
    pub llm: Option<Llm>,
    /// Features (replaced as a whole).
    pub features: Option<FeaturesBody>,
    /// Typing delay.
    pub pacing: Option<PacingBody>,
    /// Fallback message.
    pub fallback_message: Option<String>,
}

/// The settings a create or an update gives, each optional: what [`apply`] changes.
#[derive(Debug, Clone, Copy, Default)]
pub struct BotChanges<'a> {
    /// A new name.
    pub name: Option<&'a str>,
    /// A new prompt.
    pub prompt: Option<&'a str>,
    /// A new transport.
    pub transport: Option<&'a Transport>,
    /// A new language model.
    pub llm: Option<&'a Llm>,
    /// New features (replaced as a whole).
    pub features: Option<&'a FeaturesBody>,
    /// A new typing delay.
    pub pacing: Option<&'a PacingBody>,
    /// A new fallback message.
    pub fallback: Option<&'a str>,
}

impl<'a> From<&'a CreateBot> for BotChanges<'a> {
    /// The optional groups of a new bot (its name and prompt are required and parsed by
    /// [`Bot::new`]'s caller).
    fn from(req: &'a CreateBot) -> Self {
        Self {
            name: None,
            prompt: None,
            transport: req.transport.as_ref(),
            llm: req.llm.as_ref(),
            features: req.features.as_ref(),
            pacing: req.pacing.as_ref(),
            fallback: req.fallback_message.as_deref(),
        }
    }
}

impl<'a> From<&'a UpdateBot> for BotChanges<'a> {
    fn from(req: &'a UpdateBot) -> Self {
        Self {
            name: req.name.as_deref(),
            prompt: req.prompt.as_deref(),
            transport: req.transport.as_ref(),
            llm: req.llm.as_ref(),
            features: req.features.as_ref(),
            pacing: req.pacing.as_ref(),
            fallback: req.fallback_message.as_deref(),
        }
    }
}

/// Applies `changes` to `bot` (tenant URLs checked against `network`), then validates the bot
/// as a whole.
pub fn apply(
    bot: &mut Bot,
    network: &NetworkPolicy,
    changes: BotChanges<'_>,
) -> Result<(), ApiError> {
    let BotChanges {
        name,
        prompt,
        transport,
        llm,
        features,
        pacing,
        fallback,
    } = changes;
    if let Some(n) = name {
        bot.name = BotName::parse(n)?;
    }
    if let Some(p) = prompt {
        bot.prompt = Prompt::parse(p)?;
    }
    if let Some(t) = transport {
        bot.transport = t.parse(network)?;
    }
    if let Some(l) = llm {
        bot.llm = l.parse(network)?;
    }
    if let Some(f) = features {
        bot.features = f.parse()?;
    }
    if let Some(p) = pacing {
        bot.pacing = p.parse()?;
    }
    if let Some(f) = fallback {
        bot.fallback_message = CannedMessage::parse(f)
            .map_err(|e| ApiError::invalid("fallback_message", e.message))?;
    }
    bot.validate()?;
    Ok(())
}
