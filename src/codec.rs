//! The codec: seals session JSON into a cookie value and opens it again, over a ring of keys.

use crate::error::Error;
use crate::key::SecretKey;
use crate::sodium::{self, MAC_BYTES, NONCE_BYTES};
use crate::wire::{self, Format};

/// Keys newest first: the first seals, any of them opens.
pub struct Keyring {
    keys: Vec<SecretKey>,
}

/// What `Keyring::open` found: the plaintext, and whether a key other than the newest sealed it.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened {
    /// The session JSON text.
    pub text: String,
    /// True when an older key opened the cookie, so it should be sealed again with the newest.
    pub stale: bool,
}

impl Keyring {
    /// A keyring over `keys`, newest first; it must hold at least one key.
    pub fn new(keys: Vec<SecretKey>) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::NoKeys);
        }
        Ok(Self { keys })
    }

    /// Seals `plaintext` with the newest key and a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8], format: Format) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_BYTES];
        sodium::fill_nonce(&mut nonce);
        let mut boxed = vec![0u8; plaintext.len() + MAC_BYTES];
        sodium::secretbox_seal(&mut boxed, plaintext, &nonce, key.bytes());
        wire::write(format, key.id(), &nonce, &boxed)
    }

    /// Opens a cookie value in either format. A compact cookie names its key, so it costs one
    /// decryption; a legacy one tries the keys newest first.
    pub fn open(&self, cookie: &str) -> Result<Opened, Error> {
        let sealed = wire::parse(cookie)?;
        let mut plain = vec![0u8; sealed.boxed.len() - MAC_BYTES];
        let opened_with = self.keys.iter().position(|key| {
            sealed.key_id.is_none_or(|id| id == key.id())
                && sodium::secretbox_open(&mut plain, &sealed.boxed, &sealed.nonce, key.bytes())
        });
        let index = opened_with.ok_or(Error::CookieAuthentication)?;
        match String::from_utf8(plain) {
            Ok(text) => Ok(Opened {
                text,
                stale: index > 0,
            }),
            Err(err) => {
                sodium::wipe(&mut err.into_bytes());
                Err(Error::CookieNotText)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(seeds: &[u8]) -> Keyring {
        Keyring::new(
            seeds
                .iter()
                .map(|&s| SecretKey::from_slice(&[s; 32]).unwrap())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn round_trips_in_both_formats() {
        let keys = ring(&[1]);
        for format in [Format::Legacy, Format::Compact] {
            for text in ["", "{}", "{\"a\":\"; % = é 🎉\"}"] {
                let cookie = keys.seal(text.as_bytes(), format);
                assert_eq!(
                    keys.open(&cookie),
                    Ok(Opened {
                        text: text.into(),
                        stale: false
                    })
                );
            }
        }
    }

    #[test]
    fn a_ring_needs_a_key() {
        assert!(matches!(Keyring::new(Vec::new()), Err(Error::NoKeys)));
    }

    #[test]
    fn nonces_are_fresh() {
        let keys = ring(&[1]);
        assert_ne!(
            keys.seal(b"{}", Format::Compact),
            keys.seal(b"{}", Format::Compact)
        );
    }

    #[test]
    fn another_keys_cookie_fails_authentication() {
        for format in [Format::Legacy, Format::Compact] {
            let cookie = ring(&[1]).seal(b"{}", format);
            assert_eq!(ring(&[2]).open(&cookie), Err(Error::CookieAuthentication));
        }
    }

    #[test]
    fn older_keys_open_and_report_stale() {
        let old = ring(&[1]);
        let rotated = ring(&[2, 1]);
        for format in [Format::Legacy, Format::Compact] {
            let opened = rotated.open(&old.seal(b"{}", format)).unwrap();
            assert!(opened.stale);
            assert!(!rotated.open(&rotated.seal(b"{}", format)).unwrap().stale);
        }
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let keys = ring(&[3]);
        for format in [Format::Legacy, Format::Compact] {
            let cookie = keys.seal(b"{\"user\":42}", format);
            let sealed = wire::parse(&cookie).unwrap();
            for byte in 0..sealed.boxed.len() {
                for bit in 0..8 {
                    let mut boxed = sealed.boxed.clone();
                    boxed[byte] ^= 1 << bit;
                    let forged = wire::write(
                        format,
                        sealed.key_id.unwrap_or_default(),
                        &sealed.nonce,
                        &boxed,
                    );
                    assert_eq!(keys.open(&forged), Err(Error::CookieAuthentication));
                }
            }
        }
    }

    #[test]
    fn non_utf8_plaintext_is_refused() {
        let keys = ring(&[4]);
        let cookie = keys.seal(&[0xff, 0xfe], Format::Compact);
        assert_eq!(keys.open(&cookie), Err(Error::CookieNotText));
    }
}
