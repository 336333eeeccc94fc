//! The codec: seals session JSON and its metadata token into a cookie value (or a store value)
//! and opens it again, over a keyring.

use crate::error::Error;
use crate::keyring::{Keyring, Seals};
use crate::metadata::{self, Token, ISSUED_AT, TOKEN_BYTES, USER_SINCE};
use crate::sodium::{self, MAC_BYTES, NONCE_BYTES};
use crate::wire::{self, Format, HEADER_BYTES};

/// Buffers reused from one seal or open to the next, so that once they have grown to the
/// session's size the codec allocates nothing.
#[derive(Default)]
pub struct Scratch {
    /// `key_id ‖ nonce ‖ mac ‖ ciphertext` of the value being written or read.
    body: Vec<u8>,
    /// What `seal` returns: the token sealed, then the value (ASCII).
    sealed: Vec<u8>,
    /// Legacy base64 text before escaping.
    base64: Vec<u8>,
    /// A legacy cookie after percent-decoding.
    decoded: Vec<u8>,
    /// The plaintext being sealed, or what `open` returns; wiped after each use.
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
            sealed: Vec::new(),
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
            &mut self.sealed,
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

/// Bytes ahead of the JSON text in what `open` returns: a flag digit, then the token.
pub const OPENED_PREFIX_BYTES: usize = 1 + TOKEN_BYTES;
/// Flag bit: an older key opened the value, so it should be sealed again with the newest.
pub const FLAG_STALE: u8 = 1;
/// Flag bit: the cookie carried no sealed metadata (a legacy cookie from koa-encrypted-session,
/// or one whose member a koa-encrypted-session node moved); the token is the adopted one.
pub const FLAG_ADOPTED: u8 = 2;

/// What `Keyring::open` found, held in a `Scratch` and wiped when this is dropped: a flag digit,
/// the token, then the session JSON (checked to be UTF-8).
pub struct Opened<'s> {
    plain: &'s mut Vec<u8>,
    ascii: bool,
}

impl Opened<'_> {
    /// The session JSON text, as UTF-8 bytes.
    pub fn text(&self) -> &[u8] {
        &self.plain[OPENED_PREFIX_BYTES..]
    }

    /// The session's metadata token.
    pub fn token(&self) -> &[u8] {
        &self.plain[1..OPENED_PREFIX_BYTES]
    }

    fn flags(&self) -> u8 {
        self.plain[0] - b'0'
    }

    /// True when an older key opened the value, so it should be sealed again with the newest.
    pub fn stale(&self) -> bool {
        self.flags() & FLAG_STALE != 0
    }

    /// True when the cookie carried no sealed metadata and the token was made for it here.
    pub fn adopted(&self) -> bool {
        self.flags() & FLAG_ADOPTED != 0
    }

    /// True when the whole result is ASCII (so it reads the same as Latin-1).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// Flag digit (`'0'` + `FLAG_STALE` + `FLAG_ADOPTED`), token and JSON: what JavaScript gets.
    pub fn marked(&self) -> &[u8] {
        self.plain
    }
}

impl std::fmt::Debug for Opened<'_> {
    /// Shows the length and flags, never the plaintext.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("text_bytes", &self.text().len())
            .field("stale", &self.stale())
            .field("adopted", &self.adopted())
            .finish()
    }
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        sodium::wipe(self.plain);
    }
}

/// The format this keyring writes.
fn format_of(seals: Seals) -> Format {
    match seals {
        Seals::Cookies(format) => format,
        Seals::StoreValues => Format::Compact,
    }
}

/// `given` as a token, or the error saying it is not one.
fn to_token(given: &[u8]) -> Result<Token, Error> {
    <Token>::try_from(given)
        .ok()
        .filter(|token| metadata::is_token(token))
        .ok_or(Error::ArgumentType {
            name: "token",
            expected: "a 40-character session metadata token",
            got: "other text",
        })
}

