-- Which replica runs which bot (see wabot_core::cluster). No foreign key to bots: a lease of a
-- deleted bot is harmless and expires.
CREATE TABLE bot_leases (
    bot_id     uuid PRIMARY KEY,
    holder     TEXT NOT NULL,
    -- Fencing token: increases by one at every change of holder.
    token      BIGINT NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Replica heartbeats: the live replicas bots are spread across.
CREATE TABLE replicas (
    id      TEXT PRIMARY KEY NOT NULL,
    seen_at timestamptz NOT NULL
);
