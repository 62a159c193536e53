//! WebSocket `/ws`: the live event stream of the dashboard and integrators.
//!
//! Authenticated like the API (session cookie, `Authorization: Bearer`, or `?token=` for
//! browsers that cannot set headers on a WebSocket). Each [`DomainEvent`] is serialized once by
//! the [`WsHub`] and sent to the clients allowed to see its workspace as
//! `{"type":"event","event":"lead.qualified","data":{…}}`. The server pings every 20 s and
//! closes a connection silent for 60 s. A client that falls behind (its broadcast receiver
//! lags, or one send blocks for 5 s) is disconnected with close code 1008 rather than slowing
//! anyone else; it can reconnect and reload.
//!
//! A stream lives only as long as its caller's access: it re-checks the credentials it was
//! opened with every `limits.stream_recheck_secs` (60 s) and at once when this replica ends a
//! session, revokes a token or changes a membership ([`AccessChange`]); a caller who is signed
//! out or revoked gets close code 4401, one who lost every workspace 4403, and workspaces the
//! caller left stop streaming. After `limits.stream_max_secs` the stream closes with 4000 and
//! the client reconnects (re-authenticating).

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{
        Query, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
    },
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use tokio::sync::{broadcast, watch};
use wabot_core::{
    ids::WorkspaceId,
    ports::{DomainEvent, EventBus},
};

use crate::{
    auth::{AccessChange, AuthService, Principal},
    metrics,
    state::AppState,
};

/// How often the server pings.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Silence after which a client is considered gone.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// How long one send may block before the client is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Events buffered per client before it counts as lagging.
const CLIENT_BUFFER: usize = 1024;

/// One serialized event, shared by every client.
#[derive(Debug, Clone)]
pub struct WsFrame {
    /// Whose event it is.
    pub workspace: WorkspaceId,
    /// The JSON text.
    pub json: Utf8Bytes,
}

/// Serializes each bus event once and re-broadcasts it to the WebSocket clients.
#[derive(Debug, Clone)]
pub struct WsHub {
    tx: broadcast::Sender<WsFrame>,
}

impl Default for WsHub {
    fn default() -> Self {
        Self::new()
    }
}

impl WsHub {
    /// A hub with no clients.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(CLIENT_BUFFER).0,
        }
    }

    /// Publishes one event to the connected clients.
    pub fn publish(&self, event: &DomainEvent) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        let _ = self.tx.send(WsFrame {
            workspace: event.workspace_id(),
            json: crate::api::events::ws_frame(event).into(),
        });
    }

    /// Forwards `bus` events to the clients until the bus closes.
    pub fn forward(&self, bus: &dyn EventBus) -> tokio::task::JoinHandle<()> {
        let mut events = bus.subscribe();
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => hub.publish(&event),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("WebSocket hub lagged behind the bus by {n} events");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<WsFrame> {
        self.tx.subscribe()
    }
}

/// Query parameters of `/ws`.
#[derive(Debug, serde::Deserialize)]
pub struct WsQuery {
    /// An API token or session token (for clients that cannot send headers).
    pub token: Option<String>,
}

/// `GET /ws`: upgrades an authenticated request to the event stream.
pub async fn handler(
    State(state): State<AppState>,
    method: Method,
    mut headers: HeaderMap,
    Query(query): Query<WsQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if let Some(token) = query.token.filter(|t| !t.is_empty())
        && !headers.contains_key(header::AUTHORIZATION)
        && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
    {
        headers.insert(header::AUTHORIZATION, value);
    }
    let principal = match state.auth.principal_from_headers(&method, &headers).await {
        Ok(Some((p, _))) => p,
        Ok(None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "sign in, or pass `Authorization: Bearer <token>` or `?token=`",
            );
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            return error(status, "unauthorized", "invalid credentials");
        }
    };
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let access = Access {
        auth: state.auth.clone(),
        changes: state.auth.access_changes(),
        headers,
        recheck: state.limits.stream_recheck,
        lifetime: state.limits.stream_max,
    };
    let frames = state.ws.subscribe();
    let shutdown = state.shutdown.clone();
    upgrade
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| serve(socket, principal, access, frames, shutdown))
}

/// What a stream needs to keep checking its caller: the credentials it was opened with.
struct Access {
    auth: Arc<AuthService>,
    changes: broadcast::Receiver<AccessChange>,
    headers: HeaderMap,
    recheck: Duration,
    lifetime: Duration,
}

