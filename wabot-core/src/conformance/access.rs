//! Cases for [`AccessStore`](crate::ports::AccessStore): workspaces for admins, memberships by
//! user, API tokens and bot secrets.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    TestDatabase,
    support::{bot, bot_value, member, now, secs, user_value, workspace, workspace_value},
};
use crate::{
    domain::{ApiToken, Label, Role},
    error::Error,
    ids::{BotId, UserId, WorkspaceId},
};

fn token_value(workspace: WorkspaceId, hash: &str, at: DateTime<Utc>) -> ApiToken {
    ApiToken {
        id: Uuid::now_v7(),
        workspace_id: workspace,
        name: Label::parse("CRM sync").unwrap(),
        prefix: "wbt_3f9a".into(),
        hash: hash.to_string(),
        role: Role::Manager,
        created_by: None,
        created_at: at,
        last_used_at: None,
        revoked_at: None,
    }
}

/// Every workspace is listed, oldest first (then by id).
pub async fn workspaces_are_listed_oldest_first(db: &dyn TestDatabase) {
    let store = db.open().await;
    let t = now();
    let late = workspace_value("Late", secs(t, 20));
    let early = workspace_value("Early", t);
    let middle = workspace_value("Middle", secs(t, 10));
    let mut twin = workspace_value("Twin", secs(t, 10));
    twin.id = WorkspaceId(Uuid::nil());
    for ws in [&late, &early, &middle, &twin] {
        store.create_workspace(ws).await.unwrap();
    }

    let listed = store.list_workspaces().await.unwrap();

    assert_eq!(listed, vec![early, twin, middle, late]);
}

