//! Planted bugs: deliberate mistakes in the combinators, for `simloop
//! selftest` and tests only.
//!
//! Each [`Bug`] is a small `if planted::on(Bug::X) { ... }` branch at one
//! place in one combinator, imitating a real mistake (its docs say which).
//! Only a build with the cargo feature `planted` ([`AVAILABLE`]) can switch
//! them on: in every other build [`on`] is `false` and the branches compile
//! away. There, [`enable`] switches one on for the calling thread only,
//! until the returned [`Guard`] drops, so that seeds explored on several
//! threads each run with the bug their thread set (and the loop, being
//! single-threaded, sees one setting for a whole run). Nothing else
//! switches them on: no environment variable, no command-line flag but
//! `selftest`.
//!
//! ```
//! use simloop_asyncio::planted::{self, Bug};
//!
//! assert!(!planted::on(Bug::SemaphoreReleaseTwice));
//! # if planted::AVAILABLE {
//! {
//!     let _bug = planted::enable(Bug::SemaphoreReleaseTwice);
//!     assert!(planted::on(Bug::SemaphoreReleaseTwice));
//!     assert!(!planted::on(Bug::GatherCompletionOrder));
//! }
//! assert!(!planted::on(Bug::SemaphoreReleaseTwice));
//! # }
//! ```
//!
//! Not planted:
//! - a TaskGroup that does not cancel its siblings when a child fails. No
//!   invariant of a finished run can tell: the siblings run to their end
//!   (later than they should) or, if they hang, the run stalls, and explore
//!   reports the stall as a seed that did not finish, not as a broken rule
//!   that can be shrunk.
//! - a `Semaphore.locked()` that ignores the waiters (a newcomer barging
//!   past them). `_wake_up_next` hands the unit to the woken waiter
//!   (`_value -= 1`), so the only window is a second `release()` in the
//!   same tick, before the woken waiter resumes, followed by a new
//!   `acquire()`: `semaphore-bound` catches it when it happens, but the
//!   generated trees first produce it at seed 126,348 (a 9-step tree),
//!   far beyond a self-test's 10,000 seeds.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::str::FromStr;

/// A planted bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// `TaskGroup.__aexit__` stops waiting for its children once it is
    /// aborting and returns while the cancelled ones still run: the
    /// "cancel and move on" mistake of a hand-written group that calls
    /// `task.cancel()` on each child and never awaits them.
    TaskGroupNoWait,
    /// `TaskGroup._on_task_done` records only the first child error and
    /// drops the ones after it, as code that keeps `self._error = exc` (a
    /// single slot, like `gather`) instead of a list.
    TaskGroupDropsSecondError,
    /// `TaskGroup.__aexit__` reads `parent.cancelling()` where it should
    /// call `parent.uncancel()`: the uncancel that does not decrement, so
    /// the group's own cancel request on its parent is never withdrawn
    /// (3.11's leak, on every path).
    TaskGroupNoUncancel,
    /// `TaskGroup._abort` cancels its children starting at a position
    /// taken from a counter that lives across runs (a module-level
    /// `itertools.count()` used to break ties), so the same seed cancels
    /// them in another order the next time.
    TaskGroupAbortOrderLeak,
    /// `Timeout.reschedule` schedules `_on_timeout` with `call_at(when +
    /// 1)`: an off-by-one in converting a deadline to a timer.
    TimeoutFiresLate,
    /// `Semaphore._wake_up_next` wakes the newest waiter instead of the
    /// oldest (`self._waiters.pop()` for `popleft()`: a deque used as a
    /// stack), so the last to queue barges ahead of everyone waiting.
    SemaphoreWakesNewest,
    /// `Semaphore.release()` adds 2 to `_value`: a double increment, as
    /// when a refactor leaves `self._value += 1` both in `release` and in
    /// a helper it now calls.
    SemaphoreReleaseTwice,
    /// `Semaphore.release()` adds its unit but forgets `_wake_up_next()`:
    /// the waiters queued behind it stay asleep with a unit free.
    SemaphoreReleaseWakesNobody,
    /// `Event.set()` wakes only the first waiter (a `break` after the
    /// first `set_result`, as in a hand-written condition's `notify()`).
    EventSetWakesOne,
    /// `as_completed`'s `_on_completion` forgets `timeout_handle.cancel()`
    /// when the last child completes: the timer outlives the call and fires
    /// later for nothing.
    AsCompletedTimerLeft,
    /// `gather` returns its results in the order the children finished
    /// instead of the order they were given: appending in the done
    /// callback instead of indexing by position.
    GatherCompletionOrder,
}

impl Bug {
    /// Every planted bug, in the order of the self-test's table.
    pub const ALL: [Bug; 11] = [
        Bug::TaskGroupNoWait,
        Bug::TaskGroupDropsSecondError,
        Bug::TaskGroupNoUncancel,
        Bug::TaskGroupAbortOrderLeak,
        Bug::TimeoutFiresLate,
        Bug::SemaphoreWakesNewest,
        Bug::SemaphoreReleaseTwice,
        Bug::SemaphoreReleaseWakesNobody,
        Bug::EventSetWakesOne,
        Bug::AsCompletedTimerLeft,
        Bug::GatherCompletionOrder,
    ];

