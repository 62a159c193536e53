//! Cases that open several store instances on one database: a restart, and two replicas.

use super::{
    TestDatabase,
    schedules::once,
    support::{bot, inbound, member, now, record, secs, workspace},
};
use crate::{
    domain::{DeliveryStatus, LeadStatus, ScheduleRun, ScheduleStatus},
    ports::{InboundOutcome, LeadQuery},
};

/// Everything written by one instance is there for a new instance on the same database: the
/// dedupe keys, the round-robin cursor, leads, messages and schedules.
pub async fn data_survives_reopening_the_database(db: &dyn TestDatabase) {
    let before = db.open().await;
    let ws = workspace(&*before).await;
    let bot = bot(&*before, ws.id).await;
    let t = now();
    let ana = member(&*before, ws.id, "ana@example.com", true, t).await;
    let bob = member(&*before, ws.id, "bob@example.com", true, secs(t, 1)).await;
    assert_eq!(
        before.next_lead_assignee(ws.id).await.unwrap(),
        Some(ana.user_id)
    );
    let first = inbound(&bot, "34612345678@c.us", "wamid.1", "hola");
    let (mut lead, message, _) = record(&*before, &first).await;
    lead.status = LeadStatus::Qualified;
    lead.qualified_at = Some(secs(t, 5));
    before.update_lead(&lead).await.unwrap();
    let schedule = once(&bot, secs(t, 60), t);
    before.create_schedule(&schedule).await.unwrap();
    let run = ScheduleRun {
        schedule_id: schedule.id,
        bot_id: bot.id,
        action: schedule.action,
        due_at: t,
        executed_at: t,
        error: None,
    };
    before.record_schedule_run(&run).await.unwrap();
    drop(before);

    let after = db.open().await;

    assert_eq!(after.get_workspace(ws.id).await.unwrap(), Some(ws.clone()));
    assert_eq!(after.get_bot(bot.id).await.unwrap(), Some(bot.clone()));
    assert_eq!(after.get_lead(lead.id).await.unwrap(), Some(lead.clone()));
    assert_eq!(
        after.recent_messages(lead.id, 10).await.unwrap(),
        vec![message]
    );
    assert!(matches!(
        after.record_inbound(&first).await.unwrap(),
        InboundOutcome::Duplicate
    ));
    assert_eq!(
        after.next_lead_assignee(ws.id).await.unwrap(),
        Some(bob.user_id)
    );
    assert_eq!(
        after.get_schedule(schedule.id).await.unwrap(),
        Some(schedule.clone())
    );
    assert_eq!(
        after.list_schedule_runs(schedule.id).await.unwrap(),
        vec![run]
    );
    assert_eq!(after.next_due_at().await.unwrap(), schedule.next_run_at);
    let leads = after
        .list_leads(&LeadQuery {
            workspace_id: Some(ws.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(leads, vec![lead]);
    assert_eq!(
        after
            .apply_ack(bot.id, "wamid.1", DeliveryStatus::Read)
            .await
            .unwrap(),
        None
    );
}

/// Two store instances on one database (two replicas, each with a scheduler) race to claim the
/// same run eight times: it fires once.
pub async fn racing_claims_from_two_store_instances_fire_once(db: &dyn TestDatabase) {
    let first = db.open().await;
    let second = db.open().await;
    let ws = workspace(&*first).await;
    let bot = bot(&*first, ws.id).await;
    let t = now();
    let schedule = once(&bot, secs(t, 1), secs(t, -10));
    first.create_schedule(&schedule).await.unwrap();
    let due = schedule.next_run_at.unwrap();
    assert_eq!(
        second.due_schedules(due, 10).await.unwrap(),
        vec![schedule.clone()]
    );

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                store
                    .claim_schedule_run(schedule.id, due, None, secs(due, i))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap().unwrap());
    }

    assert_eq!(wins, 1);
    for store in [&first, &second] {
        let stored = store.get_schedule(schedule.id).await.unwrap().unwrap();
        assert_eq!(stored.status, ScheduleStatus::Completed);
    }
}
