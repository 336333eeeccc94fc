//! The unsafe boundary: every call into libsodium lives in this file.
//!
//! Callers get safe functions over slices and fixed-size arrays; each `unsafe` block states why
//! the pointers and lengths it hands to C are valid.

use std::sync::OnceLock;

use libsodium_sys as ffi;

use crate::error::Error;

/// Key length of `crypto_secretbox` (XSalsa20-Poly1305).
pub const KEY_BYTES: usize = ffi::crypto_secretbox_KEYBYTES as usize;
/// Nonce length of `crypto_secretbox`.
pub const NONCE_BYTES: usize = ffi::crypto_secretbox_NONCEBYTES as usize;
/// Authentication tag length of `crypto_secretbox`.
pub const MAC_BYTES: usize = ffi::crypto_secretbox_MACBYTES as usize;
/// Salt length of `crypto_pwhash`.
pub const SALT_BYTES: usize = ffi::crypto_pwhash_SALTBYTES as usize;

/// Initialises libsodium once per process; later calls return the first result.
pub fn init() -> Result<(), Error> {
    static READY: OnceLock<bool> = OnceLock::new();
    // SAFETY: sodium_init takes no arguments and is documented as safe to call from any thread,
    // any number of times; it returns 0 on first success, 1 if already initialised, -1 on failure.
    let ok = *READY.get_or_init(|| unsafe { ffi::sodium_init() } >= 0);
    if ok {
        Ok(())
    } else {
        Err(Error::SodiumInit)
    }
}

/// Fills `buf` with bytes from libsodium's CSPRNG.
pub fn random_fill(buf: &mut [u8]) {
    // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
    unsafe { ffi::randombytes_buf(buf.as_mut_ptr().cast(), buf.len()) }
}

/// Bytes of ChaCha20 keystream buffered per thread for nonces: 170 nonces per refill.
const NONCE_POOL_BYTES: usize = 4080;

/// Bumped in a forked child so that every thread there refills its pool before the next nonce.
static FORK_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Per-thread nonce material: ChaCha20 keystream under a fresh key from the OS CSPRNG.
struct NoncePool {
    bytes: [u8; NONCE_POOL_BYTES],
    used: usize,
    generation: u64,
}

thread_local! {
    static NONCE_POOL: std::cell::RefCell<NoncePool> = const {
        std::cell::RefCell::new(NoncePool { bytes: [0; NONCE_POOL_BYTES], used: NONCE_POOL_BYTES, generation: 0 })
    };
}

/// Fills `nonce` with unpredictable bytes, as `randombytes_buf` would, at a fraction of the cost:
/// one `getrandom` call per 170 nonces instead of one per nonce.
///
/// Each refill draws a fresh 32-byte key from libsodium's CSPRNG (the OS generator) and expands it
/// with `crypto_stream_chacha20`, the construction of arc4random; the key is wiped at once and
/// used bytes are never handed out twice. A forked child would inherit the parent's buffer, so a
/// `pthread_atfork` handler makes every pool in the child refill before its next nonce.
pub fn fill_nonce(nonce: &mut [u8; NONCE_BYTES]) {
    watch_forks();
    NONCE_POOL.with_borrow_mut(|pool| {
        let generation = FORK_GENERATION.load(std::sync::atomic::Ordering::Relaxed);
        if pool.used + NONCE_BYTES > NONCE_POOL_BYTES || pool.generation != generation {
            let mut key = [0u8; 32];
            random_fill(&mut key);
            let zero_nonce = [0u8; 8];
            // SAFETY: `bytes` is writable for its full length, `zero_nonce` is the 8 bytes and
            // `key` the 32 bytes crypto_stream_chacha20 reads; a fresh key per refill makes the
            // fixed nonce safe.
            unsafe {
                ffi::crypto_stream_chacha20(
                    pool.bytes.as_mut_ptr(),
                    NONCE_POOL_BYTES as u64,
                    zero_nonce.as_ptr(),
                    key.as_ptr(),
                )
            };
            wipe(&mut key);
            pool.used = 0;
            pool.generation = generation;
        }
        nonce.copy_from_slice(&pool.bytes[pool.used..pool.used + NONCE_BYTES]);
        wipe(&mut pool.bytes[pool.used..pool.used + NONCE_BYTES]);
        pool.used += NONCE_BYTES;
    });
}

