//! Errors of the native core, each with the stable `code` it carries into JavaScript.

use std::fmt;

/// Everything the native core can refuse or fail at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// libsodium could not initialise (no usable randomness source).
    SodiumInit,
    /// libsodium could not allocate memory for the named purpose.
    OutOfMemory(&'static str),
    /// A keyring with no key at all.
    NoKeys,
    /// A secret key that is not exactly 32 bytes; holds the length that arrived.
    KeyLength(usize),
    /// A salt that is not exactly 16 bytes; holds the length that arrived.
    SaltLength(usize),
    /// A passphrase shorter than 32 bytes; holds the length that arrived.
    SecretLength(usize),
    /// The cookie (or store value) is longer than any this keyring writes.
    CookieTooLarge { limit: usize, got: usize },
    /// The sealed session would be longer than the keyring may write (and so read back).
    SessionTooLarge { limit: usize, got: usize },
    /// The cookie is not in either wire format.
    CookieMalformed(&'static str),
    /// The cookie is well formed but no configured key authenticates it.
    CookieAuthentication,
    /// The cookie decrypted, but its plaintext is not UTF-8 text.
    CookieNotText,
    /// The cookie decrypted, but the package's metadata in it is malformed or was not sealed
    /// with this cookie's key and name.
    CookieMetadata(&'static str),
    /// A native function got an argument of the wrong type.
    ArgumentType {
        name: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    /// A Node-API call failed while doing the named thing.
    NodeApi(&'static str),
    /// A bug: the native code panicked (the panic was stopped at the boundary).
    Internal,
}

impl Error {
    /// The stable error code JavaScript sees as `err.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::SodiumInit => "ERR_SODIUM_INIT",
            Error::OutOfMemory(_) => "ERR_OUT_OF_MEMORY",
            Error::NoKeys => "ERR_KEY_MISSING",
            Error::KeyLength(_) => "ERR_KEY_LENGTH",
            Error::SaltLength(_) => "ERR_SALT_LENGTH",
            Error::SecretLength(_) => "ERR_SECRET_LENGTH",
            Error::CookieTooLarge { .. } => "ERR_COOKIE_TOO_LARGE",
            Error::SessionTooLarge { .. } => "ERR_SESSION_TOO_LARGE",
            Error::CookieMalformed(_) => "ERR_COOKIE_MALFORMED",
            Error::CookieAuthentication => "ERR_COOKIE_AUTHENTICATION",
            Error::CookieNotText => "ERR_COOKIE_NOT_TEXT",
            Error::CookieMetadata(_) => "ERR_COOKIE_METADATA",
            Error::ArgumentType { .. } => "ERR_INVALID_ARG_TYPE",
            Error::NodeApi(_) => "ERR_NODE_API",
            Error::Internal => "ERR_INTERNAL",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SodiumInit => f.write_str("libsodium failed to initialise"),
            Error::OutOfMemory(what) => write!(f, "out of memory for {what}"),
            Error::NoKeys => f.write_str("at least one secret key is required, got none"),
            Error::KeyLength(got) => write!(f, "secret key must be 32 bytes, got {got}"),
            Error::SaltLength(got) => write!(f, "salt must be 16 bytes, got {got}"),
            Error::SecretLength(got) => write!(f, "secret must be at least 32 bytes, got {got}"),
            Error::CookieTooLarge { limit, got } => {
                write!(
                    f,
                    "cookie is {got} bytes, more than the {limit} this codec reads"
                )
            }
            Error::SessionTooLarge { limit, got } => write!(
                f,
                "the sealed session would be {got} characters, over the {limit} this codec writes and reads"
            ),
            Error::CookieMalformed(why) => write!(f, "cookie is malformed: {why}"),
            Error::CookieAuthentication => {
                f.write_str("cookie failed authentication (tampered, or sealed with another key)")
            }
            Error::CookieNotText => f.write_str("cookie plaintext is not UTF-8 text"),
            Error::CookieMetadata(why) => write!(f, "cookie metadata refused: {why}"),
            Error::ArgumentType {
                name,
                expected,
                got,
            } => write!(f, "{name} must be {expected}, got {got}"),
            Error::NodeApi(what) => write!(f, "a Node-API call failed while {what}"),
            Error::Internal => {
                f.write_str("internal error in koa-sodium-session's native code (please report it)")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for napi::Error<&'static str> {
    fn from(err: Error) -> Self {
        napi::Error::new(err.code(), err.to_string())
    }
}

impl From<Error> for napi::Error {
    fn from(err: Error) -> Self {
        napi::Error::new(
            napi::Status::GenericFailure,
            format!("{}: {err}", err.code()),
        )
    }
}
