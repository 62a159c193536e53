//! Bot secrets through the API: the model API key and the Cloud API credentials, write-only.
//! Parsing, encryption, storage and cache updates are [`BotSecrets`]'.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;
use wabot_core::domain::Role;

use crate::{
    api::{ApiTags, NoContent, load_bot},
    auth::ApiAuth,
    bot_secrets::{BotSecrets, CloudSecrets, LlmApiKey},
    error::ApiError,
    state::AppState,
};

/// Setting and clearing bot secrets.
pub struct BotsSecretsApi;

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

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl BotsSecretsApi {
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
        let key = LlmApiKey::parse(&req.api_key)?;
        BotSecrets::of(&state).set_llm_key(bot.id, key).await?;
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
        BotSecrets::of(&state).clear_llm_key(bot.id).await?;
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
        let secrets = CloudSecrets::parse(&req.access_token, &req.app_secret, &req.verify_token)?;
        BotSecrets::of(&state)
            .set_cloud_credentials(bot.id, secrets)
            .await?;
        Ok(NoContent::Done)
    }
}
