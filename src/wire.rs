//! The two cookie wire formats, as pure text ↔ bytes transforms (no cryptography here).
//!
//! **legacy** — byte-compatible with koa-encrypted-session 3.0.7:
//! `encodeURIComponent(base64(mac ‖ ciphertext) + ";" + base64(nonce))`, standard padded base64.
//!
//! **compact** (version 1) — cookie-safe as is, no percent-escapes:
//! `"v1." + base64url_unpadded(key_id[4] ‖ nonce[24] ‖ mac[16] ‖ ciphertext)`.
//! Legacy cookies never contain `.`, so the `v<digits>.` prefix tells the formats apart and
//! leaves room for later versions.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::error::Error;
use crate::key::KEY_ID_BYTES;
use crate::sodium::{MAC_BYTES, NONCE_BYTES};

/// Longest cookie value `parse` reads: twice the 4096 bytes any browser keeps for a cookie.
pub const MAX_COOKIE_CHARS: usize = 8192;
/// Prefix of compact-format cookies.
const COMPACT_V1: &str = "v1.";
/// `;` as `encodeURIComponent` writes it, between the two legacy parts.
const LEGACY_SEPARATOR: &str = "%3B";

/// Which wire format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// koa-encrypted-session's percent-escaped format.
    Legacy,
    /// The versioned, unescaped base64url format.
    Compact,
}

/// A cookie split into its parts, not yet authenticated.
#[derive(Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The id of the key that sealed it (compact format only).
    pub key_id: Option<[u8; KEY_ID_BYTES]>,
    /// The 24-byte secretbox nonce.
    pub nonce: [u8; NONCE_BYTES],
    /// `mac ‖ ciphertext`, at least `MAC_BYTES` long.
    pub boxed: Vec<u8>,
}

/// Writes `boxed` (`mac ‖ ciphertext`) and its nonce as a cookie value in `format`.
pub fn write(
    format: Format,
    key_id: [u8; KEY_ID_BYTES],
    nonce: &[u8; NONCE_BYTES],
    boxed: &[u8],
) -> String {
    match format {
        Format::Legacy => {
            // base64 grows 4/3; escapes add a little more: 3/2 plus the nonce part is ample.
            let mut out = String::with_capacity(boxed.len() * 3 / 2 + 48);
            escape_base64_into(&mut out, &STANDARD.encode(boxed));
            out.push_str(LEGACY_SEPARATOR);
            escape_base64_into(&mut out, &STANDARD.encode(nonce));
            out
        }
        Format::Compact => {
            let mut raw = Vec::with_capacity(KEY_ID_BYTES + NONCE_BYTES + boxed.len());
            raw.extend_from_slice(&key_id);
            raw.extend_from_slice(nonce);
            raw.extend_from_slice(boxed);
            let mut out = String::with_capacity(COMPACT_V1.len() + raw.len().div_ceil(3) * 4);
            out.push_str(COMPACT_V1);
            URL_SAFE_NO_PAD.encode_string(&raw, &mut out);
            out
        }
    }
}

/// Splits a cookie value in either format into its parts, or says why it cannot be one.
pub fn parse(cookie: &str) -> Result<Sealed, Error> {
    if cookie.len() > MAX_COOKIE_CHARS {
        return Err(Error::CookieTooLarge {
            limit: MAX_COOKIE_CHARS,
            got: cookie.len(),
        });
    }
    if let Some(body) = cookie.strip_prefix(COMPACT_V1) {
        return parse_compact(body);
    }
    if has_version_prefix(cookie) {
        return Err(Error::CookieMalformed("unknown format version"));
    }
    parse_legacy(cookie)
}

/// True for `v<digits>.` at the start: a compact cookie of a version this build does not know.
fn has_version_prefix(cookie: &str) -> bool {
    let Some(rest) = cookie.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest.as_bytes().get(digits) == Some(&b'.')
}

fn parse_compact(body: &str) -> Result<Sealed, Error> {
    let raw = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| Error::CookieMalformed("compact body is not unpadded base64url"))?;
    if raw.len() < KEY_ID_BYTES + NONCE_BYTES + MAC_BYTES {
        return Err(Error::CookieMalformed("compact body is too short"));
    }
    let key_id = to_array(&raw[..KEY_ID_BYTES]);
    let nonce = to_array(&raw[KEY_ID_BYTES..KEY_ID_BYTES + NONCE_BYTES]);
    let mut boxed = raw;
    boxed.drain(..KEY_ID_BYTES + NONCE_BYTES); // shift in place rather than copy into a new Vec
    Ok(Sealed {
        key_id: Some(key_id),
        nonce,
        boxed,
    })
}

