//! What the invariants read, derived from a run's trace and report: the
//! scopes with their owners' cancel counts, the gathers' items, what each
//! `as_completed` handed out, the semaphores' holders, every task's end.
//!
//! [`Observations::of`] walks the trace's structure events once (scope
//! events, cancel requests, uncancels; see
//! [`Event::is_structure`](simloop_core::Event::is_structure)), so it works
//! on the run of any program written with `simloop::asyncio`, not only on
//! scenarios. The fields are public so that checks can be tested on
//! hand-altered values.

use std::cell::Cell;
use std::rc::Rc;

use simloop_asyncio::runner::{Escape, RunReport};
use simloop_core::scope::{
    Combinator, FutureRef, Item, ScopeEvent, ScopeExit, ScopeId, TimerState,
};
use simloop_core::{Event, Exc, Outcome, StallReport, TaskId, Tick};

/// Everything the invariants read about one run.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// Every task, by id (`main` is usually 0), at the end of the run.
    pub tasks: Vec<TaskObs>,
    /// Every `TaskGroup` and `timeout` scope, in the order entered.
    pub scopes: Vec<ScopeObs>,
    /// Every `gather`, in the order called.
    pub gathers: Vec<GatherObs>,
    /// Every `as_completed`, in the order called.
    pub as_completed: Vec<AsCompletedObs>,
    /// Every semaphore used, in the order first used.
    pub semaphores: Vec<SemaphoreObs>,
    /// Children that outlived their `gather`, `wait`, `as_completed` or
    /// `TaskGroup`, as the run report gives them.
    pub escapes: Vec<Escape>,
    /// Why the loop stalled, if it did, and whether `main` was still
    /// running then.
    pub stall: Option<(StallReport, bool)>,
    /// Tasks that never finished.
    pub stuck: Vec<TaskId>,
    /// Every timer of a `wait` or `as_completed` call, in the order set,
    /// and every `timeout` whose timer ran after its block exited.
    pub timers: Vec<TimerObs>,
    /// Each semaphore that, while the loop was idle (about to move the
    /// clock, or stalled), had a free unit and a task waiting for one, and
    /// each event that was set while a task still waited on it.
    pub lost_wakeups: Vec<LostWakeup>,
    /// How many events the run used.
    pub events: usize,
}

/// A combinator's timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerObs {
    /// `wait`, `as_completed` or `timeout`.
    pub call: &'static str,
    /// The task that made the call.
    pub owner: Option<TaskId>,
    /// The tick it was due.
    pub due: Option<Tick>,
    /// Neither cancelled nor run yet.
    pub live: bool,
    /// When it outlived its call, and how the call was over then (`wait`
    /// returned, `as_completed` handed out every child, the `timeout`
    /// block exited before its timer ran).
    pub outlived: Option<(Tick, &'static str)>,
}

/// A primitive that could let a task through while the task still waited
/// on it and the loop had nothing left to run: a semaphore with a free
/// unit, a set event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostWakeup {
    /// `semaphore NAME` or `event NAME`.
    pub primitive: String,
    /// Why it could let the task through: `had 1 free unit`, `was set`.
    pub open: String,
    /// The tick the loop was idle at.
    pub at: Tick,
    /// The task waiting, and the tick of its `acquire()` or `wait()` call.
    pub waiter: (Option<TaskId>, Tick),
}

/// How a task ended, and when among the others.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskObs {
    /// Its name.
    pub name: Rc<str>,
    /// Its position in the order tasks finished; `None` if it never did.
    pub done_index: Option<u32>,
    /// How it ended; `None` if it never did.
    pub outcome: Option<Outcome>,
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
        /// Its deadline, after any `reschedule` (`None`: never).
        deadline: Option<Tick>,
        /// The tick its timer is due: the deadline, or the tick the
        /// deadline was set if that was later (a deadline in the past
        /// fires at once, with `call_soon`).
        due: Option<Tick>,
        /// When `_on_timeout` ran and cancelled the owner, if it did, and
        /// the tick its timer was due then.
        fired: Option<(Tick, Option<Tick>)>,
    },
}

