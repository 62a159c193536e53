//! The request body limit: every route gets one, answered with 413 in the API's error shape.
//!
//! A declared `Content-Length` over the limit is refused before anything is read. A body
//! without one (chunked) is streamed through a counter that fails the read once the limit is
//! passed; whatever the handler answered then, the client gets the 413.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use futures::StreamExt;

use super::error_json;
use crate::state::AppState;

/// The error a body stream fails with once it passes the limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {0} bytes")]
struct TooLarge(usize);

/// Middleware: refuses request bodies over [`LimitSettings::body_limit_for`] the path.
///
/// [`LimitSettings::body_limit_for`]: super::LimitSettings::body_limit_for
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.settings.limits.body_limit_for(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let exceeded = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let flag = exceeded.clone();
    let mut seen = 0usize;
    let counted = body.into_data_stream().map(move |chunk| {
        let chunk: Bytes = chunk.map_err(std::io::Error::other)?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            flag.store(true, Ordering::SeqCst);
            return Err(std::io::Error::other(TooLarge(limit)));
        }
        Ok(chunk)
    });
    let response = next
        .run(Request::from_parts(parts, Body::from_stream(counted)))
        .await;
    if exceeded.load(Ordering::SeqCst) {
        return too_large(limit);
    }
    response
}

/// 413 `payload_too_large`, naming the limit.
fn too_large(limit: usize) -> Response {
    error_json(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the request body is larger than the limit of {limit} bytes; send a smaller body \
             (the operator sets the limit with limits.body_bytes)"
        ),
        Some(crate::error::ErrorDetails::limit_bytes(limit as u64)),
    )
}
