//! Crash safety with a real process: the `wabot-server` binary on a SQLite file, a Cloud API bot
//! answering through a local fake of the Graph API, a burst of signed webhook posts, and
//! `kill -9` at a random point of each burst. After every restart the posts that got no 200
//! are sent again (as Meta retries them) along with some that did (duplicates). At the end
//! every acknowledged message is stored exactly once and has exactly one reply sent — or, when
//! a crash interrupted its reply mid-send, a flag for an agent — and no customer got two.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    path::Path,
    sync::Arc,
    time::Duration,
};

use futures::{StreamExt, stream};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use wabot_core::{
    domain::Role,
    ids::BotId,
    ports::{LeadStore as _, MessageStore as _, ServerStore},
};
use wabot_whatsapp::cloud::{SIGNATURE_HEADER, testing::WebhookPayload};

use crate::{
    auth_support::{api_token, member, user, workspace},
    cloud_webhook::{ACCESS_TOKEN, APP_SECRET, FakeGraph, PHONE_NUMBER_ID, VERIFY_TOKEN},
};

/// Messages per burst, bursts (one kill each), concurrent posts.
const BURST: usize = 120;
const ROUNDS: usize = 3;
const IN_FLIGHT: usize = 8;
const WAIT: Duration = Duration::from_secs(60);

