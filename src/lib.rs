//! Native core of koa-sodium-session: libsodium `crypto_secretbox` sealing of session cookies,
//! Argon2id key derivation and key generation, exposed to Node through napi-rs.
//!
//! This file only declares what JavaScript sees; the work lives in the modules below. A keyring's
//! calls, `seal` and `open` above all, are plain N-API callbacks bound to it (`hot_path`):
//! napi-rs's generated glue costs more than the cryptography for a small session.

mod codec;
mod error;
mod guarded;
mod hot_path;
mod key;
mod keyring;
mod metadata;
mod sodium;
mod wire;

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer, JsObjectValue, Object};
use napi::{Env, Task};
use napi_derive::napi;

pub use codec::{Opened, Scratch};
pub use error::Error;
pub use keyring::{Keyring, Seals};
pub use sodium::random_fill;
pub use wire::Format;

/// A JS error whose `code` is stable, such as `ERR_KEY_LENGTH`.
type CodedError = napi::Error<&'static str>;

/// Copies 32-byte keys, newest first, into native guarded memory as the subkeys of the cookie
/// named `name`, and returns the keyring's functions, bound to it: `seal(token, json)` seals
/// session JSON text (of an object) and its 40-character metadata token (or, when `token` is
/// undefined, a new session's, made with the nonce) with the newest key
/// into a cookie value (compact format when `compact` is true, koa-encrypted-session's legacy
/// format otherwise); `open(cookie)` returns, for a cookie in either format, a flag digit
/// (`+1`: an older key opened it; `+2`: it carried no metadata, and the token was made for it),
/// the token, then the JSON text, and throws a coded error (`ERR_COOKIE_MALFORMED`,
/// `ERR_COOKIE_AUTHENTICATION`, `ERR_COOKIE_METADATA`, …) for anything else;
/// `checkMetadata(value)` returns the token of a legacy metadata value found in a session's JSON,
/// or throws `ERR_COOKIE_METADATA`. No call returns the keys.
#[napi(
    ts_return_type = "{ seal(token: string | undefined, json: string): string; open(cookie: string): string; checkMetadata(value: string): string }"
)]
pub fn create_cookie_keyring<'env>(
    env: &'env Env,
    keys: Vec<&[u8]>,
    name: String,
    compact: bool,
) -> Result<Object<'env>, CodedError> {
    let format = if compact {
        Format::Compact
    } else {
        Format::Legacy
    };
    let ring = Arc::new(Keyring::for_cookies(&keys, &name, format)?);
    bound_functions(
        env,
        &ring,
        [
            ("seal", hot_path::seal as hot_path::Callback),
            ("open", hot_path::open),
            ("checkMetadata", hot_path::check_metadata),
        ],
    )
}

/// Copies 32-byte keys, newest first, into native guarded memory as `encryptedStore`'s subkeys,
/// and returns the keyring's functions, bound to it: `seal(token, json)` and `open(value)` as for
/// a cookie keyring (values always in the compact layout, under the store value subkey), and
/// `storeKeys(id)`, the keys under which the store holds session `id`, newest key first.
#[napi(
    ts_return_type = "{ seal(token: string | undefined, json: string): string; open(value: string): string; storeKeys(id: string): string[] }"
)]
pub fn create_store_keyring<'env>(
    env: &'env Env,
    keys: Vec<&[u8]>,
) -> Result<Object<'env>, CodedError> {
    let ring = Arc::new(Keyring::for_store(&keys)?);
    bound_functions(
        env,
        &ring,
        [
            ("seal", hot_path::seal as hot_path::Callback),
            ("open", hot_path::open),
            ("storeKeys", hot_path::store_keys),
        ],
    )
}

/// An object holding `functions`, each bound to `ring`.
fn bound_functions<'env, const N: usize>(
    env: &'env Env,
    ring: &Arc<Keyring>,
    functions: [(&str, hot_path::Callback); N],
) -> Result<Object<'env>, CodedError> {
    let node_api = |_| Error::NodeApi("creating the keyring object");
    let mut object = Object::new(env).map_err(node_api)?;
    for (name, callback) in functions {
        object
            .set_named_property(name, hot_path::bind(env, name, callback, ring)?)
            .map_err(node_api)?;
    }
    Ok(object)
}

/// The metadata token of a new session: a session id of 16 bytes read from the OS now, issued
/// at `issuedAt` (ms since the epoch), no user yet.
#[napi]
pub fn new_token(issued_at: f64) -> Result<String, CodedError> {
    sodium::init()?;
    let mut id = [0u8; 16];
    sodium::random_fill(&mut id);
    let issued = if issued_at.is_finite() && issued_at > 0.0 {
        issued_at as u64 // saturates past u64::MAX; `fresh` caps it at 9 base-36 digits
    } else {
        0
    };
    Ok(String::from_utf8_lossy(&metadata::fresh(&id, issued)).into_owned())
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
/// koa-encrypted-session's) with Argon2id at the MODERATE limits. Blocks for about a second.
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
