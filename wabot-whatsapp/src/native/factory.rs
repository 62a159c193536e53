//! [`NativeTransportFactory`]: builds a [`NativeTransport`] for each bot whose transport is
//! [`TransportConfig::Native`], its session in the bot's store under the host's cipher.

use std::sync::Arc;

use wabot_core::{
    TransportError,
    domain::{Bot, TransportConfig},
    ports::{MessagingTransport, SessionKeyStore, TransportFactory},
};

use super::{
    store::{KeyCipher, SessionBackend},
    transport::{NativeConfig, NativeNetwork, NativeTransport, WhatsAppNetwork},
};

/// Builds native sessions that share one store, one cipher and one network.
pub struct NativeTransportFactory {
    store: Arc<dyn SessionKeyStore>,
    cipher: Arc<dyn KeyCipher>,
    network: Arc<dyn NativeNetwork>,
    config: NativeConfig,
}

impl std::fmt::Debug for NativeTransportFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeTransportFactory")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl NativeTransportFactory {
    /// Sessions stored in `store`, sealed with `cipher`, on WhatsApp's real servers, with
    /// `config` as every bot's base settings (the bot's own pairing phone is added).
    pub fn new(
        store: Arc<dyn SessionKeyStore>,
        cipher: Arc<dyn KeyCipher>,
        config: NativeConfig,
    ) -> Self {
        Self {
            store,
            cipher,
            network: Arc::new(WhatsAppNetwork),
            config,
        }
    }

    /// Connects through `network` instead (a fake server in tests and benchmarks).
    pub fn with_network(mut self, network: Arc<dyn NativeNetwork>) -> Self {
        self.network = network;
        self
    }

    /// The stored session of `bot` (to delete it, or inspect it).
    pub fn session(&self, bot: &Bot) -> SessionBackend {
        SessionBackend::new(self.store.clone(), self.cipher.clone(), bot.id)
    }

    /// The native transport of `bot`, not yet running.
    ///
    /// # Errors
    /// [`TransportError::Config`] when the bot's transport is not `native`.
    pub fn transport(&self, bot: &Bot) -> Result<NativeTransport, TransportError> {
        let TransportConfig::Native { pairing_phone } = &bot.transport else {
            return Err(TransportError::Config(format!(
                "bot {} uses the `{}` transport, not `native`",
                bot.id,
                bot.transport.kind()
            )));
        };
        let config = NativeConfig {
            pairing_phone: pairing_phone.clone(),
            ..self.config.clone()
        };
        Ok(NativeTransport::new(
            self.session(bot),
            self.network.clone(),
            config,
        ))
    }
}

impl TransportFactory for NativeTransportFactory {
    fn create(&self, bot: &Bot) -> Result<Arc<dyn MessagingTransport>, TransportError> {
        Ok(Arc::new(self.transport(bot)?))
    }
}
