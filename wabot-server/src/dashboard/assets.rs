//! Static assets compiled into the binary: CSS, JavaScript modules and icons.
//!
//! Served with an `ETag` (a hash of the content) and `Cache-Control: no-cache`, so browsers
//! revalidate cheaply (304) and never run a stale script after an upgrade. JavaScript modules
//! import each other by plain URL, so no cache-busting query strings are used (a module loaded
//! under two URLs would run twice).

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::OnceLock,
};

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// One embedded file.
struct Asset {
    content_type: &'static str,
    body: &'static [u8],
    etag: String,
}

macro_rules! assets {
    ($($path:literal => $ct:expr),+ $(,)?) => {
        &[$(($path, $ct, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)) as &[u8])),+]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every asset: path under `/assets/`, content type, bytes.
static FILES: &[(&str, &str, &[u8])] = assets![
    "css/app.css" => "text/css; charset=utf-8",
    "icons/logo.svg" => "image/svg+xml",
    "icons/sprite.svg" => "image/svg+xml",
    "js/app.js" => JS,
    "js/api.js" => JS,
    "js/ws.js" => JS,
    "js/ui.js" => JS,
    "js/chart.js" => JS,
    "js/pages/login.js" => JS,
    "js/pages/bots.js" => JS,
    "js/pages/bot_settings.js" => JS,
    "js/pages/pairing.js" => JS,
    "js/pages/simulator.js" => JS,
    "js/pages/leads.js" => JS,
    "js/pages/conversation.js" => JS,
    "js/pages/schedules.js" => JS,
    "js/pages/insights.js" => JS,
    "js/pages/team.js" => JS,
];

fn table() -> &'static HashMap<&'static str, Asset> {
    static TABLE: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    TABLE.get_or_init(|| {
        FILES
            .iter()
            .map(|(path, content_type, body)| {
                let mut h = DefaultHasher::new();
                body.hash(&mut h);
                let etag = format!("\"{:016x}\"", h.finish());
                (
                    *path,
                    Asset {
                        content_type,
                        body,
                        etag,
                    },
                )
            })
            .collect()
    })
}

/// `GET /assets/{*path}`.
pub(super) async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = table().get(path.as_str()) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let cache = HeaderValue::from_static("no-cache");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_path_and_a_body() {
        assert_eq!(table().len(), FILES.len());
        assert!(table().values().all(|a| !a.body.is_empty()));
    }

    #[test]
    fn every_page_script_is_embedded() {
        for page in [
            "login",
            "bots",
            "bot_settings",
            "pairing",
            "simulator",
            "leads",
            "conversation",
            "schedules",
            "insights",
            "team",
        ] {
            let path = format!("js/pages/{page}.js");
            assert!(table().contains_key(path.as_str()), "{path}");
        }
    }
}
