//! Native core of koa-sodium-session: libsodium `crypto_secretbox` sealing of session cookies,
//! Argon2id key derivation and key generation, exposed to Node through napi-rs.
//!
//! This file only declares what JavaScript sees; the work lives in the modules below. The
//! constants are the layouts JavaScript reads (the metadata token, what `open` and `seal`
//! return) and the limits it checks against, so that each is defined once, here. A keyring's
//! `seal` and `open`, which every request calls, are plain N-API callbacks (`hot_path`).

mod codec;
mod error;
#[cfg(test)]
mod format_vectors;
mod guarded;
mod hot_path;
mod key;
mod keyring;
mod metadata;
mod sodium;
mod wire;

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer, ClassInstance, JavaScriptClassExt};
use napi::{Env, Task};
use napi_derive::napi;

pub use codec::{Opened, Scratch};
pub use error::Error;
pub use keyring::{Keyring, Limits, Seals};
pub use sodium::random_fill;
pub use wire::Format;

/// A JS error whose `code` is stable, such as `ERR_KEY_LENGTH`.
type CodedError = napi::Error<&'static str>;

/// Characters of a session's metadata token.
#[napi]
pub const TOKEN_CHARS: u32 = metadata::TOKEN_BYTES as u32;
/// Characters of the session id that starts a token.
#[napi]
pub const SESSION_ID_CHARS: u32 = metadata::ID_CHARS as u32;
/// Characters of each time in a token (ms since the epoch, base 36).
#[napi]
pub const TOKEN_TIME_CHARS: u32 = metadata::TIME_CHARS as u32;
/// Where a token's issue time starts.
#[napi]
pub const TOKEN_ISSUED_AT: u32 = metadata::ISSUED_AT as u32;
/// Where a token's user-since time starts.
#[napi]
pub const TOKEN_USER_SINCE: u32 = metadata::USER_SINCE as u32;
/// Characters ahead of the session JSON in what `open` returns: a flag digit, then the token.
#[napi]
pub const OPENED_JSON_AT: u32 = codec::OPENED_PREFIX_BYTES as u32;
/// Flag bit of `open`'s first digit: an older key opened the value (seal it again).
#[napi]
pub const OPENED_STALE: u32 = codec::FLAG_STALE as u32;
/// Flag bit of `open`'s first digit: a legacy cookie without metadata, given a token here.
#[napi]
pub const OPENED_ADOPTED: u32 = codec::FLAG_ADOPTED as u32;
/// Longest cookie value read: twice the 4096 bytes any browser keeps for a cookie.
#[napi]
pub const MAX_COOKIE_CHARS: u32 = wire::MAX_COOKIE_CHARS as u32;
/// The most cookies a session may be split across (`maxCookies`).
#[napi]
pub const MAX_COOKIES: u32 = wire::MAX_COOKIES as u32;
/// Bytes of a secret key.
#[napi]
pub const KEY_BYTES: u32 = sodium::KEY_BYTES as u32;
/// Bytes of a key-derivation salt.
#[napi]
pub const SALT_BYTES: u32 = sodium::SALT_BYTES as u32;
/// Fewest bytes of a passphrase to derive a key from.
#[napi]
pub const MIN_SECRET_BYTES: u32 = key::MIN_SECRET_BYTES as u32;

/// `ms` from JavaScript as a time for the codec: whole, non-negative milliseconds.
fn to_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        ms as u64 // saturates; the token caps times at 9 base-36 digits
    } else {
        0
    }
}

/// The configured keys, newest first, copied into guarded memory and split into their subkeys
/// for one purpose; no method returns them. `seal` and `open` are set on each instance by
/// `hot_path`, bound to the same keys.
#[napi(js_name = "Keyring")]
pub struct KeyringHandle {
    ring: Arc<Keyring>,
}

/// Wraps `ring` for JavaScript, with its `seal` and `open`.
fn keyring_object(
    env: &Env,
    ring: Keyring,
) -> Result<ClassInstance<'_, KeyringHandle>, CodedError> {
    let ring = Arc::new(ring);
    let instance = KeyringHandle {
        ring: Arc::clone(&ring),
    }
    .into_instance(env)
    .map_err(|_| Error::NodeApi("creating the keyring"))?;
    hot_path::attach(env, &mut instance.as_object(env), &ring)?;
    Ok(instance)
}

