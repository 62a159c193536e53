//! The store conformance suite: one set of test cases that every store backend runs, so the
//! in-memory, SQLite and PostgreSQL stores behave alike (enabled by the `conformance` feature).
//!
//! A backend supplies a [`TestDatabase`]: a fresh, empty database (a temporary file, a new
//! schema, a new in-memory store) that can open any number of store instances on the same data.
//! The [`store_conformance_tests!`](crate::store_conformance_tests) macro then expands to one
//! `#[tokio::test]` per case:
//!
//! ```ignore
//! use wabot_core::conformance::MemoryDatabase;
//!
//! async fn database() -> MemoryDatabase {
//!     MemoryDatabase::new()
//! }
//!
//! wabot_core::store_conformance_tests!(database);
//! ```
//!
//! The calling crate needs `tokio` (features `macros` and `rt-multi-thread`) as a
//! dev-dependency. Each case is also a public function in [`cases`] taking a
//! `&dyn TestDatabase`, for backends that want to drive the cases themselves.
//!
//! Timestamps in the cases are truncated to microseconds, the precision SQL stores keep.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{memory::MemoryStore, ports::ServerStore};

mod access;
mod bots;
mod handling;
mod leads;
mod leases;
mod messages;
mod reports;
mod restart;
mod schedules;
mod session_keys;
mod sessions;
mod support;
mod webhooks;
mod workspaces;

/// Every conformance case, as `async fn(&dyn TestDatabase)`.
pub mod cases {
    pub use super::{
        access::*, bots::*, handling::*, leads::*, leases::*, messages::*, reports::*, restart::*,
        schedules::*, session_keys::*, sessions::*, webhooks::*, workspaces::*,
    };
}

/// A fresh, empty database for one conformance case.
#[async_trait]
pub trait TestDatabase: Send + Sync {
    /// Opens a store instance on this database. The first call sees an empty database; later
    /// calls open further instances on the same data, as a restarted process (or a second
    /// replica) would, while earlier instances may still be in use.
    ///
    /// The store implements every port the server persists through ([`ServerStore`]); the
    /// engine's cases use only its [`Store`](crate::ports::Store) part.
    async fn open(&self) -> Arc<dyn ServerStore>;

    /// Called after a case passed: removes what the database left behind (a failed case keeps
    /// it for inspection). Does nothing by default.
    async fn cleanup(&self) {}
}

/// The [`TestDatabase`] of [`MemoryStore`]: every [`open`](TestDatabase::open) returns the same
/// store, so "reopening" sees the same data.
#[derive(Default)]
pub struct MemoryDatabase {
    store: Arc<MemoryStore>,
}

impl MemoryDatabase {
    /// A new, empty in-memory database.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl TestDatabase for MemoryDatabase {
    async fn open(&self) -> Arc<dyn ServerStore> {
        self.store.clone()
    }
}

