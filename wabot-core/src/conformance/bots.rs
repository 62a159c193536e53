//! Cases for [`BotStore`](crate::ports::BotStore).

use chrono::{NaiveTime, Weekday};

use super::{
    TestDatabase,
    support::{bot, bot_value, inbound, now, record, secs, workspace},
};
use crate::{
    domain::{
        BotName, BotStatus, CannedMessage, DeliveryStatus, Direction, Features, LeadField,
        LlmProvider, LlmSettings, Message, Pacing, Prompt, Schedule, ScheduleAction, ScheduleRun,
        Sender, TransportConfig, Trigger, WorkingHours,
    },
    error::Error,
    ids::{BotId, MessageId, WorkspaceId},
};

fn tuned_features() -> Features {
    Features {
        auto_response: false,
        lead_capture: true,
        scheduling: false,
        working_hours: Some(WorkingHours {
            start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(1, 15, 0).unwrap(),
            days: vec![Weekday::Mon, Weekday::Fri, Weekday::Sun],
            time_zone: chrono_tz::America::Sao_Paulo,
        }),
        away_message: Some(CannedMessage::parse("Back at 9:30 — ¡hasta luego! 🚲").unwrap()),
        required_fields: vec![LeadField::Email, LeadField::Location],
    }
}

/// Every setting (transport, LLM, features with working hours, pacing) round-trips exactly.
pub async fn bot_round_trips_with_every_setting(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let mut bot = bot_value(ws.id, "Ventas 🚲 Madrid", t);
    bot.prompt = Prompt::parse("Eres un vendedor.\nResponde en español.\t¡Gracias!").unwrap();
    bot.enabled = true;
    bot.transport = TransportConfig::Cloud {
        phone_number_id: "1234567890".into(),
        graph_base_url: Some("http://127.0.0.1:9000".into()),
    };
    bot.llm = LlmSettings {
        provider: LlmProvider::OpenaiCompatible,
        base_url: Some("https://api.deepseek.com".into()),
        model: Some("deepseek-chat".into()),
        temperature: 0.3,
        max_tokens: 777,
        timeout_ms: 12_345,
    };
    bot.features = tuned_features();
    bot.pacing = Pacing {
        base_ms: 1,
        per_char_ms: 2,
        max_ms: 3,
        jitter: 0.15,
    };
    bot.fallback_message = CannedMessage::parse("One moment please.").unwrap();
    bot.updated_at = secs(t, 1);

    store.create_bot(&bot).await.unwrap();

    assert_eq!(store.get_bot(bot.id).await.unwrap(), Some(bot.clone()));
    let web = bot_value(ws.id, "Web bot", t);
    let web = crate::domain::Bot {
        transport: TransportConfig::Web {
            pairing_phone: Some("+34612345678".into()),
        },
        ..web
    };
    store.create_bot(&web).await.unwrap();
    assert_eq!(store.get_bot(web.id).await.unwrap(), Some(web));
    assert_eq!(store.get_bot(BotId::new()).await.unwrap(), None);
}

/// A bot needs an existing workspace (`NotFound`) and an unused id (`Conflict`).
pub async fn creating_a_bot_needs_its_workspace_and_a_free_id(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let orphan = bot_value(WorkspaceId::new(), "Orphan", now());
    let bot = bot(&*store, ws.id).await;

    let no_workspace = store.create_bot(&orphan).await.unwrap_err();
    let duplicate = store.create_bot(&bot).await.unwrap_err();

    assert!(
        matches!(no_workspace, Error::NotFound(_)),
        "got {no_workspace:?}"
    );
    assert!(matches!(duplicate, Error::Conflict(_)), "got {duplicate:?}");
    assert_eq!(store.get_bot(orphan.id).await.unwrap(), None);
}

/// Every change to a missing bot fails with `BotNotFound` naming it.
pub async fn changing_a_missing_bot_fails_with_bot_not_found(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let ghost = bot_value(ws.id, "Ghost", now());
    let id = ghost.id;

    let errors = [
        store.update_bot(&ghost).await.unwrap_err(),
        store.set_bot_enabled(id, true, now()).await.unwrap_err(),
        store
            .set_bot_status(id, BotStatus::Ready, now())
            .await
            .unwrap_err(),
        store.delete_bot(id).await.unwrap_err(),
    ];

    for err in errors {
        assert!(
            matches!(err, Error::BotNotFound(b) if b == id),
            "got {err:?}"
        );
    }
    assert_eq!(store.get_bot(id).await.unwrap(), None);
}

/// Bots come oldest first (then by id), for one workspace or for all.
pub async fn bots_are_listed_oldest_first_per_workspace_or_all(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other = workspace(&*store).await;
    let t = now();
    let late = bot_value(ws.id, "Late", secs(t, 30));
    let early = bot_value(ws.id, "Early", t);
    let elsewhere = bot_value(other.id, "Elsewhere", secs(t, 10));
    for bot in [&late, &early, &elsewhere] {
        store.create_bot(bot).await.unwrap();
    }

    assert_eq!(
        store.list_bots(Some(ws.id)).await.unwrap(),
        vec![early.clone(), late.clone()]
    );
    assert_eq!(
        store.list_bots(None).await.unwrap(),
        vec![early, elsewhere, late]
    );
    assert!(
        store
            .list_bots(Some(WorkspaceId::new()))
            .await
            .unwrap()
            .is_empty()
    );
}

