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

/// Bytes of the one-time Poly1305 key that starts every secretbox keystream.
const POLY_KEY_BYTES: usize = 32;

/// Keystream is computed in whole runs of this many bytes. libsodium's SSE2/AVX2 Salsa20 does
/// 4 or 8 blocks at once for runs of 256 bytes or more and the rest one block at a time at about
/// twice the cost per block, so 256 bytes (4 blocks) cost less than 3 blocks one by one.
const STREAM_RUN: usize = 256;

/// The keystream of `crypto_secretbox` (XSalsa20 under `key` and `nonce`) XORed into `work` in
/// place, from counter 0, over `work`'s whole length; this is what `crypto_secretbox_detached`
/// and `_open_detached` do in libsodium's secretbox_easy.c, in one Salsa20 call instead of two
/// (or three, when opening).
fn xsalsa20_xor_in_place(work: &mut [u8], nonce: &[u8; NONCE_BYTES], key: &[u8; KEY_BYTES]) {
    let mut subkey = [0u8; KEY_BYTES];
    // SAFETY: `subkey` is writable for the 32 bytes hsalsa20 writes, `nonce` readable for the 16
    // it reads, `key` for 32; a null constant selects the standard "expand 32-byte k".
    unsafe {
        ffi::crypto_core_hsalsa20(
            subkey.as_mut_ptr(),
            nonce.as_ptr(),
            key.as_ptr(),
            std::ptr::null(),
        )
    };
    // SAFETY: `work` is readable and writable for work.len() bytes; Salsa20 XOR in place (same
    // input and output pointer) is how libsodium's own secretbox_easy.c calls it; the nonce tail
    // is the 8 bytes after the 16 hsalsa20 took, and `subkey` is 32 bytes.
    unsafe {
        ffi::crypto_stream_salsa20_xor(
            work.as_mut_ptr(),
            work.as_ptr(),
            work.len() as u64,
            nonce[16..].as_ptr(),
            subkey.as_ptr(),
        )
    };
    wipe(&mut subkey);
}

/// Lays out `work` as 32 zero bytes, `text`, then zeros up to a whole number of `STREAM_RUN`s,
/// and XORs the secretbox keystream over it: the Poly1305 key, then `text` en- or decrypted.
fn apply_keystream(
    work: &mut Vec<u8>,
    text: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
) {
    work.clear();
    work.resize(POLY_KEY_BYTES, 0);
    work.extend_from_slice(text);
    work.resize(work.len().next_multiple_of(STREAM_RUN), 0);
    xsalsa20_xor_in_place(work, nonce, key);
}

/// `crypto_secretbox_easy`, recomposed: writes `mac ‖ ciphertext` of `msg` into `out`, which must be
/// exactly `msg.len() + MAC_BYTES` long. `work` is a buffer reused from call to call; it is
/// wiped before this returns.
///
/// The output is byte for byte libsodium's (tests check it for every length up to 1100 bytes),
/// with the keystream computed in one call (see `STREAM_RUN`).
pub fn secretbox_seal(
    out: &mut [u8],
    msg: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
    work: &mut Vec<u8>,
) {
    assert_eq!(out.len(), msg.len() + MAC_BYTES, "seal output length");
    apply_keystream(work, msg, nonce, key);
    let (poly_key, rest) = work.split_at(POLY_KEY_BYTES);
    let (mac, ciphertext) = out.split_at_mut(MAC_BYTES);
    ciphertext.copy_from_slice(&rest[..msg.len()]);
    // SAFETY: `mac` is writable for the 16 bytes Poly1305 writes, `ciphertext` readable for its
    // length, `poly_key` is the 32 bytes crypto_onetimeauth_poly1305 reads as its key.
    unsafe {
        ffi::crypto_onetimeauth_poly1305(
            mac.as_mut_ptr(),
            ciphertext.as_ptr(),
            ciphertext.len() as u64,
            poly_key.as_ptr(),
        )
    };
    wipe(work);
}

