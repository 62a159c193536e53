-- Session key material of a bot's messaging engine (wabot_core::ports::SessionKeyStore): opaque,
-- already-encrypted blobs under byte-string keys, one namespace per bot, deleted with the bot.
CREATE TABLE session_keys (
    bot_id BLOB NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    -- UTF-8 key bytes: a blob so prefix matching and ordering are by byte on both backends.
    key    BLOB NOT NULL,
    value  BLOB NOT NULL,
    PRIMARY KEY (bot_id, key)
) WITHOUT ROWID;
