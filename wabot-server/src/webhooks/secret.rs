//! Webhook signing secrets: generated, and sealed at rest with the master key.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use uuid::Uuid;

use crate::crypto::{Crypto, CryptoError};

/// A new random signing secret: `whsec_` + 32 random bytes in base64url.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn context(webhook: Uuid) -> Vec<u8> {
    format!("webhook:{webhook}:secret").into_bytes()
}

/// Encrypts a webhook's secret, bound to the webhook's id.
pub fn seal_secret(crypto: &Crypto, webhook: Uuid, secret: &str) -> Vec<u8> {
    crypto.encrypt_bound(secret.as_bytes(), &context(webhook))
}

/// Decrypts a webhook's secret.
pub fn open_secret(crypto: &Crypto, webhook: Uuid, sealed: &[u8]) -> Result<String, CryptoError> {
    let plain = crypto.decrypt_bound(sealed, &context(webhook))?;
    String::from_utf8(plain).map_err(|_| CryptoError::Format)
}
