//! The scheduler: enables and disables bots at planned times.
//!
//! It sleeps until the earliest due schedule (no fixed polling), wakes early when told a
//! schedule changed, claims each due run atomically in the store (so several schedulers on one
//! database execute it once), executes it and appends it to the history.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::{
    domain::{Schedule, ScheduleAction, ScheduleRun},
    error::Result,
    ports::{Clock, DomainEvent, EventBus, Store},
    supervisor::{BotController, stopped},
};

/// How long the scheduler sleeps at most when nothing is due, so schedules created by another
/// replica (which cannot wake this one) are still picked up.
pub const MAX_IDLE_SLEEP: Duration = Duration::from_secs(60);

/// Runs due schedules.
pub struct Scheduler {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    bus: Arc<dyn EventBus>,
    bots: Arc<dyn BotController>,
    changed: Notify,
}

impl Scheduler {
    /// A scheduler acting on `bots`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        bus: Arc<dyn EventBus>,
        bots: Arc<dyn BotController>,
    ) -> Self {
        Self {
            store,
            clock,
            bus,
            bots,
            changed: Notify::new(),
        }
    }

    /// Tells the scheduler schedules were created or cancelled, so it recomputes its wake time.
    pub fn schedules_changed(&self) {
        self.changed.notify_one();
    }

    /// Runs until `shutdown` becomes true.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            if let Err(e) = self.run_due().await {
                tracing::warn!("scheduler pass failed: {e}; retrying in 5 s");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = stopped(&mut shutdown) => return,
                }
            }
            let now = self.clock.now();
            let cap =
                now + chrono::Duration::from_std(MAX_IDLE_SLEEP).unwrap_or(chrono::Duration::MAX);
            let wake_at = match self.store.next_due_at().await {
                Ok(Some(next)) => next.min(cap),
                Ok(None) => cap,
                Err(e) => {
                    tracing::warn!("scheduler could not read the next due time: {e}");
                    now + chrono::Duration::seconds(5)
                }
            };
            tokio::select! {
                _ = self.clock.sleep_until(wake_at) => {}
                _ = self.changed.notified() => {}
                _ = stopped(&mut shutdown) => return,
            }
        }
    }

    /// Executes every schedule due now that this scheduler manages to claim. Returns the runs
    /// it executed.
    pub async fn run_due(&self) -> Result<Vec<ScheduleRun>> {
        let now = self.clock.now();
        let mut runs = Vec::new();
        loop {
            let due = self.store.due_schedules(now, 100).await?;
            let batch = due.len();
            for schedule in due {
                if let Some(run) = self.try_run(&schedule, now).await? {
                    runs.push(run);
                }
            }
            if batch < 100 {
                return Ok(runs);
            }
        }
    }

    async fn try_run(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleRun>> {
        let Some(due_at) = schedule.next_run_at else {
            return Ok(None);
        };
        // Missed runs (the service was down) collapse into this one; the next is after now.
        let next = schedule.trigger.next_after(now.max(due_at));
        if !self
            .store
            .claim_schedule_run(schedule.id, due_at, next, now)
            .await?
        {
            return Ok(None);
        }
        let outcome = self.execute(schedule).await;
        let run = ScheduleRun {
            schedule_id: schedule.id,
            bot_id: schedule.bot_id,
            action: schedule.action,
            due_at,
            executed_at: now,
            error: outcome.err(),
        };
        self.store.record_schedule_run(&run).await?;
        match &run.error {
            None => {
                tracing::info!(schedule = %schedule.id, bot = %schedule.bot_id, action = schedule.action.as_str(), "schedule executed")
            }
            Some(e) => {
                tracing::warn!(schedule = %schedule.id, bot = %schedule.bot_id, "schedule failed: {e}")
            }
        }
        self.bus.publish(DomainEvent::ScheduleExecuted {
            workspace_id: schedule.workspace_id,
            run: run.clone(),
        });
        Ok(Some(run))
    }

    async fn execute(&self, schedule: &Schedule) -> std::result::Result<(), String> {
        let bot = self
            .store
            .get_bot(schedule.bot_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the bot no longer exists".to_string())?;
        if !bot.features.scheduling {
            return Err("scheduling is switched off for this bot".into());
        }
        let enabled = schedule.action == ScheduleAction::Enable;
        self.bots
            .set_enabled(bot.id, enabled)
            .await
            .map_err(|e| e.to_string())
    }
}
