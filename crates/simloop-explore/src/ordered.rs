//! Numbered jobs run on several threads, their results handed on in order,
//! few of them held at a time.
//!
//! Workers take positions `0..len` in turn and finish them out of order. A
//! finished result waits in a reorder buffer until every earlier one has
//! been handed on; the worker that finishes the oldest missing position
//! hands it on, with every consecutive one behind it, to `consume` (one
//! worker at a time, so `consume` sees positions `0, 1, 2, ...`).
//!
//! Memory is bounded by `window`, not by `len`: a worker starts position
//! `k` only once `k < handed + window`, where `handed` counts the results
//! `consume` has returned from, so the buffer never holds more than
//! `window` results. A slow position holds the others back by at most
//! `window` positions, after which the workers wait for it.
//!
//! A panic in a job is caught and turned into that position's result by
//! `recover`; the worker then ends, since the panic may have left its
//! thread-local state behind, and a fresh one takes over. A panic in
//! `consume` stops every worker and reaches the caller.
//!
//! Threads the system refuses to start (an address-space limit) are done
//! without: the work runs on those that started, or on the caller's.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, Scope};

/// What to run and where its results go.
pub(crate) struct Jobs<'a, T> {
    /// Positions `0..len`.
    pub(crate) len: u64,
    /// Threads (at least 1).
    pub(crate) threads: usize,
    /// Results held at most (at least 1).
    pub(crate) window: u64,
    /// Run position `k`.
    pub(crate) work: &'a (dyn Fn(u64) -> T + Sync),
    /// Position `k`'s result when `work(k)` panicked with this message.
    pub(crate) recover: &'a (dyn Fn(u64, String) -> T + Sync),
}

/// Run `jobs` and hand each result to `consume`, in position order.
pub(crate) fn run_in_order<T: Send>(jobs: Jobs<'_, T>, consume: &mut (dyn FnMut(T) + Send)) {
    let shared = Shared {
        next: AtomicU64::new(0),
        buffer: Mutex::new(Buffer {
            done: BTreeMap::new(),
            handed: 0,
            draining: false,
            waiting: 0,
            broken: false,
        }),
        room: Condvar::new(),
        consume: Mutex::new(consume),
        window: jobs.window.max(1),
        jobs,
    };
    let threads = (shared.jobs.threads.max(1) as u64).min(shared.jobs.len);
    thread::scope(|scope| {
        let shared = &shared;
        for started in 0..threads {
            if !spawn_worker(scope, shared) {
                // Out of threads (an address-space limit, say): those
                // started do the work, or this one if none could start.
                if started == 0 {
                    worker(scope, shared);
                }
                break;
            }
        }
    });
}

/// Start a worker thread; false if the system refuses one.
fn spawn_worker<'s, 'a: 's, T: Send>(scope: &'s Scope<'s, '_>, shared: &'s Shared<'a, T>) -> bool {
    thread::Builder::new()
        .spawn_scoped(scope, move || worker(scope, shared))
        .is_ok()
}

/// What the workers share.
struct Shared<'a, T> {
    jobs: Jobs<'a, T>,
    window: u64,
    /// The next position to start.
    next: AtomicU64,
    buffer: Mutex<Buffer<T>>,
    /// Signalled when `handed` moves or the workers must stop.
    room: Condvar,
    /// Only the draining worker locks it.
    consume: Mutex<&'a mut (dyn FnMut(T) + Send)>,
}

/// The reorder buffer.
struct Buffer<T> {
    /// Finished results not handed on yet, by position. Never holds
    /// position `handed` unless a worker is draining.
    done: BTreeMap<u64, T>,
    /// Positions `0..handed` have been handed on.
    handed: u64,
    /// A worker is handing results on.
    draining: bool,
    /// Workers waiting for room (to skip signalling nobody).
    waiting: usize,
    /// `consume` panicked: start nothing more.
    broken: bool,
}

impl<T: Send> Shared<'_, T> {
    fn lock(&self) -> MutexGuard<'_, Buffer<T>> {
        // No code panics while holding it; `broken` records a panic of
        // `consume`, which runs outside it.
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait until position `k` fits in the window; false if the workers
    /// must stop instead.
    fn wait_for_room(&self, k: u64) -> bool {
        let mut b = self.lock();
        while k >= b.handed + self.window && !b.broken {
            b.waiting += 1;
            b = self.room.wait(b).unwrap_or_else(PoisonError::into_inner);
            b.waiting -= 1;
        }
        !b.broken
    }

    /// Buffer position `k`'s result; if it is the next one to hand on and
    /// no one is handing results on, hand it on with every consecutive one
    /// behind it, including those finished meanwhile.
    fn finish(&self, k: u64, result: T) {
        let mut b = self.lock();
        b.done.insert(k, result);
        if b.draining || k != b.handed {
            return;
        }
        b.draining = true;
        let stop = StopOnPanic(self);
        loop {
            let mut batch = Vec::new();
            let mut at = b.handed;
            while let Some(r) = b.done.remove(&at) {
                batch.push(r);
                at += 1;
            }
            if batch.is_empty() {
                b.draining = false;
                break;
            }
            drop(b);
            {
                let mut consume = self.consume.lock().expect("only the drainer locks it");
                for r in batch {
                    consume(r);
                }
            }
            b = self.lock();
            b.handed = at;
            if b.waiting > 0 {
                self.room.notify_all();
            }
        }
        drop(b);
        std::mem::forget(stop);
    }
}

