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
    let ok = *READY.get_or_init(|| {
        #[cfg(test)]
        counting_source::install();
        // SAFETY: sodium_init takes no arguments and is documented as safe to call from any
        // thread, any number of times; it returns 0 on first success, 1 if already initialised,
        // -1 on failure.
        (unsafe { ffi::sodium_init() }) >= 0
    });
    if ok {
        Ok(())
    } else {
        Err(Error::SodiumInit)
    }
}

/// Fills `buf` with bytes from the operating system's generator, read at this moment: libsodium's
/// `randombytes_buf`, whose default implementation on Linux is one `getrandom(2)` call per 256
/// bytes. Nothing is buffered in the process, so a copy of the process (`fork`, a restored VM
/// snapshot, a checkpoint restored twice) cannot hand out the same bytes twice.
pub fn random_fill(buf: &mut [u8]) {
    // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
    unsafe { ffi::randombytes_buf(buf.as_mut_ptr().cast(), buf.len()) }
}

/// Bytes of the one-time Poly1305 key that starts every secretbox keystream.
const POLY_KEY_BYTES: usize = 32;

/// Keystream is computed in whole runs of this many bytes. libsodium's SSE2/AVX2 Salsa20 does
/// 4 or 8 blocks at once for runs of 256 bytes or more and the rest one block at a time at about
/// twice the cost per block, so 256 bytes (4 blocks) cost less than 3 blocks one by one.
const STREAM_RUN: usize = 256;
/// Bytes of one Salsa20 block, the unit of the stream's block counter.
const BLOCK_BYTES: usize = 64;

/// The XSalsa20 stream of `crypto_secretbox` under one key and nonce: the HSalsa20 subkey and
/// the nonce's last 8 bytes, wiped on drop.
struct XSalsa20 {
    subkey: [u8; KEY_BYTES],
    nonce_tail: [u8; 8],
}

impl XSalsa20 {
    fn new(nonce: &[u8; NONCE_BYTES], key: &[u8; KEY_BYTES]) -> Self {
        let mut stream = Self {
            subkey: [0; KEY_BYTES],
            nonce_tail: [0; 8],
        };
        stream.nonce_tail.copy_from_slice(&nonce[16..]);
        // SAFETY: `subkey` is writable for the 32 bytes hsalsa20 writes, `nonce` readable for
        // the 16 it reads, `key` for 32; a null constant selects the standard "expand 32-byte k".
        unsafe {
            ffi::crypto_core_hsalsa20(
                stream.subkey.as_mut_ptr(),
                nonce.as_ptr(),
                key.as_ptr(),
                std::ptr::null(),
            )
        };
        stream
    }

    /// XORs the keystream from block `block` on into `buf` (all zeros in: keystream out).
    fn xor_from(&self, block: usize, buf: &mut [u8]) {
        // SAFETY: `buf` is readable and writable for its length; XOR in place (same input and
        // output pointer) is how libsodium's own secretbox_easy.c calls it; `nonce_tail` is 8
        // bytes and `subkey` 32.
        unsafe {
            ffi::crypto_stream_salsa20_xor_ic(
                buf.as_mut_ptr(),
                buf.as_ptr(),
                buf.len() as u64,
                self.nonce_tail.as_ptr(),
                block as u64,
                self.subkey.as_ptr(),
            )
        };
    }
}

impl Drop for XSalsa20 {
    fn drop(&mut self) {
        wipe(&mut self.subkey);
    }
}

/// `out[i] = a[i] ^ b[i]` over `out`'s length.
fn xor_into(out: &mut [u8], a: &[u8], b: &[u8]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = x ^ y;
    }
}

/// Sizes `work` for the keystream of a `len`-byte message: the Poly1305 key, then the message's
/// bytes, rounded up to whole `STREAM_RUN`s, all zero.
fn zeroed_stream_buffer(work: &mut Vec<u8>, len: usize) {
    work.clear();
    work.resize((POLY_KEY_BYTES + len).next_multiple_of(STREAM_RUN), 0);
}