/// Expands to one `#[tokio::test]` per conformance case, each running on a fresh database from
/// `$database`: a function or closure returning a future of a [`TestDatabase`]
/// (`async fn database() -> impl TestDatabase`).
#[macro_export]
macro_rules! store_conformance_tests {
    ($database:expr) => {
        $crate::store_conformance_tests!(@cases $database;
            // workspaces, users, members
            duplicate_workspace_is_a_conflict_and_missing_one_is_none,
            upserting_a_known_email_returns_the_existing_user_unchanged,
            upserting_a_taken_id_with_another_email_is_a_conflict,
            users_are_found_by_id_and_by_email,
            put_member_needs_an_existing_workspace_and_user,
            put_member_updates_role_and_lead_flag_but_keeps_join_time,
            members_are_listed_oldest_first_per_workspace,
            lead_assignment_cycles_round_robin_over_members_receiving_leads,
            lead_assignment_is_none_and_does_not_advance_when_nobody_receives_leads,
            concurrent_lead_assignments_are_spread_evenly,
            // bots
            bot_round_trips_with_every_setting,
            creating_a_bot_needs_its_workspace_and_a_free_id,
            changing_a_missing_bot_fails_with_bot_not_found,
            bots_are_listed_oldest_first_per_workspace_or_all,
            update_bot_replaces_settings_but_keeps_status_workspace_and_creation_time,
            enabling_and_status_changes_record_the_change_time,
            deleting_a_bot_removes_its_leads_messages_schedules_and_history,
            // leads
            first_inbound_creates_the_lead_and_later_ones_reuse_it,
            inbound_with_a_known_provider_id_is_a_duplicate_for_that_bot_only,
            inbound_updates_the_display_name_only_when_given,
            inbound_for_a_missing_bot_fails_with_bot_not_found,
            concurrent_first_messages_of_a_contact_create_one_lead,
            concurrent_redeliveries_of_one_message_are_recorded_once,
            update_lead_persists_mutable_state_and_keeps_identity,
            updating_a_missing_lead_fails_with_lead_not_found,
            leads_are_listed_newest_first_with_exact_filters,
            lead_search_is_case_insensitive_over_contact_and_fields,
            lead_search_treats_wildcards_literally,
            leads_are_filtered_by_creation_window,
            leads_are_paged_with_the_before_cursor_and_clamped_limit,
            // messages
            outbound_message_needs_its_lead_and_unique_ids,
            recent_messages_are_the_last_n_in_stored_order,
            mark_sent_records_provider_id_and_delivery,
            mark_sent_records_the_failure_reason,
            marking_a_missing_message_fails_with_not_found,
            acks_apply_only_when_they_are_progress,
            acks_for_unknown_messages_or_other_bots_change_nothing,
            // crash recovery: inbound handling and unfinished work
            an_inbound_message_is_pending_until_one_reply_claims_it,
            settling_moves_a_pending_message_once,
            pending_inbound_is_per_bot_before_a_time_in_stored_order,
            pending_outbound_lists_unfinished_sends_only,
            racing_replies_to_one_message_store_exactly_one,
            unfinished_work_and_the_unanswered_flag_survive_reopening,
            // schedules
            schedules_round_trip_with_once_and_cron_triggers,
            creating_a_schedule_needs_its_bot_and_a_free_id,
            schedules_are_listed_oldest_first_per_bot,
            cancel_deactivates_an_active_schedule_only,
            cancelling_a_missing_schedule_fails_with_schedule_not_found,
            due_schedules_are_active_ones_due_by_now_earliest_first,
            next_due_at_is_the_earliest_active_run,
            claiming_a_run_is_a_compare_and_set_on_the_due_time,
            exactly_one_of_eight_racing_claims_wins,
            schedule_runs_are_kept_in_recorded_order,
            // restart
            data_survives_reopening_the_database,
            racing_claims_from_two_store_instances_fire_once,
            // access: workspaces, memberships, API tokens, bot secrets
            workspaces_are_listed_oldest_first,
            memberships_of_a_user_are_listed_oldest_first_across_workspaces,
            removing_a_member_deletes_only_that_membership,
            api_tokens_round_trip_and_are_found_by_hash,
            api_token_ids_and_hashes_are_unique_and_need_a_workspace,
            api_tokens_are_listed_newest_first_per_workspace,
            revoking_a_token_keeps_the_first_revocation_time,
            a_workspace_cannot_revoke_another_workspaces_token,
            touching_a_token_only_moves_its_last_use_forward,
            bot_secrets_are_replaced_per_bot_and_name,
            deleting_a_bot_deletes_its_secrets,
            // webhooks and their outbox
            webhooks_round_trip_and_are_listed_oldest_first_per_workspace,
            creating_a_webhook_needs_its_workspace_and_a_free_id,
            deleting_a_webhook_removes_its_deliveries,
            a_workspace_cannot_delete_another_workspaces_webhook,
            enqueueing_deliveries_is_all_or_nothing,
            claims_lease_the_earliest_due_pending_deliveries,
            a_delivery_whose_lease_ran_out_is_claimed_again,
            finishing_a_delivery_records_the_outcome_only,
            deliveries_are_listed_newest_first_per_webhook,
            concurrent_claims_hand_out_each_delivery_exactly_once,
            // leases between replicas
            a_lease_is_taken_renewed_by_its_holder_and_refused_to_others,
            an_expired_or_released_lease_passes_on_with_a_higher_token,
            racing_replicas_take_a_lease_exactly_once,
            heartbeats_list_live_replicas,
            // session key material (native engine)
            session_keys_round_trip_per_bot,
            a_batch_of_session_key_writes_applies_in_order_and_needs_the_bot,
            session_keys_are_listed_and_deleted_by_prefix_in_key_order,
            deleting_a_bot_deletes_its_session_keys,
            session_keys_are_seen_by_a_reopened_store,
            // ended dashboard sessions
            a_revoked_session_stays_revoked_after_reopening,
            expired_revocations_are_dropped,
            // reports
            messages_are_counted_per_utc_day_and_direction,
            leads_are_counted_per_status_in_pipeline_order,
            bot_activity_counts_messages_and_leads_since_a_time_per_bot,
        );
    };
    (@cases $database:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let database = ($database)().await;
                $crate::conformance::cases::$case(&database).await;
                $crate::conformance::TestDatabase::cleanup(&database).await;
            }
        )*
    };
}
