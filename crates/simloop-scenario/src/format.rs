//! The scenario format v1 as Rust types.
//!
//! These types mirror the JSON of `docs/scenario-format.md` one to one:
//! a [`Scenario`] holds the body of `main`, a [`Block`] of [`Step`]s, and
//! every step that creates tasks holds [`Child`]ren. A value of these types
//! can hold things the format forbids (a `return` that is not last, a float
//! in a `return`, a `wait` with no child); [`validate`](crate::validate)
//! rejects them, and the parsers call it, so a parsed scenario is valid.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use simloop_core::{Start, TaskFactory};

/// One scenario: a task tree and its setting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scenario {
    /// A short identifier (`"gather-ghost"`).
    pub name: Option<String>,
    /// Free prose for humans.
    pub description: Option<String>,
    /// `asyncio.Semaphore(n)` objects by name, created before `main`.
    pub semaphores: BTreeMap<String, u64>,
    /// The names in `semaphores` declared `{"value": n, "bounded": true}`:
    /// `asyncio.BoundedSemaphore(n)`, whose extra `release` raises
    /// `ValueError`.
    pub bounded: BTreeSet<String>,
    /// `asyncio.Event()` objects by name, created before `main` (after the
    /// semaphores), used by `event_set`, `event_wait` and `event_clear`.
    pub events: BTreeSet<String>,
    /// `loop.create_future()` objects by name, created before `main`
    /// (after the events): resolved by `future_set`, `future_fail` and
    /// `future_cancel`, awaited by `await_future`, and named in
    /// `gather_tasks` and `wait_tasks`.
    pub futures: BTreeSet<String>,
    /// `"task_factory": "eager"`: `loop.set_task_factory(
    /// asyncio.eager_task_factory)` before `main` starts (3.12+).
    pub task_factory: TaskFactory,
    /// The body of the root task, named `main`.
    pub main: Block,
    /// Any subset of the outcome fields, kept as JSON: the format does not
    /// interpret it; the checks compare it with the outcome. Always an
    /// object in a valid scenario.
    pub expect: Option<Value>,
    /// Added to v1: expectations that hold only under one CPython
    /// profile (`py311`, `py312`, `py313`), checked in addition to `expect`
    /// when running under that profile. For claims whose truth depends on
    /// the version, such as the cancel-count leak fixed in 3.13.
    pub expect_by_profile: BTreeMap<String, Value>,
    /// Outcome fields that must hold under every schedule, not only in
    /// CPython's own order (`{"orphans": []}`, `{"main": {"ok": 3}}`):
    /// `simloop check` checks them on every run it explores.
    pub expect_always: Option<Value>,
    /// Invariants the scenario is known to break, under which profiles, and
    /// why: a CPython behaviour the scenario exists to show, not a bug of
    /// the program. `simloop check` accepts those violations and counts
    /// them.
    pub allow: Vec<Allowance>,
}

/// One entry of a scenario's `allow`: `{"invariant": "cancel-balance",
/// "profiles": ["py311", "py312"], "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The invariant's name (`cancel-balance`, `no-deadlock`...), checked
    /// against the invariants by whoever checks the scenario.
    pub invariant: String,
    /// The profiles it applies to; empty means every one.
    pub profiles: Vec<String>,
    /// Why the scenario breaks it (required, not empty).
    pub reason: String,
}

impl Scenario {
    /// A scenario with this body for `main` and nothing else.
    pub fn new(main: Block) -> Scenario {
        Scenario {
            main,
            ..Scenario::default()
        }
    }

    /// Every step of the tree, depth first in document order: a step comes
    /// before the steps inside it.
    pub fn steps(&self) -> Vec<&Step> {
        fn walk<'a>(b: &'a Block, out: &mut Vec<&'a Step>) {
            for s in b {
                out.push(s);
                s.for_each_block(|inner| walk(inner, out));
            }
        }
        let mut out = Vec::new();
        walk(&self.main, &mut out);
        out
    }

    /// What the outcome must match under the profile named `profile`
    /// (`py313`...): `expect`, then that profile's `expect_by_profile` entry.
    pub fn expectations(&self, profile: &str) -> impl Iterator<Item = &Value> {
        self.expect
            .iter()
            .chain(self.expect_by_profile.get(profile))
    }
}

/// A list of steps run in order by one task. Its value is the value of its
/// last step (`null` when empty).
pub type Block = Vec<Step>;

