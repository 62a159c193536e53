//! Fixtures shared by the conformance cases.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::{
    domain::{Bot, BotName, ContactId, Prompt, Role, User, Workspace, WorkspaceName},
    domain::{Email, Member},
    ids::{UserId, WorkspaceId},
    ports::{InboundOutcome, NewInbound, Store},
};

/// Now, truncated to the microsecond (what SQL stores keep).
pub(super) fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// `t` truncated to the microsecond.
pub(super) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1))
        .expect("in range")
}

/// `t` plus `secs` seconds.
pub(super) fn secs(t: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    t + TimeDelta::seconds(secs)
}

pub(super) fn workspace_value(name: &str, at: DateTime<Utc>) -> Workspace {
    Workspace {
        id: WorkspaceId::new(),
        name: WorkspaceName::parse(name).unwrap(),
        created_at: at,
    }
}

pub(super) async fn workspace(store: &dyn Store) -> Workspace {
    let ws = workspace_value("Acme", now());
    store.create_workspace(&ws).await.unwrap();
    ws
}

pub(super) fn bot_value(workspace: WorkspaceId, name: &str, at: DateTime<Utc>) -> Bot {
    Bot::new(
        workspace,
        BotName::parse(name).unwrap(),
        Prompt::parse("You sell bicycles.").unwrap(),
        at,
    )
}

pub(super) async fn bot(store: &dyn Store, workspace: WorkspaceId) -> Bot {
    let bot = bot_value(workspace, "Sales bot", now());
    store.create_bot(&bot).await.unwrap();
    bot
}

pub(super) fn user_value(email: &str, at: DateTime<Utc>) -> User {
    User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        name: email.split('@').next().unwrap().to_string(),
        created_at: at,
    }
}

/// A user who is a member of `workspace`.
pub(super) async fn member(
    store: &dyn Store,
    workspace: WorkspaceId,
    email: &str,
    receives_leads: bool,
    at: DateTime<Utc>,
) -> Member {
    let user = store.upsert_user(&user_value(email, at)).await.unwrap();
    let member = Member {
        workspace_id: workspace,
        user_id: user.id,
        role: Role::Agent,
        receives_leads,
        created_at: at,
    };
    store.put_member(&member).await.unwrap();
    member
}

pub(super) fn contact(raw: &str) -> ContactId {
    ContactId::parse(raw).unwrap()
}

pub(super) fn inbound(bot: &Bot, contact_id: &str, provider_id: &str, body: &str) -> NewInbound {
    NewInbound {
        workspace_id: bot.workspace_id,
        bot_id: bot.id,
        contact: contact(contact_id),
        display_name: None,
        provider_message_id: provider_id.to_string(),
        body: body.to_string(),
        received_at: now(),
        handling: crate::domain::InboundHandling::Pending,
    }
}

/// Records an inbound message that must not be a duplicate.
pub(super) async fn record(
    store: &dyn Store,
    inbound: &NewInbound,
) -> (crate::domain::Lead, crate::domain::Message, bool) {
    match store.record_inbound(inbound).await.unwrap() {
        InboundOutcome::Recorded {
            lead,
            message,
            new_lead,
        } => (lead, message, new_lead),
        InboundOutcome::Duplicate => panic!(
            "{} was recorded as a duplicate",
            inbound.provider_message_id
        ),
    }
}

/// A bot's outbound message on `lead`'s conversation, `pending` as the engine stores it before
/// sending.
pub(super) fn outbound(lead: &crate::domain::Lead, body: &str) -> crate::domain::Message {
    use crate::domain::{DeliveryStatus, Direction, Message, Sender};
    Message {
        id: crate::ids::MessageId::new(),
        bot_id: lead.bot_id,
        lead_id: lead.id,
        direction: Direction::Outbound,
        sender: Sender::Bot,
        body: body.to_string(),
        provider_message_id: None,
        delivery: DeliveryStatus::Pending,
        error: None,
        created_at: now(),
    }
}