/// `crypto_secretbox_open_easy`, recomposed: verifies and decrypts `mac ‖ ciphertext` into `out`, which
/// must be exactly `boxed.len() - MAC_BYTES` long. Returns false, and leaves `out` untouched,
/// when authentication fails. `work` is as for `secretbox_seal`, and wiped before this returns.
pub fn secretbox_open(
    out: &mut [u8],
    boxed: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
    work: &mut Vec<u8>,
) -> bool {
    if boxed.len() < MAC_BYTES || out.len() != boxed.len() - MAC_BYTES {
        return false;
    }
    let (mac, ciphertext) = boxed.split_at(MAC_BYTES);
    // The plaintext this computes stays in `work`, which is wiped, unless the tag verifies.
    apply_keystream(work, ciphertext, nonce, key);
    let (poly_key, rest) = work.split_at(POLY_KEY_BYTES);
    // SAFETY: `mac` is the 16-byte tag, `ciphertext` readable for its length, `poly_key` the
    // 32-byte key; the comparison inside is constant-time (crypto_verify_16).
    let authentic = unsafe {
        ffi::crypto_onetimeauth_poly1305_verify(
            mac.as_ptr(),
            ciphertext.as_ptr(),
            ciphertext.len() as u64,
            poly_key.as_ptr(),
        )
    } == 0;
    if authentic {
        out.copy_from_slice(&rest[..out.len()]);
    }
    wipe(work);
    authentic
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
        let mut work = Vec::new();
        let mut boxed = vec![0u8; msg.len() + MAC_BYTES];
        secretbox_seal(&mut boxed, &msg, &nonce, &key, &mut work);
        assert_eq!(boxed, expected);
        let mut opened = vec![0u8; msg.len()];
        assert!(secretbox_open(&mut opened, &boxed, &nonce, &key, &mut work));
        assert_eq!(opened, msg);
        boxed[0] ^= 1;
        assert!(!secretbox_open(
            &mut opened,
            &boxed,
            &nonce,
            &key,
            &mut work
        ));
    }

    /// Our seal and open against libsodium's `crypto_secretbox_easy` and `_open_easy` for every
    /// length across several keystream runs and a few large ones, with random keys and nonces.
    #[test]
    fn secretbox_matches_libsodium_at_every_length() {
        init().unwrap();
        let mut work = Vec::new();
        let lengths = (0..=1100).chain([STREAM_RUN * 16 - POLY_KEY_BYTES, 4000, 4097]);
        for len in lengths {
            let (mut key, mut nonce, mut msg) =
                ([0u8; KEY_BYTES], [0u8; NONCE_BYTES], vec![0u8; len]);
            random_fill(&mut key);
            random_fill(&mut nonce);
            random_fill(&mut msg);
            let mut theirs = vec![0u8; len + MAC_BYTES];
            // SAFETY: `theirs` holds len + MAC_BYTES bytes, `msg` len; nonce and key are arrays.
            let rc = unsafe {
                ffi::crypto_secretbox_easy(
                    theirs.as_mut_ptr(),
                    msg.as_ptr(),
                    len as u64,
                    nonce.as_ptr(),
                    key.as_ptr(),
                )
            };
            assert_eq!(rc, 0);
            let mut ours = vec![0u8; len + MAC_BYTES];
            secretbox_seal(&mut ours, &msg, &nonce, &key, &mut work);
            assert_eq!(ours, theirs, "seal differs at {len} bytes");
            assert!(work.iter().all(|&b| b == 0), "work wiped after seal");

            let mut opened = vec![0u8; len];
            assert!(
                secretbox_open(&mut opened, &theirs, &nonce, &key, &mut work),
                "open at {len} bytes"
            );
            assert_eq!(opened, msg);
            assert!(work.iter().all(|&b| b == 0), "work wiped after open");

            let flip = len * 7 % theirs.len();
            theirs[flip] ^= 0x80;
            let mut untouched = vec![0xAA; len];
            assert!(
                !secretbox_open(&mut untouched, &theirs, &nonce, &key, &mut work),
                "tampered at {len}"
            );
            assert!(
                untouched.iter().all(|&b| b == 0xAA),
                "nothing released on failure"
            );
            assert!(work.iter().all(|&b| b == 0), "work wiped after a refusal");
        }
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
            &[0; KEY_BYTES],
            &mut Vec::new()
        ));
    }
}