/// One step of a block. Variants are listed in the spec's table order, which
/// is also the order in which the parser looks for the discriminating key.
///
/// Times are integer ticks of virtual time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `await asyncio.sleep(N)`; `0` is one loop cycle. Value `null`.
    Sleep(u64),
    /// Produce a value: an int (i64), a string, `null` or a list of those.
    /// Only as the last step of a block.
    Return(Value),
    /// Raise an instance of this kind (never `BaseException` or
    /// `ExceptionGroup`).
    Raise(Kind),
    /// Await a future that is never resolved.
    Hang,
    /// `asyncio.create_task(...)`, not awaited. Value `null`.
    Spawn(Child),
    /// Await the task with this name; its result is the value. A name the
    /// tree can have that is not created yet raises the user error `KeyError`.
    Await(String),
    /// `task.cancel()` on the task with this name. Value `null`.
    Cancel(String),
    /// `asyncio.current_task().uncancel()`. Value `null`.
    Uncancel,
    /// Create each child, then `await asyncio.gather(*tasks, ...)`.
    Gather {
        /// The tasks, created in this order.
        children: Vec<Child>,
        /// `gather(..., return_exceptions=...)`.
        return_exceptions: bool,
    },
    /// `async with asyncio.TaskGroup() as tg:` create each child with
    /// `tg.create_task`, then run `then` inside the block.
    TaskGroup {
        /// The tasks, created in this order.
        children: Vec<Child>,
        /// Steps run by the current task inside the `async with` block.
        then: Block,
    },
    /// `done, pending = await asyncio.wait(tasks, ...)`; value: the sorted
    /// indexes of the done children. Never empty in a valid scenario.
    Wait {
        /// The tasks, created in this order.
        children: Vec<Child>,
        /// `wait(..., return_when=...)`.
        return_when: ReturnWhen,
        /// `wait(..., timeout=...)`; `None` waits without a deadline.
        timeout: Option<u64>,
        /// `cancel()` each pending task in creation order, without awaiting.
        cancel_pending: bool,
    },
    /// `for f in asyncio.as_completed(tasks, timeout=N)`, awaiting each until
    /// `take` values are taken; value: the values in arrival order.
    AsCompleted {
        /// The tasks, created in this order.
        children: Vec<Child>,
        /// How many values to take; `None` means all children.
        take: Option<usize>,
        /// `as_completed(..., timeout=...)`; `None` waits without a deadline.
        timeout: Option<u64>,
        /// Skip (and do not count) a child that raised a non-cancellation
        /// error instead of propagating it.
        skip_errors: bool,
        /// After `take` values, `cancel()` every unfinished child in creation
        /// order.
        cancel_rest: bool,
    },
    /// `async with asyncio.timeout(delay): ...`; value: the body's value.
    Timeout {
        /// Ticks from entering the block to the deadline.
        delay: u64,
        /// The steps run under the deadline.
        body: Block,
    },
    /// Create the child, then `await asyncio.shield(task)`.
    Shield(Child),
    /// `async with semaphores[sem]: ...`; value: the body's value.
    Acquire {
        /// A key of [`Scenario::semaphores`].
        sem: String,
        /// The steps run while holding the semaphore.
        body: Block,
    },
    /// `try/except K/finally`: the first matching clause runs.
    Try {
        /// The `try` block.
        body: Block,
        /// The `except` clauses, tried in order.
        excepts: Vec<Clause>,
        /// The `finally` block; its value is discarded.
        finally: Block,
    },
    /// `try/except* K/finally`, with at most 3 clauses.
    TryStar {
        /// The `try` block.
        body: Block,
        /// The `except*` clauses (never matching `ExceptionGroup`).
        excepts: Vec<Clause>,
        /// The `finally` block; its value is discarded.
        finally: Block,
    },
    /// `events[name].set()`: wake every task waiting on it. Value `null`.
    EventSet(String),
    /// `await events[name].wait()`: go on at once if the event is set,
    /// else wait until it is. Value `null`.
    EventWait(String),
    /// `events[name].clear()`. Value `null`.
    EventClear(String),
    /// `semaphores[name].release()`, without a matching acquire: one more
    /// unit, or `ValueError` from a bounded semaphore already at its
    /// initial value. Value `null`.
    Release(String),
    /// `await asyncio.gather(*tasks, ...)` over tasks that exist already,
    /// by name, finished ones included. The same name twice is the same
    /// task twice: gather waits for it once, and its outcome is in the
    /// value twice.
    GatherTasks {
        /// The task names, looked up when the step runs (`KeyError` for
        /// one not created yet, as [`Step::Await`]).
        names: Vec<String>,
        /// `gather(..., return_exceptions=...)`.
        return_exceptions: bool,
    },
    /// `done, pending = await asyncio.wait(tasks, ...)` over tasks by name
    /// (a set: the same name twice is one task); value: the sorted indexes
    /// into `names` of the done ones. Never empty in a valid scenario.
    WaitTasks {
        /// The task names, looked up as [`Step::GatherTasks`]'s.
        names: Vec<String>,
        /// `wait(..., return_when=...)`.
        return_when: ReturnWhen,
        /// `wait(..., timeout=...)`; `None` waits without a deadline.
        timeout: Option<u64>,
        /// `cancel()` each pending task once, in `names` order, without
        /// awaiting.
        cancel_pending: bool,
    },
    /// `futures[name].set_result(value)`; `InvalidStateError` if it is
    /// done already. Value `null`.
    FutureSet {
        /// A name of [`Scenario::futures`].
        name: String,
        /// The result, a value as `return`'s.
        value: Value,
    },
    /// `futures[name].set_exception(K())`; `InvalidStateError` if it is
    /// done already. Value `null`.
    FutureFail {
        /// A name of [`Scenario::futures`].
        name: String,
        /// The exception's kind (not `CancelledError`: that is
        /// [`Step::FutureCancel`]).
        error: Kind,
    },
    /// `futures[name].cancel()`. Value `null`.
    FutureCancel(String),
    /// `await futures[name]`: its result, or its exception raised.
    AwaitFuture(String),
    /// `repr(x)`, without the module and the address: the value is the
    /// string CPython prints, e.g. `"<Semaphore [locked, waiters:1]>"`.
    Repr(ReprOf),
    /// A bare `raise`, directly in the block of an `except` or `except*`
    /// clause: raises again the exception the handler handles (for
    /// `except*`, the part it matched), with its traceback unchanged.
    Reraise,
    /// `cm.reschedule(loop.time() + N)` (`None`: `cm.reschedule(None)`) on
    /// the innermost `timeout` step the step is in (its body, or a child
    /// created there, as a Python closure sees `cm`); `RuntimeError` once
    /// that timeout has expired or exited. Value `null`.
    Reschedule(Option<u64>),
}

