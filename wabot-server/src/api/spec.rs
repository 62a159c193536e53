//! The OpenAPI document as served: poem-openapi's output plus the parts it cannot express.
//!
//! poem-openapi generates the document from the code; [`document`] then applies a few
//! fix-ups in one place so that generated clients (openapi-python-client, @hey-api/openapi-ts
//! under `tsc --strict`) get standard types:
//!
//! - integer formats: `uint8`/`uint16` become `int32`, `uint32`/`uint64` become `int64`, each
//!   with `minimum: 0` (and the unsigned maximum where it fits), as OpenAPI defines no
//!   unsigned formats; `naive-date` becomes `date`;
//! - length limits ([`LENGTHS`]): `minLength`/`maxLength` of the strings whose limits the
//!   handlers check themselves, so that a violation stays a 422 naming the field (a
//!   poem-openapi validator would answer a bare 400);
//! - security: every operation lists the API token first and the dashboard's session cookie
//!   as the alternative, so a client that applies the first scheme it has a credential for
//!   sends only `Authorization: Bearer`;
//! - events: the WebSocket frames and webhook bodies as component schemas
//!   ([`super::events::schema`]);
//! - `info`: the license, and a description of authentication, the sign-in routes under
//!   `/auth` (outside `/api/v1`), the CSRF rule, errors and pagination ([`DESCRIPTION`]).

use serde_json::{Map, Value, json};

/// `(schema, property, minLength, maxLength)`: the string limits the handlers enforce.
/// `minLength` is only given where a blank value is refused (optional texts where blank
/// means "none" get only `maxLength`).
pub const LENGTHS: &[(&str, &str, Option<u64>, u64)] = &[
    ("CreateBot", "name", Some(1), 80),
    ("CreateBot", "prompt", Some(1), 20_000),
    ("UpdateBot", "name", Some(1), 80),
    ("UpdateBot", "prompt", Some(1), 20_000),
    ("CreateBot", "fallback_message", None, 1000),
    ("UpdateBot", "fallback_message", None, 1000),
    ("FeaturesBody", "away_message", None, 1000),
    ("Llm", "base_url", None, 2000),
    ("Transport", "graph_base_url", None, 2000),
    ("ApiKeyBody", "api_key", Some(1), 500),
    ("AgentReply", "body", Some(1), 65_536),
    ("CustomerMessage", "text", Some(1), 4096),
    ("FieldsChange", "name", None, 100),
    ("FieldsChange", "location", None, 200),
    ("NewApiToken", "name", Some(1), 80),
    ("NewWorkspace", "name", Some(1), 80),
    ("NewWebhook", "url", Some(1), 2000),
    ("NewWebhook", "secret", Some(16), 200),
];

/// `(operationId, parameter, maxLength)`: limits of string query parameters.
pub const PARAMETER_LENGTHS: &[(&str, &str, u64)] =
    &[("list_leads", "q", 200), ("export_leads_csv", "q", 200)];

/// The license of the server, as in `Cargo.toml`.
pub const LICENSE: &str = env!("CARGO_PKG_LICENSE");

/// The document's `info.description` (Markdown; Swagger UI renders it).
pub const DESCRIPTION: &str = r#"Run AI WhatsApp bots that capture leads.

## Authentication

Send an API token on every request: `Authorization: Bearer wbt_…` (scheme `BearerToken`).
Owners and managers create tokens with `POST /workspaces/{workspace_id}/tokens`; a token is
scoped to one workspace and capped at its creator's role. A session JWT is accepted as a bearer
too.

The dashboard authenticates with the `wabot_session` cookie (scheme `SessionCookie`, HttpOnly,
SameSite=Lax) set by the sign-in routes below. Each operation lists both schemes as
alternatives, the token first: send one of them, never both. API clients should use a token.

**CSRF rule.** A request authenticated by the session cookie that changes something (any
method but GET, HEAD and OPTIONS, and WebSocket upgrades of `/ws`) must carry an `Origin`
header (or else a `Referer`) whose origin is the server's public URL (`server.public_url`) or a
loopback origin (`localhost`, `127.0.0.1`, `[::1]`) naming the same host and port as the
request. Otherwise it is refused with 403 and code `csrf`. Requests with an
`Authorization: Bearer` header are not subject to this rule.

## Sign-in routes (outside `/api/v1`)

These browser routes live under `/auth` at the server root, are not part of this API's
operations, are never cached (`Cache-Control: no-store`) and are rate-limited per client
address (`limits.auth_per_minute`; over it, 429 `rate_limited`).

