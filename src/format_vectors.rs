//! The published test vectors (`docs/vectors.json`, described in `docs/format.md`) against the
//! codec: every positive vector opens to its session, token and flags, and every value the package
//! sealed is sealed again byte for byte from its key, token, JSON and nonce (the nonce given in
//! place of the OS's through the test-only `counting_source::scripted`); every negative vector the
//! native core refuses is refused with its code and reason, and those the JavaScript layer refuses
//! (JSON, objects, moved metadata, store ids) pass the core. The vectors are written by an
//! independent implementation (`interop/python/make_vectors.py`, on PyNaCl).

use serde_json::{Map, Value};

use crate::codec::Scratch;
use crate::error::Error;
use crate::key::{self, Purpose};
use crate::keyring::{Keyring, Limits};
use crate::metadata::{self, Token, TOKEN_BYTES, USER_SINCE};
use crate::sodium::counting_source;
use crate::wire::{Format, MAX_COOKIE_CHARS};

const VECTORS: &str = include_str!("../docs/vectors.json");
/// encryptedStore's default `maxValueBytes`.
const STORE_VALUE_CHARS: usize = 1024 * 1024;

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("docs/vectors.json is JSON")
}

fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not text in {value}"))
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn key(vectors: &Value, label: &str) -> [u8; 32] {
    unhex(text(&vectors["keys"][label], "hex"))
        .try_into()
        .expect("32-byte key")
}

/// The keys a vector's reader holds, newest first.
fn keys(vectors: &Value, vector: &Value) -> Vec<[u8; 32]> {
    let labels = vector["keys"].as_array().expect("keys");
    labels
        .iter()
        .map(|label| key(vectors, label.as_str().expect("key label")))
        .collect()
}

fn cookie_ring(keys: &[[u8; 32]], name: &str, format: Format, max_chars: usize) -> Keyring {
    let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let limits = Limits {
        max_value_chars: max_chars,
        assume_issued_at: 0,
    };
    Keyring::for_cookies(&keys, name, format, limits).expect("keyring")
}

fn store_ring(keys: &[[u8; 32]]) -> Keyring {
    let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let limits = Limits {
        max_value_chars: STORE_VALUE_CHARS,
        assume_issued_at: 0,
    };
    Keyring::for_store(&keys, limits).expect("keyring")
}

/// What a value opened to, as the vectors write it (`opens`), after the JavaScript layer's one
/// step over metadata: a `$kss` member that a koa-encrypted-session node moved is checked and
/// taken out of the session.
fn opened(ring: &Keyring, value: &str) -> Result<Value, Error> {
    let mut scratch = Scratch::default();
    let opened = ring.open(value.as_bytes(), &mut scratch)?;
    let mut session: Value = serde_json::from_slice(opened.text()).expect("session JSON");
    let mut token = String::from_utf8(opened.token().to_vec()).expect("token");
    if opened.adopted() {
        if let Some(member) = session.as_object_mut().and_then(|s| s.remove("$kss")) {
            let member = member.as_str().unwrap_or_default();
            let checked = ring.check_legacy_metadata(member.as_bytes())?;
            token = String::from_utf8(checked.to_vec()).expect("token");
        }
    }
    let mut result = Map::new();
    result.insert("session".into(), session);
    result.insert("token".into(), token.into());
    result.insert("stale".into(), opened.stale().into());
    result.insert("adopted".into(), opened.adopted().into());
    Ok(Value::Object(result))
}

/// `sealed` (a vector the package sealed) sealed again with its nonce, by `ring`.
fn seal_again(sealed: &Value, ring: &Keyring) -> String {
    let nonce = unhex(text(sealed, "nonce"));
    let token = text(sealed, "token").as_bytes();
    let json = text(sealed, "json").as_bytes();
    let mut scratch = Scratch::default();
    let out = counting_source::scripted(&nonce, || {
        ring.seal(Some(token), json, None, &mut scratch)
            .expect("seal")
            .to_vec()
    });
    assert_eq!(
        &out[..TOKEN_BYTES],
        token,
        "seal returns the token it sealed"
    );
    String::from_utf8(out[TOKEN_BYTES..].to_vec()).expect("ASCII value")
}

