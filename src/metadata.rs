//! The package's per-session metadata, sealed with the session but kept out of the app's data.
//!
//! It travels as a 40-character *token*: the session id (22 base64url characters, 16 random
//! bytes) then two times in milliseconds since the epoch, 9 base-36 digits each: when the session
//! was issued, and when its user field took its value (`0` for unknown or none). JavaScript makes
//! and reads tokens; this module checks their shape and carries them through the two formats:
//!
//! - a compact cookie's plaintext is `token ‖ JSON`;
//! - a legacy cookie's plaintext is the session JSON with one more member, last:
//!   `"$kss":"<token><tag>"`, where the tag (22 base64url characters) is SipHash-2-4-128 of the
//!   token keyed with the first 16 bytes of the key's legacy-metadata subkey.
//!   koa-encrypted-session nodes read such a cookie as usual and carry the member along as
//!   session data; the tag shows it was not set by an app.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::Error;
use crate::sodium::{self, KEY_BYTES, NONCE_BYTES};

/// Length of a token.
pub const TOKEN_BYTES: usize = 40;
/// Length of the session id at the start of a token.
pub const ID_CHARS: usize = 22;
/// Length of each time in a token.
pub const TIME_CHARS: usize = 9;
/// Where the issue time starts in a token.
pub const ISSUED_AT: usize = ID_CHARS;
/// Where the user-since time starts in a token.
pub const USER_SINCE: usize = ID_CHARS + TIME_CHARS;
/// The largest time 9 base-36 digits hold (year 5188).
const MAX_TIME: u64 = 36u64.pow(TIME_CHARS as u32) - 1;
/// Length of the tag after the token in a legacy cookie's member.
const TAG_CHARS: usize = 22;
/// Length of the value of the legacy member: token then tag.
pub const LEGACY_VALUE_BYTES: usize = TOKEN_BYTES + TAG_CHARS;
/// The legacy member's name and the quote that opens its value.
const MEMBER_START: &[u8] = b"\"$kss\":\"";
/// Message prefix of the id given to a legacy cookie that arrives without metadata.
const ADOPTED_ID_CONTEXT: &[u8] = b"adopted session id";

/// A token's bytes.
pub type Token = [u8; TOKEN_BYTES];

/// 16 bytes as 22 characters of unpadded base64url.
pub fn base64url16(bytes: &[u8; 16]) -> [u8; ID_CHARS] {
    let mut text = [0u8; ID_CHARS];
    let written = URL_SAFE_NO_PAD.encode_slice(bytes, &mut text).unwrap_or(0);
    debug_assert_eq!(written, ID_CHARS, "16 bytes are 22 base64url characters");
    text
}

/// Which bytes may stand where in a token: bit 0 for the id's base64url, bit 1 for the times'
/// base-36 digits.
const TOKEN_CHARS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        let digit_or_lower = b.is_ascii_digit() || b.is_ascii_lowercase();
        let base64url = digit_or_lower || b.is_ascii_uppercase() || b == b'-' || b == b'_';
        table[byte] = (base64url as u8) | ((digit_or_lower as u8) << 1);
        byte += 1;
    }
    table
};

/// True when `bytes` has a token's shape: 22 base64url characters, then 18 base-36 digits.
pub fn is_token(bytes: &[u8]) -> bool {
    bytes.len() == TOKEN_BYTES
        && bytes[..ID_CHARS]
            .iter()
            .all(|&b| TOKEN_CHARS[usize::from(b)] & 1 != 0)
        && bytes[ID_CHARS..]
            .iter()
            .all(|&b| TOKEN_CHARS[usize::from(b)] & 2 != 0)
}

/// The token of a new session: `id` (16 random bytes) as its session id, issued at `issued_ms`
/// (ms since the epoch), no user yet.
pub fn fresh(id: &[u8; 16], issued_ms: u64) -> Token {
    let mut token = [b'0'; TOKEN_BYTES];
    token[..ID_CHARS].copy_from_slice(&base64url16(id));
    set_time(&mut token, ISSUED_AT, issued_ms);
    token
}

/// Sets the time starting at `at` (`ISSUED_AT` or `USER_SINCE`) in `token` to `ms`, capped at the
/// largest time the field holds.
pub fn set_time(token: &mut Token, at: usize, ms: u64) {
    let mut rest = ms.min(MAX_TIME);
    for digit in token[at..at + TIME_CHARS].iter_mut().rev() {
        *digit = b"0123456789abcdefghijklmnopqrstuvwxyz"[(rest % 36) as usize];
        rest /= 36;
    }
}

