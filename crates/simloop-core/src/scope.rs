//! The structured-concurrency vocabulary of the trace: what the combinators
//! record about their scopes, for checks and pictures.
//!
//! The loop never records these; asyncio's combinators do, from their own
//! code paths (`TaskGroup.__aenter__`, `Timeout._on_timeout`,
//! `gather`'s result, a semaphore's `acquire()`...), so every program that
//! uses them gets them, whoever wrote it. They are typed: a checker or a
//! picture matches on [`ScopeEvent`], never on a label.
//!
//! A *scope* is a combinator's object that the events name by a
//! [`ScopeId`], numbered per loop in creation order: a task group, a
//! timeout, one `gather`, `wait` or `as_completed`, a semaphore. The scope
//! machinery's own cancel requests and `uncancel()` calls on a task carry
//! the scope's id ([`TaskRef::cancel_by`](crate::TaskRef::cancel_by),
//! [`TaskRef::uncancel_by`](crate::TaskRef::uncancel_by)), so that a
//! checker can tell them from everybody else's.

use std::fmt;

use crate::config::Tick;
use crate::exc::Exc;
use crate::trace::{Outcome, TaskId};

/// A combinator's object, numbered per loop in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId(pub u32);

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A child of `gather`, `wait` or `as_completed`: a task, or a plain
/// future by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FutureRef {
    /// A task.
    Task(TaskId),
    /// A future that is not a task, by its id.
    Future(u64),
}

impl FutureRef {
    /// The task, if it is one.
    pub fn task(self) -> Option<TaskId> {
        match self {
            FutureRef::Task(t) => Some(t),
            FutureRef::Future(_) => None,
        }
    }
}

/// `asyncio.wait`'s `return_when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ReturnWhen {
    /// `ALL_COMPLETED`, the default: return when all are done.
    #[default]
    AllCompleted,
    /// `FIRST_COMPLETED`: return when any child finishes or is cancelled.
    FirstCompleted,
    /// `FIRST_EXCEPTION`: return when any child raises (not when one is
    /// cancelled), or when all are done.
    FirstException,
}

impl ReturnWhen {
    /// Every value.
    pub const ALL: [ReturnWhen; 3] = [
        ReturnWhen::AllCompleted,
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
    ];

    /// CPython's constant: `ALL_COMPLETED`...
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnWhen::AllCompleted => "ALL_COMPLETED",
            ReturnWhen::FirstCompleted => "FIRST_COMPLETED",
            ReturnWhen::FirstException => "FIRST_EXCEPTION",
        }
    }

    /// The value named `name`, if any.
    pub fn from_name(name: &str) -> Option<ReturnWhen> {
        ReturnWhen::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for ReturnWhen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The end of a `TaskGroup` or `timeout` block: `__aexit__` returned or
/// raised, in its owner's step.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeExit {
    /// The group or timeout.
    pub scope: ScopeId,
    /// The task that entered it.
    pub owner: TaskId,
    /// The owner's `cancelling()` right after `__aexit__`.
    pub cancelling: u32,
    /// The exception the block's body ended with, handed to `__aexit__`.
    pub body_error: Option<Exc>,
    /// What `__aexit__` raised (it replaces the body's exception).
    pub exit_error: Option<Exc>,
    /// A task group's children not done when `__aexit__` returned (never
    /// any in CPython); empty for a timeout.
    pub pending: Vec<TaskId>,
}

impl ScopeExit {
    /// The exception the whole `async with` raised: `__aexit__`'s, else
    /// the body's.
    pub fn raised(&self) -> Option<&Exc> {
        self.exit_error.as_ref().or(self.body_error.as_ref())
    }
}

/// Which combinator a [`Start`] and its end belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Combinator {
    /// `asyncio.gather(*children, return_exceptions=...)`.
    Gather {
        /// `return_exceptions`.
        return_exceptions: bool,
    },
    /// `asyncio.wait(children, return_when=..., timeout=...)`.
    Wait {
        /// `return_when`.
        return_when: ReturnWhen,
        /// `timeout`, in ticks.
        timeout: Option<Tick>,
    },
    /// `asyncio.as_completed(children, timeout=...)`.
    AsCompleted {
        /// `timeout`, in ticks.
        timeout: Option<Tick>,
    },
}

