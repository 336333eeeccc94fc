//! The codec: seals session JSON into a cookie value and opens it again, over a ring of keys.

use crate::error::Error;
use crate::key::{SecretKey, KEY_ID_BYTES};
use crate::sodium::{self, MAC_BYTES, NONCE_BYTES};
use crate::wire::{self, Format, HEADER_BYTES};

/// Keys newest first: the first seals, any of them opens.
pub struct Keyring {
    keys: Vec<SecretKey>,
}

/// Buffers reused from one seal or open to the next, so that once they have grown to the
/// session's size the codec allocates nothing.
#[derive(Default)]
pub struct Scratch {
    /// `key_id ‖ nonce ‖ mac ‖ ciphertext` of the cookie being written or read.
    body: Vec<u8>,
    /// The cookie value last sealed (ASCII).
    cookie: Vec<u8>,
    /// Legacy base64 text before escaping.
    base64: Vec<u8>,
    /// A legacy cookie after percent-decoding.
    decoded: Vec<u8>,
    /// `' '` then the plaintext last opened; wiped when its `Opened` is dropped.
    plain: Vec<u8>,
    /// Keystream work area of `sodium::secretbox_seal` and `_open`, wiped after each use.
    work: Vec<u8>,
}

impl Scratch {
    /// Capacity above which `shrink` frees a buffer rather than keep it for next time.
    pub const KEEP_BYTES: usize = 64 * 1024;

    /// Empty buffers; they grow on first use.
    pub const fn new() -> Self {
        Self {
            body: Vec::new(),
            cookie: Vec::new(),
            base64: Vec::new(),
            decoded: Vec::new(),
            plain: Vec::new(),
            work: Vec::new(),
        }
    }

    /// Frees buffers that an unusually large value grew past `KEEP_BYTES`.
    pub fn shrink(&mut self) {
        let buffers = [
            &mut self.body,
            &mut self.cookie,
            &mut self.base64,
            &mut self.decoded,
            &mut self.plain,
            &mut self.work,
        ];
        for buffer in buffers {
            if buffer.capacity() > Self::KEEP_BYTES {
                *buffer = Vec::new();
            }
        }
    }
}

/// The plaintext of an opened cookie, held in a `Scratch` and wiped when this is dropped.
pub struct Opened<'s> {
    /// `' '` then the plaintext, which `Keyring::open` checked is UTF-8.
    plain: &'s mut Vec<u8>,
    stale: bool,
    ascii: bool,
}

impl Opened<'_> {
    /// The session JSON text, as UTF-8 bytes.
    pub fn text(&self) -> &[u8] {
        &self.plain[1..]
    }

    /// True when an older key opened the cookie, so it should be sealed again with the newest.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// True when the text is ASCII (so it reads the same as Latin-1).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// The text with one leading space when `stale`: the mark JavaScript reads (and `JSON.parse`
    /// ignores).
    pub fn marked(&self) -> &[u8] {
        if self.stale {
            self.plain
        } else {
            self.text()
        }
    }
}

impl std::fmt::Debug for Opened<'_> {
    /// Shows the length, never the plaintext.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("text_bytes", &self.text().len())
            .field("stale", &self.stale)
            .finish()
    }
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        sodium::wipe(self.plain);
    }
}

