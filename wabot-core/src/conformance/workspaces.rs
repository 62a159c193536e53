//! Cases for [`WorkspaceStore`](crate::ports::WorkspaceStore).

use std::collections::HashMap;

use super::{
    TestDatabase,
    support::{member, now, secs, user_value, workspace, workspace_value},
};
use crate::{
    domain::{Email, Member, Role},
    error::Error,
    ids::{UserId, WorkspaceId},
};

/// A workspace round-trips; creating it twice is a conflict; an unknown id is `None`.
pub async fn duplicate_workspace_is_a_conflict_and_missing_one_is_none(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace_value("Acme Bikes", now());

    store.create_workspace(&ws).await.unwrap();

    assert_eq!(store.get_workspace(ws.id).await.unwrap(), Some(ws.clone()));
    let again = store.create_workspace(&ws).await.unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "got {again:?}");
    assert_eq!(store.get_workspace(WorkspaceId::new()).await.unwrap(), None);
}

/// `upsert_user` with a known e-mail returns the stored user and changes nothing.
pub async fn upserting_a_known_email_returns_the_existing_user_unchanged(db: &dyn TestDatabase) {
    let store = db.open().await;
    let first = user_value("ana@example.com", now());
    let mut second = user_value("ana@example.com", secs(now(), 5));
    second.name = "Someone else".into();

    let stored = store.upsert_user(&first).await.unwrap();
    let again = store.upsert_user(&second).await.unwrap();

    assert_eq!(stored, first);
    assert_eq!(again, first);
    assert_eq!(store.get_user(second.id).await.unwrap(), None);
    assert_eq!(store.get_user(first.id).await.unwrap(), Some(first));
}

/// A new e-mail under an id that another user already has is a conflict.
pub async fn upserting_a_taken_id_with_another_email_is_a_conflict(db: &dyn TestDatabase) {
    let store = db.open().await;
    let first = user_value("ana@example.com", now());
    store.upsert_user(&first).await.unwrap();
    let mut clash = user_value("bob@example.com", now());
    clash.id = first.id;

    let err = store.upsert_user(&clash).await.unwrap_err();

    assert!(matches!(err, Error::Conflict(_)), "got {err:?}");
    assert_eq!(store.get_user(first.id).await.unwrap(), Some(first));
}

/// Users are found by id and by exact e-mail; unknown ones are `None`.
pub async fn users_are_found_by_id_and_by_email(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ana = store
        .upsert_user(&user_value("ana@example.com", now()))
        .await
        .unwrap();
    let bob = store
        .upsert_user(&user_value("bob@example.com", now()))
        .await
        .unwrap();

    assert_eq!(store.get_user(ana.id).await.unwrap(), Some(ana.clone()));
    assert_eq!(
        store.get_user_by_email(&bob.email).await.unwrap(),
        Some(bob)
    );
    let unknown = Email::parse("carla@example.com").unwrap();
    assert_eq!(store.get_user_by_email(&unknown).await.unwrap(), None);
    assert_eq!(store.get_user(UserId::new()).await.unwrap(), None);
}

/// `put_member` fails with `NotFound` for a missing workspace or user.
pub async fn put_member_needs_an_existing_workspace_and_user(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let user = store
        .upsert_user(&user_value("ana@example.com", now()))
        .await
        .unwrap();
    let member = Member {
        workspace_id: WorkspaceId::new(),
        user_id: user.id,
        role: Role::Owner,
        receives_leads: false,
        created_at: now(),
    };

    let no_workspace = store.put_member(&member).await.unwrap_err();
    let no_user = store
        .put_member(&Member {
            workspace_id: ws.id,
            user_id: UserId::new(),
            ..member.clone()
        })
        .await
        .unwrap_err();

    assert!(
        matches!(no_workspace, Error::NotFound(_)),
        "got {no_workspace:?}"
    );
    assert!(matches!(no_user, Error::NotFound(_)), "got {no_user:?}");
    assert!(store.list_members(ws.id).await.unwrap().is_empty());
}

/// Putting an existing member again changes its role and lead flag, not when it joined.
pub async fn put_member_updates_role_and_lead_flag_but_keeps_join_time(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let joined = now();
    let original = member(&*store, ws.id, "ana@example.com", false, joined).await;

    store
        .put_member(&Member {
            role: Role::Manager,
            receives_leads: true,
            created_at: secs(joined, 60),
            ..original.clone()
        })
        .await
        .unwrap();

    let members = store.list_members(ws.id).await.unwrap();
    assert_eq!(
        members,
        vec![Member {
            role: Role::Manager,
            receives_leads: true,
            ..original
        }]
    );
}

