//! Cases for [`ScheduleStore`](crate::ports::ScheduleStore).

use chrono::{DateTime, Utc};

use super::{
    TestDatabase,
    support::{bot, now, secs, workspace},
};
use crate::{
    domain::{Bot, CronExpr, Schedule, ScheduleAction, ScheduleRun, ScheduleStatus, Trigger},
    error::Error,
    ids::{BotId, ScheduleId, UserId},
    ports::Store,
};

pub(super) fn once(bot: &Bot, at: DateTime<Utc>, created_at: DateTime<Utc>) -> Schedule {
    Schedule::new(
        bot.workspace_id,
        bot.id,
        ScheduleAction::Enable,
        Trigger::Once { at },
        None,
        created_at,
    )
    .unwrap()
}

async fn create_once(store: &dyn Store, bot: &Bot, in_secs: i64) -> Schedule {
    let t = now();
    let schedule = once(bot, secs(t, in_secs), secs(t, -3600));
    store.create_schedule(&schedule).await.unwrap();
    schedule
}

/// One-off and cron schedules round-trip exactly.
pub async fn schedules_round_trip_with_once_and_cron_triggers(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let t = now();
    let one_off = once(&bot, secs(t, 90), t);
    let mut cron = Schedule::new(
        ws.id,
        bot.id,
        ScheduleAction::Disable,
        Trigger::Cron {
            expr: CronExpr::parse("30 18 * * MON-FRI").unwrap(),
            time_zone: chrono_tz::Asia::Kolkata,
        },
        Some(UserId::new()),
        t,
    )
    .unwrap();
    cron.last_executed_at = Some(secs(t, -60));

    store.create_schedule(&one_off).await.unwrap();
    store.create_schedule(&cron).await.unwrap();

    assert_eq!(store.get_schedule(one_off.id).await.unwrap(), Some(one_off));
    assert_eq!(store.get_schedule(cron.id).await.unwrap(), Some(cron));
    assert_eq!(store.get_schedule(ScheduleId::new()).await.unwrap(), None);
}

/// A schedule needs an existing bot (`BotNotFound`) and an unused id (`Conflict`).
pub async fn creating_a_schedule_needs_its_bot_and_a_free_id(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let schedule = create_once(&*store, &bot, 60).await;
    let mut orphan = once(&bot, secs(now(), 60), now());
    orphan.bot_id = BotId::new();

    let no_bot = store.create_schedule(&orphan).await.unwrap_err();
    let duplicate = store.create_schedule(&schedule).await.unwrap_err();

    assert!(
        matches!(no_bot, Error::BotNotFound(id) if id == orphan.bot_id),
        "got {no_bot:?}"
    );
    assert!(matches!(duplicate, Error::Conflict(_)), "got {duplicate:?}");
    assert_eq!(store.get_schedule(orphan.id).await.unwrap(), None);
}

/// A bot's schedules come oldest first (then by id); other bots' are not listed.
pub async fn schedules_are_listed_oldest_first_per_bot(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot_a = bot(&*store, ws.id).await;
    let bot_b = bot(&*store, ws.id).await;
    let t = now();
    let late = once(&bot_a, secs(t, 100), secs(t, 20));
    let early = once(&bot_a, secs(t, 100), t);
    let other = once(&bot_b, secs(t, 100), secs(t, 10));
    for schedule in [&late, &early, &other] {
        store.create_schedule(schedule).await.unwrap();
    }

    assert_eq!(
        store.list_schedules(bot_a.id).await.unwrap(),
        vec![early, late]
    );
    assert_eq!(store.list_schedules(bot_b.id).await.unwrap(), vec![other]);
    assert!(store.list_schedules(BotId::new()).await.unwrap().is_empty());
}

/// Cancelling clears the next run of an active schedule; a completed one stays completed.
pub async fn cancel_deactivates_an_active_schedule_only(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let active = create_once(&*store, &bot, 60).await;
    let done = create_once(&*store, &bot, -1).await;
    let due = done.next_run_at.unwrap();
    assert!(
        store
            .claim_schedule_run(done.id, due, None, now())
            .await
            .unwrap()
    );
    let completed = store.get_schedule(done.id).await.unwrap().unwrap();

    store.cancel_schedule(active.id).await.unwrap();
    store.cancel_schedule(active.id).await.unwrap();
    store.cancel_schedule(done.id).await.unwrap();

    assert_eq!(
        store.get_schedule(active.id).await.unwrap(),
        Some(Schedule {
            status: ScheduleStatus::Cancelled,
            next_run_at: None,
            ..active
        })
    );
    assert_eq!(store.get_schedule(done.id).await.unwrap(), Some(completed));
    assert_eq!(store.next_due_at().await.unwrap(), None);
}

/// Cancelling a schedule that does not exist fails with `ScheduleNotFound`.
pub async fn cancelling_a_missing_schedule_fails_with_schedule_not_found(db: &dyn TestDatabase) {
    let store = db.open().await;
    let id = ScheduleId::new();

    let err = store.cancel_schedule(id).await.unwrap_err();

    assert!(
        matches!(err, Error::ScheduleNotFound(s) if s == id),
        "got {err:?}"
    );
}

