//! Members: re-inviting an existing member follows the member-update rules.

use reqwest::StatusCode;
use serde_json::{Value, json};

use wabot_core::domain::Role;

use crate::auth_support::{TestServer, client, member, people, user};

async fn members(app: &TestServer, session: &str, ws: uuid::Uuid) -> Vec<Value> {
    client()
        .get(app.api(&format!("/workspaces/{ws}/members")))
        .bearer_auth(session)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn role_of(list: &[Value], user: &wabot_core::domain::User) -> String {
    list.iter()
        .find(|m| m["user_id"] == user.id.as_uuid().to_string())
        .map(|m| m["role"].as_str().unwrap().to_string())
        .expect("listed")
}

#[tokio::test]
async fn a_manager_cannot_demote_an_owner_or_change_a_member_by_re_inviting_them() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    // Two owners, so demoting one would not even hit the last-owner guard.
    let second_owner = user(app.store().as_ref(), "second-owner@a.example.com").await;
    member(app.store().as_ref(), p.a, &second_owner, Role::Owner).await;
    let ws = p.a.as_uuid();
    let manager = app.session(&p.manager);
    let invite = |email: &str, role: &str| {
        client()
            .post(app.api(&format!("/workspaces/{ws}/members")))
            .bearer_auth(&manager)
            .json(&json!({"email": email, "role": role}))
            .send()
    };

    let demote_owner = invite(p.owner.email.as_str(), "agent").await.unwrap();
    let promote_agent = invite(p.agent.email.as_str(), "manager").await.unwrap();
    let same_again = invite(p.agent.email.as_str(), "agent").await.unwrap();

    assert_eq!(demote_owner.status(), StatusCode::FORBIDDEN);
    assert_eq!(promote_agent.status(), StatusCode::FORBIDDEN);
    assert!(same_again.status().is_success(), "{}", same_again.status());
    let list = members(&app, &manager, ws).await;
    assert_eq!(role_of(&list, &p.owner), "owner");
    assert_eq!(role_of(&list, &p.agent), "agent");
}

#[tokio::test]
async fn an_owner_re_inviting_changes_the_member_but_never_demotes_the_last_owner() {
    let (app, _dir) = TestServer::memory(None, |_| {}).await;
    let p = people(app.store().as_ref()).await;
    let ws = p.a.as_uuid();
    let owner = app.session(&p.owner);
    let invite = |email: String, role: &'static str| {
        client()
            .post(app.api(&format!("/workspaces/{ws}/members")))
            .bearer_auth(&owner)
            .json(&json!({"email": email, "role": role}))
            .send()
    };

    let promote = invite(p.agent.email.as_str().to_string(), "manager")
        .await
        .unwrap();
    let demote_self = invite(p.owner.email.as_str().to_string(), "agent")
        .await
        .unwrap();

    assert!(promote.status().is_success(), "{}", promote.status());
    assert_eq!(
        demote_self.status(),
        StatusCode::CONFLICT,
        "the last owner stays owner"
    );
    let list = members(&app, &owner, ws).await;
    assert_eq!(role_of(&list, &p.agent), "manager");
    assert_eq!(role_of(&list, &p.owner), "owner");
}
