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
    },
    /// `task.uncancel()`.
    Uncancel {
        /// The task.
        task: TaskId,
        /// What `uncancel()` returned.
        remaining: u32,
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
    /// A combinator's annotation, e.g. `timeout.expired`.
    Mark {
        /// What happened.
        label: &'static str,
        /// The task it concerns.
        task: Option<TaskId>,
    },
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
}

impl Trace {
    pub(crate) fn new(mode: TraceMode) -> Trace {
        Trace {
            mode,
            records: Vec::new(),
            names: Vec::new(),
            seq: 0,
            hash: fold::SEED,
        }
    }

    /// Names are for printing events, so only a full trace keeps them (a
    /// hash-only sweep of 100,000 tasks saves 2 MB).
    pub(crate) fn name_task(&mut self, name: Rc<str>) {
        if self.mode == TraceMode::Full {
            self.names.push(name);
        }
    }

    pub(crate) fn push(&mut self, tick: Tick, event: Event) {
        self.fold(tick);
        self.fold_event(&event);
        if self.mode == TraceMode::Full {
            self.records.push(Record {
                tick,
                seq: self.seq,
                event,
            });
        }
        self.seq += 1;
    }

    fn fold(&mut self, x: u64) {
        self.hash = fold::word(self.hash, x);
    }

    fn fold_str(&mut self, s: &str) {
        self.hash = fold::text(self.hash, s);
    }

    fn fold_task(&mut self, t: Option<TaskId>) {
        self.fold(t.map_or(u64::MAX, |t| u64::from(t.0)));
    }

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
            Event::CancelRequested { task, by, count } => {
                self.fold(5);
                self.fold_task(Some(*task));
                self.fold_task(*by);
                self.fold(u64::from(*count));
            }
            Event::Uncancel { task, remaining } => {
                self.fold(6);
                self.fold_task(Some(*task));
                self.fold(u64::from(*remaining));
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
            Event::Mark { label, task } => {
                self.fold(10);
                self.fold_str(label);
                self.fold_task(*task);
            }
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
    pub fn records(&self) -> &[Record] {
        &self.records
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
            Event::CancelRequested { task, by, count } => match by {
                Some(b) => format!("cancel {} by {} (cancelling={count})", n(task), n(b)),
                None => format!("cancel {} (cancelling={count})", n(task)),
            },
            Event::Uncancel { task, remaining } => {
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
            Event::Mark { label, task } => match task {
                Some(t) => format!("{label} {}", n(t)),
                None => label.to_string(),
            },
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