/// What a [`Step::Repr`] prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReprOf {
    /// A name of [`Scenario::semaphores`] (a bounded one too).
    Semaphore(String),
    /// A name of [`Scenario::events`].
    Event(String),
    /// The innermost `timeout` step the step is in (as
    /// [`Step::Reschedule`]'s).
    Timeout,
    /// The innermost `task_group` step the step is in: its `then` block,
    /// one of its children, or anything created there.
    TaskGroup,
}

impl Step {
    /// The children this step runs as tasks (none for most steps).
    pub fn children(&self) -> &[Child] {
        match self {
            Step::Spawn(c) | Step::Shield(c) => std::slice::from_ref(c),
            Step::Gather { children, .. }
            | Step::TaskGroup { children, .. }
            | Step::Wait { children, .. }
            | Step::AsCompleted { children, .. } => children,
            _ => &[],
        }
    }

    /// [`Step::children`], to rewrite them.
    pub fn children_mut(&mut self) -> &mut [Child] {
        match self {
            Step::Spawn(c) | Step::Shield(c) => std::slice::from_mut(c),
            Step::Gather { children, .. }
            | Step::TaskGroup { children, .. }
            | Step::Wait { children, .. }
            | Step::AsCompleted { children, .. } => children,
            _ => &mut [],
        }
    }

    /// The blocks directly inside this step, in document order: each
    /// child's body (as [`Step::children`]), then `then`, `body`, or the try
    /// block, each handler and `finally`.
    pub fn blocks(&self) -> Vec<&Block> {
        let mut out = Vec::new();
        self.for_each_block(|b| out.push(b));
        out
    }

    /// Calls `f` on each of [`Step::blocks`], in that order, without
    /// collecting them (tree walks run once per step of every tree).
    pub fn for_each_block<'a>(&'a self, mut f: impl FnMut(&'a Block)) {
        self.children().iter().for_each(|c| f(&c.body));
        match self {
            Step::TaskGroup { then, .. } => f(then),
            Step::Timeout { body, .. } | Step::Acquire { body, .. } => f(body),
            Step::Try {
                body,
                excepts,
                finally,
            }
            | Step::TryStar {
                body,
                excepts,
                finally,
            } => {
                f(body);
                excepts.iter().for_each(|c| f(&c.body));
                f(finally);
            }
            _ => {}
        }
    }

