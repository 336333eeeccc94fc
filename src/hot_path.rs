//! The keyring's calls, `seal` and `open` above all, as plain N-API callbacks.
//!
//! napi-rs's generated glue costs more than the cryptography for a small session: argument type
//! checks, a borrow scope per call, strings copied twice on the way in and validated on the way
//! out, and a registry lookup for external values. These callbacks read their string argument
//! into a buffer the thread reuses, let the codec work in reused buffers, create the result string
//! in one copy, and reach their keyring through the callback's data pointer: each function is made
//! bound to one keyring and owns a reference to it. Everything else stays with napi-rs.

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::sys;
use napi::Env;

use crate::codec::Scratch;
use crate::error::Error;
use crate::keyring::Keyring;
use crate::metadata::TOKEN_BYTES;
use crate::sodium;
use crate::wire::MAX_COOKIE_CHARS;

/// The signature N-API calls a native function with.
pub type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// What a thread reuses from call to call: the argument's UTF-8 and the codec's buffers.
struct Buffers {
    input: Vec<u8>,
    scratch: Scratch,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = const {
        RefCell::new(Buffers { input: Vec::new(), scratch: Scratch::new() })
    };
}

/// Returns a JS function named `name` that runs `callback` with `ring`. The function keeps the
/// keyring alive (one `Arc` reference, released when the function is garbage-collected).
pub fn bind<'env>(
    env: &'env Env,
    name: &str,
    callback: Callback,
    ring: &Arc<Keyring>,
) -> Result<Unknown<'env>, Error> {
    let data = Arc::into_raw(Arc::clone(ring)).cast_mut().cast::<c_void>();
    let mut function = ptr::null_mut();
    // SAFETY: `env` is live for this call, `name` is valid UTF-8 of the given length, and `data`
    // stays valid until `release` runs, which N-API does only after the function is collected.
    let created = unsafe {
        sys::napi_create_function(
            env.raw(),
            name.as_ptr().cast(),
            name.len() as isize,
            Some(callback),
            data,
            &mut function,
        ) == sys::Status::napi_ok
            && sys::napi_add_finalizer(
                env.raw(),
                function,
                data,
                Some(release),
                ptr::null_mut(),
                ptr::null_mut(),
            ) == sys::Status::napi_ok
    };
    if !created {
        // SAFETY: the finalizer was not attached, so this is the only release of this reference;
        // a function that exists without it is never handed out, so never called.
        unsafe { release(env.raw(), data, ptr::null_mut()) };
        return Err(Error::NodeApi("creating a keyring function"));
    }
    // SAFETY: `function` is the live value N-API just created in `env`.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), function) })
}

