//! The two cookie wire formats, as pure text ↔ bytes transforms (no cryptography here).
//!
//! **legacy** — byte-compatible with koa-encrypted-session 3.0.7:
//! `encodeURIComponent(base64(mac ‖ ciphertext) + ";" + base64(nonce))`, standard padded base64.
//!
//! **compact** (version 2) — cookie-safe as is, no percent-escapes:
//! `"v2." + base64url_unpadded(key_id[4] ‖ nonce[24] ‖ mac[16] ‖ ciphertext)`. Version 1 was
//! never released and is not read.
//! Legacy cookies never contain `.`, so the `v<digits>.` prefix tells the formats apart and
//! leaves room for later versions.
//!
//! Both directions work on a *body* laid out as the compact format's: `key_id ‖ nonce ‖ mac ‖
//! ciphertext` (a legacy body has a zero key id), written into buffers the caller reuses.

use base64::engine::general_purpose::{GeneralPurpose, STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::error::Error;
use crate::key::KEY_ID_BYTES;
use crate::sodium::{MAC_BYTES, NONCE_BYTES};

/// Longest cookie value `parse` reads: twice the 4096 bytes any browser keeps for a cookie.
pub const MAX_COOKIE_CHARS: usize = 8192;
/// The most cookies a value may be split across, and so the most pieces it is read from.
pub const MAX_COOKIES: usize = 16;
/// Bytes of a body before `mac ‖ ciphertext`: the key id, then the nonce.
pub const HEADER_BYTES: usize = KEY_ID_BYTES + NONCE_BYTES;
/// Prefix of compact-format cookies.
const COMPACT_PREFIX: &[u8] = b"v2.";
/// `;` as `encodeURIComponent` writes it, between the two legacy parts.
const LEGACY_SEPARATOR: &[u8] = b"%3B";

/// Which wire format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// koa-encrypted-session's percent-escaped format.
    Legacy,
    /// The versioned, unescaped base64url format.
    Compact,
}

/// Appends `body` (`key_id ‖ nonce ‖ mac ‖ ciphertext`) to `out` as an ASCII cookie value in
/// `format`; `staging` is scratch space for the legacy format.
pub fn append(format: Format, body: &[u8], out: &mut Vec<u8>, staging: &mut Vec<u8>) {
    match format {
        Format::Legacy => {
            let (header, boxed) = body.split_at(HEADER_BYTES);
            for (at, part) in [boxed, &header[KEY_ID_BYTES..]].into_iter().enumerate() {
                if at > 0 {
                    out.extend_from_slice(LEGACY_SEPARATOR);
                }
                staging.clear();
                append_base64(&STANDARD, part, staging);
                escape_base64_into(out, staging);
            }
        }
        Format::Compact => {
            out.extend_from_slice(COMPACT_PREFIX);
            append_base64(&URL_SAFE_NO_PAD, body, out);
        }
    }
}

/// Appends `bytes` encoded by `engine` to `out`.
fn append_base64(engine: &GeneralPurpose, bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0); // the padded length: room for either
    let written = engine
        .encode_slice(bytes, &mut out[start..])
        .expect("4 bytes for every 3 is room enough for base64");
    out.truncate(start + written);
}

/// Parses a value in either format, of at most `max_chars` characters, into `body`
/// (`key_id ‖ nonce ‖ mac ‖ ciphertext`, replacing what it held) and returns the key id a compact
/// value names, or `None` for a legacy one; `staging` is scratch space for percent-decoding. Says
/// why when it cannot be a value this package wrote.
pub fn parse(
    cookie: &[u8],
    max_chars: usize,
    body: &mut Vec<u8>,
    staging: &mut Vec<u8>,
) -> Result<Option<[u8; KEY_ID_BYTES]>, Error> {
    if cookie.len() > max_chars {
        return Err(Error::CookieTooLarge {
            limit: max_chars,
            got: cookie.len(),
        });
    }
    body.clear();
    if let Some(encoded) = cookie.strip_prefix(COMPACT_PREFIX) {
        return parse_compact(encoded, body).map(Some);
    }
    if has_version_prefix(cookie) {
        return Err(Error::CookieMalformed("unknown format version"));
    }
    parse_legacy(cookie, body, staging).map(|()| None)
}

