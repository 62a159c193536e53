//! The dashboard: server-rendered pages (minijinja templates embedded in the binary) and small
//! vanilla JavaScript modules that talk to the REST API (`/api/v1`) with the session cookie and
//! follow `/ws` for live data. No build step: every asset is compiled in with `include_str!`.
//!
//! | route | page |
//! |---|---|
//! | `GET /login` | sign in (Google, or the demo login in demo mode); `?error=<code>` explains refusals |
//! | `GET /` | redirects to `/bots` |
//! | `GET /bots`, `/bots/{id}`, `/bots/{id}/pair`, `/bots/{id}/simulator` | bots, settings, pairing, chat simulator |
//! | `GET /leads`, `/leads/{id}` | pipeline + table, conversation |
//! | `GET /schedules`, `/insights`, `/team` | schedules, charts, members/tokens/webhooks |
//! | `GET /assets/{*path}` | CSS, JavaScript and icons |
//!
//! Pages need a signed-in user: without a session the browser is sent to
//! `/login?return_to=<path>`. Data is never rendered into the page from the server except the
//! signed-in user's identity (JSON-escaped); user content reaches the DOM through `textContent`.

mod assets;
mod pages;
mod templates;

use axum::{Router, routing::get};

use crate::state::AppState;

/// The dashboard's routes (pages and their assets).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login))
        .route("/bots", get(pages::bots))
        .route("/bots/{bot_id}", get(pages::bot_settings))
        .route("/bots/{bot_id}/pair", get(pages::pairing))
        .route("/bots/{bot_id}/simulator", get(pages::simulator))
        .route("/leads", get(pages::leads))
        .route("/leads/{lead_id}", get(pages::conversation))
        .route("/schedules", get(pages::schedules))
        .route("/insights", get(pages::insights))
        .route("/team", get(pages::team))
        .route("/assets/{*path}", get(assets::serve))
}
