//! Bots at run time: start, stop, status.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::domain::{Bot, Role};

use crate::{
    api::{ApiTags, load_bot, types::BotStatus},
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
};

/// Starting and stopping bots.
pub struct BotsRuntimeApi;

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

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl BotsRuntimeApi {
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
