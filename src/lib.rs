//! Native core of koa-sodium-session: libsodium `crypto_secretbox` sealing of session cookies,
//! Argon2id key derivation and key generation, exposed to Node through napi-rs.
//!
//! This file only declares what JavaScript sees; the work lives in the modules below.

mod codec;
mod error;
mod key;
mod sodium;
mod wire;

use napi::bindgen_prelude::{AsyncTask, Buffer, ToNapiValue, TypeName};
use napi::{Env, Task, ValueType};
use napi_derive::napi;

pub use codec::{Keyring, Opened};
pub use error::Error;
pub use key::SecretKey;
pub use wire::Format;

/// A JS error whose `code` is stable, such as `ERR_KEY_LENGTH`.
type CodedError = napi::Error<&'static str>;

/// Sealing and opening session cookies with a ring of keys held in native guarded memory.
#[napi(js_name = "NativeCodec")]
pub struct NativeCodec {
    keys: Keyring,
}

#[napi]
impl NativeCodec {
    /// Takes copies of 32-byte keys, newest first; the first one seals.
    #[napi(constructor)]
    pub fn new(keys: Vec<&[u8]>) -> Result<Self, CodedError> {
        sodium::init()?;
        let keys = keys
            .into_iter()
            .map(SecretKey::from_slice)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            keys: Keyring::new(keys)?,
        })
    }

    /// Seals session JSON text into a cookie value, in the compact format when `compact` is true
    /// and koa-encrypted-session's legacy format otherwise.
    #[napi]
    pub fn seal(&self, json: String, compact: bool) -> String {
        let format = if compact {
            Format::Compact
        } else {
            Format::Legacy
        };
        self.keys.seal(json.as_bytes(), format)
    }

    /// Opens a cookie value in either format and returns its JSON text; throws with a code
    /// (`ERR_COOKIE_MALFORMED`, `ERR_COOKIE_AUTHENTICATION`, …) when it is not a genuine cookie.
    #[napi]
    pub fn open(&self, cookie: String) -> Result<OpenResult, CodedError> {
        let opened = self.keys.open(&cookie)?;
        Ok(OpenResult {
            json: opened.text,
            stale: opened.stale,
        })
    }
}

/// A cookie's plaintext and whether an older key than the newest sealed it.
#[napi(object)]
pub struct OpenResult {
    /// The session JSON text.
    pub json: String,
    /// True when the cookie should be sealed again with the newest key.
    pub stale: bool,
}

/// Session plaintext on its way to JavaScript: zeroed in Rust memory once JavaScript has its copy.
pub struct WipedText(String);

impl TypeName for WipedText {
    fn type_name() -> &'static str {
        String::type_name()
    }

    fn value_type() -> ValueType {
        String::value_type()
    }
}

impl ToNapiValue for WipedText {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        // SAFETY: forwarded unchanged from our caller, napi-rs, which guarantees a live `env`.
        let value = unsafe { <&str>::to_napi_value(env, &val.0) };
        let mut bytes = val.0.into_bytes();
        sodium::wipe(&mut bytes);
        value
    }
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
    Ok(key::derive(secret, salt.unwrap_or(&key::DEFAULT_SALT))?
        .to_vec()
        .into())
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
