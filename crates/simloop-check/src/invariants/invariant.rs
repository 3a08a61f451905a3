//! The named rules: [`Invariant`], its names on the command line and in
//! reports, and its rule in one line.
//!
//! Separate from the checks because it is the vocabulary everything else
//! speaks: the CLI parses it, reports and the self-test count by it, and
//! each check module implements one of its variants.

use std::fmt;
use std::str::FromStr;

/// A named rule about a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    /// `no-orphans`: when a `TaskGroup` scope exits (its `__aexit__`
    /// returns or raises), every child created with `tg.create_task` is
    /// done. Children of `gather`, `wait` and `as_completed` still running
    /// when those hand control back are *findings*, not violations (those
    /// combinators do not own their children), unless findings are denied
    /// ([`Checks::deny_findings`](crate::Checks::deny_findings)).
    NoOrphans,
    /// `errors-collected`: when a `task_group` scope exits, let E be the
    /// multiset of exceptions, by identity ([`Exc::same`](simloop_core::Exc::same)), made of each
    /// child's exception if it ended with one that is not a
    /// `CancelledError`, plus the body's exception if it is not a
    /// `CancelledError`. If E is empty, `__aexit__` raises no exception
    /// group. Otherwise it raises an exception group whose members are
    /// exactly E: none lost, none duplicated, none added. Exempt: the scope
    /// raised a base error (`SystemExit`, `KeyboardInterrupt`), which takes
    /// precedence over the group.
    ErrorsCollected,
    /// `cancel-balance`: when a `task_group` or `timeout` scope exits, its
    /// owner's `cancelling()` equals its value at entry, plus the cancel
    /// requests made on the owner during the scope by anyone but scope
    /// machinery (the owner's `cancel_requests()` delta minus the requests
    /// of this scope's own machinery and of the scopes nested in it in the
    /// same task: a TaskGroup's `parent.cancel()`, a timeout's
    /// `task.cancel()`), minus the owner's own `uncancel` steps during the
    /// scope. An `uncancel` step subtracts 1 from that running total only
    /// if it is positive at that point (`uncancel()` withdraws nothing when
    /// nothing is left to withdraw; requests counted up to the step).
    /// In other words, scope machinery withdraws exactly the requests it
    /// made; except that a TaskGroup raising a base error (`SystemExit`,
    /// `KeyboardInterrupt`) keeps its request, which CPython's `__aexit__`
    /// never withdraws: from then on it counts as an outside request. CPython 3.11 and 3.12 break it (the TaskGroup's `uncancel()`
    /// runs before waiting for the children, so a child failing later
    /// leaves its parent's cancel counted); 3.13 fixed it.
    ///
    /// A break is a *finding*, not a violation, when an `uncancel` step of
    /// the owner found no outside request left to withdraw: it withdrew a
    /// request of the scope machinery, which `uncancel()`'s contract ("called
    /// by the party that called `cancel()`") forbids, so the scope's
    /// guarantee no longer holds. Even 3.13 then loses a cancellation (a
    /// timeout's `__aexit__` consumes a TaskGroup's abort).
    CancelBalance,
    /// `deadline`: a `timeout` that fires (its `_on_timeout` runs) fires at
    /// exactly the tick its deadline was due (entry tick + delay, or the
    /// deadline of its last `reschedule`; a deadline already past when set
    /// is due at once), never earlier or later; and a `TimeoutError` that
    /// the `async with` raises and that is not the body's own exception
    /// (the one `__aexit__` raises) means it fired.
    Deadline,
    /// `semaphore-bound`: the number of holders of a semaphore (`acquire`
    /// steps between a successful `acquire()` and their `release()`) never
    /// exceeds its initial value; and the calls to `acquire()` that succeed
    /// acquire in the order they were called (FIFO: no later call barges
    /// ahead of an earlier one that also succeeds).
    SemaphoreBound,
    /// `result-order`: a `gather` that returns gives one item per child in
    /// input order, item *i* being child *i*'s outcome (the gather records
    /// which child each item came from; with `return_exceptions`, the very
    /// exception it raised, or a cancellation if it was cancelled). An
    /// `as_completed` hands out its task children in the order they
    /// finished ([`TaskRef::done_index`](simloop_core::TaskRef::done_index)),
    /// except that those already done when it registered its callbacks come
    /// first, in any order.
    ResultOrder,
    /// `no-lost-wakeup`: whenever the loop has nothing ready (it is about
    /// to move the clock to the next timer, or it stalls), no semaphore
    /// has both a free unit (its initial value less the holders) and a
    /// task still waiting in `acquire()`, and no event is set while a task
    /// still waits in its `wait()`: `release()` hands a unit to the first
    /// waiter and `set()` wakes every waiter, which are then ready, so the
    /// loop cannot be idle with both. A deliberate `hang` waits on neither
    /// and is not concerned; a waiter that gives up (cancelled) stops
    /// waiting.
    NoLostWakeup,
    /// `timers-cancelled`: the timer a combinator sets does not outlive
    /// the call: a `wait`'s `timeout=` timer is cancelled (or has run)
    /// when the wait returns or raises, an `as_completed`'s once it has
    /// handed out every child, and a `timeout` block's timer never runs
    /// after the block exited.
    TimersCancelled,
    /// `no-deadlock`: the run ends with every task done. A loop that stalls
    /// (nothing ready, no timer left) while `main` runs, or after the
    /// shutdown cancelled the orphans, breaks it, naming each task that
    /// could never finish and what it waits on. Off for explore's
    /// generated trees (they hang on purpose); on for users' programs.
    NoDeadlock,
    /// `determinism`: running the same scenario with the same seed and
    /// profile again gives the same trace hash (and so, byte for byte, the
    /// same trace).
    Determinism,
}

