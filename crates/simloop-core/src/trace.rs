//! The trace: every scheduling event of a run, one per line.
//!
//! Events hold ids and ticks, never pointers or wall times, so a trace prints
//! the same bytes on every run of the same seed. The hash is folded in as
//! events arrive, a word per field, so comparing two runs costs nothing
//! extra even when the events themselves are not kept. An exception counts
//! by its fingerprint (class, message, members), worked out once when it is
//! made, so a group nested 1,000 deep costs one word like any other.

use std::fmt;
use std::rc::Rc;

use crate::config::{Tick, TraceMode};
use crate::exc::Exc;
use crate::fold;
use crate::scheduler::ChoicePoint;
use crate::scope::{FutureRef, ScopeEvent, ScopeExit, ScopeId};

/// A task's id: its index in creation order (`main` is 0 in a scenario).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

/// How a task or future ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It produced a value.
    Ok,
    /// It raised.
    Error(Exc),
    /// It was cancelled.
    Cancelled,
}

/// One scheduling event.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `create_task`, by `parent` (the task running at the time).
    TaskCreated {
        /// The new task.
        task: TaskId,
        /// Its creator, if a task created it.
        parent: Option<TaskId>,
    },
    /// `Task.__step`; `throw` when a `CancelledError` is delivered into it.
    TaskStep {
        /// The task stepped.
        task: TaskId,
        /// A cancellation is thrown in at its await.
        throw: bool,
    },
    /// A callback handle ran (anything that is not a task step).
    Callback {
        /// What kind of callback, e.g. `TaskGroup._on_task_done`.
        label: &'static str,
    },
    /// A timer came due and moved to the ready queue.
    TimerFired {
        /// What the timer does, e.g. `sleep`.
        label: &'static str,
        /// Its deadline.
        when: Tick,
    },
    /// `task.cancel()` returned true.
    CancelRequested {
        /// The task cancelled.
        task: TaskId,
        /// The task that asked, if a task asked.
        by: Option<TaskId>,
        /// `cancelling()` after the request.
        count: u32,
        /// The scope whose machinery asked (a task group cancelling its
        /// parent or children, a timeout its task), if one did.
        scope: Option<ScopeId>,
    },
    /// `task.uncancel()`.
    Uncancel {
        /// The task.
        task: TaskId,
        /// What `uncancel()` returned.
        remaining: u32,
        /// The scope whose machinery withdrew its request, if one did
        /// (`None`: the program's own `uncancel()`).
        scope: Option<ScopeId>,
    },
    /// A task finished.
    TaskDone {
        /// The task.
        task: TaskId,
        /// How.
        outcome: Outcome,
    },
    /// A future (not a task) was resolved or cancelled.
    FutureDone {
        /// The future's id, in creation order.
        future: u64,
        /// What it is for, e.g. `sleep`.
        label: &'static str,
        /// How.
        outcome: Outcome,
    },
    /// The scheduler answered a choice point with something other than
    /// CPython's own choice (0); see [`crate::scheduler`].
    Choice {
        /// The choice point's index in the run, from 0.
        index: u64,
        /// What was decided.
        point: ChoicePoint,
        /// The answer.
        chosen: u64,
    },
    /// The `KeyboardInterrupt` or `SystemExit` the task just finished with
    /// left the loop ([`crate::Interrupt`]): the run stops here.
    Interrupted {
        /// The task whose step raised it.
        task: TaskId,
    },
    /// What a structured-concurrency combinator recorded about one of its
    /// scopes (see [`crate::scope`]).
    Scope(ScopeEvent),
}

impl Event {
    /// Is it kept by a [`TraceMode::Structure`] trace? Scope events, cancel
    /// requests and uncancels are: they are few, and they are what checks
    /// and run reports read.
    pub fn is_structure(&self) -> bool {
        matches!(
            self,
            Event::Scope(_) | Event::CancelRequested { .. } | Event::Uncancel { .. }
        )
    }
}

/// Drop an event the trace does not keep. The general drop glue of
/// [`Event`] is a call per event on the loop's hottest path; most events
/// own nothing, and saying so per variant lets them cost nothing. Every
/// variant is listed: a new one must say what it owns.
#[inline(always)]
fn discard(event: Event) {
    match event {
        Event::TaskDone { outcome, .. } | Event::FutureDone { outcome, .. } => drop(outcome),
        Event::Scope(e) => drop(e),
        plain @ (Event::TaskCreated { .. }
        | Event::TaskStep { .. }
        | Event::Callback { .. }
        | Event::TimerFired { .. }
        | Event::CancelRequested { .. }
        | Event::Uncancel { .. }
        | Event::Choice { .. }
        | Event::Interrupted { .. }) => std::mem::forget(plain),
    }
}

