//! API token secrets: `wbt_<base64url of 32 random bytes>`, stored as a SHA-256 hex hash.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API token starts with this, so a bearer is recognised without a lookup.
pub const TOKEN_PREFIX: &str = "wbt_";

/// A new random token secret (shown to its creator once).
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored hash of a token: hex SHA-256 of the whole string.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The recognisable beginning of a token shown in lists (`wbt_` + 6 characters).
pub fn token_display_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_prefixed_unique_and_hash_to_hex() {
        let (a, b) = (generate_token(), generate_token());
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(hash_token(&a).len(), 64);
        assert_eq!(token_display_prefix(&a).len(), 10);
    }
}
