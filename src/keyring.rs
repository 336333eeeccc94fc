//! A keyring: the configured keys, newest first, split into their subkeys and held in guarded
//! memory, one run for the whole ring.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::Error;
use crate::guarded::Guarded;
use crate::key::{self, Purpose, KEY_ID_BYTES};
use crate::sodium::{self, KEY_BYTES};
use crate::wire::Format;

/// What a keyring seals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seals {
    /// Session cookies of one cookie name, written in this format (both are read).
    Cookies(Format),
    /// The values `encryptedStore` hands to a koa-session store, always in the compact layout.
    StoreValues,
}

/// Subkeys kept per configured key: see `Keyring::box_key`, `legacy_key` and `tag_key`.
const SLOTS: usize = 3;

/// What a keyring accepts besides its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest value it writes or reads, in characters.
    pub max_value_chars: usize,
    /// The issue time (ms) given to a session that carries none, or 0 to leave it unknown.
    pub assume_issued_at: u64,
}

impl Limits {
    /// Cookies up to `MAX_COOKIE_CHARS`, no assumed issue time.
    pub const COOKIE: Limits = Limits {
        max_value_chars: crate::wire::MAX_COOKIE_CHARS,
        assume_issued_at: 0,
    };
}

/// Keys newest first: the first seals, any of them opens.
pub struct Keyring {
    seals: Seals,
    limits: Limits,
    ids: Vec<[u8; KEY_ID_BYTES]>,
    /// Per key, `SLOTS` subkeys of 32 bytes.
    material: Guarded,
}

impl Keyring {
    /// A keyring for the cookie named `name` over `keys` (each 32 bytes), newest first.
    pub fn for_cookies(
        keys: &[&[u8]],
        name: &str,
        format: Format,
        limits: Limits,
    ) -> Result<Self, Error> {
        Self::new(keys, Seals::Cookies(format), limits, |key| {
            [
                key::subkey(key, Purpose::CompactCookie(name)),
                *key,
                key::subkey(key, Purpose::LegacyMetadata(name)),
            ]
        })
    }

    /// A keyring for `encryptedStore` values over `keys` (each 32 bytes), newest first.
    pub fn for_store(keys: &[&[u8]], limits: Limits) -> Result<Self, Error> {
        Self::new(keys, Seals::StoreValues, limits, |key| {
            [
                key::subkey(key, Purpose::StoreValue),
                [0; KEY_BYTES],
                key::subkey(key, Purpose::StoreId),
            ]
        })
    }