fn format_of(sealed: &Value) -> Format {
    match text(sealed, "format") {
        "legacy" => Format::Legacy,
        _ => Format::Compact,
    }
}

/// The value the cookies of a split session hold, joined as docs/format.md says.
fn joined(cookies: &[Value], name: &str) -> String {
    let read = |wanted: &str| {
        cookies
            .iter()
            .find(|pair| pair[0] == wanted)
            .map(|pair| pair[1].as_str().expect("cookie value").to_string())
    };
    let first = read(name).expect("the first cookie");
    let mut fields = first.splitn(3, '.');
    let count: usize = fields.next().expect("c<n>")[1..].parse().expect("count");
    let tag = fields.next().expect("tag").to_string();
    let mut value = fields.next().expect("part 0").to_string();
    for index in 1..count {
        let part = read(&format!("{name}.{index}")).expect("every part");
        value.push_str(part.strip_prefix(&format!("{tag}.")).expect("the tag"));
    }
    assert!(value.ends_with(&tag), "the value ends with its tag");
    value
}

#[test]
fn keys_subkeys_tokens_and_tags() {
    let vectors = vectors();
    for (label, entry) in vectors["keys"].as_object().expect("keys") {
        let id = key::key_id(&key(&vectors, label));
        assert_eq!(
            id.to_vec(),
            unhex(text(entry, "key_id")),
            "key id of {label}"
        );
    }
    for entry in vectors["subkeys"].as_array().expect("subkeys") {
        let name = text(entry, "name");
        let purpose = match text(entry, "purpose") {
            "compact cookie" => Purpose::CompactCookie(name),
            "legacy metadata" => Purpose::LegacyMetadata(name),
            "store value" => Purpose::StoreValue,
            "store id" => Purpose::StoreId,
            "key id" => Purpose::KeyId,
            other => panic!("unknown purpose {other}"),
        };
        let subkey = key::subkey(&key(&vectors, text(entry, "key")), purpose);
        assert_eq!(subkey.to_vec(), unhex(text(entry, "subkey")), "{entry}");
    }
    for entry in vectors["tokens"].as_array().expect("tokens") {
        let id: [u8; 16] = unhex(text(entry, "session_id_hex")).try_into().expect("16");
        let mut token = metadata::fresh(&id, entry["issued_at"].as_u64().expect("ms"));
        metadata::set_time(
            &mut token,
            USER_SINCE,
            entry["user_since"].as_u64().expect("ms"),
        );
        assert_eq!(&token[..], text(entry, "token").as_bytes(), "{entry}");
    }
    for entry in vectors["legacy_tags"].as_array().expect("legacy tags") {
        let token: Token = text(entry, "token").as_bytes().try_into().expect("token");
        let name = text(entry, "cookie_name");
        let tag_key = key::subkey(
            &key(&vectors, text(entry, "key")),
            Purpose::LegacyMetadata(name),
        );
        let mut member = Vec::new();
        metadata::append_legacy_member(b"{}", &token, &tag_key, &mut member);
        let expected = format!(
            r#"{{"$kss":"{}{}"}}"#,
            text(entry, "token"),
            text(entry, "tag")
        );
        assert_eq!(String::from_utf8(member).unwrap(), expected, "{entry}");
    }
}

#[test]
fn every_cookie_opens_and_seals_again_byte_for_byte() {
    let vectors = vectors();
    let cookies = vectors["cookies"].as_array().expect("cookies");
    assert!(cookies.len() >= 15, "the vectors are all there");
    for vector in cookies {
        let (name, cookie_name) = (text(vector, "name"), text(vector, "cookie_name"));
        let sealed = &vector["sealed"];
        let ring = cookie_ring(
            &keys(&vectors, vector),
            cookie_name,
            format_of(sealed),
            MAX_COOKIE_CHARS,
        );
        let got = opened(&ring, text(vector, "cookie")).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, vector["opens"], "{name}");
        if text(sealed, "by") == "package" {
            let sealer = cookie_ring(
                &[key(&vectors, text(sealed, "key"))],
                cookie_name,
                format_of(sealed),
                MAX_COOKIE_CHARS,
            );
            let written = vector.get("written").unwrap_or(&vector["cookie"]);
            assert_eq!(
                seal_again(sealed, &sealer),
                written.as_str().unwrap(),
                "{name}"
            );
        }
    }
}