/// True for `v<digits>.` at the start: a compact cookie of a version this build does not know.
fn has_version_prefix(cookie: &[u8]) -> bool {
    let Some(rest) = cookie.strip_prefix(b"v") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest.get(digits) == Some(&b'.')
}

fn parse_compact(encoded: &[u8], body: &mut Vec<u8>) -> Result<[u8; KEY_ID_BYTES], Error> {
    URL_SAFE_NO_PAD
        .decode_vec(encoded, body)
        .map_err(|_| Error::CookieMalformed("compact body is not unpadded base64url"))?;
    if body.len() < HEADER_BYTES + MAC_BYTES {
        return Err(Error::CookieMalformed("compact body is too short"));
    }
    let mut key_id = [0u8; KEY_ID_BYTES];
    key_id.copy_from_slice(&body[..KEY_ID_BYTES]);
    Ok(key_id)
}

fn parse_legacy(cookie: &[u8], body: &mut Vec<u8>, staging: &mut Vec<u8>) -> Result<(), Error> {
    let text = if memchr::memchr(b'%', cookie).is_some() {
        percent_decode_into(cookie, staging)?;
        staging.as_slice()
    } else {
        cookie
    };
    // Exactly one ';': the first is also the last.
    let separator =
        memchr::memchr(b';', text).filter(|&at| memchr::memrchr(b';', text) == Some(at));
    let Some(at) = separator else {
        return Err(Error::CookieMalformed(
            "expected two parts separated by ';'",
        ));
    };
    let (boxed, nonce) = (&text[..at], &text[at + 1..]);
    body.resize(HEADER_BYTES, 0);
    match STANDARD.decode_slice(nonce, &mut body[KEY_ID_BYTES..]) {
        Ok(NONCE_BYTES) => {}
        Ok(_) | Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            return Err(Error::CookieMalformed("nonce is not 24 bytes"))
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => {
            return Err(Error::CookieMalformed("nonce is not padded base64"))
        }
    }
    STANDARD
        .decode_vec(boxed, body)
        .map_err(|_| Error::CookieMalformed("ciphertext is not padded base64"))?;
    if body.len() < HEADER_BYTES + MAC_BYTES {
        return Err(Error::CookieMalformed(
            "ciphertext is shorter than its 16-byte tag",
        ));
    }
    Ok(())
}

/// Appends base64 text escaped as `encodeURIComponent` would (`+` `/` `=` are its only
/// characters that need it). Eight bytes at a time: each step copies a word whole and keeps it up
/// to its first character to escape.
fn escape_base64_into(out: &mut Vec<u8>, base64: &[u8]) {
    let mut end = out.len();
    out.resize(end + 3 * base64.len(), 0); // room for every byte escaped
    let mut at = 0;
    while let Some(word) = base64[at..].first_chunk::<8>() {
        out[end..end + 8].copy_from_slice(word);
        match first_of(word, b"+/=") {
            None => (end, at) = (end + 8, at + 8),
            Some(i) => (end, at) = (put_escaped(out, end + i, word[i]), at + i + 1),
        }
    }
    for &byte in &base64[at..] {
        end = put_escaped(out, end, byte);
    }
    out.truncate(end);
}

/// Where the first of the eight bytes of `word` that is one of `bytes` is, if any.
fn first_of(word: &[u8; 8], bytes: &[u8]) -> Option<usize> {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    let word = u64::from_le_bytes(*word);
    // The high bit of each byte that is zero in `x`, and no other bit.
    let zero_bytes = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let found = bytes.iter().fold(0, |found, &byte| {
        found | zero_bytes(word ^ u64::from_le_bytes([byte; 8]))
    });
    (found != 0).then(|| found.trailing_zeros() as usize / 8)
}

/// Writes one base64 character at `out[at..]`, as `%XX` when `encodeURIComponent` would escape
/// it, and returns where the next one goes. Three bytes are written either way: no branches.
fn put_escaped(out: &mut [u8], at: usize, byte: u8) -> usize {
    let (bytes, len) = ESCAPED[usize::from(byte)];
    out[at..at + 3].copy_from_slice(&bytes);
    at + len
}