    fn new(
        keys: &[&[u8]],
        seals: Seals,
        limits: Limits,
        subkeys: impl Fn(&[u8; KEY_BYTES]) -> [[u8; KEY_BYTES]; SLOTS],
    ) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::NoKeys);
        }
        let mut material = Guarded::zeroed(keys.len() * SLOTS * KEY_BYTES)?;
        let mut ids = Vec::with_capacity(keys.len());
        let slots = material.bytes_mut().chunks_exact_mut(SLOTS * KEY_BYTES);
        for (&bytes, slot) in keys.iter().zip(slots) {
            let key: &[u8; KEY_BYTES] = bytes
                .try_into()
                .map_err(|_| Error::KeyLength(bytes.len()))?;
            let mut derived = subkeys(key);
            for (part, subkey) in slot.chunks_exact_mut(KEY_BYTES).zip(&mut derived) {
                part.copy_from_slice(subkey);
                sodium::wipe(subkey);
            }
            ids.push(key::key_id(key));
        }
        Ok(Self {
            seals,
            limits,
            ids,
            material,
        })
    }

    /// What this keyring seals.
    pub fn seals(&self) -> Seals {
        self.seals
    }

    /// The longest value this keyring writes or reads, in characters.
    pub fn max_value_chars(&self) -> usize {
        self.limits.max_value_chars
    }

    /// The issue time (ms) given to a session that carries none; 0 for none.
    pub fn assumed_issue_time(&self) -> u64 {
        self.limits.assume_issued_at
    }

    /// How many keys the ring holds (at least one).
    pub fn key_count(&self) -> usize {
        self.ids.len()
    }

    /// The public id of key `index`.
    pub fn id(&self, index: usize) -> [u8; KEY_ID_BYTES] {
        self.ids[index]
    }

    fn slot(&self, index: usize, slot: usize) -> &[u8; KEY_BYTES] {
        let start = (index * SLOTS + slot) * KEY_BYTES;
        // In range by construction: `material` holds SLOTS keys per ring key.
        self.material.bytes()[start..]
            .first_chunk()
            .unwrap_or(&[0; KEY_BYTES])
    }

    /// The key that seals compact-layout boxes: the compact cookie subkey of this cookie name, or
    /// the store value subkey.
    pub fn box_key(&self, index: usize) -> &[u8; KEY_BYTES] {
        self.slot(index, 0)
    }

    /// The configured key itself, which seals legacy cookies (koa-encrypted-session's format);
    /// `None` for a store keyring.
    pub fn legacy_key(&self, index: usize) -> Option<&[u8; KEY_BYTES]> {
        matches!(self.seals, Seals::Cookies(_)).then(|| self.slot(index, 1))
    }

    /// The legacy-metadata subkey of key `index` (a cookie keyring's third slot).
    pub fn tag_key(&self, index: usize) -> &[u8; KEY_BYTES] {
        self.slot(index, 2)
    }

    /// The store id subkey of key `index` (a store keyring's third slot).
    fn id_key(&self, index: usize) -> &[u8; KEY_BYTES] {
        self.slot(index, 2)
    }

    /// The keys under which a store holds session `id` of the cookie named `name`, newest key
    /// first: base64url of the BLAKE2b-256 of `name ‖ 0 ‖ id` under each key's store id subkey.
    /// The store never sees the id, which is the bearer token in the cookie, and two apps sharing
    /// a key and a store do not share sessions.
    pub fn store_keys(&self, name: &[u8], id: &[u8]) -> Vec<String> {
        let message = [name, b"\0", id].concat();
        (0..self.key_count())
            .map(|index| {
                let mut hash = [0u8; 32];
                sodium::keyed_hash(&mut hash, &message, self.id_key(index));
                URL_SAFE_NO_PAD.encode(hash)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_needs_a_key_of_32_bytes() {
        assert!(matches!(
            Keyring::for_store(&[], Limits::COOKIE),
            Err(Error::NoKeys)
        ));
        for len in [0, 16, 31, 33, 64] {
            let key = vec![7; len];
            assert!(matches!(
                Keyring::for_cookies(&[&key], "koa.sess", Format::Compact, Limits::COOKIE),
                Err(Error::KeyLength(got)) if got == len
            ));
        }
    }

    #[test]
    fn purposes_get_their_own_keys() {
        let key = [3u8; 32];
        let cookies =
            Keyring::for_cookies(&[&key], "koa.sess", Format::Legacy, Limits::COOKIE).unwrap();
        let other =
            Keyring::for_cookies(&[&key], "b.sess", Format::Legacy, Limits::COOKIE).unwrap();
        let store = Keyring::for_store(&[&key], Limits::COOKIE).unwrap();
        assert_eq!(cookies.legacy_key(0), Some(&key));
        assert_eq!(store.legacy_key(0), None);
        assert_ne!(cookies.box_key(0), other.box_key(0));
        assert_ne!(cookies.tag_key(0), other.tag_key(0));
        assert_ne!(cookies.box_key(0), store.box_key(0));
        assert_ne!(cookies.box_key(0), &key);
        assert_eq!(cookies.id(0), store.id(0));
    }

    #[test]
    fn store_keys_hide_the_id_and_follow_the_key() {
        let ring = Keyring::for_store(&[&[1; 32], &[2; 32]], Limits::COOKIE).unwrap();
        let keys = ring.store_keys(b"koa.sess", b"a-session-id");
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0], keys[1]);
        assert_eq!(keys[0].len(), 43);
        assert!(!keys[0].contains("a-session-id"));
        assert_eq!(keys, ring.store_keys(b"koa.sess", b"a-session-id"));
        assert_ne!(keys, ring.store_keys(b"koa.sess", b"another-id"));
        assert_ne!(keys, ring.store_keys(b"b.sess", b"a-session-id"));
    }
}
