-- Session key material of a bot's messaging engine (wabot_core::ports::SessionKeyStore): opaque,
-- already-encrypted blobs under byte-string keys, one namespace per bot, deleted with the bot.
CREATE TABLE session_keys (
    bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    -- UTF-8 key bytes: a blob so prefix matching and ordering are by byte on both backends.
    key    bytea NOT NULL,
    value  bytea NOT NULL,
    PRIMARY KEY (bot_id, key)
);