/// `crypto_secretbox_easy`, recomposed: writes `mac ‖ ciphertext` of `msg` into `out`, which must be
/// exactly `msg.len() + MAC_BYTES` long (else nothing is written and this returns false). `work`
/// is a buffer reused from call to call; it is wiped before this returns.
///
/// The output is byte for byte libsodium's (tests check it for every length up to 1100 bytes),
/// with the keystream computed in whole runs (see `STREAM_RUN`). It earns its place by
/// measurement: libsodium's own `crypto_secretbox_easy` and `_open_detached` made the codec's
/// round trip of a small session measurably slower (BENCHMARKS.md, "Speed-only code").
pub fn secretbox_seal(
    out: &mut [u8],
    msg: &[u8],
    nonce: &[u8; NONCE_BYTES],
    key: &[u8; KEY_BYTES],
    work: &mut Vec<u8>,
) -> bool {
    if out.len() != msg.len() + MAC_BYTES {
        return false;
    }
    zeroed_stream_buffer(work, msg.len());
    XSalsa20::new(nonce, key).xor_from(0, work);
    let (poly_key, stream) = work.split_at(POLY_KEY_BYTES);
    let (mac, ciphertext) = out.split_at_mut(MAC_BYTES);
    xor_into(ciphertext, msg, stream);
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
    true
}