| Route | What it does |
|---|---|
| `GET /auth/google/login?return_to=/path` | Starts Google sign-in (authorization code + PKCE, state, nonce) and redirects to Google. `return_to` must be a local path. |
| `GET /auth/google/callback` | Google's redirect target: on success sets the `wabot_session` cookie and redirects to `return_to`; on refusal redirects to `/login?error=<code>`. |
| `POST /auth/demo?as=owner\|manager\|agent` | Demo mode only, from this machine only: signs in as a demo user. Answers the session (below) and sets the cookie. |
| `POST /auth/refresh` | With a valid session: issues a fresh one (new expiry). Answers the session and sets the cookie. |
| `POST /auth/logout` | Revokes the session and clears the cookie. 204. |
| `GET /auth/me` | The signed-in user: the session (below) without `expires_at`. 401 when signed out; 403 for API tokens (they have no session). |

The session is `{"user": {"id", "email", "name"}, "platform_admin": bool, "workspaces":
[{"id", "role"}], "expires_at": "<RFC 3339>"}`. The cookie-writing routes follow the CSRF rule.
Errors use the shape below.

## Errors

Every error is `{code, message, details}` (`ErrorBody`): `code` is stable and
machine-readable, `message` says what was wrong and how to fix it, and `details` (`ErrorDetails`)
carries `field` on a 422 (`validation_failed`) or a 400 naming a parameter, `limit_bytes` on a
413 (`payload_too_large`) and `retry_after_secs` on a 429 (`rate_limited`, also sent as
`Retry-After`).

## Lists and pagination

Every list answers an object with the entries in `items`. `list_leads` pages with a cursor:
`next_cursor` is present only when another page has leads; pass it back as `cursor`. A page
without it is the last one, even when it is full.

## Events

The same objects also travel as events, in the shape of the bodies above (a lead is a
`LeadBody` everywhere). The WebSocket `/ws` (authenticated like the API; `?token=` for
browsers) first sends a `WsHelloFrame`, then one `WsEventFrame` per event of the caller's
workspaces: `{"type": "event", "event": "lead.qualified", "data": {…}}`. Outgoing webhooks POST
a `WebhookPayload`: `{"id", "event", "workspace_id", "created_at", "data"}`, with the headers
`X-Wabot-Event`, `X-Wabot-Delivery` (the `id`; deduplicate on it), `X-Wabot-Timestamp` and
`X-Wabot-Signature` (`v1=` + hex HMAC-SHA256 of `"{timestamp}.{raw body}"` under the webhook's
secret). `EventName` lists every event; the schema `<Name>Frame` (`LeadQualifiedFrame`) and,
for webhook events, `<Name>Webhook` give each event's `data`.

| Event | `data` | Webhook | When |
|---|---|---|---|
| `bot.status` | `BotStatusEvent` | yes | A bot's runtime status changed. |
| `bot.qr` | `BotQrEvent` | | A new QR code to pair a bot. |
| `bot.pairing_code` | `BotPairingCodeEvent` | | A pairing code to pair a bot. |
| `message.received` | `MessageEvent` | yes | A customer's message was stored. |
| `message.sent` | `MessageEvent` | | A message to the customer (bot or agent) was stored. |
| `message.delivery` | `DeliveryEvent` | | A sent message's delivery status advanced. |
| `lead.updated` | `LeadEvent` | | A lead's details, status, assignee or handler changed. |
| `lead.qualified` | `LeadEvent` | yes | A lead has every required field. |
| `lead.assigned` | `LeadAssignedEvent` | yes | A lead was assigned to a sales agent. |
| `lead.attention` | `LeadAttentionEvent` | | A customer wrote in a conversation an agent has taken over. |
| `schedule.executed` | `ScheduleExecutedEvent` | | A schedule fired. |"#;

/// The served document: poem-openapi's `raw` JSON with the fix-ups of this module applied.
pub fn document(raw: &str) -> Value {
    let mut doc: Value = serde_json::from_str(raw).expect("poem-openapi emits valid JSON");
    add_events(&mut doc);
    fix_formats(&mut doc);
    unwrap_described_refs(&mut doc);
    apply_lengths(&mut doc);
    order_security(&mut doc);
    let info = &mut doc["info"];
    info["description"] = Value::String(DESCRIPTION.to_string());
    // The workspace's SPDX expression (OpenAPI 3.0 has no `identifier`; a name suffices).
    info["license"] = json!({ "name": LICENSE });
    doc
}

/// Adds the event schemas ([`super::events::schema`]) the operations do not reference.
fn add_events(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for (name, schema) in super::events::schema::component_schemas() {
        schemas.entry(name).or_insert(schema);
    }
}

