//! The transports of running bots, shared by the supervisor (which registers them) and the
//! engine (which sends through them).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use crate::{ids::BotId, ports::MessagingTransport};

/// Running transports by bot.
#[derive(Clone, Default)]
pub struct TransportRegistry {
    inner: Arc<RwLock<HashMap<BotId, Arc<dyn MessagingTransport>>>>,
}

impl TransportRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the running transport of `bot`, replacing any previous one.
    pub fn insert(&self, bot: BotId, transport: Arc<dyn MessagingTransport>) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(bot, transport);
    }

    /// Forgets the transport of `bot`.
    pub fn remove(&self, bot: BotId) {
        self.inner
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&bot);
    }

    /// The running transport of `bot`.
    pub fn get(&self, bot: BotId) -> Option<Arc<dyn MessagingTransport>> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&bot)
            .cloned()
    }
}
