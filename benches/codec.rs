//! Seal and open alone, per wire format, for session JSON of about 100 B, 1 KB and 3.5 KB: the
//! floor the JavaScript path is measured against. Run with `cargo bench`. Like the addon, each
//! benchmark reuses one `Scratch`, so it measures the work rather than first-use allocations.
//! Then what one seal's read of the OS generator costs, both ways Linux offers it.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use koa_sodium_session::{random_fill, Format, Keyring, Limits, Scratch};

/// A session metadata token: id, issue time, user-bound time.
const TOKEN: &[u8] = b"AAAAAAAAAAAAAAAAAAAAAA0min9a22o000000000";

/// Session JSON of about `size` bytes, shaped like what koa-session hands the encoder.
fn session_json(size: usize) -> String {
    let head = r#"{"user":"alice","role":"admin","data":""#;
    let tail = r#"","_expire":1767225600000,"_maxAge":86400000}"#;
    let fill = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(fill))
}

fn bench(c: &mut Criterion) {
    let key: &[u8] = &[7; 32];
    for size in [100, 1000, 3500] {
        let json = session_json(size);
        let mut group = c.benchmark_group(format!("{size} B"));
        group.throughput(Throughput::Bytes(json.len() as u64));
        let mut scratch = Scratch::new();
        for (name, format) in [("legacy", Format::Legacy), ("compact", Format::Compact)] {
            let keys =
                Keyring::for_cookies(&[key], "koa.sess", format, Limits::COOKIE).expect("one key");
            group.bench_with_input(BenchmarkId::new("seal", name), &json, |b, json| {
                b.iter(|| {
                    keys.seal(Some(TOKEN), black_box(json.as_bytes()), None, &mut scratch)
                        .map(<[u8]>::len)
                })
            });
            let cookie = keys
                .seal(Some(TOKEN), json.as_bytes(), None, &mut scratch)
                .expect("seals")[TOKEN.len()..]
                .to_owned();
            group.bench_with_input(BenchmarkId::new("open", name), &cookie, |b, cookie| {
                b.iter(|| {
                    keys.open(black_box(cookie), &mut scratch)
                        .map(|opened| opened.text().len())
                })
            });
        }
        group.finish();
    }
}

/// Bytes a seal reads from the OS generator for a new session: its nonce and the session's id.
const SEAL_RANDOM_BYTES: usize = 24 + 16;

/// One seal's random bytes as the package reads them (`random_fill`: libsodium's
/// `randombytes_buf`, one `getrandom` system call) and, where the kernel serves getrandom from
/// the vDSO (Linux 6.11+), read there instead. The second is a measurement only: the package does
/// not call the vDSO (README, Security, "Where nonces come from", says why).
fn nonce(c: &mut Criterion) {
    let mut group = c.benchmark_group("nonce");
    let mut buf = [0u8; SEAL_RANDOM_BYTES];
    group.bench_function("getrandom system call", |b| {
        b.iter(|| random_fill(black_box(&mut buf)))
    });
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    match vdso::Getrandom::find() {
        Some(vdso) => {
            group.bench_function("getrandom from the vDSO", |b| {
                b.iter(|| vdso.fill(black_box(&mut buf)))
            });
        }
        None => println!("nonce: this kernel or C library offers no vDSO getrandom"),
    }
    group.finish();
}

/// The kernel's vDSO getrandom (`__vdso_getrandom`), found through glibc's loader, with the one
/// state it needs, mapped as the kernel asks and kept for the process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod vdso {
    use std::ffi::{c_uint, c_void};
    use std::ptr;

    /// What the kernel answers about the state it needs (`struct vgetrandom_opaque_params`).
    #[repr(C)]
    #[derive(Default)]
    struct Params {
        size_of_opaque_state: u32,
        mmap_prot: u32,
        mmap_flags: u32,
        reserved: [u32; 13],
    }

    type Function = unsafe extern "C" fn(*mut c_void, usize, c_uint, *mut c_void, usize) -> isize;

    /// The function and one state, for the calling thread only (benchmarks run on one).
    pub struct Getrandom {
        function: Function,
        state: *mut c_void,
        state_len: usize,
    }

    impl Getrandom {
        /// The vDSO's getrandom when this kernel and loader offer it.
        pub fn find() -> Option<Self> {
            // SAFETY: dlopen with RTLD_NOLOAD only looks up an object already loaded; the name
            // is a NUL-terminated literal.
            let vdso = unsafe {
                libc::dlopen(
                    c"linux-vdso.so.1".as_ptr(),
                    libc::RTLD_LAZY | libc::RTLD_NOLOAD,
                )
            };
            if vdso.is_null() {
                return None;
            }
            // SAFETY: `vdso` is a live handle and the name a NUL-terminated literal.
            let symbol = unsafe { libc::dlsym(vdso, c"__vdso_getrandom".as_ptr()) };
            if symbol.is_null() {
                return None;
            }
            // SAFETY: the kernel documents `__vdso_getrandom` with exactly this signature.
            let function: Function = unsafe { std::mem::transmute(symbol) };
            let mut params = Params::default();
            // SAFETY: a null buffer and an opaque length of !0 ask for the parameters, which the
            // kernel writes into `params`, a struct of the layout it documents.
            let asked =
                unsafe { function(ptr::null_mut(), 0, 0, (&raw mut params).cast(), usize::MAX) };
            if asked != 0 || params.size_of_opaque_state == 0 {
                return None;
            }
            // SAFETY: a fresh anonymous mapping with the protection and flags the kernel gave.
            let state = unsafe {
                libc::mmap(
                    ptr::null_mut(),
                    params.size_of_opaque_state as usize,
                    params.mmap_prot as i32,
                    params.mmap_flags as i32,
                    -1,
                    0,
                )
            };
            (state != libc::MAP_FAILED).then_some(Self {
                function,
                state,
                state_len: params.size_of_opaque_state as usize,
            })
        }

        /// Fills `buf` from the vDSO; panics if the kernel refuses.
        pub fn fill(&self, buf: &mut [u8]) {
            // SAFETY: `buf` is writable for its length and `state` is the mapping made for it.
            let read = unsafe {
                (self.function)(
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    self.state,
                    self.state_len,
                )
            };
            assert_eq!(read, buf.len() as isize, "vDSO getrandom read");
        }
    }
}

criterion_group!(benches, bench, nonce);
criterion_main!(benches);