impl Combinator {
    /// How it is written: `gather`, `wait`, `as_completed`.
    pub fn name(self) -> &'static str {
        match self {
            Combinator::Gather { .. } => "gather",
            Combinator::Wait { .. } => "wait",
            Combinator::AsCompleted { .. } => "as_completed",
        }
    }
}

/// A `gather`, `wait` or `as_completed` was called.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    /// Its scope.
    pub scope: ScopeId,
    /// Which, with its arguments.
    pub combinator: Combinator,
    /// The task that called it.
    pub owner: Option<TaskId>,
    /// Its children, in argument order (duplicates included).
    pub children: Vec<FutureRef>,
}

/// One item of a `gather`'s result: which child it came from, and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The child whose outcome the gather put here.
    pub from: FutureRef,
    /// That outcome as the item holds it (with `return_exceptions`, an
    /// exception or a cancellation).
    pub outcome: Outcome,
}

/// A `gather`, `wait` or `as_completed` handed control back to the task
/// that awaited it: the await of a `gather` or `wait` returned or raised,
/// or the `as_completed` iterator was dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct End {
    /// Its scope.
    pub scope: ScopeId,
    /// The task it returned to.
    pub owner: Option<TaskId>,
    /// A `gather`'s items in the order it gave them (`None` if it raised,
    /// and for `wait` and `as_completed`).
    pub items: Option<Vec<Item>>,
    /// A `wait`'s done set (empty for the others).
    pub done: Vec<FutureRef>,
    /// What the await raised, if anything.
    pub raised: Option<Exc>,
    /// The children that are tasks and not done: they outlive the call
    /// (a *scope escape*).
    pub pending: Vec<TaskId>,
}

/// What happened to a combinator's timer ([`ScopeEvent::Timer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerState {
    /// Scheduled, due at this tick.
    Set(Tick),
    /// Cancelled before it ran.
    Cancelled,
    /// Its callback ran.
    Fired,
}

/// What the combinators record. See the [module docs](self).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ScopeEvent {
    /// `TaskGroup.__aenter__` returned.
    TaskGroupEnter {
        /// The group.
        group: ScopeId,
        /// The task that entered it (its parent task).
        owner: TaskId,
        /// The owner's `cancelling()` at entry.
        cancelling: u32,
    },
    /// `tg.create_task` made a child.
    TaskGroupChild {
        /// The group.
        group: ScopeId,
        /// The child.
        task: TaskId,
    },
    /// `TaskGroup.__aexit__` returned or raised.
    TaskGroupExit(Box<ScopeExit>),
    /// `Timeout.__aenter__` returned.
    TimeoutEnter {
        /// The timeout.
        timeout: ScopeId,
        /// The task that entered it.
        owner: TaskId,
        /// Its deadline (`None`: never).
        deadline: Option<Tick>,
        /// The owner's `cancelling()` at entry.
        cancelling: u32,
    },
    /// `Timeout.reschedule(when)` moved the deadline of an entered timeout.
    TimeoutReschedule {
        /// The timeout.
        timeout: ScopeId,
        /// The new deadline.
        deadline: Option<Tick>,
    },
    /// `Timeout._on_timeout` ran: it is about to cancel its task.
    TimeoutFired {
        /// The timeout.
        timeout: ScopeId,
        /// Its task.
        task: TaskId,
    },
    /// `Timeout.__aexit__` returned or raised.
    TimeoutExit(Box<ScopeExit>),
    /// A `gather`, `wait` or `as_completed` was called.
    Start(Box<Start>),
    /// `as_completed` registered its callbacks (on 3.13 when it is made,
    /// before on its first `next()`): the children already done then are
    /// handed out first, in set order, before any other in completion
    /// order.
    Registered {
        /// The `as_completed`.
        scope: ScopeId,
        /// The children already done.
        done: Vec<FutureRef>,
    },
    /// `as_completed` handed out its next child (`None`: the timeout's
    /// `TimeoutError`).
    Next {
        /// The `as_completed`.
        scope: ScopeId,
        /// The child whose outcome it gives.
        child: Option<FutureRef>,
    },
    /// A `gather`, `wait` or `as_completed` handed control back.
    End(Box<End>),
    /// A semaphore was first used on this loop.
    SemaphoreNew {
        /// The semaphore.
        sem: ScopeId,
        /// Its initial value: the most holders it allows.
        value: u64,
        /// Its name, if it has one.
        name: Option<std::rc::Rc<str>>,
    },
    /// `acquire()` was called. If the caller queues (`waits`), a
    /// [`SemaphoreAcquired`](ScopeEvent::SemaphoreAcquired) or
    /// [`SemaphoreGaveUp`](ScopeEvent::SemaphoreGaveUp) follows; if not, it
    /// took a unit at once and this one event says so (the common case
    /// costs one event, not two).
    SemaphoreCall {
        /// The semaphore.
        sem: ScopeId,
        /// The caller.
        task: Option<TaskId>,
        /// It had to wait (the semaphore was locked); `false`: it acquired.
        waits: bool,
    },
    /// An `acquire()` that waited succeeded.
    SemaphoreAcquired {
        /// The semaphore.
        sem: ScopeId,
        /// The caller.
        task: Option<TaskId>,
    },
    /// `release()` was called.
    SemaphoreReleased {
        /// The semaphore.
        sem: ScopeId,
        /// The task that released it.
        task: Option<TaskId>,
    },
    /// An `acquire()` call that waited ended without acquiring (its task
    /// was cancelled, or the wait failed): it is no longer waiting.
    SemaphoreGaveUp {
        /// The semaphore.
        sem: ScopeId,
        /// The task that called.
        task: Option<TaskId>,
    },
    /// An `asyncio.Event` was used for the first time in this loop.
    EventNew {
        /// Its id.
        event: ScopeId,
        /// Its name, if it has one.
        name: Option<std::rc::Rc<str>>,
    },
    /// `set()` (`set: true`) or `clear()` (`set: false`) was called.
    EventFlag {
        /// The event.
        event: ScopeId,
        /// Whether it is set now.
        set: bool,
    },
    /// A `wait()` call suspended (`waits: true`), or a suspended one
    /// resumed, woken or cancelled (`waits: false`).
    EventWait {
        /// The event.
        event: ScopeId,
        /// The task that called.
        task: Option<TaskId>,
        /// Suspending, or resuming.
        waits: bool,
    },
    /// The timer of a `wait` or `as_completed` call (its `timeout=`) was
    /// scheduled, cancelled, or ran.
    Timer {
        /// The call's scope.
        scope: ScopeId,
        /// What happened to it.
        state: TimerState,
    },
}

