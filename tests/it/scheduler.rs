use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use wabot::core::ports::EventBus as _;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use tokio::sync::watch;
use wabot::core::{
    Result,
    domain::{CronExpr, Schedule, ScheduleAction, ScheduleStatus, Trigger},
    ids::BotId,
    memory::{BroadcastBus, ManualClock},
    ports::{Clock, Store},
    scheduler::Scheduler,
    supervisor::BotController,
};

use crate::harness::Harness;

/// Records what the scheduler asked for.
#[derive(Default)]
struct Recorder(Mutex<Vec<(BotId, bool)>>);

#[async_trait]
impl BotController for Recorder {
    async fn set_enabled(&self, bot: BotId, enabled: bool) -> Result<()> {
        self.0.lock().unwrap().push((bot, enabled));
        Ok(())
    }
}

fn madrid_cron(expr: &str) -> Trigger {
    Trigger::Cron {
        expr: CronExpr::parse(expr).unwrap(),
        time_zone: chrono_tz::Europe::Madrid,
    }
}

#[tokio::test]
async fn a_one_off_schedule_enables_the_bot_at_its_time_once_and_keeps_history() {
    let start = Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut h = Harness::with_clock(clock.clone()).await;
    h.bot.enabled = false;
    h.store.update_bot(&h.bot).await.unwrap();
    h.store
        .set_bot_enabled(h.bot.id, false, start)
        .await
        .unwrap();
    let at = start + chrono::Duration::minutes(30);
    let schedule = Schedule::new(
        h.workspace,
        h.bot.id,
        ScheduleAction::Enable,
        Trigger::Once { at },
        None,
        start,
    )
    .unwrap();
    h.store.create_schedule(&schedule).await.unwrap();
    let scheduler = Arc::new(Scheduler::new(
        h.store.clone(),
        clock.clone(),
        h.bus.clone(),
        Arc::new(h.supervisor.clone()),
    ));
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn({
        let s = scheduler.clone();
        async move { s.run(stop_rx).await }
    });

    // Not yet due.
    clock.advance(chrono::Duration::minutes(29));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!h.store.get_bot(h.bot.id).await.unwrap().unwrap().enabled);

    // Due: the scheduler wakes by itself (no polling tick needed) and enables the bot.
    let mut events = h.bus.subscribe();
    clock.advance(chrono::Duration::minutes(1));
    crate::harness::wait_for(&mut events, |e| {
        matches!(e, wabot::core::ports::DomainEvent::ScheduleExecuted { .. })
    })
    .await;
    let bot = h.store.get_bot(h.bot.id).await.unwrap().unwrap();
    assert!(bot.enabled);
    assert!(h.supervisor.is_running(h.bot.id));
    let stored = h.store.get_schedule(schedule.id).await.unwrap().unwrap();
    assert_eq!(stored.status, ScheduleStatus::Completed);
    assert_eq!(stored.next_run_at, None);
    let runs = h.store.list_schedule_runs(schedule.id).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].due_at, at);
    assert_eq!(runs[0].error, None);

    // Later passes do nothing more.
    clock.advance(chrono::Duration::hours(5));
    scheduler.run_due().await.unwrap();
    assert_eq!(
        h.store.list_schedule_runs(schedule.id).await.unwrap().len(),
        1
    );

    stop.send(true).unwrap();
    task.await.unwrap();
    h.supervisor.shutdown().await;
}

#[tokio::test]
async fn a_cron_schedule_fires_in_its_time_zone_and_moves_to_the_next_run() {
    // Monday 2026-07-06 06:00 UTC = 08:00 in Madrid (CEST).
    let start = Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let h = Harness::with_clock(clock.clone()).await;
    let schedule = Schedule::new(
        h.workspace,
        h.bot.id,
        ScheduleAction::Disable,
        madrid_cron("30 8 * * MON-FRI"),
        None,
        start,
    )
    .unwrap();
    assert_eq!(
        schedule.next_run_at,
        Some(Utc.with_ymd_and_hms(2026, 7, 6, 6, 30, 0).unwrap())
    );
    h.store.create_schedule(&schedule).await.unwrap();
    let recorder = Arc::new(Recorder::default());
    let scheduler = Scheduler::new(
        h.store.clone(),
        clock.clone(),
        h.bus.clone(),
        recorder.clone(),
    );

    clock.set(Utc.with_ymd_and_hms(2026, 7, 6, 6, 30, 0).unwrap());
    let runs = scheduler.run_due().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(*recorder.0.lock().unwrap(), vec![(h.bot.id, false)]);
    let stored = h.store.get_schedule(schedule.id).await.unwrap().unwrap();
    assert_eq!(stored.status, ScheduleStatus::Active);
    assert_eq!(
        stored.next_run_at,
        Some(Utc.with_ymd_and_hms(2026, 7, 7, 6, 30, 0).unwrap())
    );

    // Cancelled: never fires again.
    h.store.cancel_schedule(schedule.id).await.unwrap();
    clock.set(Utc.with_ymd_and_hms(2026, 7, 8, 12, 0, 0).unwrap());
    assert!(scheduler.run_due().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_racing_on_one_sqlite_database_fire_each_action_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wabot.db");
    let start = Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let first: Arc<dyn Store> = Arc::new(
        wabot::store::SqliteStore::open(path.to_str().unwrap())
            .await
            .unwrap(),
    );
    let second: Arc<dyn Store> = Arc::new(
        wabot::store::SqliteStore::open(path.to_str().unwrap())
            .await
            .unwrap(),
    );
    let h = Harness::with(first.clone(), clock.clone(), true).await;
    let mut ids = Vec::new();
    for minute in 0..20 {
        let s = Schedule::new(
            h.workspace,
            h.bot.id,
            if minute % 2 == 0 {
                ScheduleAction::Enable
            } else {
                ScheduleAction::Disable
            },
            Trigger::Once {
                at: start + chrono::Duration::minutes(minute + 1),
            },
            None,
            start,
        )
        .unwrap();
        first.create_schedule(&s).await.unwrap();
        ids.push(s.id);
    }
    let cron = Schedule::new(
        h.workspace,
        h.bot.id,
        ScheduleAction::Enable,
        madrid_cron("*/5 * * * *"),
        None,
        start,
    )
    .unwrap();
    first.create_schedule(&cron).await.unwrap();

    let recorder = Arc::new(Recorder::default());
    let bus = Arc::new(BroadcastBus::default());
    let a = Arc::new(Scheduler::new(
        first.clone(),
        clock.clone(),
        bus.clone(),
        recorder.clone(),
    ));
    let b = Arc::new(Scheduler::new(
        second.clone(),
        clock.clone(),
        bus.clone(),
        recorder.clone(),
    ));
    for _ in 0..25 {
        clock.advance(chrono::Duration::minutes(1));
        let (ra, rb) = tokio::join!(
            {
                let a = a.clone();
                tokio::spawn(async move { a.run_due().await })
            },
            {
                let b = b.clone();
                tokio::spawn(async move { b.run_due().await })
            },
        );
        ra.unwrap().unwrap();
        rb.unwrap().unwrap();
    }

    // 20 one-offs + 5 cron firings (minutes 5, 10, 15, 20, 25), each exactly once.
    assert_eq!(recorder.0.lock().unwrap().len(), 25);
    for id in ids {
        assert_eq!(first.list_schedule_runs(id).await.unwrap().len(), 1);
    }
    assert_eq!(first.list_schedule_runs(cron.id).await.unwrap().len(), 5);
    let _ = clock.now();
}