impl Invariant {
    /// Every invariant, in the order of the report table.
    pub const ALL: [Invariant; 10] = [
        Invariant::NoOrphans,
        Invariant::ErrorsCollected,
        Invariant::CancelBalance,
        Invariant::Deadline,
        Invariant::SemaphoreBound,
        Invariant::ResultOrder,
        Invariant::NoLostWakeup,
        Invariant::TimersCancelled,
        Invariant::NoDeadlock,
        Invariant::Determinism,
    ];

    /// Its name on the command line and in reports: `cancel-balance`...
    pub fn name(self) -> &'static str {
        match self {
            Invariant::NoOrphans => "no-orphans",
            Invariant::ErrorsCollected => "errors-collected",
            Invariant::CancelBalance => "cancel-balance",
            Invariant::Deadline => "deadline",
            Invariant::SemaphoreBound => "semaphore-bound",
            Invariant::ResultOrder => "result-order",
            Invariant::NoLostWakeup => "no-lost-wakeup",
            Invariant::TimersCancelled => "timers-cancelled",
            Invariant::NoDeadlock => "no-deadlock",
            Invariant::Determinism => "determinism",
        }
    }

    /// The rule in one line (the variant's docs have it in full).
    pub fn rule(self) -> &'static str {
        match self {
            Invariant::NoOrphans => "no TaskGroup child is still running when its scope exits",
            Invariant::ErrorsCollected => {
                "a TaskGroup raises each non-cancellation error of its children and body exactly once"
            }
            Invariant::CancelBalance => {
                "at scope exit, cancelling() = entry + outside requests - own uncancels"
            }
            Invariant::Deadline => {
                "a timeout fires exactly at its deadline; its TimeoutError only if it fired"
            }
            Invariant::SemaphoreBound => "holders <= limit; acquisitions in call order (FIFO)",
            Invariant::ResultOrder => {
                "gather in input order; as_completed in completion order"
            }
            Invariant::NoLostWakeup => {
                "an idle loop leaves no task waiting on a free semaphore or a set event"
            }
            Invariant::TimersCancelled => "a combinator's timer does not outlive its call",
            Invariant::NoDeadlock => "every task finishes: the loop never stalls",
            Invariant::Determinism => "the same seed gives the same trace hash",
        }
    }
}

/// [`Invariant::ALL`] lists the variants in declaration order, so that a
/// variant's discriminant is its index there.
const _: () = {
    let mut i = 0;
    while i < Invariant::ALL.len() {
        assert!(Invariant::ALL[i] as usize == i);
        i += 1;
    }
};

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Invariant {
    type Err = String;
    fn from_str(s: &str) -> Result<Invariant, String> {
        Invariant::ALL
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| format!("unknown invariant {s:?}"))
    }
}
