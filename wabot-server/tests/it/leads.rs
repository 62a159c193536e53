//! Leads through the API: the sandbox conversation, filters and pagination, CSV, agent work.

use std::collections::HashSet;

use chrono::Utc;
use reqwest::Method;
use serde_json::json;
use wabot_core::{
    domain::{ContactId, Role},
    ids::BotId,
    ports::NewInbound,
};

use crate::support::{Tenant, TestApp};

/// Stores an inbound message from `contact` (creating its lead) without running the bot.
pub(crate) async fn seed_lead(app: &TestApp, who: &Tenant, bot: &str, contact: &str, text: &str) {
    app.store()
        .record_inbound(&NewInbound {
            workspace_id: who.workspace,
            bot_id: BotId(bot.parse().unwrap()),
            contact: ContactId::parse(contact).unwrap(),
            display_name: Some(format!("Customer {contact}")),
            provider_message_id: format!("seed-{contact}-{}", uuid::Uuid::now_v7()),
            body: text.into(),
            received_at: Utc::now(),
            handling: wabot_core::domain::InboundHandling::Done,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_sandbox_conversation_qualifies_and_assigns_the_lead() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let c = "34612345678@c.us";
    let first = app
        .customer_says(&owner, &bot, c, "Hi! I'd like a quote for solar panels")
        .await;
    let messages = first["messages"].as_array().unwrap();
    assert!(messages.len() >= 2, "the bot answered: {first}");
    app.customer_says(&owner, &bot, c, "My name is Ana Lopez")
        .await;
    app.customer_says(&owner, &bot, c, "ana.lopez@example.com")
        .await;
    let last = app
        .customer_says(&owner, &bot, c, "my phone is +34 612 345 678")
        .await;
    let lead = &last["lead"];
    assert_eq!(lead["fields"]["email"], "ana.lopez@example.com", "{last}");
    assert_eq!(lead["fields"]["phone"], "+34612345678");
    assert!(
        ["qualified", "assigned"].contains(&lead["status"].as_str().unwrap()),
        "{lead}"
    );
    let id = lead["id"].as_str().unwrap();
    let got = app.get(&owner, &format!("/leads/{id}")).await;
    assert_eq!(got.status, 200);
    let msgs = app.get(&owner, &format!("/leads/{id}/messages")).await;
    assert!(
        msgs.body["items"].as_array().unwrap().len() >= 8,
        "{}",
        msgs.text
    );
}

#[tokio::test]
async fn leads_are_filtered_and_paginated_with_a_cursor() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let other_bot = app.sandbox_bot(&owner).await;
    for i in 0..7 {
        seed_lead(&app, &owner, &bot, &format!("3460000000{i}@c.us"), "hello").await;
    }
    seed_lead(&app, &owner, &other_bot, "34699999999@c.us", "hi").await;

    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/leads?bot_id={bot}&limit=3");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&owner, &path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        for item in page.body["items"].as_array().unwrap() {
            assert_eq!(item["bot_id"], bot.as_str());
            assert!(seen.insert(item["id"].as_str().unwrap().to_string()));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(pages, 3);

    let all = app.get(&owner, "/leads").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 8);
    let search = app.get(&owner, "/leads?q=34699999999").await;
    assert_eq!(
        search.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        search.text
    );
    let qualified = app.get(&owner, "/leads?status=qualified").await;
    assert!(qualified.body["items"].as_array().unwrap().is_empty());
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let later = app
        .http
        .get(format!("{}/api/v1/leads", app.base))
        .query(&[("created_from", future.as_str())])
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    let later: serde_json::Value = later.json().await.unwrap();
    assert!(later["items"].as_array().unwrap().is_empty(), "{later}");
    let bad_status = app.get(&owner, "/leads?status=hot").await;
    assert_eq!(bad_status.status, 400, "{}", bad_status.text);
    let bad_cursor = app.get(&owner, "/leads?cursor=zzz").await;
    assert_eq!(bad_cursor.status, 422);
    assert_eq!(bad_cursor.body["details"]["field"], "cursor");

    let csv = app
        .get(&owner, &format!("/leads/export.csv?bot_id={bot}"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("id,bot_id,contact"));
    assert_eq!(lines.len(), 8);

    let stranger = app.tenant(Role::Owner).await;
    let r = app.get(&stranger, &format!("/leads?bot_id={bot}")).await;
    assert_eq!(r.status, 404);
    let id = all.body["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&stranger, &format!("/leads/{id}")).await.status,
        404
    );
    assert_eq!(
        app.get(&stranger, &format!("/leads/{id}/messages"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_agent_takes_over_replies_and_releases_through_the_api() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let agent = app.member(owner.workspace, Role::Agent).await;
    let bot = app.sandbox_bot(&owner).await;
    let c = "34611111111@c.us";
    let conv = app.customer_says(&owner, &bot, c, "hello").await;
    let id = conv["lead"]["id"].as_str().unwrap().to_string();

    let taken = app
        .post(&agent, &format!("/leads/{id}/take-over"), json!({}))
        .await;
    assert_eq!(taken.status, 200, "{}", taken.text);
    assert_eq!(taken.body["handled_by_agent"], agent.user.to_string());

    let before = conv["messages"].as_array().unwrap().len();
    let quiet = app
        .post(
            &owner,
            &format!("/bots/{bot}/sandbox/messages"),
            json!({"contact": c, "text": "anyone?"}),
        )
        .await;
    assert_eq!(
        quiet.body["messages"].as_array().unwrap().len(),
        before + 1,
        "the bot stays quiet"
    );

    let reply = app
        .post(
            &agent,
            &format!("/leads/{id}/reply"),
            json!({"body": "Hi, I'm Marta from sales"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["sender"], "agent");
    let empty = app
        .post(&agent, &format!("/leads/{id}/reply"), json!({"body": "  "}))
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.body["details"]["field"], "body");

    let assigned = app
        .post(
            &agent,
            &format!("/leads/{id}/assign"),
            json!({"user_id": agent.user.to_string()}),
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    assert_eq!(assigned.body["status"], "assigned");
    let stranger = app.tenant(Role::Owner).await;
    let bad = app
        .post(
            &agent,
            &format!("/leads/{id}/assign"),
            json!({"user_id": stranger.user.to_string()}),
        )
        .await;
    assert_eq!(bad.status, 422);

    let fields = app
        .patch(
            &agent,
            &format!("/leads/{id}/fields"),
            json!({"email": "not-an-email"}),
        )
        .await;
    assert_eq!(fields.status, 422);
    assert_eq!(fields.body["details"]["field"], "email");
    let fields = app
        .patch(
            &agent,
            &format!("/leads/{id}/fields"),
            json!({"email": "a@b.co", "name": "Ana"}),
        )
        .await;
    assert_eq!(fields.status, 200, "{}", fields.text);
    assert_eq!(fields.body["fields"]["email"], "a@b.co");

    let won = app
        .call(
            Some(&agent),
            Method::PUT,
            &format!("/leads/{id}/status"),
            Some(json!({"status": "won"})),
        )
        .await;
    assert_eq!(won.body["status"], "won");

    let released = app
        .post(&agent, &format!("/leads/{id}/release"), json!({}))
        .await;
    assert_eq!(released.status, 200);
    assert!(released.body["handled_by_agent"].is_null());
    let answered = app.customer_says(&owner, &bot, c, "thanks").await;
    let last = answered["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["sender"], "bot", "{answered}");

    let summary = app.get(&owner, "/metrics/summary?days=7").await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(
        summary.body["messages_per_day"].as_array().unwrap().len(),
        7
    );
    assert_eq!(summary.body["funnel"]["won"], 1);
    assert_eq!(summary.body["funnel"]["captured"], 1);
    assert!(summary.body["ai_latency"]["samples"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn a_message_that_could_not_be_sent_shows_why() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let conv = app
        .customer_says(&owner, &bot, "34611111111@c.us", "hello")
        .await;
    let id = conv["lead"]["id"].as_str().unwrap().to_string();
    let stopped = app
        .post(&owner, &format!("/bots/{bot}/stop"), json!({}))
        .await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);

    let reply = app
        .post(
            &owner,
            &format!("/leads/{id}/reply"),
            json!({"body": "Are you still interested?"}),
        )
        .await;
    let messages = app.get(&owner, &format!("/leads/{id}/messages")).await;

    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(messages.status, 200, "{}", messages.text);
    let items = messages.body["items"].as_array().unwrap();
    let failed = items.last().unwrap();
    assert_eq!(failed["body"], "Are you still interested?");
    assert_eq!(failed["delivery"], "failed");
    let error = failed["error"].as_str().unwrap();
    assert!(error.starts_with("not connected: "), "{error}");
    assert!(
        items[..items.len() - 1]
            .iter()
            .all(|m| m.get("error").is_none()),
        "{items:?}"
    );
}
