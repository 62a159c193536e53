//! Cases for [`LeadStore`](crate::ports::LeadStore) and the lead side of
//! [`MessageStore::record_inbound`](crate::ports::MessageStore::record_inbound).

use std::collections::HashSet;

use chrono::NaiveDate;

use super::{
    TestDatabase,
    support::{bot, contact, inbound, member, now, record, secs, workspace},
};
use crate::{
    domain::{
        DeliveryStatus, Direction, Email, Handler, Lead, LeadStatus, Location, PersonName, Phone,
        Sender,
    },
    error::Error,
    ids::{BotId, LeadId, WorkspaceId},
    ports::{InboundOutcome, LeadQuery, MAX_LEAD_PAGE},
};

/// The first message of a contact creates a `capturing` lead; later ones reuse it.
pub async fn first_inbound_creates_the_lead_and_later_ones_reuse_it(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let mut first = inbound(&bot, "34612345678@c.us", "wamid.A", "Hola");
    first.display_name = Some("Ana".into());
    let mut second = inbound(&bot, "34612345678@c.us", "wamid.B", "¿Precio?");
    second.received_at = secs(first.received_at, 3);

    let (lead, message, new_lead) = record(&*store, &first).await;
    let (again, reply, again_new) = record(&*store, &second).await;

    assert!(new_lead);
    assert!(!again_new);
    assert_eq!(lead.workspace_id, ws.id);
    assert_eq!(lead.bot_id, bot.id);
    assert_eq!(lead.contact, first.contact);
    assert_eq!(lead.display_name.as_deref(), Some("Ana"));
    assert_eq!(lead.status, LeadStatus::Capturing);
    assert_eq!(lead.handler, Handler::Bot);
    assert_eq!(lead.assignee, None);
    assert_eq!(lead.created_at, first.received_at);
    assert_eq!(lead.updated_at, first.received_at);
    assert_eq!(message.lead_id, lead.id);
    assert_eq!(message.bot_id, bot.id);
    assert_eq!(message.direction, Direction::Inbound);
    assert_eq!(message.sender, Sender::Contact);
    assert_eq!(message.body, "Hola");
    assert_eq!(message.provider_message_id.as_deref(), Some("wamid.A"));
    assert_eq!(message.delivery, DeliveryStatus::Received);
    assert_eq!(message.created_at, first.received_at);
    assert_eq!(again.id, lead.id);
    assert_eq!(again.created_at, lead.created_at);
    assert_eq!(again.updated_at, second.received_at);
    assert_ne!(reply.id, message.id);
    assert_eq!(store.get_lead(lead.id).await.unwrap(), Some(again.clone()));
    assert_eq!(
        store.find_lead(bot.id, &first.contact).await.unwrap(),
        Some(again)
    );
    assert_eq!(
        store.recent_messages(lead.id, 10).await.unwrap(),
        vec![message, reply]
    );
    assert_eq!(
        store
            .find_lead(bot.id, &contact("34699999999@c.us"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_lead(LeadId::new()).await.unwrap(), None);
}

/// A re-delivered provider id is a duplicate and changes nothing; the same id on another bot is
/// a different message.
pub async fn inbound_with_a_known_provider_id_is_a_duplicate_for_that_bot_only(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let other_bot = super::support::bot(&*store, ws.id).await;
    let first = inbound(&bot, "34612345678@c.us", "wamid.SAME", "Hola");
    let (lead, message, _) = record(&*store, &first).await;
    let mut redelivery = inbound(&bot, "34612345678@c.us", "wamid.SAME", "changed");
    redelivery.display_name = Some("Changed".into());
    redelivery.received_at = secs(first.received_at, 60);

    let outcome = store.record_inbound(&redelivery).await.unwrap();
    let from_other_contact = store
        .record_inbound(&inbound(&bot, "34600000000@c.us", "wamid.SAME", "x"))
        .await
        .unwrap();
    let (other_lead, _, other_new) = record(
        &*store,
        &inbound(&other_bot, "34612345678@c.us", "wamid.SAME", "Hola"),
    )
    .await;

    assert!(
        matches!(outcome, InboundOutcome::Duplicate),
        "got {outcome:?}"
    );
    assert!(matches!(from_other_contact, InboundOutcome::Duplicate));
    assert_eq!(store.get_lead(lead.id).await.unwrap(), Some(lead.clone()));
    assert_eq!(
        store.recent_messages(lead.id, 10).await.unwrap(),
        vec![message]
    );
    assert_eq!(
        store
            .find_lead(bot.id, &contact("34600000000@c.us"))
            .await
            .unwrap(),
        None
    );
    assert!(other_new);
    assert_ne!(other_lead.id, lead.id);
}

/// A later message without a display name keeps the known one; a new name replaces it.
pub async fn inbound_updates_the_display_name_only_when_given(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let mut first = inbound(&bot, "34612345678@c.us", "wamid.1", "a");
    first.display_name = Some("Ana".into());
    record(&*store, &first).await;

    let (unnamed, _, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "wamid.2", "b")).await;
    let mut renamed = inbound(&bot, "34612345678@c.us", "wamid.3", "c");
    renamed.display_name = Some("Ana María".into());
    let (named, _, _) = record(&*store, &renamed).await;

    assert_eq!(unnamed.display_name.as_deref(), Some("Ana"));
    assert_eq!(named.display_name.as_deref(), Some("Ana María"));
    assert_eq!(
        store
            .get_lead(named.id)
            .await
            .unwrap()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Ana María")
    );
}

/// Recording for a bot that does not exist fails with `BotNotFound` and stores nothing.
pub async fn inbound_for_a_missing_bot_fails_with_bot_not_found(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let ghost = super::support::bot_value(ws.id, "Ghost", now());

    let err = store
        .record_inbound(&inbound(&ghost, "34612345678@c.us", "wamid.1", "hi"))
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::BotNotFound(id) if id == ghost.id),
        "got {err:?}"
    );
    assert!(
        store
            .list_leads(&LeadQuery {
                limit: MAX_LEAD_PAGE,
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
}

/// Eight first messages of one contact arriving at once create exactly one lead.
pub async fn concurrent_first_messages_of_a_contact_create_one_lead(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;

    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            let message = inbound(&bot, "34612345678@c.us", &format!("wamid.{i}"), "hi");
            tokio::spawn(async move { store.record_inbound(&message).await })
        })
        .collect();
    let mut leads = HashSet::new();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            InboundOutcome::Recorded { lead, new_lead, .. } => {
                leads.insert(lead.id);
                created += usize::from(new_lead);
            }
            InboundOutcome::Duplicate => panic!("distinct provider ids are not duplicates"),
        }
    }

    assert_eq!(leads.len(), 1);
    assert_eq!(created, 1);
    let lead = leads.into_iter().next().unwrap();
    assert_eq!(store.recent_messages(lead, 100).await.unwrap().len(), 8);
}