#[test]
fn split_sessions_join_open_and_seal_again() {
    let vectors = vectors();
    for vector in vectors["split"].as_array().expect("split") {
        let (name, cookie_name) = (text(vector, "name"), text(vector, "cookie_name"));
        let value = joined(vector["cookies"].as_array().expect("cookies"), cookie_name);
        assert_eq!(value, text(vector, "value"), "{name}");
        let max = vector["max_cookies"].as_u64().expect("max_cookies") as usize * MAX_COOKIE_CHARS;
        let sealed = &vector["sealed"];
        let ring = cookie_ring(&keys(&vectors, vector), cookie_name, format_of(sealed), max);
        assert_eq!(opened(&ring, &value).unwrap(), vector["opens"], "{name}");
        assert_eq!(seal_again(sealed, &ring), value, "{name}");
    }
}

#[test]
fn store_values_and_keys() {
    let vectors = vectors();
    for vector in vectors["store"].as_array().expect("store") {
        let name = text(vector, "name");
        let ring = store_ring(&keys(&vectors, vector));
        let store_keys = ring.store_keys(
            text(vector, "cookie_name").as_bytes(),
            text(vector, "store_id").as_bytes(),
        );
        assert_eq!(Value::from(store_keys), vector["store_keys"], "{name}");
        let mut got = opened(&ring, text(vector, "value")).unwrap();
        let wrapper = got["session"].take();
        assert_eq!(wrapper["k"], vector["store_id"], "{name}");
        assert_eq!(wrapper["n"], vector["cookie_name"], "{name}");
        got["session"] = wrapper["s"].clone();
        assert_eq!(got, vector["opens"], "{name}");
        let sealer = store_ring(&[key(&vectors, text(&vector["sealed"], "key"))]);
        assert_eq!(
            seal_again(&vector["sealed"], &sealer),
            text(vector, "value"),
            "{name}"
        );
    }
}

#[test]
fn every_negative_vector_is_refused_where_it_says() {
    let vectors = vectors();
    let refused = vectors["refused"].as_array().expect("refused");
    assert!(refused.len() >= 40, "the vectors are all there");
    for vector in refused {
        let name = text(vector, "name");
        let want = &vector["refused"];
        let keys = keys(&vectors, vector);
        let outcome = if let Some(value) = vector.get("store_value") {
            store_ring(&keys)
                .open(value.as_str().unwrap().as_bytes(), &mut Scratch::default())
                .map(drop)
        } else if let Some(cookie) = vector.get("cookie") {
            let ring = cookie_ring(
                &keys,
                text(vector, "cookie_name"),
                Format::Compact,
                MAX_COOKIE_CHARS,
            );
            ring.open(cookie.as_str().unwrap().as_bytes(), &mut Scratch::default())
                .map(drop)
        } else {
            continue; // split sessions are joined in JavaScript
        };
        match text(want, "layer") {
            "core" => {
                let err = outcome.expect_err(name);
                assert_eq!(err.code(), text(want, "code"), "{name}: {err}");
                let detail = text(want, "detail");
                assert!(err.to_string().contains(detail), "{name}: {err}");
            }
            _ => assert_eq!(outcome, Ok(()), "{name}: the core passes it on"),
        }
    }
}

/// Argon2id at the MODERATE limits: skipped under valgrind (scripts/memcheck.sh skips
/// `derive_matches`), as key.rs's own vector test is.
#[test]
fn derive_matches_the_key_derivation_vectors() {
    use base64::Engine;
    let vectors = vectors();
    for entry in vectors["key_derivation"]
        .as_array()
        .expect("key derivation")
    {
        let salt = base64::engine::general_purpose::STANDARD
            .decode(text(entry, "salt_base64"))
            .unwrap();
        let derived = key::derive(text(entry, "secret").as_bytes(), &salt).unwrap();
        assert_eq!(derived.to_vec(), unhex(text(entry, "key_hex")), "{entry}");
    }
}