/// True when the time starting at `at` in `token` is zero (unknown or none).
pub fn time_is_zero(token: &Token, at: usize) -> bool {
    token[at..at + TIME_CHARS].iter().all(|&b| b == b'0')
}

/// Milliseconds since the epoch now (0 if the clock is before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The token of a legacy cookie sealed without metadata (by koa-encrypted-session, or before
/// this package carried any): its id is derived from the cookie's nonce, so every process gives
/// the same cookie the same id (and a revocation of it holds for copies of that cookie), and
/// both times are unknown.
pub fn adopted(nonce: &[u8; NONCE_BYTES], tag_key: &[u8; KEY_BYTES]) -> Token {
    let mut hash = [0u8; 16];
    sodium::keyed_hash(&mut hash, &[ADOPTED_ID_CONTEXT, nonce].concat(), tag_key);
    let mut token = [b'0'; TOKEN_BYTES];
    token[..ID_CHARS].copy_from_slice(&base64url16(&hash));
    token
}

/// The 16 bytes that tag `token` under `tag_key`.
fn tag_bytes(token: &Token, tag_key: &[u8; KEY_BYTES]) -> [u8; 16] {
    let key: &[u8; 16] = tag_key.first_chunk().unwrap_or(&[0; 16]);
    sodium::siphash128(token, key)
}

/// The tag of `token`, as base64url text.
fn tag(token: &Token, tag_key: &[u8; KEY_BYTES]) -> [u8; TAG_CHARS] {
    base64url16(&tag_bytes(token, tag_key))
}

/// Writes `json` (the text of a JSON object) into `out` with the legacy member holding `token`
/// added last, replacing what `out` held.
pub fn append_legacy_member(
    json: &[u8],
    token: &Token,
    tag_key: &[u8; KEY_BYTES],
    out: &mut Vec<u8>,
) {
    out.clear();
    out.extend_from_slice(&json[..json.len() - 1]); // all but the closing brace
    if json.len() > 2 {
        out.push(b',');
    }
    out.extend_from_slice(MEMBER_START);
    out.extend_from_slice(token);
    out.extend_from_slice(&tag(token, tag_key));
    out.extend_from_slice(b"\"}");
}

/// Finds the legacy member where this package puts it (last) in the plaintext `text`, checks its
/// tag under `tag_keys` (those of every configured key: a koa-encrypted-session node may have
/// sealed the cookie again under another key of the ring, carrying the member as it was), and
/// returns the token and where the member starts, with the comma before it: the text without the
/// member is `text[..at]` followed by the closing brace. `Ok(None)` when there is no member
/// there; an error when there is one whose tag does not verify.
pub fn find_legacy_member<'k>(
    text: &[u8],
    tag_keys: impl IntoIterator<Item = &'k [u8; KEY_BYTES]>,
) -> Result<Option<(Token, usize)>, Error> {
    let member_len = MEMBER_START.len() + LEGACY_VALUE_BYTES + 1; // + the closing quote
    let Some(start) = text.len().checked_sub(member_len + 1) else {
        return Ok(None);
    };
    let (member, end) = text[start..].split_at(member_len);
    if !member.starts_with(MEMBER_START) || !member.ends_with(b"\"") || end != b"}" {
        return Ok(None);
    }
    let at = match (start, text[..start].last()) {
        (1, Some(b'{')) => 1,
        (_, Some(b',')) => start - 1,
        _ => return Ok(None),
    };
    let value = &member[MEMBER_START.len()..member_len - 1];
    check_legacy_value(value, tag_keys).map(|token| Some((token, at)))
}

