//! The authorization matrix: every operation of the OpenAPI document × every kind of caller.
//!
//! The operations come from the generated document, so a new operation is covered without
//! touching this file (a new path parameter needs a sample in [`path_value`]). For each
//! (operation, caller) a fresh set of sample resources of workspace A is seeded, so destructive
//! operations never disturb the next call. Expected:
//!
//! | caller | expected |
//! |---|---|
//! | anonymous; expired, tampered, `alg:none`, foreign-key JWT | 401 |
//! | owner of workspace B, on A's resources | 404 (no existence leak) |
//! | owner of A, platform admin | allowed: 2xx or a validation 4xx (400/409/422) |
//! | manager, agent, manager-role API token of A | allowed, or 403 |
//! | everyone | never 5xx |
//!
//! and roles are monotonic: whatever an agent may do, a manager may; whatever a manager may
//! do, an owner may.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wabot_core::domain::Role;

use super::auth_support::{
    JWT_SECRET, People, Samples, TestServer, client, member, people, samples, user,
};

#[derive(Debug, Clone)]
enum Cred {
    None,
    Cookie(String),
    Bearer(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    ExpiredJwt,
    TamperedJwt,
    AlgNoneJwt,
    ForeignKeyJwt,
    OtherOwner,
    Agent,
    Manager,
    Token,
    Owner,
    Admin,
}

const CALLERS: [Caller; 11] = [
    Caller::Anonymous,
    Caller::ExpiredJwt,
    Caller::TamperedJwt,
    Caller::AlgNoneJwt,
    Caller::ForeignKeyJwt,
    Caller::OtherOwner,
    Caller::Agent,
    Caller::Manager,
    Caller::Token,
    Caller::Owner,
    Caller::Admin,
];

struct Op {
    method: Method,
    path: String,
    id: String,
    query: Vec<(String, Value)>,
    body: Option<Value>,
    spec: Value,
}

fn forge(user: &wabot_core::domain::User, exp_offset: i64, secret: &[u8]) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": user.id, "email": user.email.as_str(), "iat": now - 10, "exp": now + exp_offset,
        "aud": "wabot-session", "sid": uuid::Uuid::new_v4(),
    });
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn credentials(app: &TestServer, p: &People, caller: Caller) -> Cred {
    let secret = JWT_SECRET.as_bytes();
    match caller {
        Caller::Anonymous => Cred::None,
        Caller::ExpiredJwt => Cred::Cookie(forge(&p.owner, -300, secret)),
        Caller::TamperedJwt => {
            let good = forge(&p.owner, 3600, secret);
            let (head, _sig) = good.rsplit_once('.').unwrap();
            let (h, payload) = head.split_once('.').unwrap();
            let mut claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            claims["sub"] = json!(p.admin.id);
            let forged = URL_SAFE_NO_PAD.encode(claims.to_string());
            Cred::Cookie(format!("{h}.{forged}.{_sig}"))
        }
        Caller::AlgNoneJwt => {
            let good = forge(&p.owner, 3600, secret);
            let payload = good.split('.').nth(1).unwrap();
            let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            Cred::Bearer(format!("{head}.{payload}."))
        }
        Caller::ForeignKeyJwt => Cred::Bearer(forge(
            &p.owner,
            3600,
            b"not-the-server-key-not-the-server-key",
        )),
        Caller::OtherOwner => Cred::Cookie(app.session(&p.other_owner)),
        Caller::Agent => Cred::Cookie(app.session(&p.agent)),
        Caller::Manager => Cred::Cookie(app.session(&p.manager)),
        Caller::Token => Cred::Bearer(p.token.clone()),
        Caller::Owner => Cred::Cookie(app.session(&p.owner)),
        Caller::Admin => Cred::Bearer(app.session(&p.admin)),
    }
}

