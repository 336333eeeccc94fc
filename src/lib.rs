//! Native core of koa-sodium-session: libsodium `crypto_secretbox` sealing of session cookies,
//! Argon2id key derivation and key generation, exposed to Node through napi-rs.
//!
//! This file only declares what JavaScript sees; the work lives in the modules below. The two hot
//! calls, `seal` and `open`, are plain functions over an external keyring handle: napi-rs class
//! methods and object results cost more than the cryptography for a small session.

mod codec;
mod error;
mod key;
mod sodium;
mod wire;

use napi::bindgen_prelude::{AsyncTask, Buffer, External, ToNapiValue, TypeName};
use napi::{Env, Task, ValueType};
use napi_derive::napi;

pub use codec::{Keyring, Opened};
pub use error::Error;
pub use key::SecretKey;
pub use wire::Format;

/// A JS error whose `code` is stable, such as `ERR_KEY_LENGTH`.
type CodedError = napi::Error<&'static str>;

/// Copies 32-byte keys, newest first, into native guarded memory and returns a handle to them
/// for `seal` and `open`; the first key seals, any of them opens. No call returns the keys.
#[napi(ts_return_type = "ExternalObject<'Keyring'>")]
pub fn create_keyring(keys: Vec<&[u8]>) -> Result<External<Keyring>, CodedError> {
    sodium::init()?;
    let keys = keys
        .into_iter()
        .map(SecretKey::from_slice)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(External::new(Keyring::new(keys)?))
}

/// Seals session JSON text with the newest key into a cookie value: the compact format when
/// `compact` is true, koa-encrypted-session's legacy format otherwise. Wipes its copy of the text.
#[napi(ts_args_type = "keyring: ExternalObject<'Keyring'>, json: string, compact: boolean")]
pub fn seal(keyring: &External<Keyring>, json: String, compact: bool) -> String {
    let format = if compact {
        Format::Compact
    } else {
        Format::Legacy
    };
    let mut plaintext = json.into_bytes();
    let cookie = keyring.seal(&plaintext, format);
    sodium::wipe(&mut plaintext);
    cookie
}

/// Opens a cookie value in either format and returns its JSON text, with one leading space when
/// an older key than the newest opened it (so it should be sealed again; `JSON.parse` ignores the
/// space). Throws with a code (`ERR_COOKIE_MALFORMED`, `ERR_COOKIE_AUTHENTICATION`, …) when the
/// value is not a genuine cookie for these keys.
#[napi(
    ts_args_type = "keyring: ExternalObject<'Keyring'>, cookie: string",
    ts_return_type = "string"
)]
pub fn open(keyring: &External<Keyring>, cookie: String) -> Result<WipedText, CodedError> {
    let Opened { text, stale } = keyring.open(&cookie)?;
    if !stale {
        return Ok(WipedText(text));
    }
    let mut marked = String::with_capacity(text.len() + 1);
    marked.push(' ');
    marked.push_str(&text);
    WipedText(text).wipe();
    Ok(WipedText(marked))
}

/// Session plaintext on its way to JavaScript: zeroed in Rust memory once JavaScript has its copy.
pub struct WipedText(String);

impl WipedText {
    /// Zeroes the text now, for a copy that will not reach JavaScript.
    fn wipe(self) {
        let mut bytes = self.0.into_bytes();
        sodium::wipe(&mut bytes);
    }
}

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
        val.wipe();
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
