//! Page handlers: check the session, then render the page's template. The pages load their
//! data from the REST API in the browser, so one code path serves the first paint and the
//! live updates.

use axum::{
    extract::{OriginalUri, Path, Query, State},
    http::{HeaderMap, Method, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;
use uuid::Uuid;
use wabot_core::domain::User;

use super::templates::render;
use crate::{
    auth::{Principal, Subject},
    state::AppState,
};

/// The signed-in person looking at a page.
struct Viewer {
    user: User,
    principal: Principal,
}

impl Viewer {
    /// The workspace the dashboard shows (the first membership) and the role there.
    fn workspace(&self) -> (Option<Uuid>, &'static str) {
        match self.principal.memberships.first() {
            Some((ws, role)) => (Some(ws.as_uuid()), role_name(*role)),
            None if self.principal.is_platform_admin() => (None, "admin"),
            None => (None, "none"),
        }
    }
}

fn role_name(role: wabot_core::domain::Role) -> &'static str {
    use wabot_core::domain::Role;
    match role {
        Role::Owner => "owner",
        Role::Manager => "manager",
        Role::Agent => "agent",
    }
}

/// Sends the browser to the login page, remembering where it wanted to go.
fn to_login(uri: &OriginalUri) -> Response {
    let path = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/login?return_to={encoded}")).into_response()
}

async fn viewer(state: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    let (principal, _) = state
        .auth
        .principal_from_headers(&Method::GET, headers)
        .await
        .ok()??;
    let Subject::User { user_id, .. } = principal.subject else {
        return None;
    };
    let user = state.store.get_user(user_id).await.ok()??;
    Some(Viewer { user, principal })
}

fn initials(name: &str, email: &str) -> String {
    let from: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if from.is_empty() {
        email.chars().next().unwrap_or('?').to_uppercase().collect()
    } else {
        from.to_uppercase()
    }
}

fn html(result: Result<String, String>) -> Response {
    let mut resp = match result {
        Ok(body) => Html(body).into_response(),
        Err(msg) => (StatusCode::INTERNAL_SERVER_ERROR, msg).into_response(),
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    h.insert(
        header::HeaderName::from_static("x-frame-options"),
        "DENY".parse().expect("static"),
    );
    h.insert(
        header::REFERRER_POLICY,
        "same-origin".parse().expect("static"),
    );
    resp
}

/// Renders an app page (inside the layout) for a signed-in viewer.
struct PageSpec {
    template: &'static str,
    title: &'static str,
    active: &'static str,
    script: &'static str,
    bot_id: Option<Uuid>,
    lead_id: Option<Uuid>,
}

async fn app_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &OriginalUri,
    spec: PageSpec,
) -> Response {
    let Some(v) = viewer(state, headers).await else {
        return to_login(uri);
    };
    let (workspace_id, role) = v.workspace();
    let name = v.user.name.clone();
    let email = v.user.email.as_str().to_string();
    let boot = context! {
        user_id => v.user.id.as_uuid().to_string(),
        name => name.clone(),
        email => email.clone(),
        role => role,
        workspace_id => workspace_id.map(|w| w.to_string()),
        bot_id => spec.bot_id.map(|b| b.to_string()),
        lead_id => spec.lead_id.map(|l| l.to_string()),
        demo => state.auth.is_demo(),
        page => spec.script,
    };
    let ctx = context! {
        title => spec.title,
        active => spec.active,
        page => spec.script,
        role => role,
        demo => state.auth.is_demo(),
        bot_id => spec.bot_id.map(|b| b.to_string()),
        lead_id => spec.lead_id.map(|l| l.to_string()),
        user => context! { name => name.clone(), email => email.clone(), initials => initials(&name, &email) },
        boot => boot,
    };
    html(render(spec.template, ctx))
}

fn not_found() -> Response {
    let mut resp = html(render(
        "not_found.html",
        context! { title => "Not found", active => "" },
    ));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}

fn parse_id(raw: &str) -> Option<Uuid> {
    raw.parse().ok()
}

/// `GET /`: the bots overview is the home page.
pub(super) async fn home() -> Redirect {
    Redirect::to("/bots")
}

/// Query of `GET /login`.
#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    error: Option<String>,
    return_to: Option<String>,
}