/// A sample value for a path or query parameter, from A's seeded resources.
fn path_value(name: &str, p: &People, s: &Samples, victim: uuid::Uuid) -> Option<String> {
    Some(match name {
        "workspace_id" => p.a.to_string(),
        "bot_id" => s.bot.to_string(),
        "lead_id" => s.lead.to_string(),
        "schedule_id" => s.schedule.to_string(),
        "webhook_id" => s.webhook.to_string(),
        "token_id" => s.token_id.to_string(),
        "user_id" => victim.to_string(),
        _ => return None,
    })
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// A plausible value for `schema` (required properties only).
fn sample(
    spec: &Value,
    schema: &Value,
    name: &str,
    p: &People,
    s: &Samples,
    victim: uuid::Uuid,
) -> Value {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        // poem-openapi wraps a described reference as `allOf: [{$ref}, {description}]`.
        let typed: Vec<&Value> = all
            .iter()
            .filter(|part| {
                ["$ref", "type", "enum", "properties", "oneOf", "anyOf"]
                    .iter()
                    .any(|k| part.get(k).is_some())
            })
            .collect();
        if let [only] = typed.as_slice() {
            return sample(spec, only, name, p, s, victim);
        }
        let mut out = serde_json::Map::new();
        for part in all {
            if let Value::Object(o) = sample(spec, part, name, p, s, victim) {
                out.extend(o);
            }
        }
        return Value::Object(out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(|v| v.get(0)) {
            let mut v = sample(spec, first, name, p, s, victim);
            if let (Some(d), Value::Object(o)) = (schema.get("discriminator"), &mut v) {
                let prop = d["propertyName"].as_str().unwrap();
                if let Some(mapping) = d.get("mapping").and_then(Value::as_object) {
                    let target = first["$ref"].as_str().unwrap_or_default();
                    if let Some((k, _)) = mapping.iter().find(|(_, v)| v.as_str() == Some(target)) {
                        o.insert(prop.into(), json!(k));
                    }
                }
            }
            return v;
        }
    }
    if let Some(e) = schema.get("enum").and_then(|e| e.get(0)) {
        return e.clone();
    }
    match schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("object")
    {
        "object" => {
            let mut out = serde_json::Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    if required.contains(&k.as_str()) {
                        out.insert(k.clone(), sample(spec, v, k, p, s, victim));
                    }
                }
            }
            Value::Object(out)
        }
        "array" => {
            if schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) > 0 {
                json!([sample(spec, &schema["items"], name, p, s, victim)])
            } else {
                json!([])
            }
        }
        "integer" | "number" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        "boolean" => json!(false),
        _ => {
            if let Some(v) = path_value(name, p, s, victim) {
                return json!(v);
            }
            match (schema.get("format").and_then(Value::as_str), name) {
                (Some("email"), _) | (_, "email") => json!("matrix.invitee@example.com"),
                (Some("uuid"), _) => json!(uuid::Uuid::new_v4()),
                (Some("date-time"), _) => {
                    json!((chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339())
                }
                (Some("date"), _) => json!(chrono::Utc::now().date_naive().to_string()),
                (_, "url") => json!("https://example.com/hook"),
                (_, "role") => json!("agent"),
                (_, n) if n.contains("zone") => json!("Europe/Madrid"),
                (_, n) if n.contains("cron") || n == "expr" => json!("0 9 * * 1-5"),
                (_, "prompt") => json!("You are a helpful assistant."),
                _ => json!("Matrix sample"),
            }
        }
    }
}

fn operations(spec: &Value) -> Vec<(String, Method, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            out.push((path.clone(), m, op.clone()));
        }
    }
    out
}

fn build(
    spec: &Value,
    path: &str,
    method: &Method,
    op: &Value,
    p: &People,
    s: &Samples,
    victim: uuid::Uuid,
) -> Op {
    let mut url = path.to_string();
    let mut query = Vec::new();
    for param in op["parameters"].as_array().cloned().unwrap_or_default() {
        let param = resolve(spec, &param).clone();
        let name = param["name"].as_str().unwrap().to_string();
        match param["in"].as_str().unwrap() {
            "path" => {
                let v = path_value(&name, p, s, victim).unwrap_or_else(|| {
                    panic!(
                        "{} {path}: no sample for path parameter `{name}`; add one to path_value",
                        method
                    )
                });
                url = url.replace(&format!("{{{name}}}"), &v);
            }
            "query" => {
                let required = param["required"].as_bool().unwrap_or(false);
                if let Some(v) = path_value(&name, p, s, victim) {
                    query.push((name, json!(v)));
                } else if required {
                    let v = sample(spec, &param["schema"], &name, p, s, victim);
                    query.push((name, v));
                }
            }
            _ => {}
        }
    }
    let body = op["requestBody"]["content"]["application/json; charset=utf-8"]["schema"]
        .as_object()
        .or_else(|| op["requestBody"]["content"]["application/json"]["schema"].as_object())
        .map(|schema| sample(spec, &Value::Object(schema.clone()), "", p, s, victim));
    Op {
        method: method.clone(),
        path: url,
        id: op["operationId"].as_str().unwrap_or("?").to_string(),
        query,
        body,
        spec: op.clone(),
    }
}