impl ScopeEvent {
    /// The task that took a semaphore's unit with this event, if it is an
    /// acquisition by a task: a [`SemaphoreAcquired`](ScopeEvent::SemaphoreAcquired),
    /// or a [`SemaphoreCall`](ScopeEvent::SemaphoreCall) that did not wait.
    pub fn acquirer(&self) -> Option<TaskId> {
        match self {
            ScopeEvent::SemaphoreAcquired { task, .. }
            | ScopeEvent::SemaphoreCall {
                task, waits: false, ..
            } => *task,
            _ => None,
        }
    }

    /// The task whose lane the event belongs to, if any.
    pub fn task(&self) -> Option<TaskId> {
        match self {
            ScopeEvent::TaskGroupEnter { owner, .. } | ScopeEvent::TimeoutEnter { owner, .. } => {
                Some(*owner)
            }
            ScopeEvent::TaskGroupChild { .. }
            | ScopeEvent::TimeoutReschedule { .. }
            | ScopeEvent::Next { .. }
            | ScopeEvent::Registered { .. }
            | ScopeEvent::SemaphoreNew { .. } => None,
            ScopeEvent::TaskGroupExit(x) | ScopeEvent::TimeoutExit(x) => Some(x.owner),
            ScopeEvent::TimeoutFired { task, .. } => Some(*task),
            ScopeEvent::Start(s) => s.owner,
            ScopeEvent::End(e) => e.owner,
            ScopeEvent::SemaphoreCall { task, .. }
            | ScopeEvent::SemaphoreAcquired { task, .. }
            | ScopeEvent::SemaphoreReleased { task, .. }
            | ScopeEvent::SemaphoreGaveUp { task, .. }
            | ScopeEvent::EventWait { task, .. } => *task,
            ScopeEvent::Timer { .. }
            | ScopeEvent::EventNew { .. }
            | ScopeEvent::EventFlag { .. } => None,
        }
    }
}