/// Members come oldest first (then by user id), only those of the asked workspace.
pub async fn members_are_listed_oldest_first_per_workspace(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let other = workspace(&*store).await;
    let t = now();
    let late = member(&*store, ws.id, "late@example.com", true, secs(t, 20)).await;
    let early = member(&*store, ws.id, "early@example.com", false, t).await;
    let middle = member(&*store, ws.id, "middle@example.com", true, secs(t, 10)).await;
    member(&*store, other.id, "elsewhere@example.com", true, t).await;

    let members = store.list_members(ws.id).await.unwrap();

    assert_eq!(members, vec![early, middle, late]);
    assert!(
        store
            .list_members(WorkspaceId::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Assignment cycles over members with `receives_leads` in join order, skipping the others,
/// and picks up a member who starts receiving leads.
pub async fn lead_assignment_cycles_round_robin_over_members_receiving_leads(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let ana = member(&*store, ws.id, "ana@example.com", true, t).await;
    member(&*store, ws.id, "boss@example.com", false, secs(t, 1)).await;
    let bob = member(&*store, ws.id, "bob@example.com", true, secs(t, 2)).await;
    let other = workspace(&*store).await;
    member(&*store, other.id, "carla@example.com", true, t).await;

    let mut picks = Vec::new();
    for _ in 0..4 {
        picks.push(store.next_lead_assignee(ws.id).await.unwrap());
    }

    let (a, b) = (Some(ana.user_id), Some(bob.user_id));
    assert_eq!(picks, vec![a, b, a, b]);

    // A third eligible member joins the rotation: cursor 4 over three members picks the second.
    let carla = member(&*store, ws.id, "cara@example.com", true, secs(t, 3)).await;
    let c = Some(carla.user_id);
    let mut picks = Vec::new();
    for _ in 0..3 {
        picks.push(store.next_lead_assignee(ws.id).await.unwrap());
    }
    assert_eq!(picks, vec![b, c, a]);
}

/// Nobody receiving leads gives `None`, and the rotation does not move meanwhile.
pub async fn lead_assignment_is_none_and_does_not_advance_when_nobody_receives_leads(
    db: &dyn TestDatabase,
) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();

    assert_eq!(store.next_lead_assignee(ws.id).await.unwrap(), None);
    assert_eq!(
        store.next_lead_assignee(WorkspaceId::new()).await.unwrap(),
        None
    );
    let ana = member(&*store, ws.id, "ana@example.com", false, t).await;
    assert_eq!(store.next_lead_assignee(ws.id).await.unwrap(), None);

    let bob = member(&*store, ws.id, "bob@example.com", true, secs(t, 1)).await;
    store
        .put_member(&Member {
            receives_leads: true,
            ..ana.clone()
        })
        .await
        .unwrap();

    // The cursor is still at 0: the first pick is the oldest eligible member.
    assert_eq!(
        store.next_lead_assignee(ws.id).await.unwrap(),
        Some(ana.user_id)
    );
    assert_eq!(
        store.next_lead_assignee(ws.id).await.unwrap(),
        Some(bob.user_id)
    );
}

/// Concurrent callers advance the cursor atomically: 16 calls over 2 members give 8 each.
pub async fn concurrent_lead_assignments_are_spread_evenly(db: &dyn TestDatabase) {
    let store = db.open().await;
    let ws = workspace(&*store).await;
    let t = now();
    let ana = member(&*store, ws.id, "ana@example.com", true, t).await;
    let bob = member(&*store, ws.id, "bob@example.com", true, secs(t, 1)).await;

    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.next_lead_assignee(ws.id).await })
        })
        .collect();
    let mut counts: HashMap<UserId, usize> = HashMap::new();
    for task in tasks {
        let pick = task
            .await
            .unwrap()
            .unwrap()
            .expect("someone receives leads");
        *counts.entry(pick).or_default() += 1;
    }

    assert_eq!(counts.get(&ana.user_id), Some(&8));
    assert_eq!(counts.get(&bob.user_id), Some(&8));
}
