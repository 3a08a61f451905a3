//! The part of `asyncio.Queue` (`Lib/asyncio/queues.py`) that `as_completed`
//! needs: an unbounded FIFO with `put_nowait` and `get`.
//!
//! Identical in 3.11, 3.12 and 3.13 for this subset (3.13 adds `shutdown`,
//! which `as_completed` never calls). An unbounded queue is never full, so
//! `_putters` stays empty and `get_nowait`'s `_wakeup_next(self._putters)`
//! does nothing; both are left out. `_unfinished_tasks` and `_finished`
//! (`task_done`/`join`) schedule nothing and are left out too.

use std::cell::RefCell;
use std::collections::VecDeque;

use simloop_core::{get_running_loop, Exc, Future};

/// `asyncio.Queue(maxsize=0)`.
pub(crate) struct Queue<T> {
    /// `_queue`.
    items: RefCell<VecDeque<T>>,
    /// `_getters`: one future per `get()` waiting for an item, oldest first.
    getters: RefCell<VecDeque<Future<()>>>,
}

impl<T: 'static> Queue<T> {
    pub(crate) fn new() -> Queue<T> {
        Queue {
            items: RefCell::new(VecDeque::new()),
            getters: RefCell::new(VecDeque::new()),
        }
    }

    /// `empty()`.
    fn empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    /// `_wakeup_next(self._getters)`: resolve the oldest getter that is not
    /// done (a cancelled one is dropped on the way).
    fn wakeup_next(&self) {
        loop {
            let Some(waiter) = self.getters.borrow_mut().pop_front() else {
                return;
            };
            if !waiter.done() {
                waiter.set_result(());
                return;
            }
        }
    }

    /// `put_nowait(item)`: append, then wake the next getter.
    pub(crate) fn put_nowait(&self, item: T) {
        self.items.borrow_mut().push_back(item);
        self.wakeup_next();
    }

    /// `get_nowait()` on a queue known not to be empty.
    fn get_nowait(&self) -> T {
        self.items.borrow_mut().pop_front().expect("QueueEmpty")
    }

    /// `await get()`: while the queue is empty, wait on a fresh getter future.
    pub(crate) async fn get(&self) -> Result<T, Exc> {
        while self.empty() {
            let getter = get_running_loop().create_future::<()>("Queue.get");
            self.getters.borrow_mut().push_back(getter.clone());
            if let Err(exc) = (&getter).await {
                // `except:` -- only a CancelledError can arrive here.
                getter.cancel(None); // Just in case getter is not done yet.
                {
                    // Clean self._getters from canceled getters (it may have
                    // been popped already by put_nowait).
                    let mut getters = self.getters.borrow_mut();
                    if let Some(i) = getters.iter().position(|g| g.same(&getter)) {
                        getters.remove(i);
                    }
                }
                if !self.empty() && !getter.cancelled() {
                    // Woken by put_nowait() but can't take the item: wake the
                    // next in line.
                    self.wakeup_next();
                }
                return Err(exc);
            }
        }
        Ok(self.get_nowait())
    }
}
