//! Cases for [`ReportStore`](crate::ports::ReportStore): the dashboard's aggregates.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::{
    TestDatabase,
    support::{bot, bot_value, inbound, record, workspace},
};
use crate::{
    domain::{Bot, DeliveryStatus, Direction, Lead, LeadStatus, Message, Sender},
    ids::{MessageId, WorkspaceId},
    ports::{BotActivity, Store},
};

fn at(day: u32, h: u32, m: u32, s: u32, micros: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, h, m, s).unwrap()
        + chrono::TimeDelta::microseconds(i64::from(micros))
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

/// Records an inbound message from `contact` at `when`; returns the conversation's lead.
async fn inbound_at(store: &dyn Store, bot: &Bot, contact: &str, when: DateTime<Utc>) -> Lead {
    let mut message = inbound(bot, contact, &format!("wamid.{}", MessageId::new()), "hola");
    message.received_at = when;
    record(store, &message).await.0
}

async fn outbound_at(store: &dyn Store, lead: &Lead, when: DateTime<Utc>) {
    let message = Message {
        id: MessageId::new(),
        bot_id: lead.bot_id,
        lead_id: lead.id,
        direction: Direction::Outbound,
        sender: Sender::Bot,
        body: "¡Hola! ¿En qué te ayudo?".into(),
        provider_message_id: None,
        delivery: DeliveryStatus::Sent,
        error: None,
        created_at: when,
    };
    store.insert_message(&message).await.unwrap();
}

