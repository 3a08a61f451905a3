//! What a run's structured-concurrency invariants need to know, recorded by
//! the interpreter while it runs.
//!
//! Recording only *reads* state (the clock, a task's `cancelling()` and
//! `cancel_requests()`, a combinator's counters): it creates no task or
//! future, schedules nothing and leaves the trace alone, so a run with
//! observations is the same run, event for event and hash for hash.
//!
//! [`Observations`] holds, per run:
//! - every `task_group` and `timeout` scope ([`ScopeObs`]): its owner, entry
//!   and exit, the owner's cancel counts across it, and what it raised;
//! - every `gather` ([`GatherObs`]) and `as_completed` ([`AsCompletedObs`])
//!   step with its children and the values it produced;
//! - every semaphore ([`SemaphoreObs`]): `acquire` calls, acquisitions,
//!   releases and the number of holders over time;
//! - every task's end ([`TaskObs`]) and the scope escapes of the outcome.
//!
//! The checks themselves live in `simloop-explore` (`invariants`).

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value;
use simloop_asyncio::taskgroup::TaskGroup;
use simloop_asyncio::timeout::Timeout;
use simloop_core::{current_task, Exc, Sim, Task, TaskId, TaskRef, Tick};

use simloop_asyncio::runner::Escape;

/// Everything recorded about one run. Built by [`run`](crate::run); the
/// fields are public so that checks can be tested on hand-made values.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// Every task, by id (`main` is 0), at the end of the run.
    pub tasks: Vec<TaskObs>,
    /// Every `task_group` and `timeout` scope, in the order entered.
    pub scopes: Vec<ScopeObs>,
    /// Every `gather` step, in the order started.
    pub gathers: Vec<GatherObs>,
    /// Every `as_completed` step, in the order started.
    pub as_completed: Vec<AsCompletedObs>,
    /// Every semaphore of the scenario that was used, by name.
    pub semaphores: Vec<SemaphoreObs>,
    /// Children still running when their step ended (as in the outcome).
    pub escapes: Vec<Escape>,
}

/// How a task ended, and when among the others.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskObs {
    /// Its name.
    pub name: String,
    /// Its position in the order tasks finished ([`TaskRef::done_index`]);
    /// `None` if it never finished.
    pub done_index: Option<u32>,
    /// Its result: a value, its exception (`CancelledError` if cancelled),
    /// or `None` if it never finished.
    pub result: Option<Result<Value, Exc>>,
}

/// What kind of scope, with what only that kind has.
#[derive(Clone, Debug, PartialEq)]
pub enum ScopeKind {
    /// `async with asyncio.TaskGroup() as tg`.
    TaskGroup {
        /// The tasks created with `tg.create_task`, in creation order.
        children: Vec<TaskId>,
        /// Those not done when `__aexit__` returned (never any in CPython).
        pending_at_exit: Vec<TaskId>,
    },
    /// `async with asyncio.timeout(delay)`.
    Timeout {
        /// The deadline: the entry tick plus the delay.
        deadline: Tick,
        /// When `_on_timeout` ran and cancelled the owner, if it did.
        fired_at: Option<Tick>,
    },
}

/// A user `uncancel` step run by a scope's owner while the scope was open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserUncancel {
    /// When it ran.
    pub at: Tick,
    /// Cancel requests on the owner since the scope was entered that came
    /// from outside the scope machinery, counted when this `uncancel()` ran.
    pub outside_before: u32,
    /// The owner's `cancelling()` just before (0: the `uncancel()` was a
    /// no-op).
    pub cancelling_before: u32,
}

