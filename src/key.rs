//! Secret keys: generation, Argon2id derivation from a passphrase, and the short key id that
//! lets the compact format name the key that sealed a cookie.

use crate::error::Error;
use crate::sodium::{self, GuardedKey, KEY_BYTES, SALT_BYTES};

/// Length of the key id written into compact cookies.
pub const KEY_ID_BYTES: usize = 4;
/// Shortest passphrase accepted for derivation (koa-encrypted-session's rule).
pub const MIN_SECRET_BYTES: usize = 32;
/// Salt koa-encrypted-session uses when none is given (base64 `r7bFNKlRQnpAjvuLawnvRQ==`).
pub const DEFAULT_SALT: [u8; SALT_BYTES] = [
    0xaf, 0xb6, 0xc5, 0x34, 0xa9, 0x51, 0x42, 0x7a, 0x40, 0x8e, 0xfb, 0x8b, 0x6b, 0x09, 0xef, 0x45,
];
/// Domain-separation message hashed under the key to form its id.
const KEY_ID_CONTEXT: &[u8] = b"koa-sodium-session key id v1";

/// A secretbox key in guarded memory, with its public id.
pub struct SecretKey {
    bytes: GuardedKey,
    id: [u8; KEY_ID_BYTES],
}

impl SecretKey {
    /// Takes a copy of `bytes`, which must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let array: &[u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| Error::KeyLength(bytes.len()))?;
        let bytes = GuardedKey::new(array)?;
        let hash = sodium::keyed_hash16(KEY_ID_CONTEXT, bytes.bytes());
        let mut id = [0u8; KEY_ID_BYTES];
        id.copy_from_slice(&hash[..KEY_ID_BYTES]);
        Ok(Self { bytes, id })
    }

    /// The key bytes, for libsodium calls.
    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        self.bytes.bytes()
    }

    /// A 4-byte id, a keyed hash of a fixed string under the key: names the key without
    /// revealing anything about it.
    pub fn id(&self) -> [u8; KEY_ID_BYTES] {
        self.id
    }
}

/// Returns 32 fresh bytes from libsodium's CSPRNG.
pub fn generate() -> Result<[u8; KEY_BYTES], Error> {
    sodium::init()?;
    let mut key = [0u8; KEY_BYTES];
    sodium::random_fill(&mut key);
    Ok(key)
}

/// Derives a key from a passphrase exactly as koa-encrypted-session does: Argon2id v1.3,
/// OPSLIMIT_MODERATE, MEMLIMIT_MODERATE, a secret of at least 32 bytes and a 16-byte salt.
pub fn derive(secret: &[u8], salt: &[u8]) -> Result<[u8; KEY_BYTES], Error> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(Error::SecretLength(secret.len()));
    }
    let salt: &[u8; SALT_BYTES] = salt.try_into().map_err(|_| Error::SaltLength(salt.len()))?;
    sodium::init()?;
    let mut key = [0u8; KEY_BYTES];
    sodium::pwhash_moderate(&mut key, secret, salt)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_salt_is_koa_encrypted_sessions() {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode("r7bFNKlRQnpAjvuLawnvRQ==")
            .unwrap();
        assert_eq!(decoded, DEFAULT_SALT);
    }

    #[test]
    fn rejects_wrong_key_lengths() {
        for len in [0, 16, 31, 33, 64] {
            assert_eq!(
                SecretKey::from_slice(&vec![7; len]).err(),
                Some(Error::KeyLength(len))
            );
        }
    }

    #[test]
    fn key_id_depends_on_key() {
        let a = SecretKey::from_slice(&[1; 32]).unwrap();
        let b = SecretKey::from_slice(&[2; 32]).unwrap();
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id(), SecretKey::from_slice(&[1; 32]).unwrap().id());
    }

    /// Keys computed by sodium-native's crypto_pwhash with koa-encrypted-session's parameters.
    #[test]
    fn derive_matches_koa_encrypted_session() {
        let secret = b"correct horse battery staple, 32+ bytes long";
        let hex = |key: [u8; 32]| key.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(derive(secret, &DEFAULT_SALT).unwrap()),
            "d9650e4069fb3230a460fc82c650e4f063d2d059bce9cb469ec8758c75dd6104"
        );
        assert_eq!(
            hex(derive(secret, b"0123456789abcdef").unwrap()),
            "6e07be5d05aed442a22b47b4063cef209545678fa14173a6db026f7dee805cdf"
        );
    }

    #[test]
    fn derive_checks_lengths() {
        assert_eq!(
            derive(&[0; 31], &DEFAULT_SALT),
            Err(Error::SecretLength(31))
        );
        assert_eq!(derive(&[0; 32], &[0; 15]), Err(Error::SaltLength(15)));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(generate().unwrap(), generate().unwrap());
    }
}
