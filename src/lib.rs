//! Native core of koa-sodium-session: libsodium `crypto_secretbox` sealing of session cookies,
//! Argon2id key derivation and key generation, exposed to Node through napi-rs.
//!
//! This file only declares what JavaScript sees; the work lives in the modules below. The two hot
//! calls, `seal` and `open`, are plain N-API callbacks bound to a keyring (`hot_path`): napi-rs's
//! generated glue costs more than the cryptography for a small session.

mod codec;
mod error;
mod hot_path;
mod key;
mod sodium;
mod wire;

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer, JsObjectValue, Object};
use napi::{Env, Task};
use napi_derive::napi;

pub use codec::{Keyring, Opened, Scratch};
pub use error::Error;
pub use key::SecretKey;
pub use wire::Format;

/// A JS error whose `code` is stable, such as `ERR_KEY_LENGTH`.
type CodedError = napi::Error<&'static str>;

/// Copies 32-byte keys, newest first, into native guarded memory and returns the keyring's two
/// functions, bound to it: `seal(json, compact)` seals session JSON text with the newest key into
/// a cookie value (compact format when `compact` is true, koa-encrypted-session's legacy format
/// otherwise); `open(cookie)` returns the JSON text of a cookie in either format, with one
/// leading space when an older key opened it (`JSON.parse` ignores it), and throws a coded error
/// (`ERR_COOKIE_MALFORMED`, `ERR_COOKIE_AUTHENTICATION`, …) for anything else. No call returns
/// the keys.
#[napi(
    ts_return_type = "{ seal(json: string, compact: boolean): string; open(cookie: string): string }"
)]
pub fn create_keyring(env: Env, keys: Vec<&[u8]>) -> Result<Object<'_>, CodedError> {
    sodium::init()?;
    let keys = keys
        .into_iter()
        .map(SecretKey::from_slice)
        .collect::<Result<Vec<_>, _>>()?;
    let ring = Arc::new(Keyring::new(keys)?);
    let node_api = |_| Error::NodeApi("creating the keyring object");
    let mut functions = Object::new(&env).map_err(node_api)?;
    functions
        .set_named_property("seal", hot_path::bind(&env, "seal", hot_path::seal, &ring)?)
        .map_err(node_api)?;
    functions
        .set_named_property("open", hot_path::bind(&env, "open", hot_path::open, &ring)?)
        .map_err(node_api)?;
    Ok(functions)
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