impl Keyring {
    /// A keyring over `keys`, newest first; it must hold at least one key.
    pub fn new(keys: Vec<SecretKey>) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::NoKeys);
        }
        Ok(Self { keys })
    }

    /// Seals `plaintext` with the newest key and a fresh random nonce; the cookie value (ASCII)
    /// is returned from `scratch`.
    pub fn seal<'s>(&self, plaintext: &[u8], format: Format, scratch: &'s mut Scratch) -> &'s [u8] {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_BYTES];
        sodium::fill_nonce(&mut nonce);
        let body = &mut scratch.body;
        body.clear();
        body.extend_from_slice(&key.id());
        body.extend_from_slice(&nonce);
        body.resize(HEADER_BYTES + MAC_BYTES + plaintext.len(), 0);
        let out = &mut body[HEADER_BYTES..];
        sodium::secretbox_seal(out, plaintext, &nonce, key.bytes(), &mut scratch.work);
        wire::write(format, body, &mut scratch.cookie, &mut scratch.base64);
        &scratch.cookie
    }

    /// Opens a cookie value in either format into `scratch`. A compact cookie names its key, so
    /// it costs one decryption; a legacy one tries the keys newest first.
    pub fn open<'s>(&self, cookie: &[u8], scratch: &'s mut Scratch) -> Result<Opened<'s>, Error> {
        let key_id = wire::parse(cookie, &mut scratch.body, &mut scratch.decoded)?;
        let (header, boxed) = scratch.body.split_at(HEADER_BYTES);
        let mut nonce = [0u8; NONCE_BYTES];
        nonce.copy_from_slice(&header[KEY_ID_BYTES..]);
        let (plain, work) = (&mut scratch.plain, &mut scratch.work);
        plain.clear();
        plain.push(b' ');
        plain.resize(1 + boxed.len() - MAC_BYTES, 0);
        let opened_with = self.keys.iter().position(|key| {
            key_id.is_none_or(|id| id == key.id())
                && sodium::secretbox_open(&mut plain[1..], boxed, &nonce, key.bytes(), work)
        });
        let index = opened_with.ok_or(Error::CookieAuthentication)?;
        let ascii = plain[1..].is_ascii();
        let is_text = ascii || std::str::from_utf8(&plain[1..]).is_ok();
        let opened = Opened {
            plain,
            stale: index > 0,
            ascii,
        };
        if is_text {
            Ok(opened)
        } else {
            Err(Error::CookieNotText) // dropping `opened` wipes the plaintext
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

    fn seal(keys: &Keyring, text: &[u8], format: Format) -> String {
        String::from_utf8(keys.seal(text, format, &mut Scratch::default()).to_vec()).unwrap()
    }

    /// The text and staleness of `cookie`, or why it did not open.
    fn open(keys: &Keyring, cookie: &str) -> Result<(String, bool), Error> {
        let mut scratch = Scratch::default();
        let opened = keys.open(cookie.as_bytes(), &mut scratch)?;
        let text = String::from_utf8(opened.text().to_vec()).unwrap();
        Ok((text, opened.stale()))
    }

    #[test]
    fn round_trips_in_both_formats() {
        let keys = ring(&[1]);
        for format in [Format::Legacy, Format::Compact] {
            for text in ["", "{}", "{\"a\":\"; % = é 🎉\"}"] {
                let cookie = seal(&keys, text.as_bytes(), format);
                assert_eq!(open(&keys, &cookie), Ok((text.into(), false)));
            }
        }
    }

    #[test]
    fn opened_text_says_whether_it_is_ascii() {
        let keys = ring(&[1]);
        for text in ["{}", "{\"a\":\"é\"}"] {
            let cookie = seal(&keys, text.as_bytes(), Format::Compact);
            let mut scratch = Scratch::default();
            let opened = keys.open(cookie.as_bytes(), &mut scratch).unwrap();
            assert_eq!(opened.is_ascii(), text.is_ascii(), "{text}");
        }
    }

    #[test]
    fn scratch_is_reused_and_wiped() {
        let keys = ring(&[1]);
        let mut scratch = Scratch::default();
        for text in ["{\"long\":\"session text\"}", "{}", "{\"a\":1}"] {
            for format in [Format::Legacy, Format::Compact] {
                let cookie = keys.seal(text.as_bytes(), format, &mut scratch).to_owned();
                let opened = keys.open(&cookie, &mut scratch).unwrap();
                assert_eq!(opened.text(), text.as_bytes());
                assert_eq!(opened.marked(), text.as_bytes());
            }
        }
        assert!(
            scratch.plain.iter().all(|&b| b == 0),
            "plaintext left behind"
        );
    }

    #[test]
    fn shrink_frees_only_large_buffers() {
        let keys = ring(&[1]);
        let mut scratch = Scratch::new();
        keys.seal(
            &vec![b'x'; 2 * Scratch::KEEP_BYTES],
            Format::Legacy,
            &mut scratch,
        );
        scratch.shrink();
        assert_eq!((scratch.body.capacity(), scratch.cookie.capacity()), (0, 0));
        keys.seal(b"{}", Format::Compact, &mut scratch);
        scratch.shrink();
        assert!(scratch.cookie.starts_with(b"v1."), "small buffers are kept");
    }

    #[test]
    fn a_ring_needs_a_key() {
        assert!(matches!(Keyring::new(Vec::new()), Err(Error::NoKeys)));
    }

    #[test]
    fn nonces_are_fresh() {
        let keys = ring(&[1]);
        assert_ne!(
            seal(&keys, b"{}", Format::Compact),
            seal(&keys, b"{}", Format::Compact)
        );
    }

    #[test]
    fn another_keys_cookie_fails_authentication() {
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&ring(&[1]), b"{}", format);
            assert_eq!(open(&ring(&[2]), &cookie), Err(Error::CookieAuthentication));
        }
    }

    #[test]
    fn older_keys_open_and_report_stale() {
        let old = ring(&[1]);
        let rotated = ring(&[2, 1]);
        let mut scratch = Scratch::default();
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&old, b"{}", format);
            let opened = rotated.open(cookie.as_bytes(), &mut scratch).unwrap();
            assert!(opened.stale());
            assert_eq!(opened.marked(), b" {}");
            drop(opened);
            assert_eq!(
                open(&rotated, &seal(&rotated, b"{}", format)),
                Ok(("{}".into(), false))
            );
        }
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let keys = ring(&[3]);
        let (mut body, mut out, mut staging) = (Vec::new(), Vec::new(), Vec::new());
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&keys, b"{\"user\":42}", format);
            wire::parse(cookie.as_bytes(), &mut body, &mut Vec::new()).unwrap();
            if format == Format::Legacy {
                body[..KEY_ID_BYTES].copy_from_slice(&keys.keys[0].id());
            }
            for byte in HEADER_BYTES..body.len() {
                for bit in 0..8 {
                    let mut forged = body.clone();
                    forged[byte] ^= 1 << bit;
                    wire::write(format, &forged, &mut out, &mut staging);
                    let forged = std::str::from_utf8(&out).unwrap();
                    assert_eq!(open(&keys, forged), Err(Error::CookieAuthentication));
                }
            }
        }
    }

    #[test]
    fn non_utf8_plaintext_is_refused_and_wiped() {
        let keys = ring(&[4]);
        let cookie = seal(&keys, &[0xff, 0xfe], Format::Compact);
        let mut scratch = Scratch::default();
        assert_eq!(
            keys.open(cookie.as_bytes(), &mut scratch).unwrap_err(),
            Error::CookieNotText
        );
        assert!(scratch.plain.iter().all(|&b| b == 0));
    }
}