/// The outcome of re-checking a stream's caller.
enum Recheck {
    /// Still allowed, with these workspaces (all of them for a platform admin).
    Allowed(Principal),
    /// Signed out, revoked or expired: close with this code and reason.
    Refused(u16, &'static str),
}

impl Access {
    /// Authenticates the stream's credentials again. A store outage keeps the stream as it is
    /// (a later check decides); refused credentials end it.
    async fn recheck(&self, current: &Principal) -> Recheck {
        match self
            .auth
            .principal_from_headers(&Method::GET, &self.headers)
            .await
        {
            Ok(Some((p, _))) if p.is_platform_admin() || !p.workspaces().is_empty() => {
                Recheck::Allowed(p)
            }
            Ok(Some(_)) => Recheck::Refused(4403, "no workspace access left"),
            Ok(None) => Recheck::Refused(4401, "signed out or credentials revoked"),
            Err(e) if matches!(e.status(), 401 | 403) => {
                Recheck::Refused(4401, "signed out or credentials revoked")
            }
            Err(e) => {
                tracing::warn!("could not re-check a WebSocket caller, keeping the stream: {e:?}");
                Recheck::Allowed(current.clone())
            }
        }
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

struct ClientGauge;

impl ClientGauge {
    fn new() -> Self {
        ::metrics::gauge!(metrics::WS_CLIENTS).increment(1.0);
        Self
    }
}

impl Drop for ClientGauge {
    fn drop(&mut self) {
        ::metrics::gauge!(metrics::WS_CLIENTS).decrement(1.0);
    }
}

async fn serve(
    mut socket: WebSocket,
    mut principal: Principal,
    mut access: Access,
    mut frames: broadcast::Receiver<WsFrame>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _gauge = ClientGauge::new();
    let mut allowed: Arc<[WorkspaceId]> = principal.workspaces().into();
    let mut admin = principal.is_platform_admin();
    let hello = serde_json::json!({
        "type": "hello",
        "workspaces": allowed.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    });
    if send(&mut socket, Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut recheck = tokio::time::interval(access.recheck);
    recheck.tick().await;
    let end_of_life = tokio::time::sleep(access.lifetime);
    tokio::pin!(end_of_life);
    let mut last_heard = tokio::time::Instant::now();
    loop {
        let due = tokio::select! {
            frame = frames.recv() => match frame {
                Ok(frame) => {
                    if !admin && !allowed.contains(&frame.workspace) {
                        continue;
                    }
                    if send(&mut socket, Message::Text(frame.json)).await.is_err() {
                        ::metrics::counter!(metrics::WS_DROPPED, "reason" => "send_blocked").increment(1);
                        return;
                    }
                    false
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    ::metrics::counter!(metrics::WS_DROPPED, "reason" => "lagged").increment(1);
                    tracing::debug!("dropping a WebSocket client {n} events behind");
                    close(&mut socket, 1008, "too slow: reconnect and reload").await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => {
                    close(&mut socket, 1001, "server shutting down").await;
                    return;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {
                    last_heard = tokio::time::Instant::now();
                    false
                }
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    close(&mut socket, 1001, "no pong").await;
                    return;
                }
                if send(&mut socket, Message::Ping(Default::default())).await.is_err() {
                    return;
                }
                false
            }
            change = access.changes.recv() => match change {
                Ok(change) => change.affects(&principal.subject),
                // Missed changes may include ours: check.
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => false,
            },
            _ = recheck.tick() => true,
            _ = &mut end_of_life => {
                close(&mut socket, 4000, "stream lifetime reached: reconnect").await;
                return;
            }
            _ = shutdown.changed() => {
                close(&mut socket, 1001, "server shutting down").await;
                return;
            }
        };
        if due {
            match access.recheck(&principal).await {
                Recheck::Allowed(p) => {
                    allowed = p.workspaces().into();
                    admin = p.is_platform_admin();
                    principal = p;
                }
                Recheck::Refused(code, reason) => {
                    ::metrics::counter!(metrics::WS_DROPPED, "reason" => "access").increment(1);
                    close(&mut socket, code, reason).await;
                    return;
                }
            }
        }
    }
}

async fn send(socket: &mut WebSocket, message: Message) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = send(socket, Message::Close(Some(frame))).await;
}