/// Every byte as `encodeURIComponent` writes it in base64 text, padded to three bytes, with its
/// length: itself, or `%XX` for `+` `/` `=`.
const ESCAPED: [([u8; 3], usize); 256] = {
    let mut table = [([0; 3], 1); 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte].0[0] = byte as u8;
        byte += 1;
    }
    table[b'+' as usize] = (*b"%2B", 3);
    table[b'/' as usize] = (*b"%2F", 3);
    table[b'=' as usize] = (*b"%3D", 3);
    table
};

/// Decodes `%XX` escapes (hex digits in either case) into `out`, replacing what it held, as
/// `decodeURIComponent` does for the ASCII this format holds; a `%` not followed by two hex
/// digits is malformed. Eight bytes at a time, like `escape_base64_into`.
fn percent_decode_into(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    out.clear();
    let mut at = 0;
    while let Some(word) = bytes[at..].first_chunk::<8>() {
        out.extend_from_slice(word);
        match first_of(word, b"%") {
            None => at += 8,
            Some(i) => {
                out.truncate(out.len() - 8 + i);
                out.push(unescape(bytes, at + i)?);
                at += i + 3;
            }
        }
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            out.push(unescape(bytes, at)?);
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    Ok(())
}

/// The byte the `%XX` escape at `bytes[at..]` stands for.
fn unescape(bytes: &[u8], at: usize) -> Result<u8, Error> {
    match (hex_digit(bytes.get(at + 1)), hex_digit(bytes.get(at + 2))) {
        (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
        _ => Err(Error::CookieMalformed("broken percent-escape")),
    }
}

/// The value of one hex digit, either case.
fn hex_digit(byte: Option<&u8>) -> Option<u8> {
    match *byte? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: [u8; NONCE_BYTES] = [0xfb; NONCE_BYTES];

    fn body(key_id: [u8; KEY_ID_BYTES], boxed: &[u8]) -> Vec<u8> {
        [&key_id[..], &NONCE, boxed].concat()
    }

    fn write(format: Format, body: &[u8], out: &mut Vec<u8>, staging: &mut Vec<u8>) {
        out.clear();
        append(format, body, out, staging);
    }

    fn write_owned(format: Format, body: &[u8]) -> String {
        let mut out = Vec::new();
        write(format, body, &mut out, &mut Vec::new());
        String::from_utf8(out).unwrap()
    }

    fn parse_owned(cookie: &str) -> Result<(Option<[u8; KEY_ID_BYTES]>, Vec<u8>), Error> {
        let mut body = Vec::new();
        let key_id = parse(
            cookie.as_bytes(),
            MAX_COOKIE_CHARS,
            &mut body,
            &mut Vec::new(),
        )?;
        Ok((key_id, body))
    }

    #[test]
    fn legacy_escapes_like_encode_uri_component() {
        let cookie = write_owned(
            Format::Legacy,
            &body([0; 4], &[0xfb, 0xff, 0xbf, 0x3e, 0x00]),
        );
        // base64 of the box is "+/+/PgA=", of the nonce "+/v7…" (24 bytes, no padding).
        assert!(
            cookie.starts_with("%2B%2F%2B%2FPgA%3D%3B%2B%2Fv7"),
            "{cookie}"
        );
        assert!(!cookie.contains(['+', '/', '=', ';']));
    }

    #[test]
    fn escaping_matches_a_plain_replace() {
        let escape = |text: &str| {
            let mut out = Vec::new();
            escape_base64_into(&mut out, text.as_bytes());
            String::from_utf8(out).unwrap()
        };
        let expected = |text: &str| {
            text.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        };
        // Each character at each place of a word and of the tail, among its byte neighbours.
        for special in ['+', '/', '=', '*', ',', '.', '<', '>', '0', 'z'] {
            for at in 0..19 {
                let mut text = "9A-+a/=Z<>".repeat(2)[..19].to_string();
                text.replace_range(at..=at, &special.to_string());
                assert_eq!(escape(&text), expected(&text), "{text}");
            }
        }
        let base64: String = (0..200u32)
            .map(|i| char::from(b"ABab09+/="[(i * i % 9) as usize]))
            .collect();
        assert_eq!(escape(&base64), expected(&base64));
    }

    #[test]
    fn percent_decoding_at_every_place() {
        let decode = |text: &str| {
            let mut out = Vec::new();
            percent_decode_into(text.as_bytes(), &mut out).map(|()| String::from_utf8(out).unwrap())
        };
        for at in 0..20 {
            let mut text = "ABCDEFGHIJKLMNOPQRST".to_string();
            text.insert_str(at, "%2b%3D");
            let expected = text.replace("%2b", "+").replace("%3D", "=");
            assert_eq!(decode(&text), Ok(expected), "{text}");
            for broken in ["%", "%4", "%G1", "%1%"] {
                let mut text = "ABCDEFGHIJKLMNOPQRST"[..at].to_string();
                text.push_str(broken);
                assert!(decode(&text).is_err(), "{text}");
            }
        }
    }

    #[test]
    fn both_formats_round_trip() {
        let boxed: Vec<u8> = (0..=255).collect();
        for format in [Format::Legacy, Format::Compact] {
            let cookie = write_owned(format, &body([1, 2, 3, 4], &boxed));
            let (key_id, parsed) = parse_owned(&cookie).unwrap();
            assert_eq!(&parsed[KEY_ID_BYTES..HEADER_BYTES], NONCE);
            assert_eq!(&parsed[HEADER_BYTES..], boxed);
            let expected_id = (format == Format::Compact).then_some([1, 2, 3, 4]);
            assert_eq!(key_id, expected_id);
        }
    }

    #[test]
    fn buffers_are_reused_without_leftovers() {
        let (mut out, mut staging, mut parsed, mut decoded) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for len in [300, 20, 0, 100] {
            let boxed = vec![0x5a; MAC_BYTES + len];
            for format in [Format::Legacy, Format::Compact] {
                write(format, &body([7; 4], &boxed), &mut out, &mut staging);
                assert_eq!(out, write_owned(format, &body([7; 4], &boxed)).as_bytes());
                parse(&out, MAX_COOKIE_CHARS, &mut parsed, &mut decoded).unwrap();
                assert_eq!(&parsed[HEADER_BYTES..], boxed);
            }
        }
    }

    #[test]
    fn compact_is_cookie_safe_and_versioned() {
        let cookie = write_owned(Format::Compact, &body([9; 4], &[0xff; 40]));
        assert!(cookie.starts_with("v2."));
        assert!(cookie[3..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn legacy_accepts_unescaped_and_lowercase_escapes() {
        let cookie = write_owned(Format::Legacy, &body([0; 4], &[0xfb; 20]));
        let mut plain = Vec::new();
        percent_decode_into(cookie.as_bytes(), &mut plain).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(parse_owned(&plain).unwrap(), parse_owned(&cookie).unwrap());
        let lower_escapes = cookie.replace("%2B", "%2b").replace("%3B", "%3b");
        assert_eq!(
            parse_owned(&lower_escapes).unwrap(),
            parse_owned(&cookie).unwrap()
        );
    }

    #[test]
    fn rejects_malformed_cookies() {
        let good = write_owned(Format::Legacy, &body([0; 4], &[7; 30]));
        let (boxed, nonce) = good.split_once("%3B").unwrap();
        let cases = [
            String::new(),
            "%".into(),
            "abc%2".into(),
            "abc%zz%3Bdef".into(),
            boxed.to_string(),
            format!("{nonce}%3B{boxed}"),
            format!("{boxed}%3B{nonce}%3B{nonce}"),
            format!("{boxed}%3B{}", &nonce[..nonce.len() - 4]),
            format!("%3B{nonce}"),
            format!("AAAA%3B{nonce}"),
            "v2.".into(),
            "v2.!!!!".into(),
            format!("v2.{}", "A".repeat(58)),
            "v1.AAAA".into(),
            "v3.AAAA".into(),
            "A".repeat(MAX_COOKIE_CHARS + 1),
        ];
        for case in cases {
            assert!(parse_owned(&case).is_err(), "accepted {case:?}");
        }
    }
}
