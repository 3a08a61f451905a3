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
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::config::Tick;
use crate::exc::Exc;
use crate::future::{Callback, FutureCore, Source, State, Waitable};
use crate::runloop::{get_running_loop, LoopInner};
use crate::task::{take_throw, yield_now, yield_to_step, Yield, YieldNow};
use crate::trace::Event;

/// A sleep's future (`loop.create_future()`) and its `TimerHandle`.
pub(crate) struct SleepCell {
    core: FutureCore<()>,
    /// The future's id.
    id: u64,
    /// The timer handle's `_cancelled`.
    cancelled: Cell<bool>,
    /// `_scheduled`: in the timer heap.
    scheduled: Cell<bool>,
    /// The callback ran, or was dropped by `cancel()`.
    spent: Cell<bool>,
}

impl SleepCell {
    /// The label of the future, its timer and the timer's callback.
    pub(crate) const LABEL: &'static str = "sleep";

    /// A future with id `id` whose timer is about to be pushed on the heap.
    pub(crate) fn new(lp: Weak<LoopInner>, id: u64) -> SleepCell {
        SleepCell {
            core: FutureCore::new(lp),
            id,
            cancelled: Cell::new(false),
            scheduled: Cell::new(true),
            spent: Cell::new(false),
        }
    }

    pub(crate) fn timer_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    pub(crate) fn unschedule(&self) {
        self.scheduled.set(false);
    }

    /// The ready queue reached the fired timer: `Handle._run`, unless the
    /// handle was cancelled meanwhile. Returns whether it ran (and so
    /// whether a callback event belongs in the trace, which the caller has
    /// to record *before* calling [`SleepCell::set_result_unless_cancelled`]).
    pub(crate) fn take_callback(&self) -> bool {
        !self.spent.replace(true) && !self.cancelled.get()
    }

    /// `futures._set_result_unless_cancelled(fut, None)`.
    pub(crate) fn set_result_unless_cancelled(&self) {
        if !self.core.done() {
            self.core.finish(State::Done(Ok(())));
            self.trace_done();
        }
    }

    fn trace_done(&self) {
        let outcome = self.core.outcome().expect("done");
        self.core.sim().trace(Event::FutureDone {
            future: self.id,
            label: Self::LABEL,
            outcome,
        });
    }

    /// `TimerHandle.cancel()`, as [`crate::Handle::cancel`].
    fn cancel_timer(&self) {
        if self.cancelled.replace(true) {
            return;
        }
        if self.scheduled.get() {
            if let Some(lp) = self.core.lp.upgrade() {
                lp.timer_cancelled();
            }
        }
        self.spent.set(true);
    }
}

impl Waitable for SleepCell {
    /// `Future.cancel` (nobody else holds the future to override it).
    fn cancel(&self, msg: Option<Rc<str>>) -> bool {
        if self.core.done() {
            return false;
        }
        self.core.finish(State::Cancelled(Exc::cancelled(msg)));
        self.trace_done();
        true
    }
    fn add_wakeup(&self, cb: Callback) {
        self.core.add_callback(cb);
    }
    fn cancelled_exc(&self) -> Option<Exc> {
        match &*self.core.state.borrow() {
            State::Cancelled(e) => Some(e.clone()),
            _ => None,
        }
    }
    fn describe(&self) -> String {
        format!("future #{} ({})", self.id, Self::LABEL)
    }
}

impl Source for SleepCell {
    type Value = ();
    fn try_result(&self) -> Option<Result<(), Exc>> {
        self.core.result()
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
                    None => match cell.core.result() {
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