async fn call(app: &TestServer, op: &Op, cred: &Cred) -> (StatusCode, String) {
    let mut url = app.api(&op.path);
    if !op.query.is_empty() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &op.query {
            q.append_pair(k, &v.as_str().map(str::to_string).unwrap_or(v.to_string()));
        }
        url = format!("{url}?{}", q.finish());
    }
    let mut req = client().request(op.method.clone(), url);
    if let Some(body) = &op.body {
        req = req.json(body);
    }
    req = match cred {
        Cred::None => req,
        Cred::Cookie(t) => req
            .header("cookie", format!("wabot_session={t}"))
            .header("origin", &app.base),
        Cred::Bearer(t) => req.bearer_auth(t),
    };
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

/// Allowed: a success, a validation or state answer (400/409/422), or a 404 about the state of
/// an existing resource (e.g. `no_qr`) rather than its existence (`not_found`).
fn allowed(s: StatusCode, body: &str) -> bool {
    s.is_success()
        || matches!(s.as_u16(), 400 | 409 | 422)
        || s == StatusCode::NOT_FOUND && error_code(body).is_some_and(|c| c != "not_found")
}

fn error_code(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body).ok()?["code"]
        .as_str()
        .map(str::to_string)
}

/// Whether the operation acts on workspace A (a path parameter or an explicit workspace).
fn scoped(op: &Op) -> bool {
    op.spec["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p["in"] == "path" || p["name"] == "workspace_id")
    })
}

#[tokio::test]
async fn every_operation_answers_every_kind_of_caller_as_expected() {
    // On SQLite, the default deployment, so store-level failures would show as 5xx too.
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("matrix.db").display());
    let options = wabot_store::SqliteOptions {
        durability: wabot_store::Durability::Normal,
        ..Default::default()
    };
    let store = std::sync::Arc::new(
        wabot_store::SqliteStore::open_with(&db, options)
            .await
            .unwrap(),
    );
    let app = TestServer::start(store, dir.path(), None, |_| {}).await;
    let spec: Value = client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p = people(app.store().as_ref()).await;
    let ops = operations(&spec);
    assert!(ops.len() >= 10, "the document lists the operations");

    let mut failures = Vec::new();
    let mut table: BTreeMap<String, BTreeMap<Caller, (u16, bool)>> = BTreeMap::new();
    for (path, method, raw) in &ops {
        for caller in CALLERS {
            let s = samples(&app.state, p.a, &p.owner).await;
            let victim = user(
                app.store().as_ref(),
                &format!("victim-{}@a.example.com", uuid::Uuid::new_v4().simple()),
            )
            .await;
            member(app.store().as_ref(), p.a, &victim, Role::Agent).await;
            let op = build(&spec, path, method, raw, &p, &s, victim.id.as_uuid());
            let cred = credentials(&app, &p, caller);
            let (status, body) = call(&app, &op, &cred).await;
            let code = status.as_u16();
            table
                .entry(format!("{} {} ({})", method, path, op.id))
                .or_default()
                .insert(caller, (code, allowed(status, &body)));
            let ok = match caller {
                _ if status.is_server_error() => false,
                Caller::Anonymous
                | Caller::ExpiredJwt
                | Caller::TamperedJwt
                | Caller::AlgNoneJwt
                | Caller::ForeignKeyJwt => code == 401,
                Caller::OtherOwner if scoped(&op) => {
                    code == 404 && error_code(&body).as_deref() == Some("not_found")
                }
                Caller::OtherOwner => code != 401 && code != 403,
                Caller::Owner | Caller::Admin => allowed(status, &body),
                Caller::Agent | Caller::Manager | Caller::Token => {
                    allowed(status, &body) || code == 403
                }
            };
            if !ok {
                failures.push(format!(
                    "{:?} {} {} ({}) → {code}: {}",
                    caller,
                    method,
                    op.path,
                    op.id,
                    body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    // Roles are monotonic.
    for (op, row) in &table {
        let ok = |c: Caller| row[&c].1;
        if ok(Caller::Agent) && !ok(Caller::Manager) {
            failures.push(format!("{op}: an agent may but a manager may not"));
        }
        if ok(Caller::Manager) && !ok(Caller::Owner) {
            failures.push(format!("{op}: a manager may but an owner may not"));
        }
    }
    let printed: Vec<String> = table
        .iter()
        .map(|(op, row)| {
            let cells: Vec<String> = row.iter().map(|(c, s)| format!("{c:?}={}", s.0)).collect();
            format!("{op}: {}", cells.join(" "))
        })
        .collect();
    println!("{}", printed.join("\n"));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
