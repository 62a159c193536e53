-- What the server persists beyond the engine: memberships by user, API tokens, bot secrets,
-- webhooks and their delivery outbox. Same conventions as the initial schema (uuid,
-- timestamptz, jsonb).

-- `list_memberships`: a user's workspaces, oldest first.
CREATE INDEX members_by_user ON members (user_id, created_at, workspace_id);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL,
    -- Hex SHA-256 of the whole token: how a presented token is looked up.
    hash         text NOT NULL UNIQUE,
    role         text NOT NULL,
    created_by   uuid,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, created_at, id);

-- Secrets of a bot (e.g. its LLM API key), encrypted by the host; deleted with the bot.
CREATE TABLE bot_secrets (
    bot_id     uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    name       text NOT NULL,
    ciphertext bytea NOT NULL,
    PRIMARY KEY (bot_id, name)
);

CREATE TABLE webhooks (
    id                uuid PRIMARY KEY,
    workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url               text NOT NULL,
    -- JSON array of event names; empty means every event.
    events            jsonb NOT NULL,
    secret_ciphertext bytea NOT NULL,
    created_at        timestamptz NOT NULL
);

CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, created_at, id);

-- The outbox: one row per event and webhook until delivered or given up.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           text NOT NULL,
    payload         text NOT NULL,
    state           text NOT NULL,
    attempts        bigint NOT NULL,
    -- When the next attempt is due; a claim moves it to the end of the worker's lease.
    next_attempt_at timestamptz NOT NULL,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at, id);