/// One `task_group` or `timeout` scope of a run.
///
/// *Scope machinery* means the cancel requests such a scope makes on its own
/// owner: a TaskGroup's `parent.cancel()` (when a child fails, and 3.13's
/// re-cancel in `__aexit__`) and a timeout's `task.cancel()` at its
/// deadline. [`machinery_requests`](ScopeObs::machinery_requests) counts
/// those of this scope and of the scopes nested in it in the same task.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeObs {
    /// TaskGroup or timeout, with their own details.
    pub kind: ScopeKind,
    /// The task that entered it.
    pub owner: TaskId,
    /// The tick of `__aenter__`.
    pub entered_at: Tick,
    /// The tick `__aexit__` returned, `None` if it never did (the owner was
    /// stuck inside when the run ended).
    pub exited_at: Option<Tick>,
    /// The owner's `cancelling()` right after `__aenter__`.
    pub cancelling_at_entry: u32,
    /// The owner's `cancelling()` right after `__aexit__`.
    pub cancelling_at_exit: Option<u32>,
    /// Cancel requests on the owner (its `cancel_requests()` delta) from
    /// entry to exit, whoever made them.
    pub requests: u32,
    /// Of [`requests`](ScopeObs::requests), those made by scope machinery:
    /// this scope's own and its nested scopes' (same owner).
    pub machinery_requests: u32,
    /// The owner's `uncancel` steps while the scope was open, in order.
    pub user_uncancels: Vec<UserUncancel>,
    /// The exception the scope's body ended with, if any.
    pub body_error: Option<Exc>,
    /// What `__aexit__` raised, if anything.
    pub exit_error: Option<Exc>,
    /// The exception the whole step raised: `exit_error`, else the body's.
    pub raised: Option<Exc>,
}

impl ScopeObs {
    /// A scope entered by `owner` at `entered_at`, not exited, with no
    /// cancel activity: a start for hand-made observations.
    pub fn new(kind: ScopeKind, owner: TaskId, entered_at: Tick) -> ScopeObs {
        ScopeObs {
            kind,
            owner,
            entered_at,
            exited_at: None,
            cancelling_at_entry: 0,
            cancelling_at_exit: None,
            requests: 0,
            machinery_requests: 0,
            user_uncancels: Vec::new(),
            body_error: None,
            exit_error: None,
            raised: None,
        }
    }

    /// `task_group` or `timeout`, as the step is written.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ScopeKind::TaskGroup { .. } => "task_group",
            ScopeKind::Timeout { .. } => "timeout",
        }
    }
}

/// One `gather` step.
#[derive(Clone, Debug, PartialEq)]
pub struct GatherObs {
    /// The task that ran it.
    pub owner: TaskId,
    /// The children, in input order.
    pub children: Vec<TaskId>,
    /// `return_exceptions`.
    pub return_exceptions: bool,
    /// What `await gather(...)` returned, item by item in the order gather
    /// gave them; `None` if it raised (or never returned).
    pub result: Option<Vec<Result<Value, Exc>>>,
}

/// One `as_completed` step.
#[derive(Clone, Debug, PartialEq)]
pub struct AsCompletedObs {
    /// The task that ran it.
    pub owner: TaskId,
    /// The children, in creation order.
    pub children: Vec<TaskId>,
    /// The values taken, in the order taken (also when the step raised
    /// afterwards).
    pub values: Vec<Value>,
}

/// One call of a semaphore's `acquire()` by an `acquire` step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemCall {
    /// The task that called.
    pub task: TaskId,
    /// When.
    pub at: Tick,
}

/// One semaphore of the scenario, as the `acquire` steps used it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemaphoreObs {
    /// Its name in the scenario.
    pub name: String,
    /// Its initial value `n` (`asyncio.Semaphore(n)`): the most holders.
    pub limit: u64,
    /// Every `acquire()` call, in call order.
    pub calls: Vec<SemCall>,
    /// The calls that succeeded, as indexes into `calls`, in the order they
    /// acquired.
    pub acquired: Vec<usize>,
    /// `release()` calls.
    pub releases: u32,
    /// `(tick, holders)` after every acquisition and release, where holders
    /// are the steps between a successful `acquire()` and their `release()`.
    pub holders: Vec<(Tick, u64)>,
}

/// What the interpreter keeps while a scope is open.
struct Active {
    scope: usize,
    machinery: Machinery,
    /// The owner's `cancel_requests()` at entry.
    requests_at_entry: u32,
    /// The owner's exited scopes' machinery requests at entry: those
    /// exited since were nested in this one.
    closed_at_entry: u32,
}

/// The scope object whose own cancel requests on its owner are counted.
enum Machinery {
    TaskGroup(TaskGroup),
    Timeout(Timeout),
}

impl Machinery {
    fn requests(&self) -> u32 {
        match self {
            Machinery::TaskGroup(g) => g.parent_cancels(),
            Machinery::Timeout(t) => t.cancel_requests(),
        }
    }
}

