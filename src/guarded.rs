//! Guarded memory for key material, shared by every keyring in the process.
//!
//! libsodium's `sodium_malloc` fences each allocation with guard pages and locks it against
//! swapping, which costs four memory mappings and a locked page per call: one call per key ran a
//! process out of mappings (`vm.max_map_count`) at about 16 000 live keys, long before the
//! garbage collector freed the dropped ones. So keyrings take their bytes from chunks of guarded
//! memory instead: each keyring is one run of bytes in a chunk, zeroed when the keyring is
//! dropped, and a chunk goes back to the system (zeroed again by `sodium_free`) once the last
//! keyring in it is gone. 100 000 live one-key keyrings fit in about 400 mappings.

use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

use libsodium_sys as ffi;

use crate::error::Error;
use crate::sodium;

/// Bytes of one chunk: room for 512 keyrings of one key. Larger runs get a chunk of their own.
const CHUNK_BYTES: usize = 64 * 1024;
/// Runs start at multiples of this, so that no two keyrings share a cache line of key bytes.
const ALIGN: usize = 64;

/// One `sodium_malloc` region.
struct Chunk {
    base: NonNull<u8>,
}

// SAFETY: a Chunk is only an owned pointer to memory nobody else frees; the bytes in it are
// reached only through `Guarded` runs, which never overlap (see `Guarded::bytes_mut`).
unsafe impl Send for Chunk {}
// SAFETY: as for Send; `Chunk` itself gives no access to the bytes.
unsafe impl Sync for Chunk {}

impl Chunk {
    fn new(len: usize) -> Result<Self, Error> {
        sodium::init()?;
        // SAFETY: libsodium is initialised; sodium_malloc returns null or `len` writable bytes.
        let raw = unsafe { ffi::sodium_malloc(len) }.cast::<u8>();
        let base = NonNull::new(raw).ok_or(Error::OutOfMemory("guarded key memory"))?;
        Ok(Self { base })
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: `base` came from sodium_malloc and is freed once, here, after every run in it
        // (each holding an `Arc` to this chunk) is gone; sodium_free zeroes the region first.
        unsafe { ffi::sodium_free(self.base.as_ptr().cast()) }
    }
}

/// The chunk new runs are cut from, and how much of it is used.
struct Arena {
    current: Option<(Arc<Chunk>, usize)>,
}

static ARENA: Mutex<Arena> = Mutex::new(Arena { current: None });

/// A run of zero-initialised bytes in guarded memory, owned by one keyring and zeroed on drop.
pub struct Guarded {
    chunk: Arc<Chunk>,
    offset: usize,
    len: usize,
}

impl Guarded {
    /// `len` zero bytes of guarded memory.
    pub fn zeroed(len: usize) -> Result<Self, Error> {
        let rounded = len.max(1).next_multiple_of(ALIGN);
        let (chunk, offset) = if rounded > CHUNK_BYTES / 2 {
            (Arc::new(Chunk::new(rounded)?), 0)
        } else {
            let mut arena = ARENA.lock().unwrap_or_else(PoisonError::into_inner);
            let (chunk, used) = match arena.current.take() {
                Some((chunk, used)) if used + rounded <= CHUNK_BYTES => (chunk, used),
                _ => (Arc::new(Chunk::new(CHUNK_BYTES)?), 0),
            };
            arena.current = Some((Arc::clone(&chunk), used + rounded));
            (chunk, used)
        };
        let mut run = Self { chunk, offset, len };
        // sodium_malloc fills new memory with garbage bytes on purpose; start from zeros.
        sodium::wipe(run.bytes_mut());
        Ok(run)
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `offset..offset + len` lies inside the chunk (checked when the run was cut),
        // the chunk lives as long as `self.chunk`, and no other run overlaps these bytes.
        unsafe { std::slice::from_raw_parts(self.chunk.base.as_ptr().add(self.offset), self.len) }
    }

    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `bytes`; `&mut self` makes this the only reference to this run, and
        // runs never overlap, so no other reference reaches these bytes.
        unsafe {
            std::slice::from_raw_parts_mut(self.chunk.base.as_ptr().add(self.offset), self.len)
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        sodium::wipe(self.bytes_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_zeroed_disjoint_and_writable() {
        let mut a = Guarded::zeroed(96).unwrap();
        let mut b = Guarded::zeroed(32).unwrap();
        assert!(a.bytes().iter().all(|&x| x == 0));
        a.bytes_mut().fill(0xAA);
        b.bytes_mut().fill(0x55);
        assert!(a.bytes().iter().all(|&x| x == 0xAA));
        assert!(b.bytes().iter().all(|&x| x == 0x55));
        assert_eq!(a.bytes().len(), 96);
    }

    #[test]
    fn large_runs_get_their_own_chunk() {
        let mut big = Guarded::zeroed(CHUNK_BYTES * 2).unwrap();
        big.bytes_mut().fill(1);
        assert_eq!(big.bytes().len(), CHUNK_BYTES * 2);
    }

    #[test]
    fn many_runs_share_few_chunks() {
        let runs: Vec<_> = (0..1000).map(|_| Guarded::zeroed(64).unwrap()).collect();
        let mut chunks: Vec<_> = runs.iter().map(|r| Arc::as_ptr(&r.chunk)).collect();
        chunks.sort();
        chunks.dedup();
        assert!(
            chunks.len() <= 1000 * 64 / CHUNK_BYTES + 2,
            "{} chunks",
            chunks.len()
        );
    }
}
