//! Bots: list, create, read, update, delete.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;
use wabot_core::{
    domain::{Bot, BotName, Prompt, Role},
    ids::{BotId, WorkspaceId},
    ports::BotActivity,
};

use super::body::{BotBody, BotChanges, CreateBot, UpdateBot, apply};
use crate::{
    api::{ApiTags, NoContent, load_bot, pick_workspace},
    auth::ApiAuth,
    bot_secrets::BotSecrets,
    error::ApiError,
    state::AppState,
};

/// Creating, reading, changing and deleting bots.
pub struct BotsCrudApi;

/// A page of bots.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BotList {
    /// The bots, oldest first.
    pub items: Vec<BotBody>,
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

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl BotsCrudApi {
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
            BotChanges::from(&req.0),
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
            BotChanges::from(&req.0),
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
        BotSecrets::of(&state).forget(bot.id);
        state.scheduler.schedules_changed();
        Ok(NoContent::Done)
    }
}
