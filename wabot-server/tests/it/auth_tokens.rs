//! API tokens: create (shown once), use as Bearer, list (prefix only), revoke; role limits.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wabot_server::auth::hash_token;

use super::auth_support::{TestServer, client, people};

#[tokio::test]
async fn a_created_token_works_as_bearer_is_listed_by_prefix_and_stops_working_when_revoked() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let session = app.session(&p.manager);
    let ws = p.a.as_uuid();

    let created = client()
        .post(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(&session)
        .json(&json!({ "name": "CRM sync", "role": "agent" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("wbt_") && secret.len() == 47, "{secret}");
    let id = created["info"]["id"].as_str().unwrap().to_string();
    let stored = app
        .store()
        .find_api_token(&hash_token(&secret))
        .await
        .unwrap()
        .expect("stored by hash");
    assert_eq!(stored.id.to_string(), id);
    assert!(stored.last_used_at.is_none());

    let used = client()
        .get(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(
        used.status(),
        StatusCode::OK,
        "an agent token may list members"
    );
    let stored = app
        .store()
        .find_api_token(&hash_token(&secret))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.last_used_at.is_some(), "use is recorded");

    let other = client()
        .get(app.api(&format!("/workspaces/{}/members", p.b.as_uuid())))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "a token sees only its workspace"
    );

    let list: Value = client()
        .get(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .expect("listed");
    assert_eq!(listed["prefix"], &secret[..10]);
    assert!(
        !list.to_string().contains(&secret),
        "the secret is never listed"
    );

    let revoked = client()
        .delete(app.api(&format!("/workspaces/{ws}/tokens/{id}")))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = client()
        .get(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let unknown = client()
        .get(app.api("/workspaces"))
        .bearer_auth("wbt_not-a-real-token-not-a-real-token-abcdefg")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_limited_to_the_creators_role_and_cannot_mint_tokens() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let ws = p.a.as_uuid();
    let manager = app.session(&p.manager);

    let above = client()
        .post(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(&manager)
        .json(&json!({ "name": "too strong", "role": "owner" }))
        .send()
        .await
        .unwrap();
    assert_eq!(above.status(), StatusCode::FORBIDDEN);

    let agent = client()
        .post(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(app.session(&p.agent))
        .json(&json!({ "name": "agent's" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        agent.status(),
        StatusCode::FORBIDDEN,
        "agents do not manage tokens"
    );

    let minted = client()
        .post(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(&p.token)
        .json(&json!({ "name": "from a token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        minted.status(),
        StatusCode::FORBIDDEN,
        "a token cannot mint tokens"
    );

    let bad_name = client()
        .post(app.api(&format!("/workspaces/{ws}/tokens")))
        .bearer_auth(&manager)
        .json(&json!({ "name": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn members_can_be_invited_changed_and_removed_but_not_the_last_owner() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let ws = p.a.as_uuid();
    let owner = app.session(&p.owner);

    let invited = client()
        .post(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(&owner)
        .json(&json!({ "email": "New.Agent@Example.com", "role": "agent" }))
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), StatusCode::CREATED);
    let invited: Value = invited.json().await.unwrap();
    assert_eq!(invited["email"], "new.agent@example.com");
    let new_id = invited["user_id"].as_str().unwrap().to_string();

    let promoted = client()
        .patch(app.api(&format!("/workspaces/{ws}/members/{new_id}")))
        .bearer_auth(&owner)
        .json(&json!({ "role": "manager" }))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), StatusCode::OK);

    let by_manager = client()
        .post(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(app.session(&p.manager))
        .json(&json!({ "email": "boss@example.com", "role": "owner" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_manager.status(),
        StatusCode::FORBIDDEN,
        "no granting above one's role"
    );

    let last_owner = client()
        .delete(app.api(&format!("/workspaces/{ws}/members/{}", p.owner.id)))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(last_owner.status(), StatusCode::CONFLICT);
    let demote_last = client()
        .patch(app.api(&format!("/workspaces/{ws}/members/{}", p.owner.id)))
        .bearer_auth(&owner)
        .json(&json!({ "role": "agent" }))
        .send()
        .await
        .unwrap();
    assert_eq!(demote_last.status(), StatusCode::CONFLICT);

    let removed = client()
        .delete(app.api(&format!("/workspaces/{ws}/members/{new_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let members: Value = client()
        .get(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(members["items"].as_array().unwrap().len(), 3);

    let created = client()
        .post(app.api("/workspaces"))
        .bearer_auth(app.session(&p.agent))
        .json(&json!({ "name": "Agent's own" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["role"], "owner");
    let mine: Value = client()
        .get(app.api("/workspaces"))
        .bearer_auth(app.session(&p.agent))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_token_loses_its_rights_with_its_creator() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let ws = p.a.as_uuid();
    let webhooks = app.api(&format!("/workspaces/{ws}/webhooks"));

    let before = client()
        .get(&webhooks)
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.status(),
        StatusCode::OK,
        "a manager token lists webhooks"
    );

    super::auth_support::member(
        app.store().as_ref(),
        p.a,
        &p.manager,
        wabot_core::domain::Role::Agent,
    )
    .await;
    let demoted = client()
        .get(&webhooks)
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        demoted.status(),
        StatusCode::FORBIDDEN,
        "capped at the creator's new role"
    );

    app.store().remove_member(p.a, p.manager.id).await.unwrap();
    let gone = client()
        .get(&webhooks)
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
}