/// A `uncancel()` the owner of an open scope made itself (not a scope's
/// machinery).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserUncancel {
    /// When it ran.
    pub at: Tick,
    /// Cancel requests on the owner since the scope was entered that did
    /// not come from its machinery, counted when this `uncancel()` ran.
    pub outside_before: u32,
    /// The owner's `cancelling()` just before (0: the `uncancel()` was a
    /// no-op).
    pub cancelling_before: u32,
}

/// One `TaskGroup` or `timeout` scope of a run.
///
/// *Scope machinery* means the cancel requests such a scope makes on its
/// own owner: a TaskGroup's `parent.cancel()` (when a child fails, and
/// 3.13's re-cancel in `__aexit__`) and a timeout's `task.cancel()` at its
/// deadline; the trace attributes them to their scope.
/// [`machinery_requests`](ScopeObs::machinery_requests) counts those of
/// this scope and of the scopes nested in it in the same task.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeObs {
    /// Its id in the trace.
    pub id: ScopeId,
    /// TaskGroup or timeout, with their own details.
    pub kind: ScopeKind,
    /// The task that entered it.
    pub owner: TaskId,
    /// The tick of `__aenter__`.
    pub entered_at: Tick,
    /// The tick `__aexit__` returned, `None` if it never did.
    pub exited_at: Option<Tick>,
    /// The owner's `cancelling()` right after `__aenter__`.
    pub cancelling_at_entry: u32,
    /// The owner's `cancelling()` right after `__aexit__`.
    pub cancelling_at_exit: Option<u32>,
    /// Cancel requests on the owner from entry to exit, whoever made them.
    pub requests: u32,
    /// Of [`requests`](ScopeObs::requests), those made by scope machinery:
    /// this scope's own and its nested scopes' (same owner).
    pub machinery_requests: u32,
    /// The owner's own `uncancel()` calls while the scope was open.
    pub user_uncancels: Vec<UserUncancel>,
    /// The exception the scope's body ended with, if any.
    pub body_error: Option<Exc>,
    /// What `__aexit__` raised, if anything.
    pub exit_error: Option<Exc>,
}

impl ScopeObs {
    /// A scope entered by `owner` at `entered_at`, not exited, with no
    /// cancel activity: a start for hand-made observations.
    pub fn new(id: ScopeId, kind: ScopeKind, owner: TaskId, entered_at: Tick) -> ScopeObs {
        ScopeObs {
            id,
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
        }
    }

    /// The exception the whole `async with` raised: `__aexit__`'s, else
    /// the body's.
    pub fn raised(&self) -> Option<&Exc> {
        self.exit_error.as_ref().or(self.body_error.as_ref())
    }

    /// `task_group` or `timeout`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ScopeKind::TaskGroup { .. } => "task_group",
            ScopeKind::Timeout { .. } => "timeout",
        }
    }
}

/// One `gather` call.
#[derive(Clone, Debug, PartialEq)]
pub struct GatherObs {
    /// The task that called it.
    pub owner: Option<TaskId>,
    /// The children, in argument order.
    pub children: Vec<FutureRef>,
    /// `return_exceptions`.
    pub return_exceptions: bool,
    /// What its await returned, item by item with the child each came
    /// from; `None` if it raised or was never awaited to the end.
    pub items: Option<Vec<Item>>,
}

/// One `as_completed` call.
#[derive(Clone, Debug, PartialEq)]
pub struct AsCompletedObs {
    /// The task that called it.
    pub owner: Option<TaskId>,
    /// The children, in argument order.
    pub children: Vec<FutureRef>,
    /// The children already done when it registered its callbacks.
    pub done_at_registration: Vec<FutureRef>,
    /// What it handed out, in order (`None`: the timeout's `TimeoutError`).
    pub handed: Vec<Option<FutureRef>>,
}

/// One `acquire()` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemCall {
    /// The task that called.
    pub task: Option<TaskId>,
    /// When.
    pub at: Tick,
}

