//! Handles: what the ready queue and the timer heap hold.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::config::Tick;
use crate::heapq::HeapItem;
use crate::sleep::SleepCell;
use crate::task::Stepper;

/// An entry of the ready queue. Task steps and plain callbacks need no
/// allocation of a cancellable handle; only `call_soon_handle` and timers do.
pub(crate) enum Ready {
    /// `Task.__step` (first step, after a bare yield, or `__wakeup`).
    Step(Rc<dyn Stepper>),
    /// A callback nobody can cancel.
    Call(Box<dyn Call>),
    /// A cancellable handle (a fired timer, or `call_soon_handle`).
    Handle(Rc<HandleCell>),
    /// A fired `sleep` timer, whose handle is part of the sleep's future.
    Sleep(Rc<SleepCell>),
}

/// A callback and its label in one allocation (a ready-queue entry or a
/// done-callback stays two words).
pub(crate) trait Call {
    fn label(&self) -> &'static str;
    fn call(self: Box<Self>);
}

struct Labeled<F> {
    label: &'static str,
    f: F,
}

impl<F: FnOnce()> Call for Labeled<F> {
    fn label(&self) -> &'static str {
        self.label
    }
    fn call(self: Box<Self>) {
        (self.f)()
    }
}

/// Box `f` with its label.
pub(crate) fn call(label: &'static str, f: impl FnOnce() + 'static) -> Box<dyn Call> {
    Box::new(Labeled { label, f })
}

pub(crate) struct HandleCell {
    pub(crate) label: &'static str,
    pub(crate) when: Tick,
    callback: RefCell<Option<Box<dyn FnOnce()>>>,
    cancelled: Cell<bool>,
    /// In the timer heap (CPython's `TimerHandle._scheduled`).
    pub(crate) scheduled: Cell<bool>,
    /// The loop's `_timer_cancelled_count`, for timers.
    cancelled_count: Option<Rc<Cell<usize>>>,
}

impl HandleCell {
    pub(crate) fn new(
        label: &'static str,
        when: Tick,
        callback: Box<dyn FnOnce()>,
        cancelled_count: Option<Rc<Cell<usize>>>,
    ) -> HandleCell {
        HandleCell {
            label,
            when,
            callback: RefCell::new(Some(callback)),
            cancelled: Cell::new(false),
            scheduled: Cell::new(false),
            cancelled_count,
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    pub(crate) fn take_callback(&self) -> Option<Box<dyn FnOnce()>> {
        self.callback.borrow_mut().take()
    }

    /// `Handle.cancel` / `TimerHandle.cancel`: a cancelled timer still in the
    /// heap is counted, because CPython purges the heap (and so reorders
    /// ties) once more than half of 100+ timers are cancelled.
    fn cancel(&self) {
        if self.cancelled.replace(true) {
            return;
        }
        if let Some(count) = &self.cancelled_count {
            if self.scheduled.get() {
                count.set(count.get() + 1);
            }
        }
        // Drop the callback now, as CPython does, to free what it holds.
        self.callback.borrow_mut().take();
    }
}

/// A timer in the heap: a handle from `call_at`, or a `sleep`'s own.
pub(crate) enum Timer {
    Handle(Rc<HandleCell>),
    Sleep(Rc<SleepCell>),
}

/// An entry of the timer heap. The deadline is copied next to the timer so
/// that sifting compares without following a pointer per comparison.
pub(crate) struct TimerEntry {
    pub(crate) when: Tick,
    pub(crate) timer: Timer,
}

impl TimerEntry {
    pub(crate) fn is_cancelled(&self) -> bool {
        match &self.timer {
            Timer::Handle(h) => h.is_cancelled(),
            Timer::Sleep(s) => s.timer_cancelled(),
        }
    }

    /// Out of the heap: `_scheduled = False`.
    pub(crate) fn unschedule(&self) {
        match &self.timer {
            Timer::Handle(h) => h.scheduled.set(false),
            Timer::Sleep(s) => s.unschedule(),
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        match &self.timer {
            Timer::Handle(h) => h.label,
            Timer::Sleep(_) => SleepCell::LABEL,
        }
    }

    pub(crate) fn into_ready(self) -> Ready {
        match self.timer {
            Timer::Handle(h) => Ready::Handle(h),
            Timer::Sleep(s) => Ready::Sleep(s),
        }
    }
}

impl HeapItem for TimerEntry {
    /// `TimerHandle.__lt__`: by deadline only.
    fn lt(&self, other: &Self) -> bool {
        self.when < other.when
    }
}

/// A callback scheduled with `call_soon_handle`, `call_at` or `call_later`,
/// which can be cancelled before it runs.
#[derive(Clone)]
#[must_use = "dropping a Handle does not cancel it; keep it to be able to cancel"]
pub struct Handle(pub(crate) Rc<HandleCell>);

impl Handle {
    /// Cancel the callback; a no-op if it already ran or was cancelled.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Was it cancelled?
    pub fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Its deadline (timers) or the time it was scheduled.
    pub fn when(&self) -> Tick {
        self.0.when
    }
}
