//! Secret keys: generation, Argon2id derivation from a passphrase, and the subkeys each
//! configured key is split into, one per purpose, so that no key does two jobs.

use crate::error::Error;
use crate::sodium::{self, KEY_BYTES, SALT_BYTES};

/// Length of the key id written into compact cookies and store values.
pub const KEY_ID_BYTES: usize = 4;
/// Shortest passphrase accepted for derivation (koa-encrypted-session's rule).
pub const MIN_SECRET_BYTES: usize = 32;
/// Salt koa-encrypted-session uses when none is given (base64 `r7bFNKlRQnpAjvuLawnvRQ==`).
pub const DEFAULT_SALT: [u8; SALT_BYTES] = [
    0xaf, 0xb6, 0xc5, 0x34, 0xa9, 0x51, 0x42, 0x7a, 0x40, 0x8e, 0xfb, 0x8b, 0x6b, 0x09, 0xef, 0x45,
];

/// What a subkey is for. Each is keyed BLAKE2b-256 under the configured key over its own
/// context string (and, where named, the cookie's name), so a value made for one purpose never
/// opens or verifies as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// Seals compact cookies of the cookie with this name.
    CompactCookie(&'a str),
    /// Authenticates the metadata inside legacy cookies of the cookie with this name.
    LegacyMetadata(&'a str),
    /// Seals the values `encryptedStore` hands to the store.
    StoreValue,
    /// Hashes session ids into the keys `encryptedStore` hands to the store.
    StoreId,
    /// Makes the key's public id.
    KeyId,
}

impl Purpose<'_> {
    /// The message hashed under the configured key: a context string, a zero byte, the name.
    fn context(self) -> Vec<u8> {
        let (label, name): (&[u8], &str) = match self {
            Purpose::CompactCookie(name) => (b"koa-sodium-session v2 compact cookie", name),
            Purpose::LegacyMetadata(name) => (b"koa-sodium-session v2 legacy metadata", name),
            Purpose::StoreValue => (b"koa-sodium-session v2 store value", ""),
            Purpose::StoreId => (b"koa-sodium-session v2 store id", ""),
            Purpose::KeyId => (b"koa-sodium-session v2 key id", ""),
        };
        [label, b"\0", name.as_bytes()].concat()
    }
}

/// The subkey of `key` for `purpose`: BLAKE2b-256 keyed with `key` over the purpose's context.
pub fn subkey(key: &[u8; KEY_BYTES], purpose: Purpose<'_>) -> [u8; KEY_BYTES] {
    let mut out = [0u8; KEY_BYTES];
    sodium::keyed_hash(&mut out, &purpose.context(), key);
    out
}

/// The public 4-byte id of `key`: the start of its `KeyId` subkey. Names the key that sealed a
/// compact cookie without revealing anything about the key.
pub fn key_id(key: &[u8; KEY_BYTES]) -> [u8; KEY_ID_BYTES] {
    let mut derived = subkey(key, Purpose::KeyId);
    let mut id = [0u8; KEY_ID_BYTES];
    id.copy_from_slice(&derived[..KEY_ID_BYTES]);
    sodium::wipe(&mut derived);
    id
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
    fn key_id_depends_on_key() {
        assert_ne!(key_id(&[1; 32]), key_id(&[2; 32]));
        assert_eq!(key_id(&[1; 32]), key_id(&[1; 32]));
    }

    #[test]
    fn every_purpose_and_name_has_its_own_subkey() {
        let key = [5u8; 32];
        let purposes = [
            Purpose::CompactCookie("koa.sess"),
            Purpose::CompactCookie("a.sess"),
            Purpose::LegacyMetadata("koa.sess"),
            Purpose::LegacyMetadata("a.sess"),
            Purpose::StoreValue,
            Purpose::StoreId,
            Purpose::KeyId,
        ];
        let mut subkeys: Vec<_> = purposes.iter().map(|&p| subkey(&key, p)).collect();
        subkeys.push(key);
        let count = subkeys.len();
        subkeys.sort();
        subkeys.dedup();
        assert_eq!(subkeys.len(), count, "two purposes share a key");
        assert_ne!(
            subkey(&[6; 32], Purpose::StoreId),
            subkey(&key, Purpose::StoreId)
        );
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