/// `update_bot` replaces the settings; status, workspace and creation time stay.
pub async fn update_bot_replaces_settings_but_keeps_status_workspace_and_creation_time(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let original = bot(&*store, ws.id).await;
    store
        .set_bot_status(original.id, BotStatus::Ready, original.updated_at)
        .await
        .unwrap();
    let mut changed = original.clone();
    changed.name = BotName::parse("Renamed").unwrap();
    changed.prompt = Prompt::parse("New prompt").unwrap();
    changed.enabled = true;
    changed.status = BotStatus::Failed;
    changed.workspace_id = WorkspaceId::new();
    changed.created_at = secs(original.created_at, -100);
    changed.transport = TransportConfig::Web {
        pairing_phone: Some("+34600000000".into()),
    };
    changed.llm.temperature = 1.5;
    changed.features = tuned_features();
    changed.pacing = Pacing::INSTANT;
    changed.fallback_message = CannedMessage::parse("Sorry!").unwrap();
    changed.updated_at = secs(original.updated_at, 60);

    store.update_bot(&changed).await.unwrap();

    let stored = store.get_bot(original.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        crate::domain::Bot {
            status: BotStatus::Ready,
            workspace_id: original.workspace_id,
            created_at: original.created_at,
            ..changed
        }
    );
}

/// `set_bot_enabled` and `set_bot_status` change only their field and `updated_at`.
pub async fn enabling_and_status_changes_record_the_change_time(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let original = bot(&*store, ws.id).await;
    let t1 = secs(original.updated_at, 5);
    let t2 = secs(original.updated_at, 9);

    store.set_bot_enabled(original.id, true, t1).await.unwrap();
    let enabled = store.get_bot(original.id).await.unwrap().unwrap();
    store
        .set_bot_status(original.id, BotStatus::Qr, t2)
        .await
        .unwrap();
    let with_status = store.get_bot(original.id).await.unwrap().unwrap();

    let mut expected = original.clone();
    expected.enabled = true;
    expected.updated_at = t1;
    assert_eq!(enabled, expected);
    expected.status = BotStatus::Qr;
    expected.updated_at = t2;
    assert_eq!(with_status, expected);
    for status in BotStatus::ALL {
        store.set_bot_status(original.id, status, t2).await.unwrap();
        let stored = store.get_bot(original.id).await.unwrap().unwrap();
        assert_eq!(stored.status, status);
    }
}

/// Deleting a bot removes its leads, messages, schedules and runs, and nothing of other bots.
pub async fn deleting_a_bot_removes_its_leads_messages_schedules_and_history(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let doomed = bot(&*store, ws.id).await;
    let kept = bot(&*store, ws.id).await;
    let mut ids = Vec::new();
    for bot in [&doomed, &kept] {
        let (lead, _, _) =
            record(&*store, &inbound(bot, "34600000001@c.us", "wamid.1", "hi")).await;
        let reply = Message {
            id: MessageId::new(),
            bot_id: bot.id,
            lead_id: lead.id,
            direction: Direction::Outbound,
            sender: Sender::Bot,
            body: "Hello!".into(),
            provider_message_id: Some("wamid.out".into()),
            delivery: DeliveryStatus::Sent,
            error: None,
            created_at: now(),
        };
        store.insert_message(&reply).await.unwrap();
        let t = now();
        let schedule = Schedule::new(
            ws.id,
            bot.id,
            ScheduleAction::Disable,
            Trigger::Once { at: secs(t, 60) },
            None,
            t,
        )
        .unwrap();
        store.create_schedule(&schedule).await.unwrap();
        store
            .record_schedule_run(&ScheduleRun {
                schedule_id: schedule.id,
                bot_id: bot.id,
                action: ScheduleAction::Disable,
                due_at: t,
                executed_at: t,
                error: None,
            })
            .await
            .unwrap();
        ids.push((lead, schedule));
    }

    store.delete_bot(doomed.id).await.unwrap();

    let (doomed_lead, doomed_schedule) = &ids[0];
    let (kept_lead, kept_schedule) = &ids[1];
    assert_eq!(store.get_bot(doomed.id).await.unwrap(), None);
    assert_eq!(store.get_lead(doomed_lead.id).await.unwrap(), None);
    assert!(
        store
            .recent_messages(doomed_lead.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_schedule(doomed_schedule.id).await.unwrap(), None);
    assert!(store.list_schedules(doomed.id).await.unwrap().is_empty());
    assert!(
        store
            .list_schedule_runs(doomed_schedule.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .apply_ack(doomed.id, "wamid.out", DeliveryStatus::Read)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_bot(kept.id).await.unwrap(), Some(kept.clone()));
    assert!(store.get_lead(kept_lead.id).await.unwrap().is_some());
    assert_eq!(
        store.recent_messages(kept_lead.id, 10).await.unwrap().len(),
        2
    );
    assert!(
        store
            .get_schedule(kept_schedule.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .list_schedule_runs(kept_schedule.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.list_bots(Some(ws.id)).await.unwrap(), vec![kept]);
}