/// One semaphore, as the run used it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemaphoreObs {
    /// Its name, or `#N` (its scope id).
    pub name: Rc<str>,
    /// Its initial value: the most holders.
    pub limit: u64,
    /// Every `acquire()` call, in call order.
    pub calls: Vec<SemCall>,
    /// The calls that succeeded, as indexes into `calls`, in the order they
    /// acquired.
    pub acquired: Vec<usize>,
    /// `release()` calls.
    pub releases: u32,
    /// `(tick, holders)` after every acquisition and release.
    pub holders: Vec<(Tick, u64)>,
}

impl Observations {
    /// The observations of `report`'s run.
    ///
    /// # Panics
    /// If the run's trace kept only its hash
    /// ([`TraceMode::HashOnly`](simloop_core::TraceMode::HashOnly)): its
    /// scope events were never recorded, so nothing could be checked. Use
    /// [`TraceMode::Structure`](simloop_core::TraceMode::Structure) (or
    /// `Full`).
    pub fn of<T>(report: &RunReport<T>) -> Observations {
        let mode = report.sim.config().trace;
        assert!(
            mode.keeps_scopes(),
            "checking invariants needs the trace's scope events: run with \
             TraceMode::Structure or TraceMode::Full, not {mode:?}"
        );
        let mut l = Lists::take();
        let mut tasks = std::mem::take(&mut l.tasks);
        tasks.extend(report.sim.tasks().iter().map(|t| TaskObs {
            name: t.name_rc(),
            done_index: t.done_index(),
            outcome: t.outcome(),
        }));
        let mut obs = Observations {
            tasks,
            escapes: report.escapes.clone(),
            stall: report.stall.clone().map(|s| (s, report.main.is_stalled())),
            stuck: report.stuck.clone(),
            scopes: std::mem::take(&mut l.scopes),
            semaphores: std::mem::take(&mut l.semaphores),
            ..Observations::default()
        };
        // The walk borrows the observations: they are built where they
        // are returned, not moved there.
        let mut w = Walk {
            obs: &mut obs,
            l,
            last_tick: 0,
        };
        for r in report.sim.trace_ref().records() {
            if r.tick > w.last_tick {
                w.idle(w.last_tick);
                w.last_tick = r.tick;
            }
            w.event(r.tick, &r.event);
        }
        if let Some(stall) = &report.stall {
            w.idle(stall.at);
        }
        w.obs.events = w.l.evs.len();
        w.l.give_back();
        obs
    }

    /// Keep the emptied lists of observations that are done with as room
    /// for the next ones on this thread.
    pub(crate) fn recycle(&mut self) {
        let Some(mut l) = SPARE.take() else {
            return;
        };
        if self.tasks.capacity() <= SPARE_MAX && self.scopes.capacity() <= SPARE_MAX {
            self.tasks.clear();
            for scope in self.scopes.drain(..) {
                if let ScopeKind::TaskGroup { mut children, .. } = scope.kind {
                    if l.child_lists.len() < SPARE_LISTS && children.capacity() <= SPARE_MAX {
                        children.clear();
                        l.child_lists.push(children);
                    }
                }
            }
            for s in self.semaphores.drain(..) {
                if l.sem_lists.len() < SPARE_LISTS {
                    let (mut calls, mut acquired, mut holders) = (s.calls, s.acquired, s.holders);
                    calls.clear();
                    acquired.clear();
                    holders.clear();
                    l.sem_lists.push((calls, acquired, holders));
                }
            }
            l.tasks = std::mem::take(&mut self.tasks);
            l.scopes = std::mem::take(&mut self.scopes);
            l.semaphores = std::mem::take(&mut self.semaphores);
        }
        SPARE.set(Some(l));
    }

    /// A task's name (`?` if unknown).
    pub fn name(&self, id: TaskId) -> &str {
        self.tasks.get(id.0 as usize).map_or("?", |t| &*t.name)
    }

    /// A child's name: a task's, or `future #N`.
    pub fn future_name(&self, f: FutureRef) -> String {
        match f {
            FutureRef::Task(t) => self.name(t).to_owned(),
            FutureRef::Future(id) => format!("future #{id}"),
        }
    }
}

/// What the walk keeps of a semaphore beside its [`SemaphoreObs`].
struct Sem {
    /// The call each task is waiting on (a few at a time: a list).
    waiting: SemWaiting,
    /// A lost wakeup was recorded (one is enough).
    lost: bool,
}

