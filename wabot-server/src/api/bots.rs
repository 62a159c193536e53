//! `/bots`: create, read, update, delete, start/stop, model key, Cloud credentials, QR code.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json, PlainText},
};
use secrecy::SecretString;
use uuid::Uuid;
use wabot_core::{
    domain::{Bot, BotName, Prompt, Role},
    ids::{BotId, WorkspaceId},
    ports::BotActivity,
};

use super::{
    ApiTags,
    bot_model::{BotBody, CreateBot, UpdateBot, apply},
    load_bot, pick_workspace,
    types::BotStatus,
};
use crate::{
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
    wiring::{CLOUD_CREDENTIALS, LLM_API_KEY, SecretCache, secret_context},
};

/// The bots resource.
pub struct BotsApi;

/// A page of bots.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotList {
    /// The bots, oldest first.
    pub items: Vec<BotBody>,
}

/// A bot's runtime state.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotRuntime {
    /// The bot.
    pub bot_id: Uuid,
    /// Whether it should run.
    pub enabled: bool,
    // What it is doing now.
    pub(crate) status: BotStatus,
    /// Whether this server runs its task.
    pub running: bool,
    /// Whether a QR code is waiting to be scanned (`GET …/qr`).
    pub has_qr: bool,
}

/// A language-model API key (write-only; never returned).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiKeyBody {
    /// The key, e.g. `sk-…` (1–500 characters).
    #[oai(write_only)]
    pub api_key: String,
}

/// Cloud API credentials of a bot (write-only; never returned).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CloudCredentialsBody {
    /// A system-user access token with `whatsapp_business_messaging`.
    #[oai(write_only)]
    pub access_token: String,
    /// The Meta app secret (webhook signatures).
    #[oai(write_only)]
    pub app_secret: String,
    /// The webhook verify token you enter in Meta's dashboard.
    #[oai(write_only)]
    pub verify_token: String,
}

/// The current pairing QR code.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QrData {
    /// The bot.
    pub bot_id: Uuid,
    /// The raw QR payload (what the code encodes).
    pub code: String,
    /// The code as an SVG image.
    pub svg: String,
}

/// 204 No Content.
#[derive(Debug, ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// 201 Created with the bot.
#[derive(Debug, ApiResponse)]
pub enum Created {
    /// The bot was created.
    #[oai(status = 201)]
    Bot(Json<BotBody>),
}

fn body(state: &AppState, bot: &Bot) -> BotBody {
    BotBody::new(
        bot,
        state.secrets.has_llm_key(bot.id),
        state.secrets.has_cloud_credentials(bot.id),
    )
}

/// The start of `since`'s "today": the given instant, or the start of the current UTC day.
fn activity_since(state: &AppState, since: Option<DateTime<Utc>>) -> DateTime<Utc> {
    since.unwrap_or_else(|| {
        state
            .clock
            .now()
            .date_naive()
            .and_time(NaiveTime::MIN)
            .and_utc()
    })
}

/// The bots as API bodies with their activity since `since` (one query per workspace).
async fn bodies_with_activity(
    state: &AppState,
    bots: &[Bot],
    since: DateTime<Utc>,
) -> Result<Vec<BotBody>, ApiError> {
    let mut workspaces: Vec<WorkspaceId> = bots.iter().map(|b| b.workspace_id).collect();
    workspaces.sort();
    workspaces.dedup();
    let mut activity: HashMap<BotId, BotActivity> = HashMap::new();
    for ws in workspaces {
        for a in state.store.bot_activity(ws, since).await? {
            activity.insert(a.bot_id, a);
        }
    }
    Ok(bots
        .iter()
        .map(|b| body(state, b).with_activity(activity.get(&b.id)))
        .collect())
}

