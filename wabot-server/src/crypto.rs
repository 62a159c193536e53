//! Secrets at rest: ChaCha20-Poly1305 with a random nonce per message under one master key.
//!
//! A sealed blob is `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`. The
//! version byte lets a later key or algorithm change decrypt old blobs. Optional associated
//! data binds a blob to its slot (e.g. `bot:{id}:llm_api_key`), so a ciphertext copied to
//! another bot's row does not decrypt.

use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng, Payload},
};
use secrecy::{ExposeSecret, SecretString};

/// The current blob format.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// Why a key or a blob was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The master key is not 32 bytes of base64 or hex.
    #[error(
        "WABOT_MASTER_KEY must be 32 random bytes as base64 (44 characters) or hex (64 \
         characters); generate one with `openssl rand -base64 32`"
    )]
    BadKey,
    /// The blob is too short or has an unknown version.
    #[error("the encrypted value has an unknown format")]
    Format,
    /// Authentication failed: wrong key, wrong slot or tampered data.
    #[error("the encrypted value does not decrypt with this master key")]
    Decrypt,
    /// Reading or writing the demo key file failed.
    #[error("master key file {0}: {1}")]
    KeyFile(String, std::io::Error),
}

/// Encrypts and decrypts secrets with the master key. `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct Crypto {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypto(..)")
    }
}

impl Crypto {
    /// A crypto with a raw 32-byte key.
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(&Key::from(key)),
        }
    }

    /// Parses a key given as base64 (standard or URL-safe, padded or not) or hex.
    pub fn from_encoded(encoded: &SecretString) -> Result<Self, CryptoError> {
        let raw = encoded.expose_secret().trim();
        let bytes = if raw.len() == 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(raw).map_err(|_| CryptoError::BadKey)?
        } else {
            let engines = [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::URL_SAFE,
                base64::engine::general_purpose::STANDARD_NO_PAD,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ];
            engines
                .iter()
                .find_map(|e| e.decode(raw).ok())
                .ok_or(CryptoError::BadKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self::new(key))
    }

    /// Loads the key stored at `path`, or creates one there (mode 0600) when missing. For demo
    /// mode only: a production key belongs in `WABOT_MASTER_KEY`.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        let err = |e| CryptoError::KeyFile(path.display().to_string(), e);
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_encoded(&SecretString::from(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(err)?;
                }
                let encoded = base64::engine::general_purpose::STANDARD.encode(key);
                write_private(path, &encoded).map_err(err)?;
                Ok(Self::new(key))
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Seals `plaintext`.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        self.encrypt_bound(plaintext, b"")
    }

    /// Opens a blob sealed by [`encrypt`](Self::encrypt).
    pub fn decrypt(&self, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.decrypt_bound(blob, b"")
    }

    /// Seals `plaintext` bound to `context` (which must be given again to decrypt).
    pub fn encrypt_bound(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("ChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a blob sealed by [`encrypt_bound`](Self::encrypt_bound) with the same `context`.
    pub fn decrypt_bound(&self, blob: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if blob.len() < 1 + NONCE_LEN + 16 || blob[0] != VERSION {
            return Err(CryptoError::Format);
        }
        let nonce: [u8; NONCE_LEN] = blob[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| CryptoError::Format)?;
        let nonce = Nonce::from(nonce);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &blob[1 + NONCE_LEN..],
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_random_nonces() {
        let c = Crypto::new([7; 32]);
        let a = c.encrypt(b"sk-secret");
        let b = c.encrypt(b"sk-secret");
        assert_ne!(a, b, "nonces differ");
        assert_eq!(c.decrypt(&a).unwrap(), b"sk-secret");
    }

    #[test]
    fn wrong_key_context_or_tampering_is_refused() {
        let c = Crypto::new([7; 32]);
        let blob = c.encrypt_bound(b"x", b"bot:1");
        assert!(c.decrypt_bound(&blob, b"bot:2").is_err());
        assert!(Crypto::new([8; 32]).decrypt_bound(&blob, b"bot:1").is_err());
        let mut t = blob.clone();
        *t.last_mut().unwrap() ^= 1;
        assert!(c.decrypt_bound(&t, b"bot:1").is_err());
        assert!(matches!(c.decrypt(&[2; 40]), Err(CryptoError::Format)));
    }

    #[test]
    fn keys_parse_from_base64_and_hex_only_at_32_bytes() {
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert!(Crypto::from_encoded(&b64.into()).is_ok());
        assert!(Crypto::from_encoded(&hex::encode([1u8; 32]).into()).is_ok());
        assert!(Crypto::from_encoded(&"short".to_string().into()).is_err());
    }

    #[test]
    fn demo_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let blob = Crypto::load_or_create(&path).unwrap().encrypt(b"v");
        let again = Crypto::load_or_create(&path).unwrap();
        assert_eq!(again.decrypt(&blob).unwrap(), b"v");
    }
}
