-- wabot schema for PostgreSQL.
--
-- Conventions: ids are `uuid` (v7, time-ordered); timestamps `timestamptz` (microseconds);
-- enums are their lower-case names as text; nested settings are `jsonb`.

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    -- Round-robin cursor of `next_lead_assignee`.
    lead_cursor bigint NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE members (
    workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           text NOT NULL,
    receives_leads boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE INDEX members_by_join ON members (workspace_id, created_at, user_id);

CREATE TABLE bots (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             text NOT NULL,
    prompt           text NOT NULL,
    enabled          boolean NOT NULL,
    status           text NOT NULL,
    transport        jsonb NOT NULL,
    llm              jsonb NOT NULL,
    features         jsonb NOT NULL,
    pacing           jsonb NOT NULL,
    fallback_message text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX bots_by_workspace ON bots (workspace_id, created_at, id);
CREATE INDEX bots_by_creation ON bots (created_at, id);

CREATE TABLE leads (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL,
    bot_id        uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    contact       text NOT NULL,
    display_name  text,
    name          text,
    email         text,
    location      text,
    phone         text,
    status        text NOT NULL,
    assignee      uuid,
    handler_agent uuid,
    away_sent_on  date,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    qualified_at  timestamptz,
    -- Lower-cased contact (never changes) and lower-cased display name and fields joined by
    -- U+001F, for case-insensitive substring search with the same folding as Rust's.
    contact_search text NOT NULL,
    fields_search  text NOT NULL,
    UNIQUE (bot_id, contact)
);

CREATE INDEX leads_by_workspace_status ON leads (workspace_id, status, id);
CREATE INDEX leads_by_bot ON leads (bot_id, id);
CREATE INDEX leads_by_assignee ON leads (assignee, id) WHERE assignee IS NOT NULL;

CREATE TABLE messages (
    -- Insertion order: `recent_messages` returns messages in the order they were stored.
    seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  uuid NOT NULL UNIQUE,
    bot_id              uuid NOT NULL,
    lead_id             uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    direction           text NOT NULL,
    sender              text NOT NULL,
    sender_agent        uuid,
    body                text NOT NULL,
    provider_message_id text,
    delivery            text NOT NULL,
    created_at          timestamptz NOT NULL
);

CREATE UNIQUE INDEX messages_by_provider_id ON messages (bot_id, provider_message_id);
CREATE INDEX messages_by_lead ON messages (lead_id, seq);

CREATE TABLE schedules (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL,
    bot_id           uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    action           text NOT NULL,
    trigger_spec     jsonb NOT NULL,
    status           text NOT NULL,
    next_run_at      timestamptz,
    last_executed_at timestamptz,
    created_by       uuid,
    created_at       timestamptz NOT NULL
);

CREATE INDEX schedules_due ON schedules (next_run_at, id) WHERE status = 'active';
CREATE INDEX schedules_by_bot ON schedules (bot_id, created_at, id);

-- The audit trail of schedule executions; it outlives nothing but its bot (see delete_bot).
CREATE TABLE schedule_runs (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id uuid NOT NULL,
    bot_id      uuid NOT NULL,
    action      text NOT NULL,
    due_at      timestamptz NOT NULL,
    executed_at timestamptz NOT NULL,
    error       text
);

CREATE INDEX schedule_runs_by_schedule ON schedule_runs (schedule_id, seq);
CREATE INDEX schedule_runs_by_bot ON schedule_runs (bot_id);