fn qr_code(state: &AppState, bot: &Bot) -> Result<qrcode::QrCode, ApiError> {
    let code = state.qr.get(bot.id).ok_or_else(|| {
        ApiError::NotFound(Json(crate::error::ErrorBody {
            code: "no_qr".into(),
            message: "the bot is not waiting to be paired; start a WhatsApp Web bot and watch \
                      for the `bot.qr` event"
                .into(),
            details: None,
        }))
    })?;
    qrcode::QrCode::new(code.as_bytes()).map_err(ApiError::internal)
}

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl BotsApi {
    /// List bots
    ///
    /// The bots of one workspace (`workspace_id`), or of every workspace you belong to, each
    /// with its `messages_today` and `leads_today`.
    #[oai(path = "/", method = "get", operation_id = "list_bots")]
    async fn list(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// Only this workspace's bots.
        workspace_id: Query<Option<Uuid>>,
        /// Count `messages_today` and `leads_today` from this instant (RFC 3339, e.g. your
        /// local midnight) instead of the start of the current UTC day.
        since: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<BotList>, ApiError> {
        let principal = auth.principal();
        let bots = match workspace_id.0 {
            Some(ws) => {
                principal.require(WorkspaceId(ws), Role::Agent, "workspace")?;
                state.store.list_bots(Some(WorkspaceId(ws))).await?
            }
            None if principal.is_platform_admin() => state.store.list_bots(None).await?,
            None => {
                let mut all = Vec::new();
                for ws in principal.workspaces() {
                    all.extend(state.store.list_bots(Some(ws)).await?);
                }
                all
            }
        };
        let since = activity_since(&state, since.0);
        Ok(Json(BotList {
            items: bodies_with_activity(&state, &bots, since).await?,
        }))
    }

    /// Create a bot
    ///
    /// A new bot (sandbox transport and offline model unless given). `enabled: true` starts it.
    #[oai(path = "/", method = "post", operation_id = "create_bot")]
    async fn create(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        req: Json<CreateBot>,
    ) -> Result<Created, ApiError> {
        let ws = pick_workspace(auth.principal(), req.workspace_id, Role::Manager)?;
        let now = state.clock.now();
        let mut bot = Bot::new(
            ws,
            BotName::parse(&req.name)?,
            Prompt::parse(&req.prompt)?,
            now,
        );
        apply(
            &mut bot,
            &crate::network::policy(&state.settings),
            None,
            None,
            req.transport.as_ref(),
            req.llm.as_ref(),
            req.features.as_ref(),
            req.pacing.as_ref(),
            req.fallback_message.as_deref(),
        )?;
        bot.enabled = req.enabled;
        state.store.create_bot(&bot).await?;
        if bot.enabled {
            state.supervisor.start_bot(bot.clone()).await;
        }
        Ok(Created::Bot(Json(body(&state, &bot))))
    }

    /// Get a bot
    ///
    /// The bot with its `messages_today` and `leads_today`.
    #[oai(path = "/:bot_id", method = "get", operation_id = "get_bot")]
    async fn get(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        /// Count `messages_today` and `leads_today` from this instant (RFC 3339, e.g. your
        /// local midnight) instead of the start of the current UTC day.
        since: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<BotBody>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Agent).await?;
        let since = activity_since(&state, since.0);
        let mut bodies = bodies_with_activity(&state, std::slice::from_ref(&bot), since).await?;
        Ok(Json(bodies.pop().expect("one body per bot")))
    }

    /// Update a bot
    ///
    /// Changes the given settings; a running bot picks them up (a transport change restarts
    /// it), `enabled` starts or stops it.
    #[oai(path = "/:bot_id", method = "patch", operation_id = "update_bot")]
    async fn update(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        req: Json<UpdateBot>,
    ) -> Result<Json<BotBody>, ApiError> {
        let mut bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let before = bot.clone();
        apply(
            &mut bot,
            &crate::network::policy(&state.settings),
            req.name.as_deref(),
            req.prompt.as_deref(),
            req.transport.as_ref(),
            req.llm.as_ref(),
            req.features.as_ref(),
            req.pacing.as_ref(),
            req.fallback_message.as_deref(),
        )?;
        if let Some(enabled) = req.enabled {
            bot.enabled = enabled;
        }
        bot.updated_at = state.clock.now();
        state.store.update_bot(&bot).await?;
        let restart = bot.enabled != before.enabled
            || bot.transport != before.transport
            || (bot.enabled && !state.supervisor.is_running(bot.id));
        state.apply_bot(&bot, restart).await;
        let since = activity_since(&state, None);
        let mut bodies = bodies_with_activity(&state, std::slice::from_ref(&bot), since).await?;
        Ok(Json(bodies.pop().expect("one body per bot")))
    }

    /// Delete a bot
    ///
    /// Stops it and deletes it with its leads, messages and schedules.
    #[oai(path = "/:bot_id", method = "delete", operation_id = "delete_bot")]
    async fn delete(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        state.supervisor.stop_bot(bot.id).await;
        state.store.delete_bot(bot.id).await?;
        state.engine.forget_bot(bot.id);
        state.llm.invalidate(bot.id);
        state.secrets.set_llm_key(bot.id, None);
        state.scheduler.schedules_changed();
        Ok(NoContent::Done)
    }

    /// Start a bot
    ///
    /// Enables the bot and starts its session.
    #[oai(path = "/:bot_id/start", method = "post", operation_id = "start_bot")]
    async fn start(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<BotRuntime>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        state
            .store
            .set_bot_enabled(bot.id, true, state.clock.now())
            .await?;
        let bot = Bot {
            enabled: true,
            ..bot
        };
        state.apply_bot(&bot, true).await;
        runtime(&state, bot.id.as_uuid()).await
    }

    /// Stop a bot
    ///
    /// Disables the bot and ends its session cleanly.
    #[oai(path = "/:bot_id/stop", method = "post", operation_id = "stop_bot")]
    async fn stop(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<BotRuntime>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        state
            .store
            .set_bot_enabled(bot.id, false, state.clock.now())
            .await?;
        state.supervisor.stop_bot(bot.id).await;
        runtime(&state, bot.id.as_uuid()).await
    }

    /// Get a bot's runtime status
    #[oai(
        path = "/:bot_id/status",
        method = "get",
        operation_id = "get_bot_status"
    )]
    async fn status(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<BotRuntime>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Agent).await?;
        runtime(&state, bot.id.as_uuid()).await
    }

    /// Set the model API key
    ///
    /// Stores the bot's language-model API key, encrypted. It is never returned; the bot shows
    /// `llm.has_api_key`.
    #[oai(
        path = "/:bot_id/llm-key",
        method = "put",
        operation_id = "set_bot_llm_key"
    )]
    async fn set_key(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        req: Json<ApiKeyBody>,
    ) -> Result<NoContent, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let key = req.api_key.trim();
        if key.is_empty() || key.len() > 500 || key.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "api_key",
                "must be 1–500 printable characters",
            ));
        }
        let blob = state
            .crypto
            .encrypt_bound(key.as_bytes(), &secret_context(bot.id, LLM_API_KEY));
        state
            .store
            .put_bot_secret(bot.id, LLM_API_KEY, &blob)
            .await?;
        state
            .secrets
            .set_llm_key(bot.id, Some(SecretString::from(key.to_string())));
        state.llm.invalidate(bot.id);
        Ok(NoContent::Done)
    }

    /// Clear the model API key
    #[oai(
        path = "/:bot_id/llm-key",
        method = "delete",
        operation_id = "clear_bot_llm_key"
    )]
    async fn clear_key(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        state.store.put_bot_secret(bot.id, LLM_API_KEY, &[]).await?;
        state.secrets.set_llm_key(bot.id, None);
        state.llm.invalidate(bot.id);
        Ok(NoContent::Done)
    }

    /// Set Cloud API credentials
    ///
    /// Stores the access token, app secret and webhook verify token of a Cloud API bot,
    /// encrypted. The webhook is `/webhooks/cloud/{bot_id}`.
    #[oai(
        path = "/:bot_id/cloud-credentials",
        method = "put",
        operation_id = "set_bot_cloud_credentials"
    )]
    async fn set_cloud(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
        req: Json<CloudCredentialsBody>,
    ) -> Result<NoContent, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        for (field, v) in [
            ("access_token", &req.access_token),
            ("app_secret", &req.app_secret),
            ("verify_token", &req.verify_token),
        ] {
            if v.trim().is_empty() || v.len() > 1000 {
                return Err(ApiError::invalid(field, "must be 1–1000 characters"));
            }
        }
        let blob = SecretCache::seal_cloud(
            &state.crypto,
            bot.id,
            req.access_token.trim(),
            req.app_secret.trim(),
            req.verify_token.trim(),
        );
        state
            .store
            .put_bot_secret(bot.id, CLOUD_CREDENTIALS, &blob)
            .await?;
        state
            .secrets
            .reload_bot(state.store.as_ref(), &state.crypto, bot.id)
            .await?;
        Ok(NoContent::Done)
    }

    /// Get the pairing QR code as SVG
    #[oai(
        path = "/:bot_id/qr.svg",
        method = "get",
        operation_id = "get_bot_qr_svg"
    )]
    async fn qr_svg(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<SvgResponse, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let svg = qr_code(&state, &bot)?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(256, 256)
            .build();
        Ok(SvgResponse::Svg(PlainText(svg)))
    }

    /// Get the pairing QR code as PNG
    #[oai(
        path = "/:bot_id/qr.png",
        method = "get",
        operation_id = "get_bot_qr_png"
    )]
    async fn qr_png(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<PngResponse, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let img = qr_code(&state, &bot)?
            .render::<image::Luma<u8>>()
            .min_dimensions(256, 256)
            .build();
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)
            .map_err(ApiError::internal)?;
        Ok(PngResponse::Png(Binary(png.into_inner())))
    }

    /// Get the pairing QR code as data
    #[oai(path = "/:bot_id/qr", method = "get", operation_id = "get_bot_qr")]
    async fn qr_data(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<QrData>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let code = qr_code(&state, &bot)?;
        Ok(Json(QrData {
            bot_id: bot.id.as_uuid(),
            code: state.qr.get(bot.id).unwrap_or_default(),
            svg: code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(256, 256)
                .build(),
        }))
    }
}

/// An SVG image.
#[derive(Debug, ApiResponse)]
pub enum SvgResponse {
    /// The QR code.
    #[oai(status = 200, content_type = "image/svg+xml")]
    Svg(PlainText<String>),
}

/// A PNG image.
#[derive(Debug, ApiResponse)]
pub enum PngResponse {
    /// The QR code.
    #[oai(status = 200, content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}

async fn runtime(state: &AppState, id: Uuid) -> Result<Json<BotRuntime>, ApiError> {
    let bot = state
        .store
        .get_bot(wabot_core::ids::BotId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("bot"))?;
    Ok(Json(BotRuntime {
        bot_id: id,
        enabled: bot.enabled,
        status: bot.status.into(),
        running: state.supervisor.is_running(bot.id),
        has_qr: state.qr.get(bot.id).is_some(),
    }))
}