/// What a refusal code of the sign-in flow means, in words for the person signing in.
fn refusal_message(code: &str) -> &'static str {
    match code {
        "google_disabled" => {
            "Google sign-in is not configured on this server. Ask your administrator to set the \
             Google OAuth client id and secret."
        }
        "denied" => "Sign-in was cancelled at Google. Try again when you are ready.",
        "flow_expired" => {
            "The sign-in took too long or cookies are blocked. Please try again (and allow \
             cookies for this site)."
        }
        "state_mismatch" | "nonce_mismatch" => {
            "The sign-in response did not match this browser's request. Please start again from \
             this page."
        }
        "exchange_failed" => {
            "Google could not confirm the sign-in just now. Please try again in a moment."
        }
        "email_unverified" => {
            "Your Google account's e-mail address is not verified. Verify it with Google, then \
             sign in again."
        }
        "not_invited" => {
            "Your account is not a member of any workspace yet. Ask a workspace owner to invite \
             your e-mail address."
        }
        "signed_out" => "You have been signed out.",
        "session_expired" => "Your session has expired. Please sign in again.",
        _ => "Sign-in did not succeed. Please try again.",
    }
}

fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/bots".into(),
    }
}

/// `GET /login`.
pub(super) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let return_to = safe_return_to(q.return_to.as_deref());
    if viewer(&state, &headers).await.is_some() && q.error.is_none() {
        return Redirect::to(&return_to).into_response();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    let (error, notice) = match q.error.as_deref() {
        Some(code @ ("signed_out" | "session_expired")) => (None, Some(refusal_message(code))),
        Some(code) => (Some(refusal_message(code)), None),
        None => (None, None),
    };
    let demo = state.auth.is_demo() && state.auth.settings().demo_login;
    html(render(
        "login.html",
        context! {
            title => "Sign in",
            error => error,
            notice => notice,
            google => state.auth.google_enabled(),
            google_url => format!("/auth/google/login?return_to={encoded}"),
            demo => demo,
            boot => context! { return_to => return_to, page => "login" },
        },
    ))
}

macro_rules! simple_page {
    ($name:ident, $template:literal, $title:literal, $active:literal, $script:literal) => {
        #[doc = concat!("`GET` the ", $title, " page.")]
        pub(super) async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            uri: OriginalUri,
        ) -> Response {
            let spec = PageSpec {
                template: $template,
                title: $title,
                active: $active,
                script: $script,
                bot_id: None,
                lead_id: None,
            };
            app_page(&state, &headers, &uri, spec).await
        }
    };
}

simple_page!(bots, "bots.html", "Bots", "bots", "bots");
simple_page!(leads, "leads.html", "Leads", "leads", "leads");
simple_page!(
    schedules,
    "schedules.html",
    "Schedules",
    "schedules",
    "schedules"
);
simple_page!(
    insights,
    "insights.html",
    "Insights",
    "insights",
    "insights"
);
simple_page!(team, "team.html", "Team", "team", "team");

macro_rules! bot_page {
    ($name:ident, $template:literal, $title:literal, $script:literal) => {
        #[doc = concat!("`GET` a bot's ", $title, " page.")]
        pub(super) async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            uri: OriginalUri,
            Path(bot_id): Path<String>,
        ) -> Response {
            let Some(id) = parse_id(&bot_id) else {
                return not_found();
            };
            let spec = PageSpec {
                template: $template,
                title: $title,
                active: "bots",
                script: $script,
                bot_id: Some(id),
                lead_id: None,
            };
            app_page(&state, &headers, &uri, spec).await
        }
    };
}

bot_page!(
    bot_settings,
    "bot_settings.html",
    "Bot settings",
    "bot_settings"
);
bot_page!(pairing, "pairing.html", "Pairing", "pairing");
bot_page!(simulator, "simulator.html", "Chat simulator", "simulator");

/// `GET /leads/{id}`: the conversation with a lead.
pub(super) async fn conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(lead_id): Path<String>,
) -> Response {
    let Some(id) = parse_id(&lead_id) else {
        return not_found();
    };
    let spec = PageSpec {
        template: "conversation.html",
        title: "Conversation",
        active: "leads",
        script: "conversation",
        bot_id: None,
        lead_id: Some(id),
    };
    app_page(&state, &headers, &uri, spec).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_a_local_path_only() {
        assert_eq!(safe_return_to(Some("/leads?x=1")), "/leads?x=1");
        assert_eq!(safe_return_to(Some("//evil.example")), "/bots");
        assert_eq!(safe_return_to(Some("https://evil.example")), "/bots");
        assert_eq!(safe_return_to(None), "/bots");
    }

    #[test]
    fn every_refusal_code_has_its_own_message() {
        let generic = refusal_message("???");
        for code in [
            "google_disabled",
            "denied",
            "flow_expired",
            "state_mismatch",
            "exchange_failed",
            "nonce_mismatch",
            "email_unverified",
            "not_invited",
        ] {
            assert_ne!(refusal_message(code), generic, "{code}");
        }
    }

    #[test]
    fn initials_come_from_the_name_or_the_email() {
        assert_eq!(initials("Demo Owner", "x@y.z"), "DO");
        assert_eq!(initials("", "maria@y.z"), "M");
    }
}