/// An event with its tick and sequence number.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Virtual time.
    pub tick: Tick,
    /// Position in the run, from 0.
    pub seq: u64,
    /// The event.
    pub event: Event,
}

/// A run's events and hash.
#[derive(Clone, Debug)]
pub struct Trace {
    mode: TraceMode,
    records: Vec<Record>,
    names: Vec<Rc<str>>,
    seq: u64,
    hash: u64,
    /// A kept scope event left tasks pending (see [`Trace::has_escapes`]).
    escapes: bool,
}

thread_local! {
    /// The record buffer of the last trace dropped on this thread, emptied:
    /// a check runs thousands of small runs, and each would otherwise
    /// allocate and free the same few kilobytes.
    static SPARE: std::cell::Cell<Vec<Record>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The most records a spare buffer keeps room for (twice a full trace's
/// starting room).
const SPARE_RECORDS: usize = 256;

impl Drop for Trace {
    #[inline]
    fn drop(&mut self) {
        // A hash-only trace has no buffer, and a long run's big one is not
        // worth keeping.
        if (1..=SPARE_RECORDS).contains(&self.records.capacity()) {
            let mut records = std::mem::take(&mut self.records);
            records.clear();
            SPARE.set(records);
        }
    }
}

impl Trace {
    #[inline]
    pub(crate) fn new(mode: TraceMode) -> Trace {
        // A small run keeps a few dozen events: room for them up front
        // saves the doublings (a check of a user's body runs thousands).
        let capacity = match mode {
            TraceMode::Full => 128,
            TraceMode::Structure => 64,
            TraceMode::HashOnly => 0,
        };
        let records = if capacity == 0 {
            Vec::new()
        } else {
            let mut spare = SPARE.take();
            spare.reserve(capacity);
            spare
        };
        Trace {
            mode,
            records,
            names: Vec::new(),
            seq: 0,
            hash: fold::SEED,
            escapes: false,
        }
    }

    /// Names are for printing events, so only a full trace keeps them (a
    /// hash-only sweep of 100,000 tasks saves 2 MB).
    pub(crate) fn name_task(&mut self, name: Rc<str>) {
        if self.mode == TraceMode::Full {
            self.names.push(name);
        }
    }

    /// Record a scheduling event: hash it, and keep it if the mode says so.
    ///
    /// Inlined into every call site, where the event's variant is known: the
    /// hash then folds that variant's fields without a match, and a
    /// hash-only trace never builds the event.
    #[inline(always)]
    pub(crate) fn push(&mut self, tick: Tick, event: Event) {
        self.fold(tick);
        self.fold_event(&event);
        if self.mode == TraceMode::HashOnly
            || self.mode == TraceMode::Structure && !event.is_structure()
        {
            discard(event);
        } else {
            self.keep(tick, event);
        }
        self.seq += 1;
    }

    /// Record a scope event, which the caller only makes when the mode
    /// keeps them. It is derived from the schedule, so it is not hashed:
    /// the hash of a run is the same in every mode.
    pub(crate) fn push_scope(&mut self, tick: Tick, event: ScopeEvent) {
        debug_assert!(self.mode.keeps_scopes());
        self.escapes |= match &event {
            ScopeEvent::End(end) => !end.pending.is_empty(),
            ScopeEvent::TaskGroupExit(x) => !x.pending.is_empty(),
            _ => false,
        };
        self.keep(tick, Event::Scope(event));
        self.seq += 1;
    }

    fn keep(&mut self, tick: Tick, event: Event) {
        self.records.push(Record {
            tick,
            seq: self.seq,
            event,
        });
    }

    #[inline(always)]
    fn fold(&mut self, x: u64) {
        self.hash = fold::word(self.hash, x);
    }

    #[inline(always)]
    fn fold_str(&mut self, s: &str) {
        self.hash = fold::text(self.hash, s);
    }

    #[inline(always)]
    fn fold_task(&mut self, t: Option<TaskId>) {
        self.fold(t.map_or(u64::MAX, |t| u64::from(t.0)));
    }

    #[inline(always)]
    fn fold_scope_id(&mut self, s: Option<ScopeId>) {
        self.fold(s.map_or(u64::MAX, |s| u64::from(s.0)));
    }

    #[inline(always)]
    fn fold_outcome(&mut self, o: &Outcome) {
        match o {
            Outcome::Ok => self.fold(0),
            Outcome::Cancelled => self.fold(1),
            Outcome::Error(e) => {
                self.fold(2);
                self.fold(e.fingerprint());
            }
        }
    }

    #[inline(always)]
    fn fold_event(&mut self, e: &Event) {
        match e {
            Event::TaskCreated { task, parent } => {
                self.fold(1);
                self.fold_task(Some(*task));
                self.fold_task(*parent);
            }
            Event::TaskStep { task, throw } => {
                self.fold(2);
                self.fold_task(Some(*task));
                self.fold(u64::from(*throw));
            }
            Event::Callback { label } => {
                self.fold(3);
                self.fold_str(label);
            }
            Event::TimerFired { label, when } => {
                self.fold(4);
                self.fold_str(label);
                self.fold(*when);
            }
            Event::CancelRequested {
                task,
                by,
                count,
                scope,
            } => {
                self.fold(5);
                self.fold_task(Some(*task));
                self.fold_task(*by);
                self.fold(u64::from(*count));
                self.fold_scope_id(*scope);
            }
            Event::Uncancel {
                task,
                remaining,
                scope,
            } => {
                self.fold(6);
                self.fold_task(Some(*task));
                self.fold(u64::from(*remaining));
                self.fold_scope_id(*scope);
            }
            Event::TaskDone { task, outcome } => {
                self.fold(7);
                self.fold_task(Some(*task));
                self.fold_outcome(outcome);
            }
            Event::FutureDone {
                future,
                label,
                outcome,
            } => {
                self.fold(8);
                self.fold(*future);
                self.fold_str(label);
                self.fold_outcome(outcome);
            }
            Event::Choice {
                index,
                point,
                chosen,
            } => {
                self.fold(9);
                self.fold(*index);
                self.fold(*point as u64);
                self.fold(*chosen);
            }
            Event::Interrupted { task } => {
                self.fold(10);
                self.fold_task(Some(*task));
            }
            // Scope events go through `push_scope`, unhashed.
            Event::Scope(_) => {}
        }
    }

    /// The hash of every event so far (kept in both trace modes).
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Number of events so far (counted in both trace modes).
    pub fn len(&self) -> u64 {
        self.seq
    }

    /// No event yet?
    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// The events kept (empty in [`TraceMode::HashOnly`]).
    #[inline]
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Whether a kept scope event (a combinator's end or a task group's
    /// exit) left tasks pending: a *scope escape*. `false` means the
    /// records hold none, so a search for them can be skipped.
    #[inline]
    pub fn has_escapes(&self) -> bool {
        self.escapes
    }

    /// A task's name (`?` in a hash-only trace, which keeps no names).
    pub fn task_name(&self, id: TaskId) -> &str {
        self.names.get(id.0 as usize).map_or("?", |n| n)
    }

    /// One event as a line, without tick and sequence number.
    pub fn describe(&self, e: &Event) -> String {
        let n = |t: &TaskId| self.task_name(*t).to_owned();
        let outcome = |o: &Outcome| match o {
            Outcome::Ok => "ok".to_owned(),
            Outcome::Cancelled => "cancelled".to_owned(),
            Outcome::Error(e) => format!("error {e}"),
        };
        match e {
            Event::TaskCreated { task, parent } => match parent {
                Some(p) => format!("create {} by {}", n(task), n(p)),
                None => format!("create {}", n(task)),
            },
            Event::TaskStep { task, throw: false } => format!("step {}", n(task)),
            Event::TaskStep { task, throw: true } => format!("step {} <- CancelledError", n(task)),
            Event::Callback { label } => format!("call {label}"),
            Event::TimerFired { label, when } => format!("timer {label} @{when}"),
            Event::CancelRequested {
                task, by, count, ..
            } => match by {
                Some(b) => format!("cancel {} by {} (cancelling={count})", n(task), n(b)),
                None => format!("cancel {} (cancelling={count})", n(task)),
            },
            Event::Uncancel {
                task, remaining, ..
            } => {
                format!("uncancel {} (cancelling={remaining})", n(task))
            }
            Event::TaskDone { task, outcome: o } => format!("done {} {}", n(task), outcome(o)),
            Event::FutureDone {
                future,
                label,
                outcome: o,
            } => format!("future #{future} {label} {}", outcome(o)),
            Event::Choice {
                index,
                point,
                chosen,
            } => format!("choice #{index} {point} = {chosen}"),
            Event::Interrupted { task } => format!("interrupt from {}", n(task)),
            Event::Scope(e) => self.describe_scope(e),
        }
    }
}

impl Trace {
    /// A name for each child of a start: a task's name, or `future #N`.
    fn future_name(&self, f: FutureRef) -> String {
        match f {
            FutureRef::Task(t) => self.task_name(t).to_owned(),
            FutureRef::Future(id) => format!("future #{id}"),
        }
    }

    fn names(&self, tasks: &[TaskId]) -> String {
        let names: Vec<&str> = tasks.iter().map(|&t| self.task_name(t)).collect();
        names.join(", ")
    }

    fn describe_exit(&self, what: &str, x: &ScopeExit) -> String {
        let mut line = format!(
            "{what} {} exit by {} (cancelling={})",
            x.scope,
            self.task_name(x.owner),
            x.cancelling
        );
        if let Some(e) = x.raised() {
            line.push_str(&format!(" raising {e}"));
        }
        if !x.pending.is_empty() {
            line.push_str(&format!(", pending {}", self.names(&x.pending)));
        }
        line
    }

    fn describe_scope(&self, e: &ScopeEvent) -> String {
        let n = |t: TaskId| self.task_name(t).to_owned();
        let who = |t: Option<TaskId>| t.map_or_else(|| "a callback".to_owned(), n);
        match e {
            ScopeEvent::TaskGroupEnter {
                group,
                owner,
                cancelling,
            } => format!(
                "taskgroup {group} enter by {} (cancelling={cancelling})",
                n(*owner)
            ),
            ScopeEvent::TaskGroupChild { group, task } => {
                format!("taskgroup {group} child {}", n(*task))
            }
            ScopeEvent::TaskGroupExit(x) => self.describe_exit("taskgroup", x),
            ScopeEvent::TimeoutEnter {
                timeout,
                owner,
                deadline,
                cancelling,
            } => format!(
                "timeout {timeout} enter by {} deadline {} (cancelling={cancelling})",
                n(*owner),
                deadline.map_or_else(|| "none".to_owned(), |d| d.to_string())
            ),
            ScopeEvent::TimeoutReschedule { timeout, deadline } => format!(
                "timeout {timeout} reschedule {}",
                deadline.map_or_else(|| "none".to_owned(), |d| d.to_string())
            ),
            ScopeEvent::TimeoutFired { timeout, task } => {
                format!("timeout {timeout} fired for {}", n(*task))
            }
            ScopeEvent::TimeoutExit(x) => self.describe_exit("timeout", x),
            ScopeEvent::Start(s) => {
                let children: Vec<String> =
                    s.children.iter().map(|&c| self.future_name(c)).collect();
                format!(
                    "{} {} start by {} of [{}]",
                    s.combinator.name(),
                    s.scope,
                    who(s.owner),
                    children.join(", ")
                )
            }
            ScopeEvent::Registered { scope, done } => {
                let done: Vec<String> = done.iter().map(|&c| self.future_name(c)).collect();
                format!(
                    "as_completed {scope} registered, done: [{}]",
                    done.join(", ")
                )
            }
            ScopeEvent::Next { scope, child } => match child {
                Some(c) => format!("as_completed {scope} next {}", self.future_name(*c)),
                None => format!("as_completed {scope} next timeout"),
            },
            ScopeEvent::End(end) => {
                let mut line = format!("end {} to {}", end.scope, who(end.owner));
                if let Some(e) = &end.raised {
                    line.push_str(&format!(" raising {e}"));
                }
                if !end.pending.is_empty() {
                    line.push_str(&format!(", pending {}", self.names(&end.pending)));
                }
                line
            }
            ScopeEvent::SemaphoreNew { sem, value, name } => match name {
                Some(name) => format!("semaphore {sem} {name} of {value}"),
                None => format!("semaphore {sem} of {value}"),
            },
            ScopeEvent::SemaphoreCall { sem, task, waits } => format!(
                "semaphore {sem} acquire() by {}, {}",
                who(*task),
                if *waits { "waits" } else { "acquired" }
            ),
            ScopeEvent::SemaphoreAcquired { sem, task } => {
                format!("semaphore {sem} acquired by {}", who(*task))
            }
            ScopeEvent::SemaphoreReleased { sem, task } => {
                format!("semaphore {sem} released by {}", who(*task))
            }
            ScopeEvent::SemaphoreGaveUp { sem, task } => {
                format!("semaphore {sem} acquire() by {} gave up", who(*task))
            }
            ScopeEvent::Timer { scope, state } => format!("timer of {scope}: {state:?}"),
            ScopeEvent::EventNew { event, name } => match name {
                Some(name) => format!("event {event} {name}"),
                None => format!("event {event}"),
            },
            ScopeEvent::EventFlag { event, set } => {
                format!("event {event} {}", if *set { "set" } else { "cleared" })
            }
            ScopeEvent::EventWait { event, task, waits } => format!(
                "event {event} wait() by {} {}",
                who(*task),
                if *waits { "suspends" } else { "resumes" }
            ),
        }
    }
}

/// One event a line: `tick seq event`.
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.records {
            writeln!(f, "{:>6} {:>5} {}", r.tick, r.seq, self.describe(&r.event))?;
        }
        Ok(())
    }
}
