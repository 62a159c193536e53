//! The API contract as a generated client meets it: one list shape, typed enums and error
//! details, values returned as they were set, pagination that ends, standard formats.

use reqwest::Method;
use serde_json::{Value, json};
use wabot_core::domain::Role;

use crate::{leads::seed_lead, support::TestApp};

async fn spec(app: &TestApp) -> Value {
    app.http
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_last_page_of_leads_has_no_next_cursor() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    for i in 0..6 {
        seed_lead(&app, &owner, &bot, &format!("3461000000{i}@c.us"), "hi").await;
    }

    let first = app
        .get(&owner, &format!("/leads?bot_id={bot}&limit=3"))
        .await;
    let cursor = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &owner,
            &format!("/leads?bot_id={bot}&limit=3&cursor={cursor}"),
        )
        .await;

    assert_eq!(second.body["items"].as_array().unwrap().len(), 3);
    assert!(second.body.get("next_cursor").is_none(), "{}", second.text);
}

#[tokio::test]
async fn the_csv_export_is_declared_and_served_as_text() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;

    let csv = app.get(&owner, "/leads/export.csv").await;
    let spec = spec(&app).await;

    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(csv.text.starts_with("id,bot_id,contact"), "{}", csv.text);
    let content = &spec["paths"]["/leads/export.csv"]["get"]["responses"]["200"]["content"];
    let (media, body) = content.as_object().unwrap().iter().next().unwrap();
    assert!(media.starts_with("text/csv"), "{media}");
    assert_eq!(body["schema"], json!({ "type": "string" }));
}

#[tokio::test]
async fn error_details_are_a_documented_object() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;

    let bad = app.get(&owner, "/leads?cursor=zzz").await;
    let spec = spec(&app).await;

    assert_eq!(bad.body["details"], json!({ "field": "cursor" }));
    let details = &spec["components"]["schemas"]["ErrorDetails"]["properties"];
    for key in ["field", "limit_bytes", "retry_after_secs"] {
        assert!(
            details[key].is_object(),
            "ErrorDetails.{key} missing: {details}"
        );
    }
    let field = spec["components"]["schemas"]["ErrorBody"]["properties"]["details"].to_string();
    assert!(
        field.contains("\"#/components/schemas/ErrorDetails\""),
        "{field}"
    );
}

#[tokio::test]
async fn senders_delivery_states_and_webhook_events_are_enums() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];

    let refers = |schema: &str, prop: &str, target: &str| {
        // A `$ref`, an `allOf` holding one (poem adds the description so) or array items.
        let p = &schemas[schema]["properties"][prop];
        let target = format!("\"#/components/schemas/{target}\"");
        assert!(p.to_string().contains(&target), "{schema}.{prop}: {p}");
    };
    refers("MessageBody", "sender", "MessageSender");
    refers("WebhookDeliveryInfo", "state", "WebhookDeliveryState");
    refers("WebhookInfo", "events", "WebhookEvent");
    refers("NewWebhook", "events", "WebhookEvent");
    assert_eq!(
        schemas["MessageSender"]["enum"],
        json!(["contact", "bot", "agent"])
    );
    assert_eq!(
        schemas["WebhookEvent"]["enum"],
        json!([
            "lead.qualified",
            "lead.assigned",
            "message.received",
            "bot.status"
        ])
    );
    assert_eq!(
        schemas["WebhookDeliveryState"]["enum"],
        json!(["pending", "delivered", "failed"])
    );
}

#[tokio::test]
async fn a_five_field_cron_comes_back_as_five_fields() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let path = format!("/bots/{bot}/schedules");

    let five = app
        .post(
            &owner,
            &path,
            json!({"action": "enable", "cron": "0 9 * * MON-FRI"}),
        )
        .await;
    let six = app
        .post(
            &owner,
            &path,
            json!({"action": "disable", "cron": "0 30 18 * * *"}),
        )
        .await;
    let listed = app.get(&owner, &path).await;

    assert_eq!(five.body["cron"], "0 9 * * MON-FRI", "{}", five.text);
    assert_eq!(six.body["cron"], "0 30 18 * * *", "{}", six.text);
    let crons: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cron"].clone())
        .collect();
    assert_eq!(crons, [json!("0 9 * * MON-FRI"), json!("0 30 18 * * *")]);
}

#[tokio::test]
async fn temperature_and_jitter_come_back_as_they_were_set() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;

    let updated = app
        .patch(
            &owner,
            &format!("/bots/{bot}"),
            json!({
                "llm": {"provider": "offline", "temperature": 0.7},
                "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 0, "jitter": 0.3}
            }),
        )
        .await;
    let got = app.get(&owner, &format!("/bots/{bot}")).await;

    assert_eq!(updated.status, 200, "{}", updated.text);
    for body in [&updated.body, &got.body] {
        assert_eq!(body["llm"]["temperature"], json!(0.7), "{body}");
        assert_eq!(body["pacing"]["jitter"], json!(0.3), "{body}");
    }
}

#[tokio::test]
async fn every_list_is_an_object_with_items() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let ws = owner.workspace.as_uuid();
    let hook = app
        .post(
            &owner,
            &format!("/workspaces/{ws}/webhooks"),
            json!({"url": "https://example.com/hook", "events": ["lead.qualified"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let hook = hook.body["webhook"]["id"].as_str().unwrap().to_string();

    for path in [
        "/workspaces".to_string(),
        format!("/workspaces/{ws}/members"),
        format!("/workspaces/{ws}/tokens"),
        format!("/workspaces/{ws}/webhooks"),
        format!("/workspaces/{ws}/webhooks/{hook}/deliveries"),
        "/bots".to_string(),
        "/leads".to_string(),
    ] {
        let r = app.call(Some(&owner), Method::GET, &path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(r.body["items"].is_array(), "{path}: {}", r.text);
    }
    let hooks = app.get(&owner, &format!("/workspaces/{ws}/webhooks")).await;
    assert_eq!(hooks.body["items"][0]["events"], json!(["lead.qualified"]));
}

#[tokio::test]
async fn the_document_uses_standard_formats_and_documents_limits_auth_and_license() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let text = spec.to_string();

    for bad in ["uint16", "uint32", "uint64", "naive-date"] {
        assert!(
            !text.contains(&format!("\"{bad}\"")),
            "{bad} in the document"
        );
    }
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["CreateBot"]["properties"]["name"]["maxLength"], 80);
    assert_eq!(schemas["CreateBot"]["properties"]["name"]["minLength"], 1);
    assert_eq!(
        schemas["NewWebhook"]["properties"]["secret"]["minLength"],
        16
    );
    assert_eq!(schemas["DayCount"]["properties"]["day"]["format"], "date");
    assert_eq!(spec["info"]["license"]["name"], "MIT OR Apache-2.0");
    let description = spec["info"]["description"].as_str().unwrap();
    for needle in [
        "/auth/google/login",
        "/auth/logout",
        "/auth/me",
        "Origin",
        "csrf",
    ] {
        assert!(description.contains(needle), "{needle} undocumented");
    }
    let op = &spec["paths"]["/bots"]["get"];
    assert_eq!(
        op["security"],
        json!([{ "BearerToken": [] }, { "SessionCookie": [] }])
    );
}
