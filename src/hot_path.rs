//! A keyring's `seal` and `open`, the calls every request makes, as plain N-API callbacks.
//!
//! The same two methods written as napi-rs class methods made a codec round trip measurably slower
//! (BENCHMARKS.md, "Speed-only code"): napi-rs copies each string argument after measuring its UTF-8 length in a
//! separate pass, into a fresh allocation, and unwraps `this` on every call. These callbacks read
//! their string argument into a buffer the thread reuses, let the codec work in reused buffers,
//! create the result string in one copy, and reach their keyring through the callback's data
//! pointer: each function is made bound to one keyring and owns a reference to it. Everything
//! else a keyring does stays with napi-rs.

use std::cell::RefCell;
use std::ffi::{c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::sys;
use napi::Env;

use crate::codec::Scratch;
use crate::error::Error;
use crate::keyring::Keyring;
use crate::metadata::TOKEN_BYTES;
use crate::sodium;
use crate::wire::MAX_COOKIES;

/// The signature N-API calls a native function with.
type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

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

/// Sets `seal` and `open` on `object`, bound to `ring`.
pub fn attach(env: &Env, object: &mut Object, ring: &Arc<Keyring>) -> Result<(), Error> {
    for (name, callback) in [("seal", seal as Callback), ("open", open)] {
        object
            .set_named_property(name, bind(env, name, callback, ring)?)
            .map_err(|_| Error::NodeApi("attaching the keyring's functions"))?;
    }
    Ok(())
}

/// Returns a JS function named `name` that runs `callback` with `ring`. The function keeps the
/// keyring alive (one `Arc` reference, released when the function is garbage-collected).
fn bind<'env>(
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

/// `seal(token, json, userSince)`: session JSON text (of an object) sealed with its metadata token
/// (undefined for a new session, whose token is made now) with the newest key in the keyring's
/// format, the token's user-since time set to `userSince` (ms) when it is a number; returns the
/// token sealed followed by the value. The UTF-8 copy of the text is wiped afterwards.
unsafe extern "C" fn seal(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [token, json, since], buffers| {
            let mut token_bytes = [0u8; TOKEN_BYTES + 2]; // room to tell a longer string apart
            let token_len = read_token(env, token, &mut token_bytes)?;
            let len = read_string(env, json, "json", usize::MAX, &mut buffers.input)?;
            let mut ms = 0f64;
            // SAFETY: `ms` is a valid place for the number; anything but a number leaves it unset.
            let is_number = sys::napi_get_value_double(env, since, &mut ms) == sys::Status::napi_ok;
            let user_since = (is_number && ms.is_finite() && ms > 0.0).then_some(ms as u64);
            let sealed = ring.seal(
                token_len.map(|len| &token_bytes[..len]),
                &buffers.input[..len],
                user_since,
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

/// `open(value)`: a flag digit, the metadata token and the session JSON text of a value in either
/// format (see `Opened::marked`); throws a coded error for anything but a genuine value, and
/// refuses one longer than the keyring reads before copying it. `value` may also be an array of
/// strings: the pieces of a value split across cookies, in order, read one after the other so
/// that JS never joins them into one more string.
unsafe extern "C" fn open(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API calls this on the JS thread with a live `env` and this call's `info`.
    unsafe {
        call(env, info, |ring, [cookie], buffers| {
            let limit = ring.max_value_chars();
            let len = match pieces(env, cookie)? {
                Some(count) => read_pieces(env, cookie, count, limit, &mut buffers.input)?,
                None => read_string(env, cookie, "cookie", limit, &mut buffers.input)?,
            };
            let opened = ring.open(&buffers.input[..len], &mut buffers.scratch)?;
            create_string(env, opened.marked(), opened.is_ascii())
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
    Ok(unsafe { read_utf8(env, value, units, buf, 0) })
}

/// How many pieces array `value` holds, or `None` when it is not an array.
///
/// # Safety
/// `env` must be live and `value` a value in it.
unsafe fn pieces(env: sys::napi_env, value: sys::napi_value) -> Result<Option<u32>, Error> {
    let mut is_array = false;
    let mut count = 0;
    // SAFETY: both are valid places for the results; the length is read only from an array.
    let read = unsafe {
        sys::napi_is_array(env, value, &mut is_array) == sys::Status::napi_ok
            && (!is_array
                || sys::napi_get_array_length(env, value, &mut count) == sys::Status::napi_ok)
    };
    match (read, is_array) {
        (false, _) => Err(Error::NodeApi("reading the pieces of a split value")),
        (true, array) => Ok(array.then_some(count)),
    }
}

/// Reads the `count` strings of array `value` into `buf` as UTF-8, one after the other, and returns
/// their byte length, refusing more than `limit` UTF-16 units in all, or more pieces than a value
/// is split across, before anything is copied. Each element is read from the array once, so what
/// is measured is what is copied.
///
/// # Safety
/// `env` must be live and `value` an array in it of `count` elements.
unsafe fn read_pieces(
    env: sys::napi_env,
    value: sys::napi_value,
    count: u32,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<usize, Error> {
    if count as usize > MAX_COOKIES {
        return Err(Error::CookieMalformed(
            "in more pieces than a value is split across",
        ));
    }
    let mut pieces = Vec::with_capacity(MAX_COOKIES);
    let mut units = 0usize;
    for index in 0..count {
        let mut element = ptr::null_mut();
        // SAFETY: as for this function; `element` is a valid place for the result.
        if unsafe { sys::napi_get_element(env, value, index, &mut element) } != sys::Status::napi_ok
        {
            return Err(Error::NodeApi("reading the pieces of a split value"));
        }
        // SAFETY: `element` is a value N-API just read from `value`.
        let piece_units = unsafe { string_units(env, element, "cookie piece")? };
        units = units.saturating_add(piece_units);
        pieces.push((element, piece_units));
    }
    if units > limit {
        return Err(Error::CookieTooLarge { limit, got: units });
    }
    let mut len = 0;
    for (element, units) in pieces {
        // SAFETY: `element` is a string of `units` UTF-16 units in `env`.
        len += unsafe { read_utf8(env, element, units, buf, len) };
    }
    Ok(len)
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
            // Reading an array's elements can run JS (a getter) that calls back in here.
            BUFFERS.with(|cell| {
                let Ok(mut buffers) = cell.try_borrow_mut() else {
                    return Err(Error::NodeApi(
                        "reading an argument (it called seal or open)",
                    ));
                };
                let result = body(ring, args, &mut buffers);
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

/// Copies string `value` of `units` UTF-16 units into `buf` from byte `at` on as UTF-8 (lone
/// surrogates become U+FFFD) and returns the byte length; `buf` grows to 3 bytes per unit past
/// `at`, so nothing is cut.
///
/// # Safety
/// `env` must be live and `value` a string in it of `units` UTF-16 units.
unsafe fn read_utf8(
    env: sys::napi_env,
    value: sys::napi_value,
    units: usize,
    buf: &mut Vec<u8>,
    at: usize,
) -> usize {
    let room = units.saturating_mul(3).saturating_add(1); // + 1 for the NUL N-API writes
    if buf.len() < at.saturating_add(room) {
        buf.resize(at.saturating_add(room), 0);
    }
    let space = &mut buf[at..];
    let mut len = 0;
    // SAFETY: `space` is writable for its length, and N-API writes at most that many bytes.
    unsafe {
        sys::napi_get_value_string_utf8(
            env,
            value,
            space.as_mut_ptr().cast(),
            space.len(),
            &mut len,
        )
    };
    len.min(space.len())
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

/// Throws `err` as a JS error whose `code` is the error's code (a TypeError for argument types);
/// a session too large to seal also carries its `size` and the `limit`, in characters.
///
/// # Safety
/// `env` must be live, with no exception pending.
unsafe fn throw(env: sys::napi_env, err: &Error) {
    let code = CString::new(err.code()).unwrap_or_default();
    let message = CString::new(err.to_string()).unwrap_or_default();
    let mut error = ptr::null_mut();
    // SAFETY: both strings are NUL-terminated and outlive the calls, which copy them; each value
    // handed to N-API was created in `env` just before. A failing call leaves `error` null, and
    // then the plain error is thrown.
    unsafe {
        let (mut code_value, mut message_value) = (ptr::null_mut(), ptr::null_mut());
        sys::napi_create_string_utf8(env, code.as_ptr(), -1, &mut code_value);
        sys::napi_create_string_utf8(env, message.as_ptr(), -1, &mut message_value);
        if matches!(err, Error::ArgumentType { .. }) {
            sys::napi_create_type_error(env, code_value, message_value, &mut error);
        } else {
            sys::napi_create_error(env, code_value, message_value, &mut error);
        }
        if let (false, Error::SessionTooLarge { limit, got }) = (error.is_null(), err) {
            for (name, number) in [(c"size", *got), (c"limit", *limit)] {
                let mut value = ptr::null_mut();
                sys::napi_create_double(env, number as f64, &mut value);
                sys::napi_set_named_property(env, error, name.as_ptr(), value);
            }
        }
        if error.is_null() {
            sys::napi_throw_error(env, code.as_ptr(), message.as_ptr());
        } else {
            sys::napi_throw(env, error);
        }
    };
}
