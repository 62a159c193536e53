//! [`SessionKeyStore`] for [`MemoryStore`]: per-bot ordered maps, with the SQL stores'
//! semantics (checked by the conformance suite).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::store::MemoryStore;
use crate::{
    error::{Error, Result},
    ids::BotId,
    ports::{SessionKeyStore, SessionKeyWrite},
};

/// Session keys in memory, per bot, ordered by key.
#[derive(Default)]
pub(super) struct SessionKeyState {
    bots: HashMap<BotId, BTreeMap<String, Vec<u8>>>,
}

impl SessionKeyState {
    /// Deletes a bot's keys (the bot was deleted).
    pub(super) fn forget_bot(&mut self, bot: BotId) {
        self.bots.remove(&bot);
    }
}

#[async_trait]
impl SessionKeyStore for MemoryStore {
    async fn get_session_key(&self, bot: BotId, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.with(|s| s.session_keys.bots.get(&bot)?.get(key).cloned()))
    }

    async fn write_session_keys(&self, bot: BotId, writes: Vec<SessionKeyWrite>) -> Result<()> {
        self.with(|s| {
            if !s.bots.contains_key(&bot) {
                return Err(Error::BotNotFound(bot));
            }
            let keys = s.session_keys.bots.entry(bot).or_default();
            for change in writes {
                match change {
                    SessionKeyWrite::Put { key, value } => {
                        keys.insert(key, value);
                    }
                    SessionKeyWrite::Delete { key } => {
                        keys.remove(&key);
                    }
                }
            }
            Ok(())
        })
    }

    async fn list_session_keys(&self, bot: BotId, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(self.with(|s| {
            let Some(keys) = s.session_keys.bots.get(&bot) else {
                return Vec::new();
            };
            keys.range(prefix.to_string()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }))
    }

    async fn delete_session_keys(&self, bot: BotId, prefix: &str) -> Result<u64> {
        Ok(self.with(|s| {
            let Some(keys) = s.session_keys.bots.get_mut(&bot) else {
                return 0;
            };
            let before = keys.len();
            keys.retain(|k, _| !k.starts_with(prefix));
            (before - keys.len()) as u64
        }))
    }
}