    /// [`Step::for_each_block`] for rewriting the blocks.
    pub fn for_each_block_mut(&mut self, mut f: impl FnMut(&mut Block)) {
        match self {
            Step::Spawn(c) | Step::Shield(c) => f(&mut c.body),
            Step::Gather { children, .. }
            | Step::Wait { children, .. }
            | Step::AsCompleted { children, .. } => {
                children.iter_mut().for_each(|c| f(&mut c.body));
            }
            Step::TaskGroup { children, then } => {
                children.iter_mut().for_each(|c| f(&mut c.body));
                f(then);
            }
            Step::Timeout { body, .. } | Step::Acquire { body, .. } => f(body),
            Step::Try {
                body,
                excepts,
                finally,
            }
            | Step::TryStar {
                body,
                excepts,
                finally,
            } => {
                f(body);
                excepts.iter_mut().for_each(|c| f(&mut c.body));
                f(finally);
            }
            _ => {}
        }
    }

    /// The discriminating JSON key of this step (`"sleep"`, `"task_group"`,
    /// ...), which is also the `scope` of a scope escape for the steps that
    /// have one.
    pub fn key(&self) -> &'static str {
        match self {
            Step::Sleep(_) => "sleep",
            Step::Return(_) => "return",
            Step::Raise(_) => "raise",
            Step::Hang => "hang",
            Step::Spawn(_) => "spawn",
            Step::Await(_) => "await",
            Step::Cancel(_) => "cancel",
            Step::Uncancel => "uncancel",
            Step::Gather { .. } => "gather",
            Step::TaskGroup { .. } => "task_group",
            Step::Wait { .. } => "wait",
            Step::AsCompleted { .. } => "as_completed",
            Step::Timeout { .. } => "timeout",
            Step::Shield(_) => "shield",
            Step::Acquire { .. } => "acquire",
            Step::Try { .. } => "try",
            Step::TryStar { .. } => "try_star",
            Step::EventSet(_) => "event_set",
            Step::EventWait(_) => "event_wait",
            Step::EventClear(_) => "event_clear",
            Step::Release(_) => "release",
            Step::GatherTasks { .. } => "gather_tasks",
            Step::WaitTasks { .. } => "wait_tasks",
            Step::FutureSet { .. } => "future_set",
            Step::FutureFail { .. } => "future_fail",
            Step::FutureCancel(_) => "future_cancel",
            Step::AwaitFuture(_) => "await_future",
            Step::Repr(_) => "repr",
            Step::Reraise => "reraise",
            Step::Reschedule(_) => "reschedule",
        }
    }
}

/// A block run as its own task.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Child {
    /// The explicit task name. Without one the task is named `<parent>.<n>`,
    /// where `n` counts the tasks its parent created before it, from 0
    /// (explicitly named ones included).
    pub name: Option<String>,
    /// The task's body.
    pub body: Block,
    /// `create_task(..., eager_start=B)` (3.14+); `None`: no such argument,
    /// the loop's task factory decides.
    pub eager_start: Option<bool>,
}

impl Child {
    /// An unnamed child (written as a bare list of steps).
    pub fn new(body: Block) -> Child {
        Child {
            name: None,
            body,
            eager_start: None,
        }
    }

    /// A child with an explicit task name.
    pub fn named(name: impl Into<String>, body: Block) -> Child {
        Child {
            name: Some(name.into()),
            ..Child::new(body)
        }
    }

    /// The same child created with `eager_start=eager`.
    #[must_use]
    pub fn eager_start(mut self, eager: bool) -> Child {
        self.eager_start = Some(eager);
        self
    }

    /// How `create_task` starts it.
    pub fn start(&self) -> Start {
        match self.eager_start {
            None => Start::Factory,
            Some(true) => Start::Eager,
            Some(false) => Start::Lazy,
        }
    }
}

/// One `except` (or `except*`) clause: `{"kinds": [K...], "do": [STEP...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clause {
    /// The kinds it catches (`except (K1, K2):`); never empty when valid.
    pub kinds: Vec<Kind>,
    /// The handler, the `do` key.
    pub body: Block,
}

/// An exception kind, as named in `raise` and in `except` clauses: the
/// core's [`ExcKind`](simloop_core::ExcKind), under the format's name.
pub use simloop_core::ExcKind as Kind;

/// `asyncio.wait(..., return_when=...)`: the core's
/// [`ReturnWhen`](simloop_core::scope::ReturnWhen).
pub use simloop_core::scope::ReturnWhen;
