use std::sync::Arc;

use wabot::core::{
    domain::{BotStatus, LeadStatus},
    ports::{DomainEvent, EventBus as _, Store, SystemClock},
};

use crate::harness::{Harness, contact, wait_for};

#[tokio::test]
async fn restarting_on_the_same_sqlite_file_resumes_the_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wabot.db");
    let ana = contact("34612345678@c.us");

    // First run: two messages, then everything is dropped (as a process exit would).
    {
        let store: Arc<dyn Store> = Arc::new(
            wabot::store::SqliteStore::open(path.to_str().unwrap())
                .await
                .unwrap(),
        );
        let h = Harness::with(store, Arc::new(SystemClock), true).await;
        h.start().await;
        h.say(&ana, "Hello, I need a quote").await;
        h.say(&ana, "My name is Ana López").await;
        h.supervisor.shutdown().await;
    }

    // Second run on the same file: the bot, lead and history are back.
    let store: Arc<dyn Store> = Arc::new(
        wabot::store::SqliteStore::open(path.to_str().unwrap())
            .await
            .unwrap(),
    );
    let h = Harness::with(store, Arc::new(SystemClock), false).await;
    assert!(h.bot.enabled);
    let mut events = h.bus.subscribe();
    let started = h.supervisor.start_enabled().await.unwrap();
    assert_eq!(started, 1);
    wait_for(&mut events, |e| {
        matches!(
            e,
            DomainEvent::BotStatus {
                status: BotStatus::Ready,
                ..
            }
        )
    })
    .await;
    h.say(&ana, "ana@example.com and +34 699 123 456").await;

    let lead = h.store.find_lead(h.bot.id, &ana).await.unwrap().unwrap();
    assert_eq!(lead.fields.name.as_ref().unwrap().as_str(), "Ana López");
    assert_eq!(lead.status, LeadStatus::Qualified);
    let reply_request = h
        .llm
        .requests()
        .into_iter()
        .rfind(|r| !r.json_mode)
        .unwrap();
    let history: Vec<&str> = reply_request.messages[1..]
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(history[0], "Hello, I need a quote");
    assert_eq!(
        history.len(),
        5,
        "two exchanges before the restart plus the new message: {history:?}"
    );
}
