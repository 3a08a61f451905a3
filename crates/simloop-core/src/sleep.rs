//! `asyncio.sleep`: a future resolved by a timer, as one object.
//!
//! CPython's `sleep(delay)` creates a future, schedules
//! `futures._set_result_unless_cancelled(future, None)` with `call_later`,
//! awaits the future and cancels the timer handle on the way out. Sleeping
//! is the commonest wait, so here the future, the timer handle and its
//! callback are one allocation, [`SleepCell`], with the same life: the
//! future gets its id when CPython's would, the timer takes the same place
//! in the heap, fires, runs or is cancelled exactly as a `call_later`
//! handle, and the trace shows the same `sleep` timer, callback and future
//! events.

use std::cell::Cell;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::config::Tick;
use crate::exc::Exc;
use crate::future::{Source, Waitable};
use crate::runloop::{get_running_loop, Sim};
use crate::task::{take_throw, yield_now, yield_to_step, Stepper, Yield, YieldNow};
use crate::trace::{Event, Outcome};
use crate::waiting::Waiting;

/// A sleep's future (`loop.create_future()`) and its `TimerHandle`.
///
/// Only the task that sleeps ever sees this future, so it needs less than
/// a [`crate::Future`]: one done-callback (that task's wakeup) instead of a
/// list, and no pointer to the loop (whoever completes it has the loop at
/// hand). At 40 bytes it is a third of the general future it replaces, for
/// the commonest wait of all.
pub(crate) struct SleepCell {
    /// The future's id.
    id: u64,
    /// The task awaiting it (its only done-callback), once registered.
    waiter: Cell<Option<Rc<dyn Stepper>>>,
    /// The `CancelledError` it was cancelled with.
    cancelled_with: Cell<Option<Exc>>,
    flags: Cell<u8>,
}

/// The future is done (a result, or cancelled if `cancelled_with` is set).
const DONE: u8 = 1;
/// The timer handle's `_cancelled`.
const TIMER_CANCELLED: u8 = 2;
/// `_scheduled`: the timer is in the heap.
const SCHEDULED: u8 = 4;
/// The timer's callback ran, or was dropped by `cancel()`.
const SPENT: u8 = 8;

impl SleepCell {
    /// The label of the future, its timer and the timer's callback.
    pub(crate) const LABEL: &'static str = "sleep";