impl Keyring {
    /// Seals `json` (the JSON text of an object) and its metadata `token` with the newest key and
    /// a nonce read from the OS now. With no token the session is new: its token is made now, its
    /// id from the same OS read as the nonce. `user_since` (ms), when given, is written into the
    /// token as the time the session's user field took its value. Returns, from `scratch`, the
    /// token sealed followed by the value (ASCII); refuses a value longer than the keyring reads.
    pub fn seal<'s>(
        &self,
        token: Option<&[u8]>,
        json: &[u8],
        user_since: Option<u64>,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [u8], Error> {
        if json.len() < 2 || json[0] != b'{' || json[json.len() - 1] != b'}' {
            return Err(Error::ArgumentType {
                name: "json",
                expected: "the JSON text of an object",
                got: "other text",
            });
        }
        let given = token.map(to_token).transpose()?;
        // A new session's id comes from the same OS read as the nonce.
        let mut random = [0u8; NONCE_BYTES + 16];
        let wanted = if given.is_some() {
            NONCE_BYTES
        } else {
            random.len()
        };
        sodium::random_fill(&mut random[..wanted]);
        let (nonce, id) = random.split_at(NONCE_BYTES);
        let mut token = match given {
            Some(token) => token,
            None => metadata::fresh(id.try_into().unwrap_or(&[0; 16]), metadata::now_ms()),
        };
        if let Some(ms) = user_since {
            metadata::set_time(&mut token, USER_SINCE, ms);
        }
        let nonce: &[u8; NONCE_BYTES] = nonce.try_into().unwrap_or(&[0; NONCE_BYTES]);
        let format = format_of(self.seals());
        let plain = &mut scratch.plain;
        let (key, key_id) = match format {
            Format::Legacy => {
                metadata::append_legacy_member(json, &token, self.tag_key(0), plain);
                (self.legacy_key(0), [0; 4])
            }
            Format::Compact => {
                plain.clear();
                plain.extend_from_slice(&token);
                plain.extend_from_slice(json);
                (Some(self.box_key(0)), self.id(0))
            }
        };
        let key = key.ok_or(Error::Internal)?;
        let body = &mut scratch.body;
        body.clear();
        body.extend_from_slice(&key_id);
        body.extend_from_slice(nonce);
        body.resize(HEADER_BYTES + MAC_BYTES + plain.len(), 0);
        let sealed = sodium::secretbox_seal(
            &mut body[HEADER_BYTES..],
            plain,
            nonce,
            key,
            &mut scratch.work,
        );
        sodium::wipe(plain);
        if !sealed {
            return Err(Error::Internal);
        }
        let out = &mut scratch.sealed;
        out.clear();
        out.extend_from_slice(&token);
        wire::append(format, body, out, &mut scratch.base64);
        // Never a value written that this keyring could not read back.
        let chars = out.len() - TOKEN_BYTES;
        if chars > self.max_value_chars() {
            return Err(Error::SessionTooLarge {
                limit: self.max_value_chars(),
                got: chars,
            });
        }
        Ok(out)
    }