/// A keyring for the cookie named `name`: `keys` are 32 bytes each, newest first; cookies are
/// written compact when `compact` is true, in koa-encrypted-session's legacy format otherwise
/// (both are read); values longer than `maxValueChars` are neither written nor read; a session
/// without an issue time counts as issued at `assumeIssuedAt` (ms; 0 for unknown).
#[napi(
    ts_return_type = "Keyring & { seal(token: string | undefined, json: string, userSince?: number): string; open(value: string | string[]): string }"
)]
pub fn create_cookie_keyring<'env>(
    env: &'env Env,
    keys: Vec<&[u8]>,
    name: String,
    compact: bool,
    max_value_chars: u32,
    assume_issued_at: f64,
) -> Result<ClassInstance<'env, KeyringHandle>, CodedError> {
    let format = if compact {
        Format::Compact
    } else {
        Format::Legacy
    };
    let limits = Limits {
        max_value_chars: max_value_chars as usize,
        assume_issued_at: to_ms(assume_issued_at),
    };
    keyring_object(env, Keyring::for_cookies(&keys, &name, format, limits)?)
}

/// A keyring for the values `encryptedStore` hands to a store (always in the compact layout,
/// under the store value subkey): `keys` as for a cookie keyring; values longer than
/// `maxValueChars` are neither written nor read.
#[napi(
    ts_return_type = "Keyring & { seal(token: string | undefined, json: string, userSince?: number): string; open(value: string): string }"
)]
pub fn create_store_keyring<'env>(
    env: &'env Env,
    keys: Vec<&[u8]>,
    max_value_chars: u32,
) -> Result<ClassInstance<'env, KeyringHandle>, CodedError> {
    let limits = Limits {
        max_value_chars: max_value_chars as usize,
        assume_issued_at: 0,
    };
    keyring_object(env, Keyring::for_store(&keys, limits)?)
}

#[napi]
impl KeyringHandle {
    /// The token in the value of a legacy cookie's metadata member that JavaScript found away
    /// from its usual place, if its tag verifies under one of the keys; else `ERR_COOKIE_METADATA`.
    #[napi]
    pub fn check_metadata(&self, value: String) -> Result<String, CodedError> {
        let token = self.ring.check_legacy_metadata(value.as_bytes())?;
        Ok(String::from_utf8_lossy(&token).into_owned())
    }

    /// The keys under which a store holds session `id` of the cookie named `name`, newest key
    /// first.
    #[napi]
    pub fn store_keys(&self, name: String, id: String) -> Vec<String> {
        self.ring.store_keys(name.as_bytes(), id.as_bytes())
    }
}

/// The metadata token of a new session, issued now, no user yet: its session id is 16 bytes
/// read from the OS now.
#[napi]
pub fn new_token() -> Result<String, CodedError> {
    sodium::init()?;
    let mut id = [0u8; 16];
    sodium::random_fill(&mut id);
    Ok(String::from_utf8_lossy(&metadata::fresh(&id, metadata::now_ms())).into_owned())
}

/// Returns 32 random bytes from libsodium's CSPRNG, a fresh secret key.
#[napi]
pub fn generate_key() -> Result<Buffer, CodedError> {
    Ok(key_buffer(key::generate()?))
}

/// Copies a key into a new Buffer for JavaScript and zeroes the Rust copy.
fn key_buffer(mut key: [u8; 32]) -> Buffer {
    let buffer = key.to_vec().into();
    sodium::wipe(&mut key);
    buffer
}

/// Derives a 32-byte key from a passphrase (at least 32 bytes) and a 16-byte salt (default:
/// koa-encrypted-session's) with Argon2id at the MODERATE limits. Blocks the calling thread.
#[napi]
pub fn derive_key_sync(secret: &[u8], salt: Option<&[u8]>) -> Result<Buffer, CodedError> {
    Ok(key_buffer(key::derive(
        secret,
        salt.unwrap_or(&key::DEFAULT_SALT),
    )?))
}

/// Derives a key like `deriveKeySync`, on the libuv thread pool.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn derive_key(secret: Buffer, salt: Option<Buffer>) -> AsyncTask<DeriveKey> {
    AsyncTask::new(DeriveKey { secret, salt })
}

/// Argon2id key derivation run off the JavaScript thread.
pub struct DeriveKey {
    secret: Buffer,
    salt: Option<Buffer>,
}

#[napi]
impl Task for DeriveKey {
    type Output = [u8; 32];
    type JsValue = Buffer;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let salt = self.salt.as_deref().unwrap_or(&key::DEFAULT_SALT);
        Ok(key::derive(&self.secret, salt)?)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(key_buffer(output))
    }
}
