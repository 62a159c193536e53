//! Bot secrets: a bot's language-model API key and its Cloud API credentials.
//!
//! Values from outside are parsed into [`LlmApiKey`] and [`CloudSecrets`] at the boundary (a
//! 422 naming the field otherwise). [`BotSecrets`] then does every step of a change in one
//! place: encrypt bound to the bot and the secret's slot ([`secret_context`]), store, update
//! the in-memory [`SecretCache`] the factories read, and drop the bot's cached model client so
//! the next reply uses the new key. Secrets are write-only: nothing here returns them.

use secrecy::{ExposeSecret, SecretString};
use wabot_core::{ValidationError, ids::BotId, ports::ServerStore};

use crate::{
    crypto::Crypto,
    state::AppState,
    wiring::{CLOUD_CREDENTIALS, LLM_API_KEY, LlmRouter, SecretCache, secret_context},
};

/// A language-model API key: 1–500 printable characters, surrounding blanks removed.
pub struct LlmApiKey(SecretString);

impl std::fmt::Debug for LlmApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LlmApiKey(..)")
    }
}

impl LlmApiKey {
    /// Parses the key given as `api_key`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let key = raw.trim();
        if key.is_empty() || key.len() > 500 || key.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "api_key",
                "must be 1–500 printable characters",
            ));
        }
        Ok(Self(SecretString::from(key.to_string())))
    }
}

/// The three Cloud API credentials of a bot, each 1–1000 characters (blanks around removed).
pub struct CloudSecrets {
    access_token: SecretString,
    app_secret: SecretString,
    verify_token: SecretString,
}

impl std::fmt::Debug for CloudSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CloudSecrets(..)")
    }
}

impl CloudSecrets {
    /// Parses the values given as `access_token`, `app_secret` and `verify_token`; the first
    /// bad one is the error.
    pub fn parse(
        access_token: &str,
        app_secret: &str,
        verify_token: &str,
    ) -> Result<Self, ValidationError> {
        let one = |field: &'static str, v: &str| {
            if v.trim().is_empty() || v.len() > 1000 {
                Err(ValidationError::new(field, "must be 1–1000 characters"))
            } else {
                Ok(SecretString::from(v.trim().to_string()))
            }
        };
        Ok(Self {
            access_token: one("access_token", access_token)?,
            app_secret: one("app_secret", app_secret)?,
            verify_token: one("verify_token", verify_token)?,
        })
    }
}

/// Changes bot secrets: storage (encrypted), the decrypted cache and the model clients, kept
/// in step.
pub struct BotSecrets<'a> {
    store: &'a dyn ServerStore,
    crypto: &'a Crypto,
    cache: &'a SecretCache,
    llm: &'a LlmRouter,
}

impl std::fmt::Debug for BotSecrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotSecrets").finish_non_exhaustive()
    }
}

impl<'a> BotSecrets<'a> {
    /// The secrets service over the server's store, master key, cache and model router.
    pub fn of(state: &'a AppState) -> Self {
        Self {
            store: state.store.as_ref(),
            crypto: state.crypto.as_ref(),
            cache: state.secrets.as_ref(),
            llm: state.llm.as_ref(),
        }
    }

    /// Stores `key` as the bot's model API key; the bot's next model call uses it.
    pub async fn set_llm_key(&self, bot: BotId, key: LlmApiKey) -> wabot_core::Result<()> {
        let blob = self.crypto.encrypt_bound(
            key.0.expose_secret().as_bytes(),
            &secret_context(bot, LLM_API_KEY),
        );
        self.store.put_bot_secret(bot, LLM_API_KEY, &blob).await?;
        self.cache.set_llm_key(bot, Some(key.0));
        self.llm.invalidate(bot);
        Ok(())
    }

    /// Removes the bot's model API key.
    pub async fn clear_llm_key(&self, bot: BotId) -> wabot_core::Result<()> {
        self.store.put_bot_secret(bot, LLM_API_KEY, &[]).await?;
        self.forget(bot);
        Ok(())
    }

    /// Stores the bot's Cloud API credentials; its transport reads them from the cache.
    pub async fn set_cloud_credentials(
        &self,
        bot: BotId,
        secrets: CloudSecrets,
    ) -> wabot_core::Result<()> {
        let blob = SecretCache::seal_cloud(
            self.crypto,
            bot,
            secrets.access_token.expose_secret(),
            secrets.app_secret.expose_secret(),
            secrets.verify_token.expose_secret(),
        );
        self.store
            .put_bot_secret(bot, CLOUD_CREDENTIALS, &blob)
            .await?;
        self.cache.reload_bot(self.store, self.crypto, bot).await
    }

    /// Drops what this process holds of the bot's model key (after the key was cleared or the
    /// bot deleted).
    pub fn forget(&self, bot: BotId) {
        self.cache.set_llm_key(bot, None);
        self.llm.invalidate(bot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_credentials_are_parsed_at_the_boundary() {
        assert!(LlmApiKey::parse("  sk-abc  ").is_ok());
        for bad in ["", "   ", "sk-\u{7}", &"k".repeat(501)] {
            assert_eq!(LlmApiKey::parse(bad).unwrap_err().field, "api_key");
        }
        assert!(CloudSecrets::parse("token", "secret", "verify").is_ok());
        let err = CloudSecrets::parse("token", " ", "verify").unwrap_err();
        assert_eq!(err.field, "app_secret");
        let err = CloudSecrets::parse("token", "secret", &"v".repeat(1001)).unwrap_err();
        assert_eq!(err.field, "verify_token");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = LlmApiKey::parse("sk-very-secret").unwrap();
        assert!(!format!("{key:?}").contains("very-secret"));
        let cloud = CloudSecrets::parse("tok-secret", "app-secret", "ver-secret").unwrap();
        assert!(!format!("{cloud:?}").contains("secret"));
    }
}
