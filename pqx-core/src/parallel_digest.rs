//! Hashing a big part on a second core while the caller reads and writes it.
//!
//! Signing a stored part reads it, writes it into the new package and hashes it; SHA-256
//! costs about as much as the read and the write together, so on one core signing takes
//! twice as long as hashing alone. [`ParallelHasher`] hands the hash to a helper thread:
//! the caller copies each chunk into one of a few recycled buffers and goes on reading and
//! writing while the helper hashes. The copy is a `memcpy` (several GB/s), the bounded
//! queue keeps memory at a few chunk buffers whatever the part's size, and the result is
//! the same digest as [`Hasher`] computes inline.
//!
//! Small parts (below [`PARALLEL_THRESHOLD`]), machines with one core and wasm (no threads)
//! hash inline: starting a thread would cost more than it saves.

use crate::digest::{DigestAlgorithm, Hasher};
use crate::error::{Error, Result};

/// Parts at least this big are hashed on a helper thread (when the machine has a second
/// core): below it, spawning the thread costs more than overlapping saves.
pub const PARALLEL_THRESHOLD: u64 = 1 << 20;

/// Chunks that may wait for the helper: with 256 KiB chunks at most about 2 MiB are queued.
#[cfg(not(target_arch = "wasm32"))]
const QUEUE_DEPTH: usize = 8;

/// An incremental hash that runs on a helper thread for big inputs and inline otherwise.
pub struct ParallelHasher {
    state: State,
}

enum State {
    Inline(Hasher),
    #[cfg(not(target_arch = "wasm32"))]
    Threaded(threaded::Worker),
}

impl ParallelHasher {
    /// Starts a hash of `algorithm` over about `size` bytes (the part's declared size, used
    /// only to decide whether a helper thread pays off).
    pub fn new(algorithm: DigestAlgorithm, size: u64) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        if size >= PARALLEL_THRESHOLD && threaded::second_core() {
            if let Some(worker) = threaded::Worker::spawn(algorithm.hasher()) {
                return ParallelHasher {
                    state: State::Threaded(worker),
                };
            }
        }
        let _ = size;
        ParallelHasher {
            state: State::Inline(algorithm.hasher()),
        }
    }

    /// Whether the hash runs on a helper thread (for tests and benchmarks).
    pub fn is_threaded(&self) -> bool {
        !matches!(self.state, State::Inline(_))
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Inline(h) => h.update(data),
            #[cfg(not(target_arch = "wasm32"))]
            State::Threaded(w) => w.update(data),
        }
    }

    /// Finishes and returns the digest. Fails only if the helper thread died, which no
    /// input can cause (hashing cannot fail); the error says so rather than panicking.
    pub fn finalize(self) -> Result<Vec<u8>> {
        match self.state {
            State::Inline(h) => Ok(h.finalize()),
            #[cfg(not(target_arch = "wasm32"))]
            State::Threaded(w) => w.finish().map(Hasher::finalize),
        }
    }
}

impl std::fmt::Debug for ParallelHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelHasher")
            .field("threaded", &self.is_threaded())
            .finish()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod threaded {
    use super::*;
    use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
    use std::thread::JoinHandle;

    /// Whether a second core is there to hash on.
    pub(super) fn second_core() -> bool {
        std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
    }

    /// The caller's side of the helper: full buffers go out on `full`, hashed ones come
    /// back on `empty` to be filled again.
    pub(super) struct Worker {
        full: SyncSender<Vec<u8>>,
        empty: Receiver<Vec<u8>>,
        handle: JoinHandle<Hasher>,
    }

    impl Worker {
        /// Starts the helper thread; `None` if the system refuses a thread (then the
        /// caller hashes inline).
        pub(super) fn spawn(mut hasher: Hasher) -> Option<Worker> {
            let (full, queue): (SyncSender<Vec<u8>>, Receiver<Vec<u8>>) = sync_channel(QUEUE_DEPTH);
            let (recycle, empty): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = channel();
            let handle = std::thread::Builder::new()
                .name("pqx-hash".into())
                .spawn(move || {
                    for chunk in queue {
                        hasher.update(&chunk);
                        // The caller may have stopped taking buffers back: fine.
                        let _ = recycle.send(chunk);
                    }
                    hasher
                })
                .ok()?;
            Some(Worker {
                full,
                empty,
                handle,
            })
        }

        pub(super) fn update(&mut self, data: &[u8]) {
            if data.is_empty() {
                return;
            }
            let mut buf = self.empty.try_recv().unwrap_or_default();
            buf.clear();
            buf.extend_from_slice(data);
            // The helper only drops the queue by dying (it loops until `full` is dropped in
            // `finish`), and `finish` reports that from `join`: nothing to remember here.
            let _ = self.full.send(buf);
        }

        pub(super) fn finish(self) -> Result<Hasher> {
            let Worker { full, handle, .. } = self;
            // Closing the queue ends the helper's loop once it has hashed what is queued.
            drop(full);
            handle
                .join()
                .map_err(|_| Error::Crypto("the hashing thread stopped unexpectedly".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn threaded_and_inline_digests_agree_for_every_algorithm_and_chunking() {
        let data = pseudo_random(3 * (1 << 20) + 12345);
        for algorithm in DigestAlgorithm::ALL {
            let expected = algorithm.digest(&data);
            for chunk in [997usize, 65_536, 256 * 1024 + 1, data.len()] {
                let mut h = ParallelHasher::new(algorithm, data.len() as u64);
                for piece in data.chunks(chunk.min(data.len())) {
                    h.update(piece);
                }
                assert_eq!(h.finalize().unwrap(), expected, "{algorithm} chunk {chunk}");
            }
        }
    }

    #[test]
    fn small_inputs_hash_inline_and_big_ones_use_a_second_core_when_there_is_one() {
        assert!(!ParallelHasher::new(DigestAlgorithm::Sha256, 10).is_threaded());
        let big = ParallelHasher::new(DigestAlgorithm::Sha256, PARALLEL_THRESHOLD);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(big.is_threaded(), cores > 1);
        assert_eq!(
            big.finalize().unwrap(),
            DigestAlgorithm::Sha256.digest(b""),
            "an empty threaded hash is the hash of nothing"
        );
    }
}