/// Eight deliveries of the same provider id arriving at once are recorded exactly once.
pub async fn concurrent_redeliveries_of_one_message_are_recorded_once(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let message = inbound(&bot, "34612345678@c.us", "wamid.SAME", "hi");

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let message = message.clone();
            tokio::spawn(async move { store.record_inbound(&message).await })
        })
        .collect();
    let mut recorded = Vec::new();
    for task in tasks {
        if let InboundOutcome::Recorded { lead, .. } = task.await.unwrap().unwrap() {
            recorded.push(lead);
        }
    }

    assert_eq!(recorded.len(), 1);
    assert_eq!(
        store
            .recent_messages(recorded[0].id, 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

fn captured(mut lead: Lead, agent: crate::ids::UserId) -> Lead {
    lead.display_name = Some("Ana L.".into());
    lead.fields.name = Some(PersonName::parse("Ana López").unwrap());
    lead.fields.email = Some(Email::parse("ana@example.com").unwrap());
    lead.fields.phone = Some(Phone::parse("+34 612 34 56 78", None).unwrap());
    lead.fields.location = Some(Location::parse("Madrid, España").unwrap());
    lead.status = LeadStatus::Assigned;
    lead.assignee = Some(agent);
    lead.handler = Handler::Agent(agent);
    lead.away_sent_on = NaiveDate::from_ymd_opt(2026, 2, 28);
    lead.qualified_at = Some(secs(lead.created_at, 30));
    lead.updated_at = secs(lead.created_at, 40);
    lead
}

/// `update_lead` stores fields, status, assignee, handler, away date and times, but not the
/// lead's identity (workspace, bot, contact, creation time).
pub async fn update_lead_persists_mutable_state_and_keeps_identity(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let agent = member(&*store, ws.id, "agent@example.com", true, now()).await;
    let (lead, _, _) = record(&*store, &inbound(&bot, "34612345678@c.us", "wamid.1", "hi")).await;
    let expected = captured(lead.clone(), agent.user_id);
    let mut update = expected.clone();
    update.workspace_id = WorkspaceId::new();
    update.bot_id = BotId::new();
    update.contact = contact("someone-else");
    update.created_at = secs(lead.created_at, -1000);

    store.update_lead(&update).await.unwrap();

    assert_eq!(
        store.get_lead(lead.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(
        store.find_lead(bot.id, &lead.contact).await.unwrap(),
        Some(expected.clone())
    );
    // Back to the bot, fields cleared.
    let mut released = expected.clone();
    released.handler = Handler::Bot;
    released.fields = Default::default();
    released.assignee = None;
    released.away_sent_on = None;
    released.qualified_at = None;
    released.display_name = None;
    released.status = LeadStatus::Lost;
    store.update_lead(&released).await.unwrap();
    assert_eq!(store.get_lead(lead.id).await.unwrap(), Some(released));
}

/// Updating a lead that does not exist fails with `LeadNotFound`.
pub async fn updating_a_missing_lead_fails_with_lead_not_found(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let ghost = Lead::new(ws.id, bot.id, contact("ghost"), now());

    let err = store.update_lead(&ghost).await.unwrap_err();

    assert!(
        matches!(err, Error::LeadNotFound(id) if id == ghost.id),
        "got {err:?}"
    );
    assert_eq!(store.get_lead(ghost.id).await.unwrap(), None);
}

fn page(query: LeadQuery) -> LeadQuery {
    LeadQuery {
        limit: MAX_LEAD_PAGE,
        ..query
    }
}

fn ids(leads: &[Lead]) -> Vec<LeadId> {
    leads.iter().map(|l| l.id).collect()
}

/// Listing is newest first by id; workspace, bot, status and assignee filters are exact and
/// combine.
pub async fn leads_are_listed_newest_first_with_exact_filters(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other_ws = workspace(&*store).await;
    let bot_a = bot(&*store, ws.id).await;
    let bot_b = bot(&*store, ws.id).await;
    let bot_c = bot(&*store, other_ws.id).await;
    let agent = member(&*store, ws.id, "agent@example.com", true, now()).await;
    let mut leads = Vec::new();
    for (i, bot) in [&bot_a, &bot_b, &bot_a, &bot_c, &bot_a]
        .into_iter()
        .enumerate()
    {
        let (lead, _, _) = record(
            &*store,
            &inbound(bot, &format!("contact-{i}"), &format!("wamid.{i}"), "hi"),
        )
        .await;
        leads.push(lead);
    }
    let mut assigned = leads[2].clone();
    assigned.status = LeadStatus::Assigned;
    assigned.assignee = Some(agent.user_id);
    store.update_lead(&assigned).await.unwrap();
    leads[2] = assigned;
    let mut won = leads[1].clone();
    won.status = LeadStatus::Won;
    won.assignee = Some(agent.user_id);
    store.update_lead(&won).await.unwrap();
    leads[1] = won;
    let newest_first = |picks: &[usize]| -> Vec<LeadId> {
        let mut v: Vec<LeadId> = picks.iter().map(|&i| leads[i].id).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    };

    let all = store.list_leads(&page(LeadQuery::default())).await.unwrap();
    assert_eq!(ids(&all), newest_first(&[0, 1, 2, 3, 4]));
    assert_eq!(all.iter().find(|l| l.id == leads[2].id), Some(&leads[2]));
    let cases = [
        (
            LeadQuery {
                workspace_id: Some(ws.id),
                ..Default::default()
            },
            vec![0, 1, 2, 4],
        ),
        (
            LeadQuery {
                bot_id: Some(bot_a.id),
                ..Default::default()
            },
            vec![0, 2, 4],
        ),
        (
            LeadQuery {
                workspace_id: Some(ws.id),
                status: Some(LeadStatus::Capturing),
                ..Default::default()
            },
            vec![0, 4],
        ),
        (
            LeadQuery {
                assignee: Some(agent.user_id),
                ..Default::default()
            },
            vec![1, 2],
        ),
        (
            LeadQuery {
                bot_id: Some(bot_a.id),
                assignee: Some(agent.user_id),
                status: Some(LeadStatus::Assigned),
                ..Default::default()
            },
            vec![2],
        ),
        (
            LeadQuery {
                workspace_id: Some(other_ws.id),
                bot_id: Some(bot_a.id),
                ..Default::default()
            },
            vec![],
        ),
        (
            LeadQuery {
                status: Some(LeadStatus::Lost),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (query, expected) in cases {
        let found = store.list_leads(&page(query.clone())).await.unwrap();
        assert_eq!(ids(&found), newest_first(&expected), "query {query:?}");
    }
}

/// Search matches a case-insensitive substring of the contact, display name, name, e-mail,
/// phone or location; blank search matches everything.
pub async fn lead_search_is_case_insensitive_over_contact_and_fields(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let agent = member(&*store, ws.id, "agent@example.com", true, now()).await;
    let mut first = inbound(&bot, "34612345678@c.us", "wamid.1", "hi");
    first.display_name = Some("Zorro".into());
    let (lead, _, _) = record(&*store, &first).await;
    store
        .update_lead(&captured(lead.clone(), agent.user_id))
        .await
        .unwrap();
    let (plain, _, _) = record(&*store, &inbound(&bot, "Sandbox-Bob", "wamid.2", "hi")).await;

    let search = |text: &str| {
        let store = store.clone();
        let text = text.to_string();
        async move {
            ids(&store
                .list_leads(&page(LeadQuery {
                    search: Some(text),
                    ..Default::default()
                }))
                .await
                .unwrap())
        }
    };

    for needle in [
        "3461234",     // contact
        "ANA L.",      // display name
        "LÓPEZ",       // name, non-ASCII case folding
        "ana@EXAMPLE", // e-mail
        "+3461",       // phone
        "madrid, esp", // location
    ] {
        assert_eq!(search(needle).await, vec![lead.id], "search {needle:?}");
    }
    assert_eq!(search("sandbox-BOB").await, vec![plain.id]);
    assert!(search("nobody").await.is_empty());
    let mut both = vec![lead.id, plain.id];
    both.sort_by(|a, b| b.cmp(a));
    assert_eq!(search("").await, both);
    assert_eq!(search("   ").await, both);
}

/// `%`, `_` and `\` in a search are plain characters, not patterns.
pub async fn lead_search_treats_wildcards_literally(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let (percent, _, _) = record(&*store, &inbound(&bot, "50%_off\\deal", "wamid.1", "hi")).await;
    record(&*store, &inbound(&bot, "500 offers", "wamid.2", "hi")).await;

    for needle in ["%", "0%_", "_", "\\", "%_off\\d"] {
        let found = store
            .list_leads(&page(LeadQuery {
                search: Some(needle.into()),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(ids(&found), vec![percent.id], "search {needle:?}");
    }
}

/// `created_from` is inclusive and `created_to` exclusive.
pub async fn leads_are_filtered_by_creation_window(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let t = now();
    let mut leads = Vec::new();
    for i in 0..3 {
        let mut message = inbound(&bot, &format!("contact-{i}"), &format!("wamid.{i}"), "hi");
        message.received_at = secs(t, i * 10);
        leads.push(record(&*store, &message).await.0);
    }

    let window = |from: Option<i64>, to: Option<i64>| {
        let store = store.clone();
        async move {
            ids(&store
                .list_leads(&page(LeadQuery {
                    created_from: from.map(|s| secs(t, s)),
                    created_to: to.map(|s| secs(t, s)),
                    ..Default::default()
                }))
                .await
                .unwrap())
        }
    };

    assert_eq!(window(Some(10), None).await, vec![leads[2].id, leads[1].id]);
    assert_eq!(window(None, Some(10)).await, vec![leads[0].id]);
    assert_eq!(
        window(Some(0), Some(20)).await,
        vec![leads[1].id, leads[0].id]
    );
    assert!(window(Some(21), None).await.is_empty());
}

/// Pages of `limit` leads follow each other with `before`; 0 means 1 and the limit is capped
/// at [`MAX_LEAD_PAGE`].
pub async fn leads_are_paged_with_the_before_cursor_and_clamped_limit(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let bot = bot(&*store, ws.id).await;
    let total = MAX_LEAD_PAGE as usize + 3;
    let tasks: Vec<_> = (0..total)
        .map(|i| {
            let store = store.clone();
            let message = inbound(
                &bot,
                &format!("contact-{i:04}"),
                &format!("wamid.{i}"),
                "hi",
            );
            tokio::spawn(async move { store.record_inbound(&message).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let query = LeadQuery {
        bot_id: Some(bot.id),
        ..Default::default()
    };

    let everything = store
        .list_leads(&LeadQuery {
            limit: u32::MAX,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(everything.len(), MAX_LEAD_PAGE as usize);
    assert!(everything.windows(2).all(|w| w[0].id > w[1].id));
    let one = store.list_leads(&query).await.unwrap();
    assert_eq!(ids(&one), vec![everything[0].id]);

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_leads(&LeadQuery {
                before,
                limit: 128,
                ..query.clone()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 128);
        before = page.last().map(|l| l.id);
        seen.extend(ids(&page));
    }
    assert_eq!(seen.len(), total);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    assert_eq!(&seen[..MAX_LEAD_PAGE as usize], ids(&everything).as_slice());
}