    /// Its name in reports: `taskgroup-no-wait`...
    pub fn name(self) -> &'static str {
        match self {
            Bug::TaskGroupNoWait => "taskgroup-no-wait",
            Bug::TaskGroupDropsSecondError => "taskgroup-drops-second-error",
            Bug::TaskGroupNoUncancel => "taskgroup-no-uncancel",
            Bug::TaskGroupAbortOrderLeak => "taskgroup-abort-order-leak",
            Bug::TimeoutFiresLate => "timeout-fires-late",
            Bug::SemaphoreWakesNewest => "semaphore-wakes-newest",
            Bug::SemaphoreReleaseTwice => "semaphore-release-twice",
            Bug::SemaphoreReleaseWakesNobody => "semaphore-release-wakes-nobody",
            Bug::EventSetWakesOne => "event-set-wakes-one",
            Bug::AsCompletedTimerLeft => "as-completed-timer-left",
            Bug::GatherCompletionOrder => "gather-completion-order",
        }
    }

    /// What it does, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Bug::TaskGroupNoWait => "TaskGroup.__aexit__ stops waiting for children once aborting",
            Bug::TaskGroupDropsSecondError => "TaskGroup keeps only the first child error",
            Bug::TaskGroupNoUncancel => {
                "TaskGroup.__aexit__ reads cancelling() instead of uncancel()"
            }
            Bug::TaskGroupAbortOrderLeak => {
                "TaskGroup._abort's order depends on a counter that outlives the run"
            }
            Bug::TimeoutFiresLate => "timeout schedules _on_timeout at when + 1",
            Bug::SemaphoreWakesNewest => "Semaphore._wake_up_next wakes the newest waiter",
            Bug::SemaphoreReleaseTwice => "Semaphore.release() adds 2",
            Bug::SemaphoreReleaseWakesNobody => "Semaphore.release() forgets _wake_up_next()",
            Bug::EventSetWakesOne => "Event.set() wakes only the first waiter",
            Bug::AsCompletedTimerLeft => "as_completed never cancels its timeout timer",
            Bug::GatherCompletionOrder => "gather returns results in completion order",
        }
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bug {
    type Err = String;
    fn from_str(s: &str) -> Result<Bug, String> {
        Bug::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown planted bug {s:?}"))
    }
}

/// Was this build made with the planted bugs (the cargo feature
/// `planted`)? Without them [`enable`] changes nothing.
pub const AVAILABLE: bool = cfg!(feature = "planted");

thread_local! {
    /// The bug switched on in this thread, if any.
    static ACTIVE: Cell<Option<Bug>> = const { Cell::new(None) };
    /// [`Bug::TaskGroupAbortOrderLeak`]'s counter: never reset, it leaks
    /// from one run to the next on the same thread.
    static LEAK: Cell<u64> = const { Cell::new(0) };
}

/// Is `bug` switched on in this thread? Never in a build without
/// [`AVAILABLE`] planted bugs.
#[inline(always)]
pub fn on(bug: Bug) -> bool {
    AVAILABLE && ACTIVE.with(Cell::get) == Some(bug)
}

/// The bug switched on in this thread, if any.
pub fn active() -> Option<Bug> {
    ACTIVE.with(Cell::get).filter(|_| AVAILABLE)
}

/// Switch `bug` on in this thread (and any other off) until the guard
/// drops. Changes nothing unless the build has them ([`AVAILABLE`]).
pub fn enable(bug: Bug) -> Guard {
    set(Some(bug))
}

/// Switch every bug off in this thread until the guard drops (to run the
/// real combinators next to a bugged run).
pub fn disable() -> Guard {
    set(None)
}

fn set(bug: Option<Bug>) -> Guard {
    Guard {
        prev: ACTIVE.with(|a| a.replace(bug)),
        _thread: PhantomData,
    }
}

/// Restores this thread's previous setting when dropped. Not `Send`: it
/// belongs to the thread whose setting it changed.
#[must_use = "the bug is switched off again when the guard drops"]
pub struct Guard {
    prev: Option<Bug>,
    _thread: PhantomData<Rc<()>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.prev));
    }
}

/// The next value of [`Bug::TaskGroupAbortOrderLeak`]'s counter.
pub(crate) fn leaked_counter() -> u64 {
    LEAK.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    })
}

#[cfg(all(test, feature = "planted"))]
mod tests {
    use super::*;

    #[test]
    fn guards_nest_and_restore() {
        assert_eq!(active(), None);
        let a = enable(Bug::TimeoutFiresLate);
        {
            let _off = disable();
            assert_eq!(active(), None);
            let _b = enable(Bug::SemaphoreWakesNewest);
            assert!(on(Bug::SemaphoreWakesNewest));
        }
        assert!(on(Bug::TimeoutFiresLate));
        drop(a);
        assert_eq!(active(), None);
    }

    #[test]
    fn the_setting_is_per_thread() {
        let _bug = enable(Bug::TaskGroupNoWait);
        std::thread::spawn(|| assert_eq!(active(), None))
            .join()
            .unwrap();
        assert!(on(Bug::TaskGroupNoWait));
    }

    #[test]
    fn names_parse_back() {
        for b in Bug::ALL {
            assert_eq!(b.name().parse::<Bug>(), Ok(b));
        }
    }
}