/// Messages of every bot of the workspace in `[from, to)` are counted per UTC day and
/// direction, ordered by day then direction; other workspaces' messages, messages outside the
/// window and empty days are left out.
pub async fn messages_are_counted_per_utc_day_and_direction(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let sales = bot(&*store, ws.id).await;
    let support = bot_value(ws.id, "Support bot", at(1, 0, 0, 0, 0));
    store.create_bot(&support).await.unwrap();
    let other_ws = workspace(&*store).await;
    let stranger = bot(&*store, other_ws.id).await;
    let from = at(1, 0, 0, 0, 0);
    let to = at(4, 0, 0, 0, 0);

    // Before the window, and exactly at its end: left out.
    inbound_at(
        &*store,
        &sales,
        "111@c.us",
        at(1, 0, 0, 0, 0) - chrono::TimeDelta::microseconds(1),
    )
    .await;
    inbound_at(&*store, &sales, "111@c.us", to).await;
    // Day 1: first instant and last microsecond; two bots.
    let ana = inbound_at(&*store, &sales, "222@c.us", from).await;
    outbound_at(&*store, &ana, at(1, 12, 0, 0, 0)).await;
    inbound_at(&*store, &support, "333@c.us", at(1, 23, 59, 59, 999_999)).await;
    // Day 2: no messages. Day 3: outbound only, just before the end.
    outbound_at(&*store, &ana, at(3, 23, 59, 59, 999_999)).await;
    outbound_at(&*store, &ana, at(3, 8, 0, 0, 0)).await;
    // Another workspace, inside the window: left out.
    let other = inbound_at(&*store, &stranger, "222@c.us", at(1, 12, 0, 0, 0)).await;
    outbound_at(&*store, &other, at(3, 12, 0, 0, 0)).await;

    let report = store.messages_per_day(ws.id, from, to).await.unwrap();

    assert_eq!(
        report,
        vec![
            (date(1), Direction::Inbound, 2),
            (date(1), Direction::Outbound, 1),
            (date(3), Direction::Outbound, 2),
        ]
    );
    let one_day = store
        .messages_per_day(ws.id, at(1, 12, 0, 0, 0), at(2, 0, 0, 0, 0))
        .await
        .unwrap();
    assert_eq!(
        one_day,
        vec![
            (date(1), Direction::Inbound, 1),
            (date(1), Direction::Outbound, 1),
        ]
    );
    assert!(
        store
            .messages_per_day(WorkspaceId::new(), from, to)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .messages_per_day(ws.id, to, from)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Leads of the workspace are counted per status in pipeline order, without empty statuses.
pub async fn leads_are_counted_per_status_in_pipeline_order(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let first = bot(&*store, ws.id).await;
    let second = bot(&*store, ws.id).await;
    let other_ws = workspace(&*store).await;
    let stranger = bot(&*store, other_ws.id).await;
    let statuses = [
        (&first, LeadStatus::Won),
        (&first, LeadStatus::Capturing),
        (&second, LeadStatus::Won),
        (&second, LeadStatus::Qualified),
        (&first, LeadStatus::Won),
        (&stranger, LeadStatus::Lost),
        (&stranger, LeadStatus::Capturing),
    ];
    for (i, (bot, status)) in statuses.into_iter().enumerate() {
        let mut lead = inbound_at(&*store, bot, &format!("{i}00@c.us"), at(1, 0, 0, 0, 0)).await;
        lead.status = status;
        store.update_lead(&lead).await.unwrap();
    }

    let report = store.leads_by_status(ws.id).await.unwrap();

    assert_eq!(
        report,
        vec![
            (LeadStatus::Capturing, 1),
            (LeadStatus::Qualified, 1),
            (LeadStatus::Won, 3),
        ]
    );
    assert_eq!(
        store.leads_by_status(other_ws.id).await.unwrap(),
        vec![(LeadStatus::Capturing, 1), (LeadStatus::Lost, 1)]
    );
    assert!(
        store
            .leads_by_status(WorkspaceId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Per bot of the workspace, messages (both directions) and leads created at or after `since`
/// are counted, ordered by bot id; bots without activity since then, other workspaces and
/// anything earlier are left out.
pub async fn bot_activity_counts_messages_and_leads_since_a_time_per_bot(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let sales = bot(&*store, ws.id).await;
    let support = bot(&*store, ws.id).await;
    let idle = bot(&*store, ws.id).await;
    let other_ws = workspace(&*store).await;
    let stranger = bot(&*store, other_ws.id).await;
    let since = at(2, 0, 0, 0, 0);
    let just_before = since - chrono::TimeDelta::microseconds(1);

    // Yesterday's conversations: their leads are not new; today's messages in them count.
    let ana = inbound_at(&*store, &sales, "111@c.us", just_before).await;
    inbound_at(&*store, &sales, "111@c.us", since).await;
    outbound_at(&*store, &ana, at(2, 9, 0, 0, 0)).await;
    let carl = inbound_at(&*store, &support, "222@c.us", at(1, 8, 0, 0, 0)).await;
    outbound_at(&*store, &carl, just_before).await;
    outbound_at(&*store, &carl, at(3, 8, 0, 0, 0)).await;
    inbound_at(&*store, &idle, "333@c.us", just_before).await;
    // A new conversation today.
    inbound_at(&*store, &sales, "444@c.us", at(2, 12, 0, 0, 0)).await;
    // Another workspace: left out.
    inbound_at(&*store, &stranger, "555@c.us", at(2, 12, 0, 0, 0)).await;

    let report = store.bot_activity(ws.id, since).await.unwrap();

    let mut expected = vec![
        BotActivity {
            bot_id: sales.id,
            messages: 3,
            leads: 1,
        },
        BotActivity {
            bot_id: support.id,
            messages: 1,
            leads: 0,
        },
    ];
    expected.sort_by_key(|a| a.bot_id);
    assert_eq!(report, expected);
    assert_eq!(
        store.bot_activity(other_ws.id, since).await.unwrap(),
        vec![BotActivity {
            bot_id: stranger.id,
            messages: 1,
            leads: 1,
        }]
    );
    assert_eq!(
        store
            .bot_activity(ws.id, at(1, 0, 0, 0, 0))
            .await
            .unwrap()
            .iter()
            .find(|a| a.bot_id == idle.id),
        Some(&BotActivity {
            bot_id: idle.id,
            messages: 1,
            leads: 1,
        })
    );
    assert!(
        store
            .bot_activity(ws.id, at(4, 0, 0, 0, 0))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .bot_activity(WorkspaceId::new(), since)
            .await
            .unwrap()
            .is_empty()
    );
}