/// Dropped only when `consume` panics: stop the workers, so that the
/// scope can end and the panic reach the caller.
struct StopOnPanic<'s, 'a, T: Send>(&'s Shared<'a, T>);

impl<T: Send> Drop for StopOnPanic<'_, '_, T> {
    fn drop(&mut self) {
        self.0.lock().broken = true;
        self.0.room.notify_all();
    }
}

/// Take positions until none is left (or `consume` panicked).
fn worker<'s, 'a: 's, T: Send>(scope: &'s Scope<'s, '_>, shared: &'s Shared<'a, T>) {
    loop {
        let k = shared.next.fetch_add(1, Ordering::Relaxed);
        if k >= shared.jobs.len || !shared.wait_for_room(k) {
            return;
        }
        let (result, panicked) =
            match panic::catch_unwind(AssertUnwindSafe(|| (shared.jobs.work)(k))) {
                Ok(r) => (r, false),
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    ((shared.jobs.recover)(k, msg), true)
                }
            };
        shared.finish(k, result);
        // A fresh thread takes over, if one can start; else this one goes on.
        if panicked && spawn_worker(scope, shared) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn collect(
        len: u64,
        threads: usize,
        window: u64,
        work: &(dyn Fn(u64) -> u64 + Sync),
    ) -> Vec<u64> {
        let mut seen = Vec::new();
        let jobs = Jobs {
            len,
            threads,
            window,
            work,
            recover: &|k, _| k + 1_000_000,
        };
        run_in_order(jobs, &mut |r| seen.push(r));
        seen
    }

    #[test]
    fn results_come_in_position_order_whatever_the_threads() {
        for threads in [1, 2, 5] {
            for window in [1, 3, 64] {
                // Early positions are the slowest, so they finish last.
                let work = |k: u64| {
                    let mut x = k;
                    for _ in 0..(200 - k.min(200)) * 50 {
                        x = std::hint::black_box(x.wrapping_mul(3) ^ 1);
                    }
                    std::hint::black_box(x);
                    k * 10
                };
                let got = collect(300, threads, window, &work);
                assert_eq!(got, (0..300).map(|k| k * 10).collect::<Vec<_>>());
            }
        }
        assert!(collect(0, 3, 4, &|k| k).is_empty());
    }

    /// The bound itself: while `consume` handles result `j`, at most
    /// `window` jobs have started beyond it. Collecting every result before
    /// handing any on would start all of them first.
    #[test]
    fn jobs_start_at_most_a_window_ahead_of_consume() {
        let (len, window) = (2000, 16);
        let started = AtomicU64::new(0);
        let work = |k: u64| {
            started.fetch_add(1, Ordering::SeqCst);
            k
        };
        let jobs = Jobs {
            len,
            threads: 4,
            window,
            work: &work,
            recover: &|k, _| k,
        };
        let mut worst = 0;
        let mut next = 0;
        run_in_order(jobs, &mut |k| {
            assert_eq!(k, next);
            next += 1;
            if k == 0 {
                // A slow consumer: let the workers fill the window.
                while started.load(Ordering::SeqCst) < window {
                    thread::yield_now();
                }
            }
            worst = worst.max(started.load(Ordering::SeqCst) - k);
        });
        assert_eq!(next, len);
        assert!(
            worst <= window,
            "{worst} jobs started past the one consumed"
        );
        assert_eq!(worst, window);
    }

    #[test]
    fn a_panicking_job_becomes_its_result_and_a_fresh_worker_takes_over() {
        let got = collect(50, 2, 4, &|k| {
            assert!(k % 7 != 3, "job {k}");
            k
        });
        let want: Vec<u64> = (0..50)
            .map(|k| if k % 7 == 3 { k + 1_000_000 } else { k })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_panicking_consumer_stops_the_workers_and_reaches_the_caller() {
        let calls = AtomicUsize::new(0);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let work = |k: u64| k;
            let jobs = Jobs {
                len: 100_000,
                threads: 3,
                window: 8,
                work: &work,
                recover: &|k, _| k,
            };
            run_in_order(jobs, &mut |k| {
                calls.fetch_add(1, Ordering::SeqCst);
                assert!(k < 10, "consumer gives up");
            });
        }));
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 11);
    }
}
