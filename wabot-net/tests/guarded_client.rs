//! Clients built by a [`NetworkPolicy`], at the wire: only loopback servers, names mapped by a
//! test resolver, so nothing is ever sent elsewhere even when the guard were to fail.

use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use wabot_net::{Blocked, NetworkPolicy, testing::StaticResolver};

/// A loopback HTTP server answering `200 ok` and counting requests; returns its port.
fn counting_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, hits)
}

fn names() -> Arc<StaticResolver> {
    Arc::new(StaticResolver::new().with("rebound.test", ["127.0.0.1"]))
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_never_connected_to() {
    let (port, hits) = counting_server();
    let policy = NetworkPolicy::public_only().with_resolver(names());
    let client = policy.client_builder().build().unwrap();

    let err = client
        .get(format!("http://rebound.test:{port}/"))
        .send()
        .await
        .unwrap_err();

    assert_eq!(
        Blocked::find(&err),
        Some(&Blocked::NoPermittedAddress("rebound.test".into())),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_private_allowance_lets_the_same_request_through() {
    let (port, hits) = counting_server();
    let policy = NetworkPolicy::public_only()
        .with_resolver(names())
        .allowing_private(true);
    let client = policy.client_builder().build().unwrap();

    let response = client
        .get(format!("http://rebound.test:{port}/"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

const CHILD: &str = "WABOT_NET_PROXY_CHILD_URL";

/// Runs in a child process with `HTTP_PROXY` set (the environment cannot be changed safely
/// inside a multi-threaded test process).
#[tokio::test]
async fn proxy_environment_child() {
    let Ok(url) = std::env::var(CHILD) else {
        return;
    };
    let policy = NetworkPolicy::public_only()
        .with_resolver(Arc::new(
            StaticResolver::new().with("target.test", ["127.0.0.1"]),
        ))
        .allowing_private(true);
    let client = policy.client_builder().build().unwrap();
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn http_proxy_from_the_environment_is_ignored_unless_configured() {
    let (proxy_port, proxy_hits) = counting_server();
    let (target_port, target_hits) = counting_server();
    let proxy = format!("http://127.0.0.1:{proxy_port}");

    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "proxy_environment_child", "--nocapture"])
        .env(CHILD, format!("http://target.test:{target_port}/"))
        .env("HTTP_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env("ALL_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .status()
        .unwrap();

    assert!(status.success());
    assert_eq!(proxy_hits.load(Ordering::SeqCst), 0, "the proxy was used");
    assert_eq!(target_hits.load(Ordering::SeqCst), 1);
}
