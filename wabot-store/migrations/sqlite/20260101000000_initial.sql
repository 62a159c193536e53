-- wabot schema for SQLite.
--
-- Conventions: ids are 16-byte UUID blobs (byte order = UUID v7 time order); timestamps are
-- INTEGER microseconds since the Unix epoch (UTC); dates are TEXT `YYYY-MM-DD`; enums are their
-- lower-case names; nested settings are JSON text. Tables are STRICT so a wrong type is an error.

CREATE TABLE workspaces (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Round-robin cursor of `next_lead_assignee`.
    lead_cursor INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE users (
    id         BLOB PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    workspace_id   BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT NOT NULL,
    receives_leads INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX members_by_join ON members (workspace_id, created_at, user_id);

CREATE TABLE bots (
    id               BLOB PRIMARY KEY NOT NULL,
    workspace_id     BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    enabled          INTEGER NOT NULL,
    status           TEXT NOT NULL,
    transport        TEXT NOT NULL,
    llm              TEXT NOT NULL,
    features         TEXT NOT NULL,
    pacing           TEXT NOT NULL,
    fallback_message TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX bots_by_workspace ON bots (workspace_id, created_at, id);
CREATE INDEX bots_by_creation ON bots (created_at, id);

CREATE TABLE leads (
    id            BLOB PRIMARY KEY NOT NULL,
    workspace_id  BLOB NOT NULL,
    bot_id        BLOB NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    contact       TEXT NOT NULL,
    display_name  TEXT,
    name          TEXT,
    email         TEXT,
    location      TEXT,
    phone         TEXT,
    status        TEXT NOT NULL,
    assignee      BLOB,
    handler_agent BLOB,
    away_sent_on  TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    qualified_at  INTEGER,
    -- Lower-cased contact (never changes) and lower-cased display name and fields joined by
    -- U+001F, for case-insensitive substring search with the same folding as Rust's.
    contact_search TEXT NOT NULL,
    fields_search  TEXT NOT NULL,
    UNIQUE (bot_id, contact)
) STRICT, WITHOUT ROWID;

CREATE INDEX leads_by_workspace_status ON leads (workspace_id, status, id);
CREATE INDEX leads_by_bot ON leads (bot_id, id);
CREATE INDEX leads_by_assignee ON leads (assignee, id) WHERE assignee IS NOT NULL;

CREATE TABLE messages (
    -- Insertion order: `recent_messages` returns messages in the order they were stored.
    seq                 INTEGER PRIMARY KEY,
    id                  BLOB NOT NULL UNIQUE,
    bot_id              BLOB NOT NULL,
    lead_id             BLOB NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    direction           TEXT NOT NULL,
    sender              TEXT NOT NULL,
    sender_agent        BLOB,
    body                TEXT NOT NULL,
    provider_message_id TEXT,
    delivery            TEXT NOT NULL,
    created_at          INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX messages_by_provider_id ON messages (bot_id, provider_message_id);
CREATE INDEX messages_by_lead ON messages (lead_id, seq);

CREATE TABLE schedules (
    id               BLOB PRIMARY KEY NOT NULL,
    workspace_id     BLOB NOT NULL,
    bot_id           BLOB NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    action           TEXT NOT NULL,
    trigger_spec     TEXT NOT NULL,
    status           TEXT NOT NULL,
    next_run_at      INTEGER,
    last_executed_at INTEGER,
    created_by       BLOB,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX schedules_due ON schedules (next_run_at, id) WHERE status = 'active';
CREATE INDEX schedules_by_bot ON schedules (bot_id, created_at, id);

-- The audit trail of schedule executions; it outlives nothing but its bot (see delete_bot).
CREATE TABLE schedule_runs (
    seq         INTEGER PRIMARY KEY,
    schedule_id BLOB NOT NULL,
    bot_id      BLOB NOT NULL,
    action      TEXT NOT NULL,
    due_at      INTEGER NOT NULL,
    executed_at INTEGER NOT NULL,
    error       TEXT
) STRICT;

CREATE INDEX schedule_runs_by_schedule ON schedule_runs (schedule_id, seq);
CREATE INDEX schedule_runs_by_bot ON schedule_runs (bot_id);
