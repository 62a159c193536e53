//! The Redis event bus between replicas, against the Redis server of `REDIS_URL`.

use std::time::Duration;

use tokio::sync::broadcast;
use wabot_core::{
    domain::BotStatus,
    ids::{BotId, WorkspaceId},
    ports::{DomainEvent, EventBus},
};
use wabot_store::RedisBus;

/// The server URL, or a failure telling how to get one: these tests never skip silently.
fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "REDIS_URL is not set: the Redis tests need a server. Run ./scripts/test, which \
             starts a throwaway redis-server and sets REDIS_URL, or set it yourself \
             (redis://127.0.0.1:6379/)"
        )
    })
}

fn status(bot: BotId) -> DomainEvent {
    DomainEvent::BotStatus {
        workspace_id: WorkspaceId::new(),
        bot_id: bot,
        status: BotStatus::Ready,
        detail: None,
    }
}

async fn next(rx: &mut broadcast::Receiver<DomainEvent>) -> Option<DomainEvent> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .ok()
        .and_then(Result::ok)
}

#[tokio::test]
async fn an_event_published_on_one_replica_reaches_the_others_once_and_its_own_once() {
    let channel = format!("wabot:test:{}", uuid::Uuid::new_v4().simple());
    let a = RedisBus::connect(&redis_url(), &channel).await.unwrap();
    let b = RedisBus::connect(&redis_url(), &channel).await.unwrap();
    let c = RedisBus::connect(&redis_url(), &channel).await.unwrap();
    let (mut on_a, mut on_b, mut on_c) = (a.subscribe(), b.subscribe(), c.subscribe());
    let first = status(BotId::new());
    let second = status(BotId::new());

    a.publish(first.clone());
    b.publish(second.clone());

    assert_eq!(
        next(&mut on_a).await.as_ref(),
        Some(&first),
        "local delivery is immediate"
    );
    assert_eq!(next(&mut on_a).await.as_ref(), Some(&second));
    assert_eq!(next(&mut on_b).await.as_ref(), Some(&second));
    assert_eq!(next(&mut on_b).await.as_ref(), Some(&first));
    let mut seen_c = vec![
        next(&mut on_c).await.unwrap(),
        next(&mut on_c).await.unwrap(),
    ];
    seen_c.sort_by_key(|e| serde_json::to_string(e).unwrap());
    let mut expected = vec![first, second];
    expected.sort_by_key(|e| serde_json::to_string(e).unwrap());
    assert_eq!(seen_c, expected);
    // Nothing is delivered twice (a's own event does not come back from Redis).
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(on_a.try_recv().is_err() && on_b.try_recv().is_err() && on_c.try_recv().is_err());
}

#[tokio::test]
async fn another_channel_is_another_cluster() {
    let one = format!("wabot:test:{}", uuid::Uuid::new_v4().simple());
    let two = format!("wabot:test:{}", uuid::Uuid::new_v4().simple());
    let a = RedisBus::connect(&redis_url(), &one).await.unwrap();
    let b = RedisBus::connect(&redis_url(), &two).await.unwrap();
    let mut on_b = b.subscribe();

    a.publish(status(BotId::new()));

    assert!(
        tokio::time::timeout(Duration::from_millis(300), on_b.recv())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_unreachable_redis_fails_the_start_with_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = RedisBus::connect(&format!("redis://127.0.0.1:{port}/"), "wabot:events")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("Redis") && message.contains("cannot connect"),
        "{message}"
    );
}
