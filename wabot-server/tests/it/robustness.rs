//! Property tests of the server's outside inputs: configuration values (file and environment)
//! and API query parameters (lead cursors and filters). Every input gets a value or a clear
//! error — never a panic, never a 5xx. Longer run:
//! `PROPTEST_CASES=5000 cargo test -p wabot-server --all-features --test it robustness`.

use proptest::prelude::*;
use reqwest::StatusCode;
use wabot_core::domain::Role;
use wabot_server::Settings;

use crate::support::TestApp;

/// Setting keys of every section, as `WABOT_SECTION__KEY` takes them.
const KEYS: &[&str] = &[
    "server.bind",
    "server.public_url",
    "server.shutdown_grace_secs",
    "storage.url",
    "demo.enabled",
    "log.format",
    "log.level",
    "engine.history_messages",
    "engine.history_chars",
    "engine.send_attempts",
    "engine.restart_initial_ms",
    "engine.recovery_window_secs",
    "auth.session_ttl_secs",
    "auth.admin_emails",
    "auth.google_client_id",
    "limits.body_bytes",
    "metrics.token",
    "network.allow_private_addresses",
    "network.allowed_networks",
    "network.proxy",
    "webhooks.max_attempts",
    "no_such.section",
];

fn env_var() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(KEYS),
        prop_oneof![
            any::<String>(),
            "[0-9]{0,12}",
            "-[0-9]{1,5}",
            Just("true".to_string()),
            Just("[\"a\", 1]".to_string()),
            "(http|https|ftp|postgres|sqlite)://[a-z0-9.:@/-]{0,20}",
            "[0-9.:\\[\\]/]{0,24}",
        ],
    )
        .prop_map(|(key, value)| {
            let (section, field) = key.split_once('.').unwrap();
            (
                format!("WABOT_{}__{}", section.to_uppercase(), field.to_uppercase()),
                value,
            )
        })
}

proptest! {
    #[test]
    fn any_environment_is_loaded_or_refused_with_a_message(env in prop::collection::vec(env_var(), 0..6)) {
        if let Err(e) = Settings::load_from(None, &env) {
            prop_assert!(!e.0.trim().is_empty());
        }
    }

    #[test]
    fn any_config_file_is_loaded_or_refused_with_a_message(
        text in prop_oneof![
            any::<String>(),
            "\\[(server|storage|engine|limits|network|demo)\\]\n[a-z_]{1,16} = (\"[^\"\n]{0,20}\"|[0-9-]{1,8}|true|\\[\\])\n",
        ]
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wabot.toml");
        std::fs::write(&path, text).unwrap();
        if let Err(e) = Settings::load_from(Some(&path), &[]) {
            prop_assert!(!e.0.trim().is_empty());
        }
    }
}

#[test]
fn any_lead_listing_query_is_answered_without_a_server_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, owner) = rt.block_on(async {
        let app = TestApp::spawn().await;
        let owner = app.tenant(Role::Manager).await;
        (app, owner)
    });
    let query = (
        prop::option::of(prop_oneof![any::<String>(), "[0-9a-f-]{0,40}"]),
        prop::option::of(any::<String>()),
        prop::option::of(prop_oneof![any::<String>(), "-?[0-9]{1,12}"]),
        prop::option::of(any::<String>()),
        prop::option::of(prop_oneof![any::<String>(), "[0-9T:+-]{0,30}"]),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::default());
    runner
        .run(&query, |(cursor, status, limit, q, created_from)| {
            let mut params: Vec<(&str, String)> = Vec::new();
            for (name, value) in [
                ("cursor", cursor),
                ("status", status),
                ("limit", limit),
                ("q", q),
                ("created_from", created_from),
            ] {
                if let Some(v) = value {
                    params.push((name, v));
                }
            }
            let status = rt.block_on(async {
                app.http
                    .get(format!("{}/api/v1/leads", app.base))
                    .bearer_auth(&owner.token)
                    .query(&params)
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
            prop_assert!(
                status == StatusCode::OK || status.is_client_error(),
                "{params:?} → {status}"
            );
            prop_assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
            Ok(())
        })
        .unwrap();
    rt.block_on(app.stop());
}
