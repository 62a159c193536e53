//! Demo mode: a workspace with an owner and one sandbox bot on the offline model, created on
//! first start so the whole product works with no configuration and no external service.

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use wabot_core::{
    domain::{
        ApiToken, Bot, BotName, Email, Label, Member, Prompt, Role, User, Workspace, WorkspaceName,
    },
    ids::{UserId, WorkspaceId},
    ports::ServerStore,
};

use crate::auth::{hash_token, token_display_prefix};

/// The demo owner's e-mail (the demo login signs in as this user).
pub const DEMO_EMAIL: &str = "demo@wabot.local";
/// The demo workspace's name.
pub const DEMO_WORKSPACE: &str = "Demo workspace";

const DEMO_PROMPT: &str = "You are the friendly assistant of Sunny Panels, a solar panel \
installer. Answer questions about solar panels briefly, and collect the customer's name, \
e-mail and phone number so a sales advisor can prepare a free quote.";

/// What demo mode set up.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    /// The demo workspace.
    pub workspace: WorkspaceId,
    /// The demo owner.
    pub user: UserId,
    /// Whether it was created by this start (rather than found).
    pub created: bool,
}

/// Creates the demo workspace, owner and bot when no workspace exists yet, and seeds the
/// given API token (owner of the demo workspace) when it is not stored yet.
pub async fn seed(
    store: &dyn ServerStore,
    api_token: Option<&SecretString>,
) -> wabot_core::Result<DemoInfo> {
    let now = Utc::now();
    let user = store
        .upsert_user(&User {
            id: UserId::new(),
            email: Email::parse(DEMO_EMAIL)?,
            name: "Demo Owner".into(),
            created_at: now,
        })
        .await?;
    let existing = store.list_memberships(user.id).await?;
    let (workspace, created) = match existing.first() {
        Some(m) => (m.workspace_id, false),
        None => {
            let ws = Workspace {
                id: WorkspaceId::new(),
                name: WorkspaceName::parse(DEMO_WORKSPACE)?,
                created_at: now,
            };
            store.create_workspace(&ws).await?;
            store
                .put_member(&Member {
                    workspace_id: ws.id,
                    user_id: user.id,
                    role: Role::Owner,
                    receives_leads: true,
                    created_at: now,
                })
                .await?;
            let mut bot = Bot::new(
                ws.id,
                BotName::parse("Sunny Panels assistant")?,
                Prompt::parse(DEMO_PROMPT)?,
                now,
            );
            bot.enabled = true;
            store.create_bot(&bot).await?;
            (ws.id, true)
        }
    };
    if let Some(token) = api_token {
        let hash = hash_token(token.expose_secret());
        if store.find_api_token(&hash).await?.is_none() {
            store
                .create_api_token(&ApiToken {
                    id: uuid::Uuid::now_v7(),
                    workspace_id: workspace,
                    name: Label::parse("demo token (WABOT_DEMO__API_TOKEN)")?,
                    prefix: token_display_prefix(token.expose_secret()),
                    hash,
                    role: Role::Owner,
                    created_by: Some(user.id),
                    created_at: now,
                    last_used_at: None,
                    revoked_at: None,
                })
                .await?;
        }
    }
    Ok(DemoInfo {
        workspace,
        user: user.id,
        created,
    })
}