/// `crypto_secretbox_open_easy`, recomposed: verifies `mac ‖ ciphertext`, and only then decrypts
/// it into `out`, which must be exactly `boxed.len() - MAC_BYTES` long. Returns false, and leaves
/// `out` untouched, when authentication fails. Verifying first costs a forged cookie one
/// keystream run and the tag, never a decryption. `work` is as for `secretbox_seal`.
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
    zeroed_stream_buffer(work, ciphertext.len());
    let stream = XSalsa20::new(nonce, key);
    // The first run holds the Poly1305 key (and the keystream of the first 224 bytes).
    stream.xor_from(0, &mut work[..STREAM_RUN]);
    // SAFETY: `mac` is the 16-byte tag, `ciphertext` readable for its length, `work` starts with
    // the 32-byte key; the comparison inside is constant-time (crypto_verify_16).
    let authentic = unsafe {
        ffi::crypto_onetimeauth_poly1305_verify(
            mac.as_ptr(),
            ciphertext.as_ptr(),
            ciphertext.len() as u64,
            work.as_ptr(),
        )
    } == 0;
    if authentic {
        stream.xor_from(STREAM_RUN / BLOCK_BYTES, &mut work[STREAM_RUN..]);
        xor_into(out, ciphertext, &work[POLY_KEY_BYTES..]);
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

/// Keyed BLAKE2b (`crypto_generichash`) of `data` under `key`, filling `out` (16 to 64 bytes).
pub fn keyed_hash(out: &mut [u8], data: &[u8], key: &[u8; KEY_BYTES]) {
    debug_assert!((16..=64).contains(&out.len()), "BLAKE2b output length");
    // SAFETY: `out` is writable for out.len() bytes and `key` readable for 32 (both within
    // libsodium's BYTES_MIN..=BYTES_MAX and KEYBYTES_MIN..=KEYBYTES_MAX), `data` for data.len().
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
}

/// SipHash-2-4 with a 128-bit output (`crypto_shorthash_siphashx24`) of `data` under the 16-byte
/// `key`: a fast keyed PRF for short messages, used as their tag.
pub fn siphash128(data: &[u8], key: &[u8; 16]) -> [u8; 16] {
    let mut out = [0u8; 16];
    // SAFETY: `out` is writable for the 16 bytes siphashx24 writes, `key` readable for its 16,
    // `data` for data.len().
    unsafe {
        ffi::crypto_shorthash_siphashx24(
            out.as_mut_ptr(),
            data.as_ptr(),
            data.len() as u64,
            key.as_ptr(),
        )
    };
    out
}

/// True when the 16-byte `a` and `b` are equal, compared in constant time (`crypto_verify_16`).
pub fn equal16(a: &[u8; 16], b: &[u8; 16]) -> bool {
    // SAFETY: both are arrays of exactly the 16 bytes crypto_verify_16 reads.
    unsafe { ffi::crypto_verify_16(a.as_ptr(), b.as_ptr()) == 0 }
}

/// Overwrites `buf` with zeros in a way the compiler cannot optimise away.
pub fn wipe(buf: &mut [u8]) {
    // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
    unsafe { ffi::sodium_memzero(buf.as_mut_ptr().cast(), buf.len()) }
}

/// Tests only: libsodium's own OS random source (`randombytes_sysrandom`) behind a counter of
/// the calls made on each thread, so tests can check that sealing asks it every time; and, for
/// the test vectors (`format_vectors`), bytes a test gives in place of the OS's.
#[cfg(test)]
pub mod counting_source {
    use std::cell::{Cell, RefCell};

    use libsodium_sys as ffi;

    thread_local! {
        static CALLS: Cell<u64> = const { Cell::new(0) };
        static SCRIPTED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    /// Calls this thread has made for random bytes since it started.
    pub fn calls() -> u64 {
        CALLS.get()
    }

    /// Runs `f` with this thread's next read of random bytes answered with `bytes` (a nonce, for
    /// sealing a test vector byte for byte), and checks that it was asked for exactly those.
    pub fn scripted<T>(bytes: &[u8], f: impl FnOnce() -> T) -> T {
        SCRIPTED.with_borrow_mut(|scripted| {
            scripted.clear();
            scripted.extend_from_slice(bytes);
        });
        let result = f();
        let left = SCRIPTED.with_borrow_mut(std::mem::take);
        assert!(
            left.is_empty(),
            "the scripted random bytes were not read as one call"
        );
        result
    }

    unsafe extern "C" fn name() -> *const std::ffi::c_char {
        c"counting sysrandom".as_ptr()
    }

    unsafe extern "C" fn random() -> u32 {
        let mut value = 0u32;
        // SAFETY: `value` is 4 writable bytes.
        unsafe { buf((&raw mut value).cast(), 4) };
        value
    }

    unsafe extern "C" fn buf(out: *mut std::ffi::c_void, size: usize) {
        CALLS.set(CALLS.get() + 1);
        let served = SCRIPTED.with_borrow_mut(|scripted| {
            if scripted.len() != size {
                return false; // not the read scripted: the OS answers (and `scripted` reports it)
            }
            // SAFETY: `out` is writable for `size` bytes as our caller promised, and `scripted`
            // holds exactly `size`.
            unsafe { std::ptr::copy_nonoverlapping(scripted.as_ptr(), out.cast::<u8>(), size) };
            scripted.clear();
            true
        });
        if served {
            return;
        }
        // SAFETY: the sysrandom implementation is a static libsodium never changes; its `buf`
        // is set, and `out` is writable for `size` bytes as our own caller promised.
        unsafe {
            let sysrandom = (&raw const ffi::randombytes_sysrandom_implementation).read();
            if let Some(fill) = sysrandom.buf {
                fill(out, size);
            }
        }
    }

    static IMPLEMENTATION: ffi::randombytes_implementation = ffi::randombytes_implementation {
        implementation_name: Some(name),
        random: Some(random),
        stir: None,
        uniform: None,
        buf: Some(buf),
        close: None,
    };

    /// Makes libsodium draw random bytes through the counter; called once, before sodium_init.
    pub fn install() {
        // SAFETY: IMPLEMENTATION is a static that lives for the whole process, as libsodium
        // requires, and this runs before sodium_init, as randombytes_set_implementation requires.
        unsafe { ffi::randombytes_set_implementation(&IMPLEMENTATION) };
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
        assert!(secretbox_seal(&mut boxed, &msg, &nonce, &key, &mut work));
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
            assert!(secretbox_seal(&mut ours, &msg, &nonce, &key, &mut work));
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
    fn random_fill_asks_the_random_source_every_time() {
        init().unwrap();
        let before = counting_source::calls();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let mut nonce = [0u8; NONCE_BYTES];
            random_fill(&mut nonce);
            assert!(seen.insert(nonce), "a nonce repeated");
        }
        assert_eq!(counting_source::calls() - before, 1000);
    }

    #[test]
    fn a_forged_box_is_refused_before_decryption() {
        init().unwrap();
        let (key, nonce) = ([9u8; KEY_BYTES], [3u8; NONCE_BYTES]);
        let mut work = Vec::new();
        let forged = vec![0x41u8; MAC_BYTES + 4000];
        let mut out = vec![0u8; 4000];
        assert!(!secretbox_open(&mut out, &forged, &nonce, &key, &mut work));
        assert!(out.iter().all(|&b| b == 0));
        assert!(work.iter().all(|&b| b == 0), "work wiped");
    }

    #[test]
    fn seal_refuses_a_wrongly_sized_output() {
        let mut out = [0u8; MAC_BYTES];
        assert!(!secretbox_seal(
            &mut out,
            b"x",
            &[0; NONCE_BYTES],
            &[0; KEY_BYTES],
            &mut Vec::new()
        ));
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