/// The token in a legacy member's `value` if its tag verifies under one of `tag_keys`.
pub fn check_legacy_value<'k>(
    value: &[u8],
    tag_keys: impl IntoIterator<Item = &'k [u8; KEY_BYTES]>,
) -> Result<Token, Error> {
    if value.len() != LEGACY_VALUE_BYTES || !is_token(&value[..TOKEN_BYTES]) {
        return Err(Error::CookieMetadata(
            "the session metadata is not a token and its tag",
        ));
    }
    let mut token = [0u8; TOKEN_BYTES];
    token.copy_from_slice(&value[..TOKEN_BYTES]);
    let mut given = [0u8; 16];
    let decoded = URL_SAFE_NO_PAD.decode_slice(&value[TOKEN_BYTES..], &mut given);
    // Every key is tried, so the time taken does not tell which one matched.
    let matched = decoded.ok() == Some(16)
        && tag_keys.into_iter().fold(false, |found, tag_key| {
            sodium::equal16(&tag_bytes(&token, tag_key), &given) | found
        });
    if matched {
        Ok(token)
    } else {
        Err(Error::CookieMetadata(
            "the session metadata was not sealed with this cookie's key and name",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &Token = b"AAAAAAAAAAAAAAAAAAAAAA000000000000000000";

    fn with_member(json: &str) -> Vec<u8> {
        let mut out = Vec::new();
        append_legacy_member(json.as_bytes(), TOKEN, &[1; 32], &mut out);
        out
    }

    #[test]
    fn tokens_have_one_shape() {
        assert!(is_token(TOKEN));
        assert!(is_token(b"-_zAZ09aaaaaaaaaaaaaaa0123456789abcdefgh"));
        let bad: [&[u8]; 4] = [
            b"short",
            &[b'A'; 41],
            b"AAAAAAAAAAAAAAAAAAAAAA00000000000000000A",
            b"AAAAAAAAAAAAAAAAAAAAA+000000000000000000",
        ];
        for bad in bad {
            assert!(!is_token(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn the_member_goes_last_and_comes_out_again() {
        for (json, kept) in [
            ("{}", "{"),
            (r#"{"a":1}"#, r#"{"a":1"#),
            (r#"{"$kss":"x"}"#, r#"{"$kss":"x""#),
        ] {
            let text = with_member(json);
            assert!(text.ends_with(b"\"}"));
            let (token, at) = find_legacy_member(&text, [&[1; 32]]).unwrap().unwrap();
            assert_eq!(&token, TOKEN);
            assert_eq!(&text[..at], kept.as_bytes(), "{json}");
        }
    }

    #[test]
    fn a_member_sealed_under_another_key_or_name_is_refused() {
        let text = with_member(r#"{"a":1}"#);
        assert!(matches!(
            find_legacy_member(&text, [&[2; 32]]),
            Err(Error::CookieMetadata(_))
        ));
    }

    #[test]
    fn cookies_without_the_member_last_have_none() {
        for json in [
            &br#"{"a":1}"#[..],
            b"{}",
            b"",
            b"}",
            br#"{"a":1,"_expire":5}"#,
        ] {
            assert_eq!(find_legacy_member(json, [&[1; 32]]).unwrap(), None);
        }
        // The member in koa-encrypted-session's place (not last) is found by the JS side.
        let mut moved = with_member(r#"{"a":1}"#);
        moved.truncate(moved.len() - 1);
        moved.extend_from_slice(br#","_expire":5}"#);
        assert_eq!(find_legacy_member(&moved, [&[1; 32]]).unwrap(), None);
    }

    #[test]
    fn legacy_values_check_their_tag_under_any_key() {
        let text = with_member("{}");
        let value = &text[MEMBER_START.len() + 1..text.len() - 2];
        assert_eq!(
            check_legacy_value(value, [&[9; 32], &[1; 32]]).unwrap(),
            *TOKEN
        );
        assert!(check_legacy_value(value, [&[9; 32]]).is_err());
        let mut flipped = value.to_vec();
        flipped[3] ^= 1;
        assert!(check_legacy_value(&flipped, [&[1; 32]]).is_err());
        assert!(check_legacy_value(b"never", [&[1; 32]]).is_err());
    }

    #[test]
    fn fresh_tokens_hold_the_id_and_issue_time() {
        let token = fresh(&[0xff; 16], 1_764_600_000_000);
        assert!(is_token(&token));
        assert_eq!(&token[..ID_CHARS], b"_____________________w");
        assert_eq!(&token[ID_CHARS..], b"0min9a22o000000000");
        assert_eq!(
            &fresh(&[0; 16], u64::MAX)[ID_CHARS..ID_CHARS + TIME_CHARS],
            b"zzzzzzzzz"
        );
    }

    #[test]
    fn times_are_set_in_place() {
        let mut token = *TOKEN;
        assert!(time_is_zero(&token, USER_SINCE));
        set_time(&mut token, USER_SINCE, 1_764_600_000_000);
        assert_eq!(&token[USER_SINCE..], b"0min9a22o");
        assert!(time_is_zero(&token, ISSUED_AT) && !time_is_zero(&token, USER_SINCE));
        assert!(is_token(&token));
    }

    #[test]
    fn adopted_ids_follow_the_nonce() {
        let a = adopted(&[1; 24], &[7; 32]);
        assert!(is_token(&a));
        assert_eq!(a, adopted(&[1; 24], &[7; 32]));
        assert_ne!(a[..ID_CHARS], adopted(&[2; 24], &[7; 32])[..ID_CHARS]);
        assert!(a[ID_CHARS..].iter().all(|&b| b == b'0'));
    }
}