/// An event being walked.
struct Ev {
    name: Rc<str>,
    set: bool,
    /// The tasks in a suspended `wait()`, with the tick each called it.
    waiting: Vec<(Option<TaskId>, Tick)>,
    /// A lost wakeup was recorded (one is enough).
    lost: bool,
}

/// What a scope id stands for in the walk.
#[derive(Clone, Copy, Default)]
enum Slot {
    #[default]
    None,
    /// A task group or timeout: its index in `obs.scopes`.
    Scope(usize),
    Gather(usize),
    AsCompleted(usize),
    /// A semaphore: its index in `obs.semaphores` and `sems`.
    Sem(usize),
    Event(usize),
}

/// One pass over the trace. Scope ids and task ids are dense counters, so
/// plain vectors index them (a run checks in a few microseconds).
struct Walk<'a> {
    obs: &'a mut Observations,
    l: Box<Lists>,
    /// The tick of the last event walked: a later one means the loop was
    /// idle in between (the clock moves only when nothing is ready).
    last_tick: Tick,
}

/// The walk's working lists.
#[derive(Default)]
struct Lists {
    /// Open scopes, innermost last, with their owners (indexes in
    /// `obs.scopes`): one list for every task, since few are open at once.
    open: Vec<(TaskId, usize)>,
    /// What each scope id is.
    slots: Vec<Slot>,
    sems: Vec<Sem>,
    evs: Vec<Ev>,
    /// Each task's `cancelling()` as the events left it, by task id.
    cancelling: Vec<u32>,
    /// The cancel requests each scope's own machinery made (not its
    /// nested scopes'), by index in `obs.scopes`.
    own_requests: Vec<u32>,
    /// The timer of each call, by scope id (an index in `obs.timers`).
    timer_of: Vec<Option<usize>>,
    /// The scope ids of `wait` calls.
    waits: Vec<bool>,
    /// The task that called each `wait`, by scope id.
    call_owner: Vec<Option<TaskId>>,
    /// Room for the next observations' lists, from the last ones checked
    /// ([`Observations::recycle`]).
    tasks: Vec<TaskObs>,
    scopes: Vec<ScopeObs>,
    semaphores: Vec<SemaphoreObs>,
    /// Emptied lists of semaphores checked before, for the next ones.
    sem_lists: Vec<SemLists>,
    /// Emptied child lists of task groups checked before.
    child_lists: Vec<Vec<TaskId>>,
    /// Emptied waiting lists of the walk's semaphores before.
    waiting_lists: Vec<SemWaiting>,
}

/// The tasks waiting on a semaphore, each with its call.
type SemWaiting = Vec<(Option<TaskId>, usize)>;

/// A [`SemaphoreObs`]'s calls, acquisitions and holders.
type SemLists = (Vec<SemCall>, Vec<usize>, Vec<(Tick, u64)>);

thread_local! {
    /// The lists of the last walk on this thread, emptied: a check of
    /// thousands of small runs allocates them once, not once a run.
    static SPARE: Cell<Option<Box<Lists>>> = const { Cell::new(None) };
}

/// The most entries a spare list keeps room for.
const SPARE_MAX: usize = 4096;

/// The most semaphores' lists, and task groups' child lists, kept spare.
const SPARE_LISTS: usize = 16;

impl Lists {
    /// The thread's spare lists, or new ones.
    fn take() -> Box<Lists> {
        SPARE.take().unwrap_or_default()
    }

    /// Empty them and keep them as the thread's spare (unless a long run
    /// made them big).
    fn give_back(mut self: Box<Lists>) {
        if self.slots.capacity() > SPARE_MAX || self.cancelling.capacity() > SPARE_MAX {
            return;
        }
        self.open.clear();
        self.slots.clear();
        for mut sem in self.sems.drain(..) {
            if self.waiting_lists.len() < SPARE_LISTS && sem.waiting.capacity() <= SPARE_MAX {
                sem.waiting.clear();
                self.waiting_lists.push(sem.waiting);
            }
        }
        self.evs.clear();
        self.cancelling.clear();
        self.own_requests.clear();
        self.timer_of.clear();
        self.waits.clear();
        self.call_owner.clear();
        SPARE.set(Some(self));
    }
}

