//! Bots through the API: CRUD, validation, tenancy, secrets, QR codes, schedules.

use reqwest::Method;
use serde_json::json;
use wabot_core::{domain::Role, ids::BotId, ports::DomainEvent};

use crate::support::TestApp;

#[tokio::test]
async fn bot_crud_round_trip() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let created = app
        .post(
            &owner,
            "/bots",
            json!({
                "name": "Front desk",
                "prompt": "You answer for Acme.",
                "features": {
                    "working_hours": {"start": "09:00", "end": "17:30", "days": ["mon", "tue"], "time_zone": "Europe/Madrid"},
                    "away_message": "We are closed, back tomorrow!",
                    "required_fields": ["name", "email"]
                }
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["transport"]["kind"], "sandbox");
    assert_eq!(created.body["llm"]["provider"], "offline");
    assert_eq!(
        created.body["features"]["working_hours"]["time_zone"],
        "Europe/Madrid"
    );
    assert_eq!(created.body["features"]["working_hours"]["end"], "17:30");

    let listed = app.get(&owner, "/bots").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    let updated = app
        .patch(&owner, &format!("/bots/{id}"), json!({"name": "Reception", "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 0, "jitter": 0.0}}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["name"], "Reception");
    assert_eq!(updated.body["prompt"], "You answer for Acme.");

    let started = app
        .post(&owner, &format!("/bots/{id}/start"), json!({}))
        .await;
    assert_eq!(started.status, 200, "{}", started.text);
    app.wait_ready(&owner, &id).await;
    let stopped = app
        .post(&owner, &format!("/bots/{id}/stop"), json!({}))
        .await;
    assert_eq!(stopped.body["enabled"], false);
    assert_eq!(stopped.body["running"], false);

    let deleted = app
        .call(Some(&owner), Method::DELETE, &format!("/bots/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(app.get(&owner, &format!("/bots/{id}")).await.status, 404);
}

#[tokio::test]
async fn invalid_bot_settings_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let cases = [
        (json!({"name": "", "prompt": "p"}), "name"),
        (json!({"name": "x", "prompt": ""}), "prompt"),
        (
            json!({"name": "x", "prompt": "p", "llm": {"provider": "offline", "temperature": 9.0}}),
            "llm.temperature",
        ),
        (
            json!({"name": "x", "prompt": "p", "features": {"working_hours": {"start": "9am", "end": "17:00", "days": ["mon"], "time_zone": "UTC"}}}),
            "features.working_hours.start",
        ),
        (
            json!({"name": "x", "prompt": "p", "features": {"working_hours": {"start": "09:00", "end": "17:00", "days": ["mon"], "time_zone": "Mars/Base"}}}),
            "features.working_hours.time_zone",
        ),
        (
            json!({"name": "x", "prompt": "p", "features": {"working_hours": {"start": "09:00", "end": "17:00", "days": [], "time_zone": "UTC"}}}),
            "working_hours.days",
        ),
        (
            json!({"name": "x", "prompt": "p", "transport": {"kind": "cloud"}}),
            "transport.phone_number_id",
        ),
        (
            json!({"name": "x", "prompt": "p", "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 999999, "jitter": 0.1}}),
            "pacing.max_ms",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&owner, "/bots", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body["code"], "validation_failed");
        assert_eq!(r.body["details"]["field"], field, "{body}: {}", r.text);
    }
}

#[tokio::test]
async fn malformed_requests_get_the_error_shape_never_a_500() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bad_json = app
        .http
        .post(format!("{}/api/v1/bots", app.base))
        .bearer_auth(&owner.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    let body: serde_json::Value = bad_json.json().await.unwrap();
    assert!(
        body["code"].is_string() && body["message"].is_string(),
        "{body}"
    );

    let wrong_type = app
        .post(&owner, "/bots", json!({"name": 5, "prompt": []}))
        .await;
    assert_eq!(wrong_type.status, 400, "{}", wrong_type.text);
    assert!(wrong_type.body["code"].is_string());

    let bad_id = app.get(&owner, "/bots/not-a-uuid").await;
    assert_eq!(bad_id.status, 400, "{}", bad_id.text);
    assert_eq!(bad_id.body["details"]["field"], "path");

    let bad_limit = app.get(&owner, "/leads?limit=0").await;
    assert_eq!(bad_limit.status, 400, "{}", bad_limit.text);
    assert_eq!(bad_limit.body["details"]["field"], "limit");

    let unknown = app.get(&owner, "/nothing-here").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["code"], "not_found");

    let anonymous = app.call(None, Method::GET, "/bots", None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["code"], "unauthorized");
}

#[tokio::test]
async fn another_workspaces_bot_is_not_found_and_agents_cannot_manage_bots() {
    let app = TestApp::spawn().await;
    let a = app.tenant(Role::Owner).await;
    let b = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&a).await;
    for (method, path) in [
        (Method::GET, format!("/bots/{bot}")),
        (Method::PATCH, format!("/bots/{bot}")),
        (Method::DELETE, format!("/bots/{bot}")),
        (Method::POST, format!("/bots/{bot}/stop")),
        (Method::GET, format!("/bots/{bot}/schedules")),
    ] {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let r = app.call(Some(&b), method.clone(), &path, body).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
    }
    assert!(
        app.get(&b, "/bots").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let agent = app.member(a.workspace, Role::Agent).await;
    assert_eq!(app.get(&agent, &format!("/bots/{bot}")).await.status, 200);
    let r = app
        .patch(&agent, &format!("/bots/{bot}"), json!({"name": "mine"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

#[tokio::test]
async fn the_llm_key_is_stored_encrypted_and_never_returned() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let r = app
        .call(
            Some(&owner),
            Method::PUT,
            &format!("/bots/{bot}/llm-key"),
            Some(json!({"api_key": "sk-very-secret"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let got = app.get(&owner, &format!("/bots/{bot}")).await;
    assert_eq!(got.body["llm"]["has_api_key"], true);
    assert!(!got.text.contains("sk-very-secret"));
    let stored = app
        .store()
        .get_bot_secret(BotId(bot.parse().unwrap()), "llm_api_key")
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("sk-very-secret"));
    let r = app
        .call(
            Some(&owner),
            Method::DELETE,
            &format!("/bots/{bot}/llm-key"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get(&owner, &format!("/bots/{bot}")).await.body["llm"]["has_api_key"],
        false
    );
}

#[tokio::test]
async fn the_latest_qr_code_is_served_as_svg_png_and_data() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    assert_eq!(
        app.get(&owner, &format!("/bots/{bot}/qr.svg")).await.status,
        404
    );
    app.state.bus.publish(DomainEvent::Qr {
        workspace_id: owner.workspace,
        bot_id: BotId(bot.parse().unwrap()),
        code: "2@pairing-code-payload".into(),
    });
    let deadline = tokio::time::Instant::now() + crate::support::WAIT;
    while app.get(&owner, &format!("/bots/{bot}/qr")).await.status != 200 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let data = app.get(&owner, &format!("/bots/{bot}/qr")).await;
    assert_eq!(data.body["code"], "2@pairing-code-payload");
    let svg = app.get(&owner, &format!("/bots/{bot}/qr.svg")).await;
    assert!(
        svg.content_type.starts_with("image/svg+xml"),
        "{}",
        svg.content_type
    );
    assert!(svg.text.contains("<svg"));
    let png = app
        .http
        .get(format!("{}/api/v1/bots/{bot}/qr.png", app.base))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes().await.unwrap()[..4], b"\x89PNG");
}

#[tokio::test]
async fn schedules_are_created_listed_and_cancelled() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let once = app
        .post(
            &owner,
            &format!("/bots/{bot}/schedules"),
            json!({"action": "disable", "at": at}),
        )
        .await;
    assert_eq!(once.status, 201, "{}", once.text);
    let cron = app
        .post(
            &owner,
            &format!("/bots/{bot}/schedules"),
            json!({"action": "enable", "cron": "0 9 * * MON-FRI", "time_zone": "Europe/Madrid"}),
        )
        .await;
    assert_eq!(cron.status, 201, "{}", cron.text);
    assert!(cron.body["next_run_at"].is_string());
    for (body, field) in [
        (json!({"action": "enable", "cron": "every day"}), "cron"),
        (
            json!({"action": "enable", "cron": "0 9 * * *", "time_zone": "Nowhere/City"}),
            "time_zone",
        ),
        (
            json!({"action": "enable", "at": "2001-01-01T00:00:00Z"}),
            "trigger",
        ),
        (json!({"action": "enable"}), "at"),
    ] {
        let r = app
            .post(&owner, &format!("/bots/{bot}/schedules"), body.clone())
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body["details"]["field"], field, "{body}");
    }
    let list = app.get(&owner, &format!("/bots/{bot}/schedules")).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let id = once.body["id"].as_str().unwrap();
    let cancelled = app
        .call(
            Some(&owner),
            Method::DELETE,
            &format!("/schedules/{id}"),
            None,
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    let runs = app.get(&owner, &format!("/schedules/{id}/runs")).await;
    assert_eq!(runs.status, 200);
    let other = app.tenant(Role::Owner).await;
    assert_eq!(
        app.get(&other, &format!("/schedules/{id}/runs"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bots_show_the_messages_and_leads_of_today_after_a_sandbox_conversation() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let day = chrono::Utc::now().date_naive();
    let started = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let bot = app.sandbox_bot(&owner).await;
    let quiet = app.sandbox_bot(&owner).await;
    let since = started.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);

    let ana = app
        .customer_says(&owner, &bot, "34611111111@c.us", "Hi! A quote, please")
        .await;
    let ana_again = app
        .customer_says(&owner, &bot, "34611111111@c.us", "I'm Ana")
        .await;
    let bea = app
        .customer_says(&owner, &bot, "34622222222@c.us", "hello")
        .await;
    let messages =
        ana_again["messages"].as_array().unwrap().len() + bea["messages"].as_array().unwrap().len();
    assert!(ana["messages"].as_array().unwrap().len() >= 2, "a reply");

    let list = app
        .get(
            &owner,
            &format!("/bots?workspace_id={}&since={since}", owner.workspace),
        )
        .await;
    let detail = app.get(&owner, &format!("/bots/{bot}?since={since}")).await;
    let later = (chrono::Utc::now() + chrono::TimeDelta::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none_later = app.get(&owner, &format!("/bots/{bot}?since={later}")).await;
    let today = app.get(&owner, &format!("/bots/{bot}")).await;

    assert_eq!(list.status, 200, "{}", list.text);
    let item = |id: &str| {
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(item(&bot)["messages_today"], messages);
    assert_eq!(item(&bot)["leads_today"], 2);
    assert_eq!(item(&quiet)["messages_today"], 0);
    assert_eq!(item(&quiet)["leads_today"], 0);
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(detail.body["messages_today"], messages);
    assert_eq!(detail.body["leads_today"], 2);
    assert_eq!(none_later.body["messages_today"], 0);
    assert_eq!(none_later.body["leads_today"], 0);
    if chrono::Utc::now().date_naive() == day {
        // Without `since`: the current UTC day.
        assert_eq!(today.body["messages_today"], messages);
        assert_eq!(today.body["leads_today"], 2);
    }
    let bad = app
        .get(&owner, &format!("/bots/{bot}?since=yesterday"))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}