/// A user's memberships span workspaces, oldest first, and leave out other users'.
pub async fn memberships_of_a_user_are_listed_oldest_first_across_workspaces(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let first = workspace(&*store).await;
    let second = workspace(&*store).await;
    let unrelated = workspace(&*store).await;
    let t = now();
    let in_first = member(&*store, first.id, "ana@example.com", true, secs(t, 10)).await;
    let in_second = member(&*store, second.id, "ana@example.com", false, t).await;
    member(&*store, first.id, "bob@example.com", true, t).await;
    member(&*store, unrelated.id, "bob@example.com", true, t).await;

    let listed = store.list_memberships(in_first.user_id).await.unwrap();

    assert_eq!(listed, vec![in_second, in_first]);
    assert!(
        store
            .list_memberships(UserId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Removing a member deletes that membership only; removing a non-member is `NotFound`.
pub async fn removing_a_member_deletes_only_that_membership(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other = workspace(&*store).await;
    let t = now();
    let ana = member(&*store, ws.id, "ana@example.com", true, t).await;
    let ana_elsewhere = member(&*store, other.id, "ana@example.com", true, t).await;
    let bob = member(&*store, ws.id, "bob@example.com", true, secs(t, 1)).await;
    let carla = store
        .upsert_user(&user_value("carla@example.com", t))
        .await
        .unwrap();

    store.remove_member(ws.id, ana.user_id).await.unwrap();

    assert_eq!(store.list_members(ws.id).await.unwrap(), vec![bob.clone()]);
    assert_eq!(
        store.list_memberships(ana.user_id).await.unwrap(),
        vec![ana_elsewhere.clone()]
    );
    for (workspace, user) in [
        (ws.id, ana.user_id),
        (ws.id, carla.id),
        (WorkspaceId::new(), bob.user_id),
    ] {
        let err = store.remove_member(workspace, user).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "got {err:?}");
    }
    assert_eq!(
        store.list_members(other.id).await.unwrap(),
        vec![ana_elsewhere]
    );
    // Lead assignment no longer considers the removed member.
    assert_eq!(
        store.next_lead_assignee(ws.id).await.unwrap(),
        Some(bob.user_id)
    );
    assert_eq!(store.list_members(ws.id).await.unwrap(), vec![bob]);
}

/// A token round-trips with every field and is found by its hash; unknown hashes are `None`.
pub async fn api_tokens_round_trip_and_are_found_by_hash(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let creator = member(&*store, ws.id, "ana@example.com", false, t).await;
    let token = ApiToken {
        name: Label::parse("Zapier — ventas 🚲").unwrap(),
        role: Role::Agent,
        created_by: Some(creator.user_id),
        last_used_at: Some(secs(t, 5)),
        revoked_at: Some(secs(t, 9)),
        ..token_value(ws.id, &"ab".repeat(32), t)
    };
    let plain = token_value(ws.id, &"cd".repeat(32), secs(t, 1));

    store.create_api_token(&token).await.unwrap();
    store.create_api_token(&plain).await.unwrap();

    assert_eq!(
        store.find_api_token(&token.hash).await.unwrap(),
        Some(token)
    );
    assert_eq!(
        store.find_api_token(&plain.hash).await.unwrap(),
        Some(plain)
    );
    assert_eq!(store.find_api_token(&"ef".repeat(32)).await.unwrap(), None);
}

/// Creating a token with a taken id or hash is a `Conflict`; with a missing workspace,
/// `NotFound`. Nothing is stored either way.
pub async fn api_token_ids_and_hashes_are_unique_and_need_a_workspace(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let token = token_value(ws.id, "hash-1", t);
    store.create_api_token(&token).await.unwrap();

    let same_id = store
        .create_api_token(&ApiToken {
            hash: "hash-2".into(),
            ..token.clone()
        })
        .await
        .unwrap_err();
    let same_hash = store
        .create_api_token(&token_value(ws.id, "hash-1", t))
        .await
        .unwrap_err();
    let no_workspace = store
        .create_api_token(&token_value(WorkspaceId::new(), "hash-3", t))
        .await
        .unwrap_err();

    assert!(matches!(same_id, Error::Conflict(_)), "got {same_id:?}");
    assert!(matches!(same_hash, Error::Conflict(_)), "got {same_hash:?}");
    assert!(
        matches!(no_workspace, Error::NotFound(_)),
        "got {no_workspace:?}"
    );
    assert_eq!(store.list_api_tokens(ws.id).await.unwrap(), vec![token]);
    assert_eq!(store.find_api_token("hash-2").await.unwrap(), None);
    assert_eq!(store.find_api_token("hash-3").await.unwrap(), None);
}

/// A workspace's tokens, revoked ones included, come newest first (then by id, descending).
pub async fn api_tokens_are_listed_newest_first_per_workspace(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other = workspace(&*store).await;
    let t = now();
    let old = token_value(ws.id, "old", t);
    let new = token_value(ws.id, "new", secs(t, 20));
    let mut twin_low = token_value(ws.id, "twin-low", secs(t, 10));
    twin_low.id = Uuid::from_u128(1);
    let mut twin_high = token_value(ws.id, "twin-high", secs(t, 10));
    twin_high.id = Uuid::from_u128(2);
    twin_high.revoked_at = Some(secs(t, 30));
    for token in [&twin_low, &old, &new, &twin_high] {
        store.create_api_token(token).await.unwrap();
    }
    store
        .create_api_token(&token_value(other.id, "elsewhere", secs(t, 40)))
        .await
        .unwrap();

    let listed = store.list_api_tokens(ws.id).await.unwrap();

    assert_eq!(listed, vec![new, twin_high, twin_low, old]);
    assert!(
        store
            .list_api_tokens(WorkspaceId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Revoking sets `revoked_at`; revoking again keeps the first time.
pub async fn revoking_a_token_keeps_the_first_revocation_time(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let token = token_value(ws.id, "hash", t);
    let kept = token_value(ws.id, "kept", t);
    store.create_api_token(&token).await.unwrap();
    store.create_api_token(&kept).await.unwrap();

    store
        .revoke_api_token(ws.id, token.id, secs(t, 10))
        .await
        .unwrap();
    store
        .revoke_api_token(ws.id, token.id, secs(t, 20))
        .await
        .unwrap();

    let stored = store.find_api_token("hash").await.unwrap().unwrap();
    assert_eq!(
        stored,
        ApiToken {
            revoked_at: Some(secs(t, 10)),
            ..token
        }
    );
    assert_eq!(store.find_api_token("kept").await.unwrap(), Some(kept));
}

/// Revoking with another workspace's id (or an unknown token) is `NotFound` and revokes nothing.
pub async fn a_workspace_cannot_revoke_another_workspaces_token(db: &dyn TestDatabase) {
    let store = db.open().await;
    let victim = workspace(&*store).await;
    let attacker = workspace(&*store).await;
    let t = now();
    let token = token_value(victim.id, "victim", t);
    store.create_api_token(&token).await.unwrap();

    let cross = store
        .revoke_api_token(attacker.id, token.id, secs(t, 1))
        .await
        .unwrap_err();
    let unknown = store
        .revoke_api_token(victim.id, Uuid::now_v7(), secs(t, 1))
        .await
        .unwrap_err();

    assert!(matches!(cross, Error::NotFound(_)), "got {cross:?}");
    assert!(matches!(unknown, Error::NotFound(_)), "got {unknown:?}");
    assert_eq!(
        store.find_api_token("victim").await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(store.list_api_tokens(victim.id).await.unwrap(), vec![token]);
    assert!(store.list_api_tokens(attacker.id).await.unwrap().is_empty());
}

/// `touch_api_token` records the last use, never moving it back; an unknown token is
/// `NotFound`.
pub async fn touching_a_token_only_moves_its_last_use_forward(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let token = token_value(ws.id, "hash", t);
    store.create_api_token(&token).await.unwrap();

    store.touch_api_token(token.id, secs(t, 10)).await.unwrap();
    let first = store.find_api_token("hash").await.unwrap().unwrap();
    store.touch_api_token(token.id, secs(t, 5)).await.unwrap();
    let stale = store.find_api_token("hash").await.unwrap().unwrap();
    store.touch_api_token(token.id, secs(t, 30)).await.unwrap();
    let later = store.find_api_token("hash").await.unwrap().unwrap();

    assert_eq!(first.last_used_at, Some(secs(t, 10)));
    assert_eq!(stale.last_used_at, Some(secs(t, 10)));
    assert_eq!(
        later,
        ApiToken {
            last_used_at: Some(secs(t, 30)),
            ..token
        }
    );
    let err = store
        .touch_api_token(Uuid::now_v7(), secs(t, 40))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "got {err:?}");
}

/// Secrets are kept per bot and name as exact bytes; putting one again replaces it; a missing
/// bot is `BotNotFound`.
pub async fn bot_secrets_are_replaced_per_bot_and_name(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let other = bot_value(ws.id, "Other bot", now());
    store.create_bot(&other).await.unwrap();
    let binary: Vec<u8> = (0..=255).collect();

    store
        .put_bot_secret(bot.id, "llm_api_key", b"first")
        .await
        .unwrap();
    store
        .put_bot_secret(bot.id, "llm_api_key", &binary)
        .await
        .unwrap();
    store
        .put_bot_secret(bot.id, "graph_token", b"\0graph\0")
        .await
        .unwrap();
    store
        .put_bot_secret(other.id, "llm_api_key", b"other")
        .await
        .unwrap();
    let missing = store
        .put_bot_secret(BotId::new(), "llm_api_key", b"x")
        .await
        .unwrap_err();

    assert_eq!(
        store.get_bot_secret(bot.id, "llm_api_key").await.unwrap(),
        Some(binary)
    );
    assert_eq!(
        store.get_bot_secret(bot.id, "graph_token").await.unwrap(),
        Some(b"\0graph\0".to_vec())
    );
    assert_eq!(
        store.get_bot_secret(other.id, "llm_api_key").await.unwrap(),
        Some(b"other".to_vec())
    );
    assert_eq!(store.get_bot_secret(bot.id, "unset").await.unwrap(), None);
    assert!(matches!(missing, Error::BotNotFound(_)), "got {missing:?}");
}

/// `delete_bot` deletes the bot's secrets and no other bot's.
pub async fn deleting_a_bot_deletes_its_secrets(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let doomed = bot(&*store, ws.id).await;
    let kept = bot(&*store, ws.id).await;
    for bot in [doomed.id, kept.id] {
        store
            .put_bot_secret(bot, "llm_api_key", b"sealed")
            .await
            .unwrap();
    }

    store.delete_bot(doomed.id).await.unwrap();

    assert_eq!(
        store
            .get_bot_secret(doomed.id, "llm_api_key")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.get_bot_secret(kept.id, "llm_api_key").await.unwrap(),
        Some(b"sealed".to_vec())
    );
    // A bot with the same id later starts without the old secrets.
    let reborn = crate::domain::Bot {
        id: doomed.id,
        ..bot_value(ws.id, "Reborn", now())
    };
    store.create_bot(&reborn).await.unwrap();
    assert_eq!(
        store
            .get_bot_secret(doomed.id, "llm_api_key")
            .await
            .unwrap(),
        None
    );
}