    /// Opens a value in either format into `scratch`. A compact value names its key, so it
    /// costs one decryption; a legacy one tries the keys newest first. A token without an issue
    /// time gets the keyring's assumed one, when it has one.
    pub fn open<'s>(&self, cookie: &[u8], scratch: &'s mut Scratch) -> Result<Opened<'s>, Error> {
        let key_id = wire::parse(
            cookie,
            self.max_value_chars(),
            &mut scratch.body,
            &mut scratch.decoded,
        )?;
        if key_id.is_none() && self.seals() == Seals::StoreValues {
            return Err(Error::CookieMalformed(
                "a store value is never in the legacy format",
            ));
        }
        let (header, boxed) = scratch.body.split_at(HEADER_BYTES);
        let mut nonce = [0u8; NONCE_BYTES];
        nonce.copy_from_slice(&header[crate::key::KEY_ID_BYTES..]);
        let (plain, work) = (&mut scratch.plain, &mut scratch.work);
        let text_len = boxed.len() - MAC_BYTES;
        // A compact plaintext starts with its token; a legacy one goes after room for it.
        let at = if key_id.is_some() {
            1
        } else {
            OPENED_PREFIX_BYTES
        };
        plain.clear();
        plain.resize(at + text_len, 0);
        let opened_with = (0..self.key_count()).find(|&index| {
            let key = match key_id {
                Some(id) => (id == self.id(index)).then(|| self.box_key(index)),
                None => self.legacy_key(index),
            };
            key.is_some_and(|key| {
                sodium::secretbox_open(&mut plain[at..], boxed, &nonce, key, work)
            })
        });
        let index = opened_with.ok_or(Error::CookieAuthentication)?;
        let mut flags = if index > 0 { FLAG_STALE } else { 0 };
        let mut opened = Opened {
            plain,
            ascii: false,
        }; // wipes the plaintext if we return early
        let mut token = if key_id.is_none() {
            let tag_keys = (0..self.key_count()).map(|index| self.tag_key(index));
            let found =
                metadata::find_legacy_member(&opened.plain[OPENED_PREFIX_BYTES..], tag_keys)?;
            match found {
                Some((token, end)) => {
                    opened.plain[OPENED_PREFIX_BYTES + end] = b'}';
                    opened.plain.truncate(OPENED_PREFIX_BYTES + end + 1);
                    token
                }
                None => {
                    flags |= FLAG_ADOPTED;
                    metadata::adopted(&nonce, self.tag_key(index))
                }
            }
        } else {
            let no_token =
                Error::CookieMetadata("the compact plaintext does not start with a metadata token");
            if text_len < TOKEN_BYTES {
                return Err(no_token);
            }
            to_token(opened.token()).map_err(|_| no_token)?
        };
        self.assume_issue_time(&mut token);
        opened.plain[1..OPENED_PREFIX_BYTES].copy_from_slice(&token);
        opened.plain[0] = b'0' + flags;
        opened.ascii = opened.text().is_ascii();
        if opened.ascii || std::str::from_utf8(opened.text()).is_ok() {
            Ok(opened)
        } else {
            Err(Error::CookieNotText) // dropping `opened` wipes the plaintext
        }
    }

    /// The token in a legacy member's value that JavaScript found in a session (where a
    /// koa-encrypted-session node moved it), if its tag verifies under one of the keys; with the
    /// assumed issue time filled in, as `open` does.
    pub fn check_legacy_metadata(&self, value: &[u8]) -> Result<Token, Error> {
        let tag_keys = (0..self.key_count()).map(|index| self.tag_key(index));
        let mut token = metadata::check_legacy_value(value, tag_keys)?;
        self.assume_issue_time(&mut token);
        Ok(token)
    }

    /// Gives `token` the keyring's assumed issue time when it carries none.
    fn assume_issue_time(&self, token: &mut Token) {
        if self.assumed_issue_time() > 0 && metadata::time_is_zero(token, ISSUED_AT) {
            metadata::set_time(token, ISSUED_AT, self.assumed_issue_time());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::Limits;
    use crate::sodium::counting_source;
    use crate::wire::MAX_COOKIE_CHARS;

    /// `wire::write` for tests: `body` as a whole value in `format`.
    fn write(format: Format, body: &[u8], out: &mut Vec<u8>, staging: &mut Vec<u8>) {
        out.clear();
        wire::append(format, body, out, staging);
    }

    /// `wire::parse` for tests, at the cookie limit.
    fn parse(cookie: &[u8], body: &mut Vec<u8>) -> Option<[u8; 4]> {
        wire::parse(cookie, MAX_COOKIE_CHARS, body, &mut Vec::new()).unwrap()
    }

    const TOKEN: &[u8; TOKEN_BYTES] = b"0123456789abcdefghijkl00000000000000000a";

    fn cookies(seeds: &[u8], name: &str, format: Format) -> Keyring {
        let keys: Vec<[u8; 32]> = seeds.iter().map(|&s| [s; 32]).collect();
        let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        Keyring::for_cookies(&keys, name, format, Limits::COOKIE).unwrap()
    }

    fn seal(keys: &Keyring, text: &[u8]) -> String {
        let mut scratch = Scratch::default();
        let sealed = keys.seal(Some(TOKEN), text, None, &mut scratch).unwrap();
        assert_eq!(
            &sealed[..TOKEN_BYTES],
            TOKEN,
            "the token sealed comes first"
        );
        String::from_utf8(sealed[TOKEN_BYTES..].to_vec()).unwrap()
    }

    /// The text, token, staleness and adoption of `cookie`, or why it did not open.
    fn open(keys: &Keyring, cookie: &str) -> Result<(String, String, bool, bool), Error> {
        let mut scratch = Scratch::default();
        let opened = keys.open(cookie.as_bytes(), &mut scratch)?;
        let text = String::from_utf8(opened.text().to_vec()).unwrap();
        let token = String::from_utf8(opened.token().to_vec()).unwrap();
        Ok((text, token, opened.stale(), opened.adopted()))
    }

    fn token() -> String {
        String::from_utf8(TOKEN.to_vec()).unwrap()
    }

    #[test]
    fn round_trips_text_and_token_in_both_formats() {
        for format in [Format::Legacy, Format::Compact] {
            let keys = cookies(&[1], "koa.sess", format);
            for text in ["{}", r#"{"a":"; % = é 🎉"}"#, r#"{"$kss":"mine"}"#] {
                let cookie = seal(&keys, text.as_bytes());
                assert_eq!(
                    open(&keys, &cookie),
                    Ok((text.into(), token(), false, false))
                );
            }
        }
    }

    #[test]
    fn what_javascript_gets_is_flag_token_json() {
        let keys = cookies(&[1], "koa.sess", Format::Compact);
        let cookie = seal(&keys, b"{}");
        let mut scratch = Scratch::default();
        let opened = keys.open(cookie.as_bytes(), &mut scratch).unwrap();
        assert_eq!(opened.marked(), [&b"0"[..], TOKEN, b"{}"].concat());
        assert!(opened.is_ascii());
    }

    #[test]
    fn seal_checks_its_token_and_json() {
        let keys = cookies(&[1], "koa.sess", Format::Legacy);
        let mut scratch = Scratch::default();
        for bad in [
            &b"short"[..],
            &[b'A'; 40],
            b"+123456789abcdefghijkl00000000000000000a",
        ] {
            assert!(matches!(
                keys.seal(Some(bad), b"{}", None, &mut scratch),
                Err(Error::ArgumentType { name: "token", .. })
            ));
        }
        for bad in [&b""[..], b"{", b"[]", b"\"x\"", b"1"] {
            assert!(matches!(
                keys.seal(Some(TOKEN), bad, None, &mut scratch),
                Err(Error::ArgumentType { name: "json", .. })
            ));
        }
    }

    #[test]
    fn legacy_cookies_carry_the_member_koa_encrypted_session_keeps() {
        let keys = cookies(&[1], "koa.sess", Format::Legacy);
        let cookie = seal(&keys, br#"{"a":1}"#);
        // What koa-encrypted-session decrypts: the JSON with the member, last.
        let text = String::from_utf8(legacy_plaintext(&cookie, 1)).unwrap();
        assert!(
            text.starts_with(&format!(r#"{{"a":1,"$kss":"{}"#, token())),
            "{text}"
        );
    }

    /// What a legacy `cookie` holds, opened as koa-encrypted-session opens it: with the raw key
    /// `[key; 32]`, the plaintext as it is.
    fn legacy_plaintext(cookie: &str, key: u8) -> Vec<u8> {
        let mut body = Vec::new();
        parse(cookie.as_bytes(), &mut body);
        let mut plain = vec![0u8; body.len() - HEADER_BYTES - MAC_BYTES];
        let nonce: [u8; NONCE_BYTES] = body[4..HEADER_BYTES].try_into().unwrap();
        let boxed = &body[HEADER_BYTES..];
        assert!(sodium::secretbox_open(
            &mut plain,
            boxed,
            &nonce,
            &[key; 32],
            &mut Vec::new()
        ));
        plain
    }

    /// A legacy cookie as koa-encrypted-session seals it: the JSON alone under the raw key.
    fn sealed_by_koa_encrypted_session(key: u8, text: &[u8], nonce: [u8; NONCE_BYTES]) -> String {
        let mut body = [&[0u8; 4][..], &nonce].concat();
        body.resize(HEADER_BYTES + MAC_BYTES + text.len(), 0);
        assert!(sodium::secretbox_seal(
            &mut body[HEADER_BYTES..],
            text,
            &nonce,
            &[key; 32],
            &mut Vec::new()
        ));
        let mut out = Vec::new();
        write(Format::Legacy, &body, &mut out, &mut Vec::new());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_legacy_cookie_without_metadata_is_adopted_with_an_id_from_its_nonce() {
        let keys = cookies(&[1], "koa.sess", Format::Compact);
        let first = sealed_by_koa_encrypted_session(1, br#"{"a":1,"_expire":5}"#, [7; 24]);
        let again = sealed_by_koa_encrypted_session(1, br#"{"a":1,"_expire":5}"#, [7; 24]);
        let other = sealed_by_koa_encrypted_session(1, br#"{"a":1,"_expire":5}"#, [8; 24]);
        let (text, id, stale, adopted) = open(&keys, &first).unwrap();
        assert_eq!(
            (text.as_str(), stale, adopted),
            (r#"{"a":1,"_expire":5}"#, false, true)
        );
        assert!(metadata::is_token(id.as_bytes()));
        assert_eq!(id, open(&keys, &again).unwrap().1);
        assert_ne!(id, open(&keys, &other).unwrap().1);
    }

    #[test]
    fn a_member_with_a_forged_tag_is_refused() {
        let keys = cookies(&[1], "koa.sess", Format::Legacy);
        let forged = format!(r#"{{"a":1,"$kss":"{}AAAAAAAAAAAAAAAAAAAAAA"}}"#, token());
        let cookie = sealed_by_koa_encrypted_session(1, forged.as_bytes(), [1; 24]);
        assert!(matches!(
            open(&keys, &cookie),
            Err(Error::CookieMetadata(_))
        ));
        // JavaScript checks a member found elsewhere in the JSON with check_legacy_metadata.
        let value = format!("{}AAAAAAAAAAAAAAAAAAAAAA", token());
        assert!(keys.check_legacy_metadata(value.as_bytes()).is_err());
    }

    #[test]
    fn a_moved_member_gets_the_assumed_issue_time_too() {
        let cookie = seal(&cookies(&[1], "koa.sess", Format::Legacy), b"{}");
        let plain = legacy_plaintext(&cookie, 1);
        let value = &plain[9..plain.len() - 2];
        let limits = Limits {
            max_value_chars: MAX_COOKIE_CHARS,
            assume_issued_at: 1_700_000_000_000,
        };
        let assuming =
            Keyring::for_cookies(&[&[1; 32]], "koa.sess", Format::Legacy, limits).unwrap();
        let token = assuming.check_legacy_metadata(value).unwrap();
        // TOKEN carries an issue time of 0, which the keyring's assumed one replaces.
        assert_eq!(&token[ISSUED_AT..USER_SINCE], b"0loyw3v28");
    }

    #[test]
    fn a_moved_member_verifies_through_check_legacy_metadata() {
        let keys = cookies(&[2, 1], "koa.sess", Format::Legacy);
        let cookie = seal(&cookies(&[1], "koa.sess", Format::Legacy), b"{}");
        let plain = legacy_plaintext(&cookie, 1);
        let value = &plain[9..plain.len() - 2];
        assert_eq!(keys.check_legacy_metadata(value).unwrap(), *TOKEN);
        assert!(cookies(&[1], "b.sess", Format::Legacy)
            .check_legacy_metadata(value)
            .is_err());
    }

    #[test]
    fn a_member_left_last_by_a_node_sealing_under_another_key_of_the_ring_verifies() {
        // Ours under key 1, then opened and sealed again as it was by koa-encrypted-session under
        // key 2, during a rotation.
        let ours = seal(&cookies(&[1], "koa.sess", Format::Legacy), br#"{"a":1}"#);
        let theirs = sealed_by_koa_encrypted_session(2, &legacy_plaintext(&ours, 1), [9; 24]);
        let ring = cookies(&[2, 1], "koa.sess", Format::Legacy);
        assert_eq!(
            open(&ring, &theirs),
            Ok((r#"{"a":1}"#.into(), token(), false, false))
        );
        assert!(matches!(
            open(&cookies(&[2], "koa.sess", Format::Legacy), &theirs),
            Err(Error::CookieMetadata(_))
        ));
    }

    #[test]
    fn cookies_are_bound_to_their_name() {
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&cookies(&[1], "a.sess", format), br#"{"admin":true}"#);
            let refused = open(&cookies(&[1], "b.sess", format), &cookie).unwrap_err();
            let expected = match format {
                Format::Compact => Error::CookieAuthentication,
                Format::Legacy => Error::CookieMetadata(
                    "the session metadata was not sealed with this cookie's key and name",
                ),
            };
            assert_eq!(refused, expected, "{format:?}");
        }
    }

    #[test]
    fn store_values_and_cookies_do_not_open_as_each_other() {
        let key: &[u8] = &[1; 32];
        let store = Keyring::for_store(&[key], Limits::COOKIE).unwrap();
        let compact =
            Keyring::for_cookies(&[key], "koa.sess", Format::Compact, Limits::COOKIE).unwrap();
        let legacy =
            Keyring::for_cookies(&[key], "koa.sess", Format::Legacy, Limits::COOKIE).unwrap();
        let value = seal(&store, b"{}");
        assert!(value.starts_with("v2."));
        assert_eq!(open(&store, &value).unwrap().0, "{}");
        assert_eq!(open(&compact, &value), Err(Error::CookieAuthentication));
        assert_eq!(
            open(&store, &seal(&compact, b"{}")),
            Err(Error::CookieAuthentication)
        );
        assert!(matches!(
            open(&store, &seal(&legacy, b"{}")),
            Err(Error::CookieMalformed(_))
        ));
    }

    #[test]
    fn a_new_session_gets_its_id_from_the_nonce_read_and_is_issued_now() {
        let keys = cookies(&[1], "koa.sess", Format::Compact);
        let mut scratch = Scratch::default();
        keys.seal(None, b"{}", None, &mut scratch).unwrap();
        let before = counting_source::calls();
        let sealed = keys
            .seal(None, b"{}", None, &mut scratch)
            .unwrap()
            .to_owned();
        assert_eq!(
            counting_source::calls() - before,
            1,
            "one OS read for nonce and id"
        );
        let other = keys
            .seal(None, b"{}", None, &mut scratch)
            .unwrap()
            .to_owned();
        let (a, b) = (
            keys.open(&sealed[TOKEN_BYTES..], &mut Scratch::default())
                .unwrap()
                .token()
                .to_vec(),
            keys.open(&other[TOKEN_BYTES..], &mut Scratch::default())
                .unwrap()
                .token()
                .to_vec(),
        );
        assert_eq!(a, sealed[..TOKEN_BYTES], "seal returns the token it made");
        assert!(metadata::is_token(&a));
        assert_ne!(a[..22], b[..22], "ids differ");
        let issued = u64::from_str_radix(std::str::from_utf8(&a[22..31]).unwrap(), 36).unwrap();
        assert!(metadata::now_ms().abs_diff(issued) < 60_000);
    }

    #[test]
    fn every_seal_reads_a_fresh_nonce_from_the_os() {
        let keys = cookies(&[1], "koa.sess", Format::Compact);
        let mut scratch = Scratch::default();
        let mut nonces = std::collections::HashSet::new();
        seal(&keys, b"{}"); // libsodium initialised
        let before = counting_source::calls();
        for _ in 0..100 {
            let cookie =
                keys.seal(Some(TOKEN), b"{}", None, &mut scratch).unwrap()[TOKEN_BYTES..].to_vec();
            let mut body = Vec::new();
            parse(&cookie, &mut body);
            assert!(
                nonces.insert(body[4..HEADER_BYTES].to_vec()),
                "a nonce repeated"
            );
        }
        assert_eq!(
            counting_source::calls() - before,
            100,
            "one OS read per seal"
        );
    }

    #[test]
    fn scratch_is_reused_and_wiped() {
        let mut scratch = Scratch::default();
        for format in [Format::Legacy, Format::Compact] {
            let keys = cookies(&[1], "koa.sess", format);
            for text in [&br#"{"long":"session text"}"#[..], b"{}", br#"{"a":1}"#] {
                let cookie = keys.seal(Some(TOKEN), text, None, &mut scratch).unwrap()
                    [TOKEN_BYTES..]
                    .to_owned();
                assert!(
                    scratch.plain.iter().all(|&b| b == 0),
                    "sealed plaintext left behind"
                );
                let opened = keys.open(&cookie, &mut scratch).unwrap();
                assert_eq!(opened.text(), text);
            }
        }
        assert!(
            scratch.plain.iter().all(|&b| b == 0),
            "opened plaintext left behind"
        );
    }

    #[test]
    fn shrink_frees_only_large_buffers() {
        let mut scratch = Scratch::new();
        let big = [
            &b"{\"x\":\""[..],
            &vec![b'x'; 2 * Scratch::KEEP_BYTES],
            b"\"}",
        ]
        .concat();
        let limits = Limits {
            max_value_chars: usize::MAX,
            assume_issued_at: 0,
        };
        let keys = Keyring::for_cookies(&[&[1; 32]], "koa.sess", Format::Legacy, limits).unwrap();
        keys.seal(Some(TOKEN), &big, None, &mut scratch).unwrap();
        scratch.shrink();
        assert_eq!((scratch.body.capacity(), scratch.sealed.capacity()), (0, 0));
        let compact = cookies(&[1], "koa.sess", Format::Compact);
        compact
            .seal(Some(TOKEN), b"{}", None, &mut scratch)
            .unwrap();
        scratch.shrink();
        assert!(
            scratch.sealed[TOKEN_BYTES..].starts_with(b"v2."),
            "small buffers are kept"
        );
    }

    #[test]
    fn a_value_longer_than_the_keyring_reads_is_never_written() {
        let limits = Limits {
            max_value_chars: 200,
            assume_issued_at: 0,
        };
        let keys = Keyring::for_store(&[&[1; 32]], limits).unwrap();
        let mut scratch = Scratch::default();
        let fits = keys
            .seal(Some(TOKEN), br#"{"a":1}"#, None, &mut scratch)
            .unwrap();
        assert!(fits.len() - TOKEN_BYTES <= 200);
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(200));
        assert!(matches!(
            keys.seal(Some(TOKEN), big.as_bytes(), None, &mut scratch),
            Err(Error::SessionTooLarge { limit: 200, .. })
        ));
        let long = "v2.".to_string() + &"A".repeat(201);
        assert!(matches!(
            keys.open(long.as_bytes(), &mut scratch),
            Err(Error::CookieTooLarge { limit: 200, .. })
        ));
    }

    #[test]
    fn seal_sets_user_since_and_open_fills_in_an_assumed_issue_time() {
        let keys = cookies(&[1], "koa.sess", Format::Compact);
        let mut scratch = Scratch::default();
        let sealed = keys
            .seal(Some(TOKEN), b"{}", Some(1_764_600_000_000), &mut scratch)
            .unwrap()
            .to_owned();
        assert_eq!(&sealed[USER_SINCE..TOKEN_BYTES], b"0min9a22o");
        assert_eq!(&sealed[..USER_SINCE], &TOKEN[..USER_SINCE]);
        let limits = Limits {
            max_value_chars: MAX_COOKIE_CHARS,
            assume_issued_at: 1_700_000_000_000,
        };
        let assuming =
            Keyring::for_cookies(&[&[1; 32]], "koa.sess", Format::Compact, limits).unwrap();
        let opened = assuming.open(&sealed[TOKEN_BYTES..], &mut scratch).unwrap();
        assert_eq!(&opened.token()[ISSUED_AT..USER_SINCE], b"0loyw3v28");
    }

    #[test]
    fn another_keys_cookie_fails_authentication() {
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&cookies(&[1], "koa.sess", format), b"{}");
            assert_eq!(
                open(&cookies(&[2], "koa.sess", format), &cookie),
                Err(Error::CookieAuthentication)
            );
        }
    }

    #[test]
    fn older_keys_open_and_report_stale() {
        for format in [Format::Legacy, Format::Compact] {
            let cookie = seal(&cookies(&[1], "koa.sess", format), b"{}");
            let rotated = cookies(&[2, 1], "koa.sess", format);
            assert_eq!(
                open(&rotated, &cookie),
                Ok(("{}".into(), token(), true, false))
            );
            assert_eq!(
                open(&rotated, &seal(&rotated, b"{}")),
                Ok(("{}".into(), token(), false, false))
            );
        }
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let (mut body, mut out, mut staging) = (Vec::new(), Vec::new(), Vec::new());
        for format in [Format::Legacy, Format::Compact] {
            let keys = cookies(&[3], "koa.sess", format);
            let cookie = seal(&keys, br#"{"user":42}"#);
            parse(cookie.as_bytes(), &mut body);
            if format == Format::Legacy {
                body[..crate::key::KEY_ID_BYTES].copy_from_slice(&keys.id(0));
            }
            for byte in HEADER_BYTES..body.len() {
                for bit in 0..8 {
                    let mut forged = body.clone();
                    forged[byte] ^= 1 << bit;
                    write(format, &forged, &mut out, &mut staging);
                    let forged = std::str::from_utf8(&out).unwrap();
                    assert_eq!(open(&keys, forged), Err(Error::CookieAuthentication));
                }
            }
        }
    }

    #[test]
    fn a_compact_plaintext_without_a_token_is_refused() {
        let keys = cookies(&[4], "koa.sess", Format::Compact);
        let nonce = [5u8; NONCE_BYTES];
        for plaintext in [&b"{}"[..], &[b'{'; 60]] {
            let mut body = [&keys.id(0)[..], &nonce].concat();
            body.resize(HEADER_BYTES + MAC_BYTES + plaintext.len(), 0);
            assert!(sodium::secretbox_seal(
                &mut body[HEADER_BYTES..],
                plaintext,
                &nonce,
                keys.box_key(0),
                &mut Vec::new()
            ));
            let mut cookie = Vec::new();
            write(Format::Compact, &body, &mut cookie, &mut Vec::new());
            assert!(matches!(
                open(&keys, std::str::from_utf8(&cookie).unwrap()),
                Err(Error::CookieMetadata(_))
            ));
        }
    }

    #[test]
    fn non_utf8_plaintext_is_refused_and_wiped() {
        let keys = cookies(&[4], "koa.sess", Format::Compact);
        let mut scratch = Scratch::default();
        let cookie = keys
            .seal(Some(TOKEN), b"{\xff\xfe}", None, &mut scratch)
            .unwrap()[TOKEN_BYTES..]
            .to_owned();
        assert_eq!(
            keys.open(&cookie, &mut scratch).unwrap_err(),
            Error::CookieNotText
        );
        assert!(scratch.plain.iter().all(|&b| b == 0));
    }
}