    /// A future with id `id` whose timer is about to be pushed on the heap.
    pub(crate) fn new(id: u64) -> SleepCell {
        SleepCell {
            id,
            waiter: Cell::new(None),
            cancelled_with: Cell::new(None),
            flags: Cell::new(SCHEDULED),
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags.get() & flag != 0
    }

    /// Set `flag`; was it set already?
    fn set(&self, flag: u8) -> bool {
        let old = self.flags.get();
        self.flags.set(old | flag);
        old & flag != 0
    }

    pub(crate) fn timer_cancelled(&self) -> bool {
        self.has(TIMER_CANCELLED)
    }

    pub(crate) fn unschedule(&self) {
        self.flags.set(self.flags.get() & !SCHEDULED);
    }

    /// The ready queue reached the fired timer: `Handle._run`, unless the
    /// handle was cancelled meanwhile. Returns whether it ran (and so
    /// whether a callback event belongs in the trace, which the caller has
    /// to record *before* calling [`SleepCell::set_result_unless_cancelled`]).
    pub(crate) fn take_callback(&self) -> bool {
        !self.set(SPENT) && !self.has(TIMER_CANCELLED)
    }

    /// `futures._set_result_unless_cancelled(fut, None)`.
    pub(crate) fn set_result_unless_cancelled(&self, sim: &Sim) {
        if !self.has(DONE) {
            self.finish(sim, None);
        }
    }

    /// `Future.set_result`/`cancel`: mark it done, schedule the wakeup,
    /// trace it (in `FutureCore::finish`'s order).
    fn finish(&self, sim: &Sim, cancelled: Option<Exc>) {
        let outcome = if cancelled.is_some() {
            Outcome::Cancelled
        } else {
            Outcome::Ok
        };
        self.set(DONE);
        self.cancelled_with.set(cancelled);
        if let Some(task) = self.waiter.take() {
            sim.schedule_step(task);
        }
        sim.trace(Event::FutureDone {
            future: self.id,
            label: Self::LABEL,
            outcome,
        });
    }

    fn result(&self) -> Option<Result<(), Exc>> {
        if !self.has(DONE) {
            return None;
        }
        Some(match self.cancelled_exc() {
            Some(e) => Err(e),
            None => Ok(()),
        })
    }

    /// `TimerHandle.cancel()`, as [`crate::Handle::cancel`].
    fn cancel_timer(&self) {
        if self.set(TIMER_CANCELLED) {
            return;
        }
        if self.has(SCHEDULED) {
            get_running_loop().timer_cancelled();
        }
        self.set(SPENT);
    }
}

impl Waitable for SleepCell {
    /// `Future.cancel` (nobody else holds the future to override it). Only
    /// the awaiting task cancels it, through `_fut_waiter`, so the waiter is
    /// registered and knows the loop.
    fn cancel(&self, msg: Option<Rc<str>>) -> bool {
        if self.has(DONE) {
            return false;
        }
        let waiter = self
            .waiter
            .take()
            .expect("a sleep is cancelled by its task");
        let sim = waiter.sim();
        self.waiter.set(Some(waiter));
        self.finish(&sim, Some(Exc::cancelled(msg)));
        true
    }
    fn add_wakeup(&self, task: Rc<dyn Stepper>) {
        debug_assert!(!self.has(DONE), "a task waits only on a pending sleep");
        let old = self.waiter.replace(Some(task));
        debug_assert!(old.is_none(), "only its task awaits a sleep");
    }
    fn cancelled_exc(&self) -> Option<Exc> {
        let e = self.cancelled_with.take();
        self.cancelled_with.set(e.clone());
        e
    }
    fn waiting(&self) -> Waiting {
        Waiting::Future {
            id: self.id,
            label: Self::LABEL,
        }
    }
}

impl Source for SleepCell {
    type Value = ();
    fn try_result(&self) -> Option<Result<(), Exc>> {
        self.result()
    }
}

/// `await asyncio.sleep(delay)`: `sleep(0)` yields for one pass; otherwise a
/// future resolved by a `call_later` timer that is cancelled on the way out.
/// Under the seeded policy the delay gets its jitter when the sleep starts.
pub fn sleep(delay: Tick) -> Sleep {
    Sleep(Stage::Start(delay))
}

/// The future returned by [`sleep`].
#[must_use = "sleep does nothing unless awaited"]
pub struct Sleep(Stage);

enum Stage {
    Start(Tick),
    Yield(YieldNow),
    Wait(Rc<SleepCell>),
    Done,
}

impl StdFuture for Sleep {
    type Output = Result<(), Exc>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Stage::Start(delay) = self.0 {
            self.0 = if delay == 0 {
                Stage::Yield(yield_now())
            } else {
                Stage::Wait(get_running_loop().sleep_timer(delay))
            };
        }
        match &mut self.0 {
            Stage::Yield(y) => Pin::new(y).poll(cx),
            Stage::Wait(cell) => {
                // As `Await`: a cancellation thrown in first, then the result.
                let r = match take_throw() {
                    Some(exc) => Err(exc),
                    None => match cell.result() {
                        Some(r) => r,
                        None => {
                            yield_to_step(Yield::Wait(cell.clone() as Rc<dyn Waitable>));
                            return Poll::Pending;
                        }
                    },
                };
                cell.cancel_timer();
                self.0 = Stage::Done;
                Poll::Ready(r)
            }
            Stage::Start(_) | Stage::Done => panic!("Sleep polled after completion"),
        }
    }
}