/// The recorder the interpreter calls at each step that matters.
#[derive(Default)]
pub(crate) struct Observer {
    obs: RefCell<Observations>,
    /// Open scopes of each task (by id), innermost last.
    active: RefCell<Vec<Vec<Active>>>,
    /// Machinery requests of each task's scopes already exited (their own
    /// requests only, each counted once).
    closed: RefCell<Vec<u32>>,
    semaphores: RefCell<BTreeMap<String, SemaphoreObs>>,
}

/// The running task (steps run in tasks).
fn me() -> TaskRef {
    current_task().expect("steps run in tasks")
}

fn slot<T: Default>(v: &mut Vec<T>, id: TaskId) -> &mut T {
    let i = id.0 as usize;
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

impl Observer {
    /// Machinery requests of `task`'s scopes exited so far.
    fn closed(&self, task: TaskId) -> u32 {
        self.closed
            .borrow()
            .get(task.0 as usize)
            .copied()
            .unwrap_or(0)
    }

    fn enter(&self, sim: &Sim, kind: ScopeKind, machinery: Machinery) -> usize {
        let owner = me();
        let mut obs = self.obs.borrow_mut();
        let scope = obs.scopes.len();
        let mut s = ScopeObs::new(kind, owner.id(), sim.time());
        s.cancelling_at_entry = owner.cancelling();
        obs.scopes.push(s);
        let active = Active {
            scope,
            machinery,
            requests_at_entry: owner.cancel_requests(),
            closed_at_entry: self.closed(owner.id()),
        };
        slot(&mut self.active.borrow_mut(), owner.id()).push(active);
        scope
    }

    /// `__aenter__` of a TaskGroup returned: returns the scope's index.
    pub(crate) fn enter_task_group(&self, sim: &Sim, tg: &TaskGroup) -> usize {
        let kind = ScopeKind::TaskGroup {
            children: Vec::new(),
            pending_at_exit: Vec::new(),
        };
        self.enter(sim, kind, Machinery::TaskGroup(tg.clone()))
    }

    /// `tg.create_task` made `child` in the TaskGroup scope `scope`.
    pub(crate) fn task_group_child(&self, scope: usize, child: TaskId) {
        if let ScopeKind::TaskGroup { children, .. } = &mut self.obs.borrow_mut().scopes[scope].kind
        {
            children.push(child);
        }
    }

    /// `__aenter__` of a timeout returned: returns the scope's index.
    pub(crate) fn enter_timeout(&self, sim: &Sim, cm: &Timeout) -> usize {
        let kind = ScopeKind::Timeout {
            deadline: cm.when().unwrap_or(Tick::MAX),
            fired_at: None,
        };
        self.enter(sim, kind, Machinery::Timeout(cm.clone()))
    }

    /// `__aexit__` of the scope `scope` returned, in its owner's step;
    /// `children` are a TaskGroup's children (empty for a timeout).
    pub(crate) fn exit(
        &self,
        sim: &Sim,
        scope: usize,
        body_error: Option<Exc>,
        exit_error: Option<Exc>,
        children: &[Task<Value>],
    ) {
        let owner = me();
        let id = owner.id();
        let active = {
            let mut all = self.active.borrow_mut();
            let stack = slot(&mut all, id);
            let top = stack.pop().expect("an open scope of this task");
            assert_eq!(top.scope, scope, "scopes of a task nest");
            top
        };
        // The scopes exited since this one's entry were nested in it.
        let own = active.machinery.requests();
        let machinery = self.closed(id) - active.closed_at_entry + own;
        *slot(&mut self.closed.borrow_mut(), id) += own;
        let mut obs = self.obs.borrow_mut();
        let s = &mut obs.scopes[scope];
        s.exited_at = Some(sim.time());
        s.cancelling_at_exit = Some(owner.cancelling());
        s.requests = owner.cancel_requests() - active.requests_at_entry;
        s.machinery_requests = machinery;
        s.raised = exit_error.clone().or_else(|| body_error.clone());
        s.body_error = body_error;
        s.exit_error = exit_error;
        match (&mut s.kind, &active.machinery) {
            (
                ScopeKind::TaskGroup {
                    pending_at_exit, ..
                },
                Machinery::TaskGroup(_),
            ) => {
                *pending_at_exit = children
                    .iter()
                    .filter(|c| !c.done())
                    .map(|c| c.id())
                    .collect();
            }
            (ScopeKind::Timeout { fired_at, .. }, Machinery::Timeout(cm)) => {
                *fired_at = cm.fired_at();
            }
            _ => unreachable!("a scope's kind matches its machinery"),
        }
    }

    /// The running task is about to run a user `uncancel` step: every scope
    /// it has open records it, with the outside requests so far.
    pub(crate) fn user_uncancel(&self, sim: &Sim) {
        let owner = me();
        let id = owner.id();
        let (requests, closed) = (owner.cancel_requests(), self.closed(id));
        let active = self.active.borrow();
        let Some(open) = active.get(id.0 as usize) else {
            return;
        };
        let mut obs = self.obs.borrow_mut();
        // Innermost first: a scope's machinery is its own and that of the
        // open scopes inside it, plus the nested ones already exited.
        let mut inner_open = 0;
        for a in open.iter().rev() {
            inner_open += a.machinery.requests();
            let machinery = closed - a.closed_at_entry + inner_open;
            obs.scopes[a.scope].user_uncancels.push(UserUncancel {
                at: sim.time(),
                outside_before: (requests - a.requests_at_entry).saturating_sub(machinery),
                cancelling_before: owner.cancelling(),
            });
        }
    }

    /// A `gather` step's `await` returned (`result`: its items, or `None`
    /// if it raised).
    pub(crate) fn gather(
        &self,
        children: &[Task<Value>],
        return_exceptions: bool,
        result: Option<Vec<Result<Value, Exc>>>,
    ) {
        self.obs.borrow_mut().gathers.push(GatherObs {
            owner: me().id(),
            children: children.iter().map(|t| t.id()).collect(),
            return_exceptions,
            result,
        });
    }

    /// An `as_completed` step starts: returns its index.
    pub(crate) fn as_completed(&self, children: &[Task<Value>]) -> usize {
        let mut obs = self.obs.borrow_mut();
        obs.as_completed.push(AsCompletedObs {
            owner: me().id(),
            children: children.iter().map(|t| t.id()).collect(),
            values: Vec::new(),
        });
        obs.as_completed.len() - 1
    }

    /// The `as_completed` step `step` took `value`.
    pub(crate) fn as_completed_value(&self, step: usize, value: &Value) {
        self.obs.borrow_mut().as_completed[step]
            .values
            .push(value.clone());
    }

    /// An `acquire` step calls `acquire()` on semaphore `name` (of initial
    /// value `limit`): returns the call's index.
    pub(crate) fn sem_call(&self, sim: &Sim, name: &str, limit: u64) -> usize {
        let mut sems = self.semaphores.borrow_mut();
        let s = sems.entry(name.to_owned()).or_insert_with(|| SemaphoreObs {
            name: name.to_owned(),
            limit,
            calls: Vec::new(),
            acquired: Vec::new(),
            releases: 0,
            holders: Vec::new(),
        });
        s.calls.push(SemCall {
            task: me().id(),
            at: sim.time(),
        });
        s.calls.len() - 1
    }

    /// The call `call` of semaphore `name` acquired it.
    pub(crate) fn sem_acquired(&self, sim: &Sim, name: &str, call: usize) {
        let mut sems = self.semaphores.borrow_mut();
        let s = sems.get_mut(name).expect("called before");
        s.acquired.push(call);
        let held = s.holders.last().map_or(0, |&(_, n)| n) + 1;
        s.holders.push((sim.time(), held));
    }

    /// A holder of semaphore `name` released it.
    pub(crate) fn sem_released(&self, sim: &Sim, name: &str) {
        let mut sems = self.semaphores.borrow_mut();
        let s = sems.get_mut(name).expect("acquired before");
        s.releases += 1;
        let held = s.holders.last().map_or(0, |&(_, n)| n).saturating_sub(1);
        s.holders.push((sim.time(), held));
    }

    /// The observations, once the run is over: every task's end is read
    /// from `tasks` (by id).
    pub(crate) fn finish(&self, tasks: &[Task<Value>]) -> Observations {
        let mut obs = std::mem::take(&mut *self.obs.borrow_mut());
        obs.tasks = tasks
            .iter()
            .map(|t| TaskObs {
                name: t.name().to_owned(),
                done_index: t.done_index(),
                result: t.result(),
            })
            .collect();
        obs.semaphores = std::mem::take(&mut *self.semaphores.borrow_mut())
            .into_values()
            .collect();
        obs
    }
}