/// Registers, once, the fork handler that invalidates nonce pools in a child process.
fn watch_forks() {
    #[cfg(unix)]
    {
        extern "C" {
            fn pthread_atfork(
                prepare: Option<unsafe extern "C" fn()>,
                parent: Option<unsafe extern "C" fn()>,
                child: Option<unsafe extern "C" fn()>,
            ) -> std::ffi::c_int;
        }
        unsafe extern "C" fn in_child() {
            FORK_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        static REGISTERED: std::sync::Once = std::sync::Once::new();
        // SAFETY: pthread_atfork only records the handler; `in_child` is async-signal-safe (one
        // atomic add), as a handler run in a freshly forked child must be.
        REGISTERED.call_once(|| unsafe {
            pthread_atfork(None, None, Some(in_child));
        });
    }
}

/// `crypto_secretbox_easy`: writes `mac ‖ ciphertext` of `msg` into `out`, which must be
/// exactly `msg.len() + MAC_BYTES` long.
pub fn secretbox_seal(
    out: &mut [u8],
    msg: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
) {
    assert_eq!(out.len(), msg.len() + MAC_BYTES, "seal output length");
    // SAFETY: `out` holds msg.len() + MAC_BYTES writable bytes (checked above), `msg` is readable
    // for msg.len() bytes, and nonce and key are fixed-size arrays of the lengths libsodium reads.
    // libsodium supports `out` and `msg` not overlapping, which Rust's borrow rules guarantee.
    let rc = unsafe {
        ffi::crypto_secretbox_easy(
            out.as_mut_ptr(),
            msg.as_ptr(),
            msg.len() as u64,
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    debug_assert_eq!(
        rc, 0,
        "crypto_secretbox_easy only fails on oversize messages"
    );
}

/// `crypto_secretbox_open_easy`: verifies and decrypts `mac ‖ ciphertext` into `out`, which
/// must be exactly `boxed.len() - MAC_BYTES` long. Returns false when authentication fails.
pub fn secretbox_open(
    out: &mut [u8],
    boxed: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
) -> bool {
    if boxed.len() < MAC_BYTES || out.len() != boxed.len() - MAC_BYTES {
        return false;
    }
    // SAFETY: `boxed` is readable for boxed.len() >= MAC_BYTES bytes, `out` has exactly
    // boxed.len() - MAC_BYTES writable bytes (both checked above), nonce and key are arrays of
    // the lengths libsodium reads, and `out` does not overlap `boxed`.
    let rc = unsafe {
        ffi::crypto_secretbox_open_easy(
            out.as_mut_ptr(),
            boxed.as_ptr(),
            boxed.len() as u64,
            nonce.as_ptr(),
            key.as_ptr(),
        )
    };
    rc == 0
}

/// `crypto_pwhash` with Argon2id v1.3 at the MODERATE limits, the parameters
/// koa-encrypted-session uses, writing a 32-byte key into `out`.
pub fn pwhash_moderate(
    out: &mut [u8; KEY_BYTES],
    secret: &[u8],
    salt: &[u8; SALT_BYTES],
) -> Result<(), Error> {
    // SAFETY: `out` is writable for KEY_BYTES bytes, `secret` readable for secret.len() bytes,
    // `salt` is an array of exactly crypto_pwhash_SALTBYTES; the limits are libsodium's own constants.
    let rc = unsafe {
        ffi::crypto_pwhash(
            out.as_mut_ptr(),
            KEY_BYTES as u64,
            secret.as_ptr().cast(),
            secret.len() as u64,
            salt.as_ptr(),
            u64::from(ffi::crypto_pwhash_OPSLIMIT_MODERATE),
            ffi::crypto_pwhash_MEMLIMIT_MODERATE as usize,
            ffi::crypto_pwhash_ALG_ARGON2ID13 as i32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::OutOfMemory("Argon2id key derivation"))
    }
}

/// Keyed BLAKE2b (`crypto_generichash`) of `data` under `key`, with a 16-byte output.
pub fn keyed_hash16(data: &[u8], key: &[u8; KEY_BYTES]) -> [u8; 16] {
    let mut out = [0u8; 16];
    // SAFETY: `out` is writable for 16 bytes and `key` readable for 32 (both within libsodium's
    // BYTES_MIN..=BYTES_MAX and KEYBYTES_MIN..=KEYBYTES_MAX), `data` readable for data.len().
    unsafe {
        ffi::crypto_generichash(
            out.as_mut_ptr(),
            out.len(),
            data.as_ptr(),
            data.len() as u64,
            key.as_ptr(),
            key.len(),
        )
    };
    out
}

/// Overwrites `buf` with zeros in a way the compiler cannot optimise away.
pub fn wipe(buf: &mut [u8]) {
    // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
    unsafe { ffi::sodium_memzero(buf.as_mut_ptr().cast(), buf.len()) }
}

/// A 32-byte key held in libsodium guarded memory (`sodium_malloc`): page-aligned, locked
/// against swapping where the OS allows, fenced by guard pages, and zeroed when freed.
pub struct GuardedKey {
    ptr: std::ptr::NonNull<[u8; KEY_BYTES]>,
}

// SAFETY: GuardedKey owns its allocation exclusively and only hands out shared references to
// immutable bytes, so moving it across threads or sharing it is as safe as for `Box<[u8; 32]>`.
unsafe impl Send for GuardedKey {}
// SAFETY: see `Send` above; there is no interior mutability.
unsafe impl Sync for GuardedKey {}

impl GuardedKey {
    /// Copies `bytes` into fresh guarded memory.
    pub fn new(bytes: &[u8; KEY_BYTES]) -> Result<Self, Error> {
        init()?;
        // SAFETY: sodium_malloc returns either null or a pointer to at least KEY_BYTES writable
        // bytes, aligned for u8 arrays; libsodium is initialised above.
        let raw = unsafe { ffi::sodium_malloc(KEY_BYTES) }.cast::<[u8; KEY_BYTES]>();
        let ptr = std::ptr::NonNull::new(raw).ok_or(Error::OutOfMemory("guarded key memory"))?;
        // SAFETY: `ptr` points to KEY_BYTES writable bytes owned by us and not aliased.
        unsafe { ptr.as_ptr().write(*bytes) };
        Ok(Self { ptr })
    }

    /// The key bytes.
    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        // SAFETY: `ptr` came from sodium_malloc, was fully initialised in `new`, and lives until drop.
        unsafe { self.ptr.as_ref() }
    }
}

impl Drop for GuardedKey {
    fn drop(&mut self) {
        // SAFETY: `ptr` was returned by sodium_malloc and is freed exactly once, here;
        // sodium_free zeroes the region before releasing it.
        unsafe { ffi::sodium_free(self.ptr.as_ptr().cast()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(parts: &[&str]) -> Vec<u8> {
        let hex = parts.concat();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// libsodium's own known-answer vector (test/default/secretbox_easy.c and .exp).
    #[test]
    fn secretbox_known_answer() {
        init().unwrap();
        let key: [u8; KEY_BYTES] =
            unhex(&["1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389"])
                .try_into()
                .unwrap();
        let nonce: [u8; NONCE_BYTES] = unhex(&["69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37"])
            .try_into()
            .unwrap();
        let msg = unhex(&[
            "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc",
            "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31",
            "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde",
            "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864",
            "5e0705",
        ]);
        let expected = unhex(&[
            "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce",
            "48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972",
            "71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae",
            "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3",
            "7973f622a43d14a6599b1f654cb45a74e355a5",
        ]);
        let mut boxed = vec![0u8; msg.len() + MAC_BYTES];
        secretbox_seal(&mut boxed, &msg, &nonce, &key);
        assert_eq!(boxed, expected);
        let mut opened = vec![0u8; msg.len()];
        assert!(secretbox_open(&mut opened, &boxed, &nonce, &key));
        assert_eq!(opened, msg);
        boxed[0] ^= 1;
        assert!(!secretbox_open(&mut opened, &boxed, &nonce, &key));
    }

    #[test]
    fn nonces_are_distinct_across_refills() {
        init().unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let mut nonce = [0u8; NONCE_BYTES];
            fill_nonce(&mut nonce);
            assert_ne!(nonce, [0u8; NONCE_BYTES]);
            assert!(seen.insert(nonce), "a nonce repeated");
        }
    }

    #[test]
    fn open_refuses_short_boxes_without_calling_libsodium() {
        let mut out = [0u8; 0];
        assert!(!secretbox_open(
            &mut out,
            &[0; MAC_BYTES - 1],
            &[0; NONCE_BYTES],
            &[0; KEY_BYTES]
        ));
    }
}