fn grown<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

impl Walk<'_> {
    fn slot(&self, id: ScopeId) -> Slot {
        self.l
            .slots
            .get(id.0 as usize)
            .copied()
            .unwrap_or(Slot::None)
    }

    fn scope_index(&self, id: ScopeId) -> Option<usize> {
        match self.slot(id) {
            Slot::Scope(i) => Some(i),
            _ => None,
        }
    }

    fn enter(
        &mut self,
        id: ScopeId,
        kind: ScopeKind,
        owner: TaskId,
        at_tick: Tick,
        cancelling: u32,
    ) {
        let index = self.obs.scopes.len();
        let mut s = ScopeObs::new(id, kind, owner, at_tick);
        s.cancelling_at_entry = cancelling;
        self.obs.scopes.push(s);
        *grown(&mut self.l.slots, id.0 as usize) = Slot::Scope(index);
        self.l.open.push((owner, index));
    }

    fn exit(&mut self, x: &ScopeExit, at_tick: Tick) -> Option<usize> {
        let index = self.scope_index(x.scope)?;
        if let Some(k) = self.l.open.iter().rposition(|&(_, o)| o == index) {
            self.l.open.remove(k);
        }
        let s = &mut self.obs.scopes[index];
        s.exited_at = Some(at_tick);
        s.cancelling_at_exit = Some(x.cancelling);
        s.body_error = x.body_error.clone();
        s.exit_error = x.exit_error.clone();
        // A TaskGroup's `__aexit__` raises its base error before its
        // `uncancel()`: the request it made on its owner stays, as an
        // outside request would, for it and the scopes around it.
        if matches!(s.kind, ScopeKind::TaskGroup { .. })
            && s.exit_error.as_ref().is_some_and(Exc::is_interrupt)
        {
            let kept = self.l.own_requests.get(index).copied().unwrap_or(0);
            let around = self.l.open.iter().filter(|&&(t, _)| t == x.owner);
            for o in around.map(|&(_, o)| o).chain([index]) {
                let m = &mut self.obs.scopes[o].machinery_requests;
                *m = m.saturating_sub(kept);
            }
        }
        Some(index)
    }

    // Inlined into the loop over the records: a call and a frame less per
    // event.
    #[inline(always)]
    fn event(&mut self, at_tick: Tick, e: &Event) {
        match e {
            Event::CancelRequested {
                task, count, scope, ..
            } => {
                *grown(&mut self.l.cancelling, task.0 as usize) = *count;
                // The requesting scope, if one of `task`'s: every scope of
                // the task open since it was entered counts it as its own.
                let machinery = scope
                    .and_then(|s| self.scope_index(s))
                    .filter(|&i| self.obs.scopes[i].owner == *task);
                if let Some(m) = machinery {
                    *grown(&mut self.l.own_requests, m) += 1;
                }
                for &(t, o) in &self.l.open {
                    if t != *task {
                        continue;
                    }
                    let s = &mut self.obs.scopes[o];
                    s.requests += 1;
                    if machinery.is_some_and(|m| m >= o) {
                        s.machinery_requests += 1;
                    }
                }
            }
            Event::Uncancel {
                task,
                remaining,
                scope,
            } => {
                let c = grown(&mut self.l.cancelling, task.0 as usize);
                let before = std::mem::replace(c, *remaining);
                if scope.is_none() {
                    for &(t, o) in &self.l.open {
                        if t != *task {
                            continue;
                        }
                        let s = &mut self.obs.scopes[o];
                        s.user_uncancels.push(UserUncancel {
                            at: at_tick,
                            outside_before: s.requests.saturating_sub(s.machinery_requests),
                            cancelling_before: before,
                        });
                    }
                }
            }
            Event::Scope(e) => self.scope(at_tick, e),
            _ => {}
        }
    }

    /// A combinator's timer was set, cancelled or ran.
    fn timer(&mut self, scope: ScopeId, state: TimerState) {
        let call = if self.l.waits.get(scope.0 as usize) == Some(&true) {
            "wait"
        } else {
            "as_completed"
        };
        match (
            state,
            self.l.timer_of.get(scope.0 as usize).copied().flatten(),
        ) {
            (TimerState::Set(due), _) => {
                let owner = self.owner_of(scope);
                *grown(&mut self.l.timer_of, scope.0 as usize) = Some(self.obs.timers.len());
                self.obs.timers.push(TimerObs {
                    call,
                    owner,
                    due: Some(due),
                    live: true,
                    outlived: None,
                });
            }
            (TimerState::Cancelled | TimerState::Fired, Some(i)) => self.obs.timers[i].live = false,
            (_, None) => {}
        }
    }

    /// The task that called the `gather`, `wait` or `as_completed` `scope`.
    fn owner_of(&self, scope: ScopeId) -> Option<TaskId> {
        match self.slot(scope) {
            Slot::AsCompleted(i) => self.obs.as_completed[i].owner,
            _ => self.l.call_owner.get(scope.0 as usize).copied().flatten(),
        }
    }

    /// The call `scope` is over at `at`: its timer, if still live, outlived it.
    fn outlived(&mut self, scope: ScopeId, at: Tick, how: &'static str) {
        if let Some(i) = self.l.timer_of.get(scope.0 as usize).copied().flatten() {
            let t = &mut self.obs.timers[i];
            if t.live && t.outlived.is_none() {
                t.outlived = Some((at, how));
            }
        }
    }

    /// The loop is idle at `at`: a semaphore with a free unit must have no
    /// waiter left, since `release()` hands a unit to the first waiter.
    fn idle(&mut self, at: Tick) {
        for i in 0..self.l.sems.len() {
            let s = &self.l.sems[i];
            if s.lost || s.waiting.is_empty() {
                continue;
            }
            let obs = &self.obs.semaphores[i];
            let held = obs.holders.last().map_or(0, |&(_, n)| n);
            let free = obs.limit.saturating_sub(held);
            if free > 0 {
                self.lost_semaphore(i, free, at);
            }
        }
        for i in 0..self.l.evs.len() {
            let e = &self.l.evs[i];
            if e.set && !e.lost && !e.waiting.is_empty() {
                self.lost_event(i, at);
            }
        }
    }

    /// Semaphore `i` had `free` units and a waiter at `at` (out of line:
    /// `idle` runs every time the clock moves, this almost never).
    #[cold]
    fn lost_semaphore(&mut self, i: usize, free: u64, at: Tick) {
        let (s, obs) = (&mut self.l.sems[i], &self.obs.semaphores[i]);
        s.lost = true;
        let (task, call) = s.waiting[0];
        self.obs.lost_wakeups.push(LostWakeup {
            primitive: format!("semaphore {}", obs.name),
            open: format!("had {free} free unit{}", if free == 1 { "" } else { "s" }),
            at,
            waiter: (task, obs.calls[call].at),
        });
    }

    /// Event `i` was set with a waiter at `at`.
    #[cold]
    fn lost_event(&mut self, i: usize, at: Tick) {
        let e = &mut self.l.evs[i];
        e.lost = true;
        self.obs.lost_wakeups.push(LostWakeup {
            primitive: format!("event {}", e.name),
            open: "was set".to_owned(),
            at,
            waiter: e.waiting[0],
        });
    }

    fn sem(&mut self, id: ScopeId) -> Option<(&mut SemaphoreObs, &mut Sem)> {
        match self.slot(id) {
            Slot::Sem(i) => Some((&mut self.obs.semaphores[i], &mut self.l.sems[i])),
            _ => None,
        }
    }

    // Inlined like `event`: out of line, its frame saved and restored
    // a dozen registers per event.
    #[inline(always)]
    fn scope(&mut self, at: Tick, e: &ScopeEvent) {
        match e {
            ScopeEvent::TaskGroupEnter {
                group,
                owner,
                cancelling,
            } => {
                let children = self
                    .l
                    .child_lists
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(4));
                let kind = ScopeKind::TaskGroup {
                    children,
                    pending_at_exit: Vec::new(),
                };
                self.enter(*group, kind, *owner, at, *cancelling);
            }
            ScopeEvent::TaskGroupChild { group, task } => {
                if let Some(i) = self.scope_index(*group) {
                    if let ScopeKind::TaskGroup { children, .. } = &mut self.obs.scopes[i].kind {
                        children.push(*task);
                    }
                }
            }
            ScopeEvent::TaskGroupExit(x) => {
                if let Some(i) = self.exit(x, at) {
                    if let ScopeKind::TaskGroup {
                        pending_at_exit, ..
                    } = &mut self.obs.scopes[i].kind
                    {
                        pending_at_exit.clone_from(&x.pending);
                    }
                }
            }
            ScopeEvent::TimeoutEnter {
                timeout,
                owner,
                deadline,
                cancelling,
            } => {
                let kind = ScopeKind::Timeout {
                    deadline: *deadline,
                    due: deadline.map(|d| d.max(at)),
                    fired: None,
                };
                self.enter(*timeout, kind, *owner, at, *cancelling);
            }
            ScopeEvent::TimeoutReschedule { timeout, deadline } => {
                if let Some(i) = self.scope_index(*timeout) {
                    if let ScopeKind::Timeout {
                        deadline: d, due, ..
                    } = &mut self.obs.scopes[i].kind
                    {
                        *d = *deadline;
                        *due = deadline.map(|d| d.max(at));
                    }
                }
            }
            ScopeEvent::TimeoutFired { timeout, .. } => {
                if let Some(i) = self.scope_index(*timeout) {
                    let sc = &self.obs.scopes[i];
                    if sc.exited_at.is_some() {
                        let due = match sc.kind {
                            ScopeKind::Timeout { due, .. } => due,
                            ScopeKind::TaskGroup { .. } => None,
                        };
                        self.obs.timers.push(TimerObs {
                            call: "timeout",
                            owner: Some(sc.owner),
                            due,
                            live: false,
                            outlived: Some((at, "its block exited before it ran")),
                        });
                    }
                    if let ScopeKind::Timeout { due, fired, .. } = &mut self.obs.scopes[i].kind {
                        *fired = Some((at, *due));
                    }
                }
            }
            ScopeEvent::TimeoutExit(x) => {
                self.exit(x, at);
            }
            ScopeEvent::Start(s) => match s.combinator {
                Combinator::Gather { return_exceptions } => {
                    *grown(&mut self.l.slots, s.scope.0 as usize) =
                        Slot::Gather(self.obs.gathers.len());
                    self.obs.gathers.push(GatherObs {
                        owner: s.owner,
                        children: s.children.clone(),
                        return_exceptions,
                        items: None,
                    });
                }
                Combinator::AsCompleted { .. } => {
                    *grown(&mut self.l.slots, s.scope.0 as usize) =
                        Slot::AsCompleted(self.obs.as_completed.len());
                    self.obs.as_completed.push(AsCompletedObs {
                        owner: s.owner,
                        children: s.children.clone(),
                        done_at_registration: Vec::new(),
                        handed: Vec::new(),
                    });
                }
                Combinator::Wait { .. } => {
                    *grown(&mut self.l.waits, s.scope.0 as usize) = true;
                    *grown(&mut self.l.call_owner, s.scope.0 as usize) = s.owner;
                }
            },
            ScopeEvent::End(end) => {
                if let Slot::Gather(i) = self.slot(end.scope) {
                    self.obs.gathers[i].items.clone_from(&end.items);
                }
                if self.l.waits.get(end.scope.0 as usize) == Some(&true) {
                    self.outlived(end.scope, at, "the wait returned");
                }
            }
            ScopeEvent::Timer { scope, state } => self.timer(*scope, *state),
            ScopeEvent::Registered { scope, done } => {
                if let Slot::AsCompleted(i) = self.slot(*scope) {
                    self.obs.as_completed[i]
                        .done_at_registration
                        .clone_from(done);
                }
            }
            ScopeEvent::Next { scope, child } => {
                if let Slot::AsCompleted(i) = self.slot(*scope) {
                    let ac = &mut self.obs.as_completed[i];
                    ac.handed.push(*child);
                    let all = |fs: &mut dyn Iterator<Item = FutureRef>| {
                        let mut v: Vec<FutureRef> = fs.collect();
                        v.sort_unstable_by_key(|f| format!("{f:?}"));
                        v.dedup();
                        v.len()
                    };
                    let handed = all(&mut ac.handed.iter().flatten().copied());
                    if handed == all(&mut ac.children.iter().copied()) {
                        self.outlived(*scope, at, "as_completed handed out every child");
                    }
                }
            }
            ScopeEvent::EventNew { event, name } => {
                *grown(&mut self.l.slots, event.0 as usize) = Slot::Event(self.l.evs.len());
                self.l.evs.push(Ev {
                    name: name.clone().unwrap_or_else(|| event.to_string().into()),
                    set: false,
                    waiting: Vec::new(),
                    lost: false,
                });
            }
            ScopeEvent::EventFlag { event, set } => {
                if let Slot::Event(i) = self.slot(*event) {
                    self.l.evs[i].set = *set;
                }
            }
            ScopeEvent::EventWait { event, task, waits } => {
                if let Slot::Event(i) = self.slot(*event) {
                    let e = &mut self.l.evs[i];
                    if *waits {
                        e.waiting.push((*task, at));
                    } else if let Some(k) = e.waiting.iter().position(|(t, _)| t == task) {
                        e.waiting.remove(k);
                    }
                }
            }
            ScopeEvent::SemaphoreGaveUp { sem, task } => {
                if let Some((_, s)) = self.sem(*sem) {
                    if let Some(k) = s.waiting.iter().position(|(t, _)| t == task) {
                        s.waiting.swap_remove(k);
                    }
                }
            }
            ScopeEvent::SemaphoreNew { sem, value, name } => {
                let name = name.clone().unwrap_or_else(|| sem.to_string().into());
                *grown(&mut self.l.slots, sem.0 as usize) = Slot::Sem(self.l.sems.len());
                let (calls, acquired, holders) = self.l.sem_lists.pop().unwrap_or_else(|| {
                    (
                        Vec::with_capacity(8),
                        Vec::with_capacity(8),
                        Vec::with_capacity(16),
                    )
                });
                self.obs.semaphores.push(SemaphoreObs {
                    name,
                    limit: *value,
                    calls,
                    acquired,
                    releases: 0,
                    holders,
                });
                let waiting = self
                    .l
                    .waiting_lists
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(4));
                self.l.sems.push(Sem {
                    waiting,
                    lost: false,
                });
            }
            ScopeEvent::SemaphoreCall { sem, task, waits } => {
                if let Some((obs, s)) = self.sem(*sem) {
                    let call = obs.calls.len();
                    obs.calls.push(SemCall { task: *task, at });
                    let queued = s.waiting.iter().position(|(t, _)| t == task);
                    if *waits {
                        match queued {
                            Some(k) => s.waiting[k].1 = call,
                            None => s.waiting.push((*task, call)),
                        }
                    } else {
                        // Acquired at once: no `SemaphoreAcquired` follows.
                        if let Some(k) = queued {
                            s.waiting.swap_remove(k);
                        }
                        obs.acquired.push(call);
                        let held = obs.holders.last().map_or(0, |&(_, n)| n) + 1;
                        obs.holders.push((at, held));
                    }
                }
            }
            ScopeEvent::SemaphoreAcquired { sem, task } => {
                if let Some((obs, s)) = self.sem(*sem) {
                    if let Some(k) = s.waiting.iter().position(|(t, _)| t == task) {
                        let (_, call) = s.waiting.swap_remove(k);
                        obs.acquired.push(call);
                    }
                    let held = obs.holders.last().map_or(0, |&(_, n)| n) + 1;
                    obs.holders.push((at, held));
                }
            }
            ScopeEvent::SemaphoreReleased { sem, .. } => {
                if let Some((obs, _)) = self.sem(*sem) {
                    obs.releases += 1;
                    let held = obs.holders.last().map_or(0, |&(_, n)| n).saturating_sub(1);
                    obs.holders.push((at, held));
                }
            }
            _ => {}
        }
    }
}