/// Finalizer of a bound function: drops its reference to the keyring.
unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` came from `Arc::into_raw` in `bind` and is released exactly once.
    drop(unsafe { Arc::from_raw(data.cast_const().cast::<Keyring>()) });
}

/// `seal(token, json)`: the value for session JSON text (of an object) and its 40-character
/// metadata token (undefined for a new session), sealed with the newest key in the keyring's
/// format. The UTF-8 copy of the text is wiped afterwards.
pub unsafe extern "C" fn seal(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [token, json], buffers| {
            let mut token_bytes = [0u8; TOKEN_BYTES + 2]; // room to tell a longer string apart
            let token_len = read_token(env, token, &mut token_bytes)?;
            let len = read_string(env, json, "json", usize::MAX, &mut buffers.input)?;
            let sealed = ring.seal(
                token_len.map(|len| &token_bytes[..len]),
                &buffers.input[..len],
                &mut buffers.scratch,
            );
            sodium::wipe(&mut buffers.input[..len]);
            create_string(env, sealed?, true)
        })
    }
}

/// Reads the token argument `value` into `buf` as Latin-1 (a token is ASCII) in one call, and
/// returns its length, or `None` when it is `undefined` (a new session).
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn read_token(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &mut [u8; TOKEN_BYTES + 2],
) -> Result<Option<usize>, Error> {
    let mut len = 0;
    // SAFETY: `buf` is writable for its length, and N-API writes at most that many bytes.
    let status = unsafe {
        sys::napi_get_value_string_latin1(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    };
    // SAFETY: as for this function.
    if status != sys::Status::napi_ok && unsafe { type_name(env, value) } == "undefined" {
        return Ok(None);
    }
    // SAFETY: as for this function.
    unsafe { argument(env, value, status, len, "token", "a string") }.map(Some)
}

/// `open(value)`: a flag digit, the 40-character metadata token and the session JSON text of a
/// value in either format (see `Opened::marked`); throws a coded error for anything but a
/// genuine value.
pub unsafe extern "C" fn open(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [cookie], buffers| {
            let len = read_string(env, cookie, "cookie", MAX_COOKIE_CHARS, &mut buffers.input)?;
            let opened = ring.open(&buffers.input[..len], &mut buffers.scratch)?;
            create_string(env, opened.marked(), opened.is_ascii())
        })
    }
}

/// `checkMetadata(value)`: the token in the value of a legacy cookie's metadata member that
/// JavaScript found away from its usual place, if its tag verifies under one of the keys.
pub unsafe extern "C" fn check_metadata(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [value], buffers| {
            let len = read_string(env, value, "value", MAX_COOKIE_CHARS, &mut buffers.input)?;
            let token = ring.check_legacy_metadata(&buffers.input[..len])?;
            create_string(env, &token, true)
        })
    }
}

/// `storeKeys(id)`: the keys under which the store holds session `id`, newest key first.
pub unsafe extern "C" fn store_keys(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [id], buffers| {
            let len = read_string(env, id, "id", MAX_COOKIE_CHARS, &mut buffers.input)?;
            let keys = ring.store_keys(&buffers.input[..len]);
            let mut array = ptr::null_mut();
            let node_api = Error::NodeApi("creating the store keys");
            if sys::napi_create_array_with_length(env, keys.len(), &mut array)
                != sys::Status::napi_ok
            {
                return Err(node_api);
            }
            for (index, key) in keys.iter().enumerate() {
                let value = create_string(env, key.as_bytes(), true)?;
                if sys::napi_set_element(env, array, index as u32, value) != sys::Status::napi_ok {
                    return Err(node_api);
                }
            }
            Ok(array)
        })
    }
}

/// Reads string argument `value` into `buf` as UTF-8 and returns its byte length, refusing one
/// longer than `limit` UTF-16 units before anything is copied.
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn read_string(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &'static str,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<usize, Error> {
    // SAFETY: as for this function.
    let units = unsafe { string_units(env, value, name)? };
    if units > limit {
        return Err(Error::CookieTooLarge { limit, got: units });
    }
    // SAFETY: as for this function; `value` is a string of `units` UTF-16 units.
    Ok(unsafe { read_utf8(env, value, units, buf) })
}

/// Runs `body` with the function's keyring, its first `N` arguments (missing ones are
/// `undefined`) and this thread's buffers; throws its error, or a panic, as a coded JS error.
///
/// # Safety
/// `env` and `info` must be those N-API passed to a callback made by `bind`.
unsafe fn call<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Keyring, [sys::napi_value; N], &mut Buffers) -> Result<sys::napi_value, Error>,
) -> sys::napi_value {
    let mut argc = N;
    let mut args = [ptr::null_mut(); N];
    let mut data = ptr::null_mut();
    // SAFETY: `args` has room for `argc` values; N-API fills missing ones with `undefined`.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            args.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        )
    };
    let outcome = if status == sys::Status::napi_ok && !data.is_null() {
        // SAFETY: `data` is the `Arc<Keyring>` pointer `bind` gave this function, kept alive
        // until the function is collected, which cannot happen while it runs.
        let ring = unsafe { &*data.cast_const().cast::<Keyring>() };
        catch_unwind(AssertUnwindSafe(|| {
            BUFFERS.with_borrow_mut(|buffers| {
                let result = body(ring, args, buffers);
                buffers.scratch.shrink();
                if buffers.input.len() > Scratch::KEEP_BYTES {
                    buffers.input = Vec::new();
                }
                result
            })
        }))
        .unwrap_or(Err(Error::Internal))
    } else {
        Err(Error::NodeApi("reading the call's arguments"))
    };
    match outcome {
        Ok(value) => value,
        Err(err) => {
            // SAFETY: `env` is live; throwing leaves a pending exception N-API reports on return.
            unsafe { throw(env, &err) };
            ptr::null_mut()
        }
    }
}

/// The length of JS string `value` in UTF-16 units, without copying it.
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn string_units(
    env: sys::napi_env,
    value: sys::napi_value,
    name: &'static str,
) -> Result<usize, Error> {
    let mut units = 0;
    // SAFETY: a null buffer asks N-API for the length only.
    let status =
        unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut units) };
    // SAFETY: as for this function.
    unsafe { argument(env, value, status, units, name, "a string") }
}

/// Copies string `value` of `units` UTF-16 units into `buf` as UTF-8 (lone surrogates become
/// U+FFFD) and returns the byte length; `buf` grows to 3 bytes per unit, so nothing is cut.
///
/// # Safety
/// `env` must be live and `value` a string in it of `units` UTF-16 units.
unsafe fn read_utf8(
    env: sys::napi_env,
    value: sys::napi_value,
    units: usize,
    buf: &mut Vec<u8>,
) -> usize {
    let room = units.saturating_mul(3).saturating_add(1); // + 1 for the NUL N-API writes
    if buf.len() < room {
        buf.resize(room, 0);
    }
    let mut len = 0;
    // SAFETY: `buf` is writable for buf.len() bytes, and N-API writes at most that many.
    unsafe {
        sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    };
    len.min(buf.len())
}

/// `read`, what N-API read from argument `value` with `status`, or the error saying that `name`
/// should have been `expected` when the read failed.
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn argument<T>(
    env: sys::napi_env,
    value: sys::napi_value,
    status: sys::napi_status,
    read: T,
    name: &'static str,
    expected: &'static str,
) -> Result<T, Error> {
    if status == sys::Status::napi_ok {
        Ok(read)
    } else {
        Err(Error::ArgumentType {
            name,
            expected,
            // SAFETY: as for this function.
            got: unsafe { type_name(env, value) },
        })
    }
}

/// A new JS string of UTF-8 `bytes`: copied as Latin-1 when the caller knows they are `ascii`
/// (one copy, no decoding), otherwise decoded as UTF-8.
///
/// # Safety
/// `env` must be live.
unsafe fn create_string(
    env: sys::napi_env,
    bytes: &[u8],
    ascii: bool,
) -> Result<sys::napi_value, Error> {
    debug_assert!(!ascii || bytes.is_ascii(), "text said to be ASCII is not");
    let mut value = ptr::null_mut();
    let (ptr, len) = (bytes.as_ptr().cast(), bytes.len() as isize);
    // SAFETY: `bytes` is readable for `len` bytes; N-API copies them into the new string.
    let status = unsafe {
        if ascii {
            sys::napi_create_string_latin1(env, ptr, len, &mut value)
        } else {
            sys::napi_create_string_utf8(env, ptr, len, &mut value)
        }
    };
    if status == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(Error::NodeApi("creating the result string"))
    }
}

/// `typeof value`, for error messages.
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn type_name(env: sys::napi_env, value: sys::napi_value) -> &'static str {
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: `kind` is a valid place for the result.
    unsafe { sys::napi_typeof(env, value, &mut kind) };
    match kind {
        sys::ValueType::napi_null => "null",
        sys::ValueType::napi_boolean => "boolean",
        sys::ValueType::napi_number => "number",
        sys::ValueType::napi_string => "string",
        sys::ValueType::napi_symbol => "symbol",
        sys::ValueType::napi_object => "object",
        sys::ValueType::napi_function => "function",
        sys::ValueType::napi_external => "external",
        sys::ValueType::napi_undefined => "undefined",
        _ => "bigint", // the one type left, and the one a napi5 build has no constant for
    }
}

/// Throws `err` as a JS error whose `code` is the error's code (a TypeError for argument types).
///
/// # Safety
/// `env` must be live, with no exception pending.
unsafe fn throw(env: sys::napi_env, err: &Error) {
    let code = CString::new(err.code()).unwrap_or_default();
    let message = CString::new(err.to_string()).unwrap_or_default();
    // SAFETY: both strings are NUL-terminated and outlive the call, which copies them.
    unsafe {
        if matches!(err, Error::ArgumentType { .. }) {
            sys::napi_throw_type_error(env, code.as_ptr(), message.as_ptr())
        } else {
            sys::napi_throw_error(env, code.as_ptr(), message.as_ptr())
        }
    };
}
