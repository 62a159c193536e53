-- What the server persists beyond the engine: memberships by user, API tokens, bot secrets,
-- webhooks and their delivery outbox. Same conventions as the initial schema (UUID blobs,
-- INTEGER microseconds, STRICT tables).

-- `list_memberships`: a user's workspaces, oldest first.
CREATE INDEX members_by_user ON members (user_id, created_at, workspace_id);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    -- Hex SHA-256 of the whole token: how a presented token is looked up.
    hash         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_by   BLOB,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, created_at, id);

-- Secrets of a bot (e.g. its LLM API key), encrypted by the host; deleted with the bot.
CREATE TABLE bot_secrets (
    bot_id     BLOB NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (bot_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE webhooks (
    id                BLOB PRIMARY KEY NOT NULL,
    workspace_id      BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url               TEXT NOT NULL,
    -- JSON array of event names; empty means every event.
    events            TEXT NOT NULL,
    secret_ciphertext BLOB NOT NULL,
    created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, created_at, id);

-- The outbox: one row per event and webhook until delivered or given up.
CREATE TABLE webhook_deliveries (
    id              BLOB PRIMARY KEY NOT NULL,
    webhook_id      BLOB NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    -- When the next attempt is due; a claim moves it to the end of the worker's lease.
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at, id);

