//! Runs a poem endpoint (the poem-openapi REST API) inside the axum host.
//!
//! poem has no public endpoint → tower conversion, so [`PoemService`] does it: the axum
//! request is split into parts, turned into a [`poem::Request`] (with the peer address and
//! scheme) whose body streams the axum body, the endpoint is called, and its response body is
//! streamed back as an [`axum::body::Body`]. Mount it with `Router::nest_service("/api", …)`.

use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    response::Response,
};
use futures::TryStreamExt;
use poem::{Endpoint, endpoint::BoxEndpoint};

/// A tower service calling a shared poem endpoint.
#[derive(Clone)]
pub struct PoemService {
    endpoint: Arc<BoxEndpoint<'static>>,
}

impl std::fmt::Debug for PoemService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoemService(..)")
    }
}

impl PoemService {
    /// Wraps `endpoint`.
    pub fn new(endpoint: BoxEndpoint<'static>) -> Self {
        Self {
            endpoint: Arc::new(endpoint),
        }
    }
}

impl tower::Service<Request> for PoemService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let remote = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0);
            let stream = body
                .into_data_stream()
                .map_err(|e| std::io::Error::other(e.to_string()));
            let poem_body = poem::Body::from_bytes_stream(stream);
            let remote = remote.map_or(poem::Addr::Custom("unknown", "".into()), |a| {
                poem::Addr::SocketAddr(a)
            });
            let poem_parts = poem::RequestParts::from((
                parts,
                poem::web::LocalAddr(poem::Addr::Custom("axum", "".into())),
                poem::web::RemoteAddr(remote),
                http::uri::Scheme::HTTP,
            ));
            let poem_req = poem::Request::from_parts(poem_parts, poem_body);
            let resp = match endpoint.call(poem_req).await {
                Ok(resp) => resp,
                Err(err) => err.into_response(),
            };
            let (parts, body) = resp.into_parts();
            let mut out = Response::new(Body::from_stream(body.into_bytes_stream()));
            *out.status_mut() = parts.status;
            *out.version_mut() = parts.version;
            *out.headers_mut() = parts.headers;
            *out.extensions_mut() = parts.extensions;
            Ok(out)
        })
    }
}
