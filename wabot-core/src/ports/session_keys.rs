//! Session key material of a bot's messaging engine (for the native WhatsApp engine: Signal
//! identities, sessions, pre-keys, app-state keys, the device record), stored by the bot's own
//! store so a restart — or another process on the same database — resumes the session without
//! pairing again.
//!
//! The store sees opaque blobs under string keys, one namespace per bot. The engine adapter
//! chooses the key layout (`"<kind>/<id>"`, so a kind is listed or deleted by its prefix) and
//! encrypts values before they reach the store (the server's master key; `wabot-whatsapp`'s
//! native engine wraps the store in a cipher). Deleting the bot deletes its keys.

use async_trait::async_trait;

use crate::{error::Result, ids::BotId};

/// One change in an atomic [`SessionKeyStore::write_session_keys`] batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKeyWrite {
    /// Sets `key` to `value`, replacing what was there.
    Put {
        /// The key within the bot's namespace.
        key: String,
        /// The (already encrypted) value.
        value: Vec<u8>,
    },
    /// Removes `key`; removing a missing key is not an error.
    Delete {
        /// The key within the bot's namespace.
        key: String,
    },
}

impl SessionKeyWrite {
    /// The key this change applies to.
    pub fn key(&self) -> &str {
        match self {
            Self::Put { key, .. } | Self::Delete { key } => key,
        }
    }
}

/// Per-bot key/value storage for session key material.
///
/// Writes are durable when the call returns: the engine relies on that before it acknowledges
/// a message to the network (losing a ratchet step means undecryptable messages).
#[async_trait]
pub trait SessionKeyStore: Send + Sync {
    /// The value under `key` for `bot`, if any.
    async fn get_session_key(&self, bot: BotId, key: &str) -> Result<Option<Vec<u8>>>;

    /// Applies every change of `writes`, in order, in one transaction: all or nothing.
    /// Fails with [`Error::BotNotFound`](crate::Error::BotNotFound) (memory) or a storage
    /// error (SQL foreign key) when the bot does not exist.
    async fn write_session_keys(&self, bot: BotId, writes: Vec<SessionKeyWrite>) -> Result<()>;

    /// Every key of `bot` starting with `prefix` (all of them for `""`), with its value, in
    /// byte order of the key.
    async fn list_session_keys(&self, bot: BotId, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;

    /// Deletes every key of `bot` starting with `prefix` (all of them for `""`) and returns how
    /// many were deleted.
    async fn delete_session_keys(&self, bot: BotId, prefix: &str) -> Result<u64>;

    /// Sets one key (a one-change [`write_session_keys`](Self::write_session_keys)).
    async fn put_session_key(&self, bot: BotId, key: &str, value: Vec<u8>) -> Result<()> {
        let put = SessionKeyWrite::Put {
            key: key.to_string(),
            value,
        };
        self.write_session_keys(bot, vec![put]).await
    }

    /// Removes one key; removing a missing key is not an error.
    async fn delete_session_key(&self, bot: BotId, key: &str) -> Result<()> {
        let delete = SessionKeyWrite::Delete {
            key: key.to_string(),
        };
        self.write_session_keys(bot, vec![delete]).await
    }

    /// Deletes the whole session of `bot` (logout, re-pairing).
    async fn clear_session_keys(&self, bot: BotId) -> Result<u64> {
        self.delete_session_keys(bot, "").await
    }
}