/// One `wabot-server` process on the test's database.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(dir: &Path, run: usize) -> Self {
        let port = free_port();
        let log = std::fs::File::create(dir.join(format!("server-{run}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_wabot-server"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("WABOT_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env(
                "WABOT_STORAGE__URL",
                format!("sqlite://{}", dir.join("wabot.db").display()),
            )
            .env("WABOT_STORAGE__DATA_DIR", dir.join("data"))
            .env(
                "WABOT_MASTER_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            )
            .env(
                "WABOT_AUTH__JWT_SECRET",
                "crash-test-session-secret-0123456789abcdef",
            )
            .env("WABOT_ENGINE__PACING", "false")
            // The fake Graph API is on loopback: the operator allows private addresses.
            .env("WABOT_NETWORK__ALLOW_PRIVATE_ADDRESSES", "true")
            .env("WABOT_LOG__LEVEL", "info")
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("the wabot-server binary starts");
        let base = format!("http://127.0.0.1:{port}");
        let server = Self { child, base };
        server.wait_healthy(dir, run).await;
        server
    }

    async fn wait_healthy(&self, dir: &Path, run: usize) {
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "server {run} never became healthy; log:\n{}",
                std::fs::read_to_string(dir.join(format!("server-{run}.log"))).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`.
    async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// SIGTERM, then wait for the graceful exit.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running") as i32;
        // `kill` from the shell: the workspace forbids `unsafe`, so no libc call here.
        let status = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("graceful exit")
            .unwrap();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The API, with the owner's token.
struct Api {
    http: reqwest::Client,
    token: String,
}

impl Api {
    async fn call(
        &self,
        base: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{base}/api/v1{path}"))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn wait_ready(&self, base: &str, bot: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (_, body) = self
                .call(
                    base,
                    reqwest::Method::GET,
                    &format!("/bots/{bot}/status"),
                    None,
                )
                .await;
            if body["status"] == "ready" {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "bot never ready: {body}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn contact(round: usize, i: usize) -> String {
    format!("3461{round}{i:06}")
}

/// Posts one customer's message, signed; whether the server acknowledged it (200).
async fn post(http: &reqwest::Client, base: &str, bot: &str, wa_id: &str) -> bool {
    let payload = WebhookPayload::new(PHONE_NUMBER_ID).text(
        wa_id,
        "Customer",
        &format!("wamid.{wa_id}"),
        "Hello, I would like a quote for solar panels",
    );
    let (signature, body) = payload.signed(APP_SECRET);
    match http
        .post(format!("{base}/webhooks/cloud/{bot}"))
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .timeout(Duration::from_secs(20))
        .send()
        .await
    {
        Ok(r) => r.status().as_u16() == 200,
        Err(_) => false,
    }
}

/// Posts every contact in `wa_ids`, a few at a time; returns the acknowledged ones.
async fn burst(base: String, bot: String, wa_ids: Vec<String>) -> HashSet<String> {
    let http = reqwest::Client::new();
    stream::iter(wa_ids)
        .map(|wa_id| {
            let (http, base, bot) = (&http, &base, &bot);
            async move { post(http, base, bot, &wa_id).await.then_some(wa_id) }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|acked| async move { acked })
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_burst_leaves_no_acknowledged_message_unanswered_or_answered_twice() {
    let dir = tempfile::tempdir().unwrap();
    // CRASH_KEEP=1 keeps the database and the server logs for a look after the run.
    let dir = if std::env::var("CRASH_KEEP").is_ok() {
        let p = dir.keep();
        println!("keeping {}", p.display());
        tempfile::TempDir::new_in(p).unwrap()
    } else {
        dir
    };
    let db = dir.path().join("wabot.db");
    let token = seed(&db).await;
    let graph = FakeGraph::start().await;
    let api = Api {
        http: reqwest::Client::new(),
        token,
    };
    let seed_from_env = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let seed: u64 = seed_from_env.unwrap_or_else(|| rand::rng().random());
    println!("crash test seed {seed} (CRASH_SEED={seed} repeats it)");
    let mut rng = StdRng::seed_from_u64(seed);

    let mut run = 0;
    let mut server = Server::start(dir.path(), run).await;
    let bot = cloud_bot(&api, &server.base, &graph.base).await;
    api.wait_ready(&server.base, &bot).await;

    let mut acked: HashSet<String> = HashSet::new();
    for round in 0..ROUNDS {
        let wa_ids: Vec<String> = (0..BURST).map(|i| contact(round, i)).collect();
        let posting = tokio::spawn(burst(server.base.clone(), bot.clone(), wa_ids.clone()));
        let kill_after = Duration::from_millis(rng.random_range(50..900));
        tokio::time::sleep(kill_after).await;
        server.kill().await;
        let before_kill = posting.await.unwrap();
        println!(
            "round {round}: killed after {kill_after:?}, {} of {BURST} acknowledged",
            before_kill.len()
        );

        run += 1;
        server = Server::start(dir.path(), run).await;
        api.wait_ready(&server.base, &bot).await;
        // Meta retries what got no 200, and sometimes re-sends what did.
        let mut again: Vec<String> = wa_ids
            .iter()
            .filter(|w| !before_kill.contains(*w))
            .cloned()
            .collect();
        again.extend(before_kill.iter().filter(|_| rng.random_bool(0.2)).cloned());
        let retried = burst(server.base.clone(), bot.clone(), again.clone()).await;
        assert_eq!(
            retried.len(),
            again.len(),
            "every retry is acknowledged after the restart"
        );
        acked.extend(before_kill);
        acked.extend(retried);
    }
    assert_eq!(acked.len(), BURST * ROUNDS);

    // Wait until every acknowledged message is answered or flagged, then a little longer so a
    // double reply would show.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let flagged = flagged_contacts(&api, &server.base, &bot).await;
        let sent = graph.recipients();
        let open: Vec<&String> = acked
            .iter()
            .filter(|w| !sent.contains_key(*w) && !flagged.contains(*w))
            .collect();
        if open.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} acknowledged messages were never answered nor flagged, e.g. {:?}",
            open.len(),
            &open[..open.len().min(5)]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flagged = flagged_contacts(&api, &server.base, &bot).await;
    server.stop().await;

    // Count, from the database and the fake Graph API.
    let store = wabot_store::SqliteStore::open(db.to_str().unwrap())
        .await
        .unwrap();
    let bot_id = BotId::from(uuid::Uuid::parse_str(&bot).unwrap());
    let sent = graph.recipients();
    let mut answered = 0;
    for wa_id in &acked {
        let lead = store
            .find_lead(
                bot_id,
                &wabot_core::domain::ContactId::parse(wa_id).unwrap(),
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no lead for acknowledged {wa_id}"));
        let history = store.recent_messages(lead.id, 50).await.unwrap();
        let inbound = history
            .iter()
            .filter(|m| m.provider_message_id.as_deref() == Some(&format!("wamid.{wa_id}")))
            .count();
        assert_eq!(inbound, 1, "{wa_id} is stored exactly once");
        let replies = sent.get(wa_id).copied().unwrap_or(0);
        assert!(replies <= 1, "{wa_id} got {replies} replies");
        if replies == 1 {
            answered += 1;
        } else {
            assert!(
                flagged.contains(wa_id) && lead.unanswered_since.is_some(),
                "{wa_id} has neither a reply nor a flag"
            );
        }
    }
    let far = chrono::Utc::now() + chrono::TimeDelta::days(1);
    let left = store.pending_inbound(bot_id, far, 10).await.unwrap();
    assert!(left.is_empty(), "messages left pending: {left:?}");
    println!(
        "{} acknowledged: {answered} answered once, {} flagged for an agent",
        acked.len(),
        acked.len() - answered
    );
}

/// A workspace, its owner and an owner API token in the database at `db`.
async fn seed(db: &Path) -> String {
    let store: Arc<dyn ServerStore> = Arc::new(
        wabot_store::SqliteStore::open(db.to_str().unwrap())
            .await
            .unwrap(),
    );
    let owner = user(&*store, "owner@acme.example").await;
    let ws = workspace(&*store, "Acme Solar").await;
    member(&*store, ws, &owner, Role::Owner).await;
    api_token(&*store, ws, Role::Owner, &owner).await
}

/// A started cloud bot answering through `graph`.
async fn cloud_bot(api: &Api, base: &str, graph: &str) -> String {
    let (status, body) = api
        .call(base, reqwest::Method::GET, "/workspaces", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let workspace = body
        .as_array()
        .or_else(|| body["items"].as_array())
        .and_then(|l| l.first())
        .map(|w| w["id"].as_str().unwrap().to_string())
        .expect("the seeded workspace");
    let (status, body) = api
        .call(
            base,
            reqwest::Method::POST,
            "/bots",
            Some(json!({
                "workspace_id": workspace,
                "name": "Cloud bot",
                "prompt": "You sell solar panels.",
                "enabled": false,
                "transport": {
                    "kind": "cloud",
                    "phone_number_id": PHONE_NUMBER_ID,
                    "graph_base_url": graph,
                },
                "pacing": {"base_ms": 0, "per_char_ms": 0, "max_ms": 0, "jitter": 0.0}
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let bot = body["id"].as_str().unwrap().to_string();
    let (status, body) = api
        .call(
            base,
            reqwest::Method::PUT,
            &format!("/bots/{bot}/cloud-credentials"),
            Some(json!({
                "access_token": ACCESS_TOKEN,
                "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN,
            })),
        )
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
    let (status, body) = api
        .call(
            base,
            reqwest::Method::POST,
            &format!("/bots/{bot}/start"),
            Some(json!({})),
        )
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
    bot
}

/// Contacts of `bot`'s leads flagged as waiting for a person.
async fn flagged_contacts(api: &Api, base: &str, bot: &str) -> HashSet<String> {
    let mut flagged = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/leads?bot_id={bot}&limit=500");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = api.call(base, reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        for lead in body["items"].as_array().unwrap() {
            if lead.get("unanswered_since").is_some_and(|v| !v.is_null()) {
                let contact = lead["contact"].as_str().unwrap();
                flagged.insert(contact.split('@').next().unwrap().to_string());
            }
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return flagged,
        }
    }
}

impl FakeGraph {
    /// How many texts each recipient got.
    fn recipients(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for body in self.sent.lock().unwrap().iter() {
            if body["type"] == "text" {
                *counts
                    .entry(body["to"].as_str().unwrap_or_default().to_string())
                    .or_insert(0) += 1;
            }
        }
        counts
    }
}