fn parse_legacy(cookie: &str) -> Result<Sealed, Error> {
    let text = percent_decode(cookie)?;
    let mut parts = text.split(|&b| b == b';');
    let (Some(boxed), Some(nonce), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::CookieMalformed(
            "expected two parts separated by ';'",
        ));
    };
    let boxed = STANDARD
        .decode(boxed)
        .map_err(|_| Error::CookieMalformed("ciphertext is not padded base64"))?;
    let mut nonce_bytes = [0u8; NONCE_BYTES];
    match STANDARD.decode_slice(nonce, &mut nonce_bytes) {
        Ok(NONCE_BYTES) => {}
        Ok(_) | Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            return Err(Error::CookieMalformed("nonce is not 24 bytes"))
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => {
            return Err(Error::CookieMalformed("nonce is not padded base64"))
        }
    }
    if boxed.len() < MAC_BYTES {
        return Err(Error::CookieMalformed(
            "ciphertext is shorter than its 16-byte tag",
        ));
    }
    Ok(Sealed {
        key_id: None,
        nonce: nonce_bytes,
        boxed,
    })
}

/// Copies a slice whose length the caller has checked into an array.
fn to_array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    out
}

/// Appends base64 text escaped as `encodeURIComponent` would (`+` `/` `=` are its only
/// characters that need it), copying the runs between them whole.
fn escape_base64_into(out: &mut String, base64: &str) {
    let mut run = 0;
    for (at, byte) in base64.bytes().enumerate() {
        let escaped = match byte {
            b'+' => "%2B",
            b'/' => "%2F",
            b'=' => "%3D",
            _ => continue,
        };
        out.push_str(&base64[run..at]);
        out.push_str(escaped);
        run = at + 1;
    }
    out.push_str(&base64[run..]);
}

/// Decodes `%XX` escapes (hex digits in either case), as `decodeURIComponent` does for the
/// ASCII this format holds, copying the runs between escapes whole; a `%` not followed by two
/// hex digits is malformed.
fn percent_decode(text: &str) -> Result<Vec<u8>, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut run = 0;
    while let Some(offset) = bytes[run..].iter().position(|&b| b == b'%') {
        let at = run + offset;
        out.extend_from_slice(&bytes[run..at]);
        let (Some(hi), Some(lo)) = (hex_digit(bytes.get(at + 1)), hex_digit(bytes.get(at + 2)))
        else {
            return Err(Error::CookieMalformed("broken percent-escape"));
        };
        out.push(hi << 4 | lo);
        run = at + 3;
    }
    out.extend_from_slice(&bytes[run..]);
    Ok(out)
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

    #[test]
    fn legacy_escapes_like_encode_uri_component() {
        let cookie = write(
            Format::Legacy,
            [0; 4],
            &NONCE,
            &[0xfb, 0xff, 0xbf, 0x3e, 0x00],
        );
        // base64 of the box is "+/+/PgA=", of the nonce "+/v7…" (24 bytes, no padding).
        assert!(
            cookie.starts_with("%2B%2F%2B%2FPgA%3D%3B%2B%2Fv7"),
            "{cookie}"
        );
        assert!(!cookie.contains(['+', '/', '=', ';']));
    }

    #[test]
    fn both_formats_round_trip() {
        let boxed: Vec<u8> = (0..=255).collect();
        for format in [Format::Legacy, Format::Compact] {
            let cookie = write(format, [1, 2, 3, 4], &NONCE, &boxed);
            let sealed = parse(&cookie).unwrap();
            assert_eq!(sealed.nonce, NONCE);
            assert_eq!(sealed.boxed, boxed);
            let expected_id = (format == Format::Compact).then_some([1, 2, 3, 4]);
            assert_eq!(sealed.key_id, expected_id);
        }
    }

    #[test]
    fn compact_is_cookie_safe_and_versioned() {
        let cookie = write(Format::Compact, [9; 4], &NONCE, &[0xff; 40]);
        assert!(cookie.starts_with("v1."));
        assert!(cookie[3..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn legacy_accepts_unescaped_and_lowercase_escapes() {
        let cookie = write(Format::Legacy, [0; 4], &NONCE, &[0xfb; 20]);
        let plain = String::from_utf8(percent_decode(&cookie).unwrap()).unwrap();
        assert_eq!(parse(&plain).unwrap(), parse(&cookie).unwrap());
        let lower_escapes = cookie.replace("%2B", "%2b").replace("%3B", "%3b");
        assert_eq!(parse(&lower_escapes).unwrap(), parse(&cookie).unwrap());
    }

    #[test]
    fn rejects_malformed_cookies() {
        let good = write(Format::Legacy, [0; 4], &NONCE, &[7; 30]);
        let (boxed, nonce) = good.split_once(LEGACY_SEPARATOR).unwrap();
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
            "v1.".into(),
            "v1.!!!!".into(),
            format!("v1.{}", "A".repeat(58)),
            "v2.AAAA".into(),
            "A".repeat(MAX_COOKIE_CHARS + 1),
        ];
        for case in cases {
            assert!(parse(&case).is_err(), "accepted {case:?}");
        }
    }
}