/// Only active schedules due at or before `now` are returned, earliest first, at most `limit`.
pub async fn due_schedules_are_active_ones_due_by_now_earliest_first(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let t = now();
    let created = secs(t, -3600);
    let later = once(&bot, secs(t, -10), created);
    let earliest = once(&bot, secs(t, -30), created);
    let exactly_now = once(&bot, t, created);
    let future = once(&bot, secs(t, 1), created);
    let cancelled = once(&bot, secs(t, -40), created);
    for schedule in [&later, &earliest, &exactly_now, &future, &cancelled] {
        store.create_schedule(schedule).await.unwrap();
    }
    store.cancel_schedule(cancelled.id).await.unwrap();

    let due = store.due_schedules(t, 10).await.unwrap();
    let first_two = store.due_schedules(t, 2).await.unwrap();

    assert_eq!(due, vec![earliest.clone(), later.clone(), exactly_now]);
    assert_eq!(first_two, vec![earliest, later]);
    assert!(
        store
            .due_schedules(secs(t, -3000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.due_schedules(t, 0).await.unwrap().is_empty());
}

/// `next_due_at` is the earliest next run of an active schedule, `None` without any.
pub async fn next_due_at_is_the_earliest_active_run(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    assert_eq!(store.next_due_at().await.unwrap(), None);
    let soon = create_once(&*store, &bot, 30).await;
    let later = create_once(&*store, &bot, 90).await;

    assert_eq!(store.next_due_at().await.unwrap(), soon.next_run_at);
    store.cancel_schedule(soon.id).await.unwrap();
    assert_eq!(store.next_due_at().await.unwrap(), later.next_run_at);
}

/// A claim succeeds only for an active schedule whose next run is exactly `due_at`; it moves
/// the schedule to its next run, or completes it.
pub async fn claiming_a_run_is_a_compare_and_set_on_the_due_time(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let schedule = create_once(&*store, &bot, -5).await;
    let due = schedule.next_run_at.unwrap();
    let t = now();
    let next = secs(due, 86_400);

    let wrong_time = store
        .claim_schedule_run(schedule.id, secs(due, 1), Some(next), t)
        .await
        .unwrap();
    let unknown = store
        .claim_schedule_run(ScheduleId::new(), due, Some(next), t)
        .await
        .unwrap();
    let moved = store
        .claim_schedule_run(schedule.id, due, Some(next), t)
        .await
        .unwrap();
    let replayed = store
        .claim_schedule_run(schedule.id, due, Some(next), t)
        .await
        .unwrap();
    let after_move = store.get_schedule(schedule.id).await.unwrap().unwrap();
    let completed = store
        .claim_schedule_run(schedule.id, next, None, secs(t, 1))
        .await
        .unwrap();
    let after_completion = store.get_schedule(schedule.id).await.unwrap().unwrap();
    let after_end = store
        .claim_schedule_run(schedule.id, next, None, secs(t, 2))
        .await
        .unwrap();

    assert!(!wrong_time && !unknown && !replayed && !after_end);
    assert!(moved && completed);
    assert_eq!(
        after_move,
        Schedule {
            next_run_at: Some(next),
            last_executed_at: Some(t),
            ..schedule.clone()
        }
    );
    assert_eq!(
        after_completion,
        Schedule {
            status: ScheduleStatus::Completed,
            next_run_at: None,
            last_executed_at: Some(secs(t, 1)),
            ..schedule.clone()
        }
    );
    assert!(
        store
            .due_schedules(secs(t, 100_000), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let cancelled = create_once(&*store, &bot, -5).await;
    store.cancel_schedule(cancelled.id).await.unwrap();
    let due = cancelled.next_run_at.unwrap();
    assert!(
        !store
            .claim_schedule_run(cancelled.id, due, None, t)
            .await
            .unwrap()
    );
}

/// Eight concurrent claims of the same due run: exactly one wins (a scheduler fires each action
/// once even when several race).
pub async fn exactly_one_of_eight_racing_claims_wins(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let schedule = create_once(&*store, &bot, -1).await;
    let due = schedule.next_run_at.unwrap();

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
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
    let stored = store.get_schedule(schedule.id).await.unwrap().unwrap();
    assert_eq!(stored.status, ScheduleStatus::Completed);
}

/// Runs are listed per schedule in the order they were recorded, errors included.
pub async fn schedule_runs_are_kept_in_recorded_order(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let schedule = create_once(&*store, &bot, 60).await;
    let other = create_once(&*store, &bot, 60).await;
    let t = now();
    let runs: Vec<ScheduleRun> = (0..4)
        .map(|i| ScheduleRun {
            schedule_id: if i == 2 { other.id } else { schedule.id },
            bot_id: bot.id,
            action: if i % 2 == 0 {
                ScheduleAction::Enable
            } else {
                ScheduleAction::Disable
            },
            // Recorded order wins over timestamps.
            due_at: secs(t, -i),
            executed_at: secs(t, 10 - i),
            error: (i == 1).then(|| "bot 42 not found".to_string()),
        })
        .collect();
    for run in &runs {
        store.record_schedule_run(run).await.unwrap();
    }

    assert_eq!(
        store.list_schedule_runs(schedule.id).await.unwrap(),
        vec![runs[0].clone(), runs[1].clone(), runs[3].clone()]
    );
    assert_eq!(
        store.list_schedule_runs(other.id).await.unwrap(),
        vec![runs[2].clone()]
    );
    assert!(
        store
            .list_schedule_runs(ScheduleId::new())
            .await
            .unwrap()
            .is_empty()
    );
}