/// Rewrites the non-standard formats poem-openapi emits, recursively.
fn fix_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("integer")
                && let Some(format) = map.get("format").and_then(Value::as_str)
            {
                let (standard, max) = match format {
                    "uint8" => ("int32", Some(u64::from(u8::MAX))),
                    "uint16" => ("int32", Some(u64::from(u16::MAX))),
                    "uint32" => ("int64", Some(u64::from(u32::MAX))),
                    "uint64" => ("int64", None),
                    _ => ("", None),
                };
                if !standard.is_empty() {
                    map.insert("format".into(), Value::String(standard.into()));
                    map.entry("minimum").or_insert(json!(0));
                    if let Some(max) = max {
                        map.entry("maximum").or_insert(json!(max));
                    }
                }
            }
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), Value::String("date".into()));
            }
            map.values_mut().for_each(fix_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(fix_formats),
        _ => {}
    }
}

/// Turns `allOf: [{$ref}, {description}]` — what poem-openapi emits for a documented field of
/// an enum or object type — into `$ref` with the description beside it. Generators such as
/// openapi-python-client cannot take `allOf` of an enum and drop every schema that uses one
/// (and every operation answering it); validators and the others read the plain `$ref`.
fn unwrap_described_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let reference = match map
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([Value::Object(r), Value::Object(extra)])
                    if r.len() == 1
                        && r.contains_key("$ref")
                        && extra.keys().all(|k| k == "description") =>
                {
                    r.get("$ref").cloned()
                }
                _ => None,
            };
            if let Some(reference) = reference {
                map.remove("allOf");
                map.insert("$ref".into(), reference);
            }
            map.values_mut().for_each(unwrap_described_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_described_refs),
        _ => {}
    }
}

/// The property schema `schema.property` of the components, if present.
fn property<'a>(doc: &'a mut Value, schema: &str, property: &str) -> Option<&'a mut Value> {
    doc.get_mut("components")?
        .get_mut("schemas")?
        .get_mut(schema)?
        .get_mut("properties")?
        .get_mut(property)
}

/// Adds [`LENGTHS`] and [`PARAMETER_LENGTHS`].
fn apply_lengths(doc: &mut Value) {
    for &(schema, name, min, max) in LENGTHS {
        if let Some(Value::Object(p)) = property(doc, schema, name) {
            set_length(p, min, max);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in op.values_mut() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            for param in params {
                let pname = param["name"].as_str().unwrap_or_default();
                if let Some(&(_, _, max)) = PARAMETER_LENGTHS
                    .iter()
                    .find(|(o, p, _)| *o == id && *p == pname)
                    && let Some(Value::Object(s)) = param.get_mut("schema")
                {
                    set_length(s, None, max);
                }
            }
        }
    }
}

fn set_length(schema: &mut Map<String, Value>, min: Option<u64>, max: u64) {
    if let Some(min) = min {
        schema.insert("minLength".into(), json!(min));
    }
    schema.insert("maxLength".into(), json!(max));
}

/// Lists the bearer token before the session cookie in every operation's `security`.
fn order_security(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            if let Some(security) = op.get_mut("security").and_then(Value::as_array_mut) {
                security.sort_by_key(|s| s.get("BearerToken").is_none());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> Value {
        document(&super::super::service().spec())
    }

    #[test]
    fn every_length_limit_names_an_existing_field() {
        let mut doc = served();
        for &(schema, name, _, max) in LENGTHS {
            let p = property(&mut doc, schema, name)
                .unwrap_or_else(|| panic!("{schema}.{name} is not in the document"));
            assert_eq!(p["maxLength"], json!(max), "{schema}.{name}");
        }
        for &(op, param, max) in PARAMETER_LENGTHS {
            let found = doc["paths"]
                .as_object()
                .unwrap()
                .values()
                .flat_map(|item| item.as_object().unwrap().values())
                .filter(|o| o["operationId"] == op)
                .flat_map(|o| o["parameters"].as_array().cloned().unwrap_or_default())
                .any(|p| p["name"] == param && p["schema"]["maxLength"] == json!(max));
            assert!(found, "{op}.{param} has no maxLength {max}");
        }
    }

    #[test]
    fn no_enum_or_object_field_is_wrapped_in_all_of() {
        let doc = served();
        let text = doc.to_string();
        assert!(!text.contains("\"allOf\""), "allOf left in the document");
        let role = &doc["components"]["schemas"]["WorkspaceInfo"]["properties"]["role"];
        assert_eq!(role["$ref"], "#/components/schemas/MemberRole", "{role}");
        assert!(role["description"].as_str().is_some_and(|d| !d.is_empty()));
    }

    #[test]
    fn no_non_standard_format_is_left() {
        let text = served().to_string();
        for bad in ["uint8", "uint16", "uint32", "uint64", "naive-date"] {
            assert!(
                !text.contains(&format!("\"{bad}\"")),
                "{bad} left in the document"
            );
        }
    }

    #[test]
    fn operations_offer_the_token_first_and_the_cookie_as_the_alternative() {
        let doc = served();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                assert_eq!(
                    op["security"],
                    json!([{ "BearerToken": [] }, { "SessionCookie": [] }]),
                    "{}",
                    op["operationId"]
                );
            }
        }
    }
}
