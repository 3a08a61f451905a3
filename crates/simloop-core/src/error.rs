//! Why a run stopped before its goal.

use std::fmt;

use crate::config::Tick;
use crate::scheduler::ChoicePoint;
use crate::trace::TaskId;
use crate::waiting::Waiting;

/// A task that could never run again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// Its id.
    pub task: TaskId,
    /// Its name.
    pub name: String,
    /// What it waits on (printed `future #3 (hang)` or `task main.0`).
    pub waiting_on: Option<Waiting>,
}

/// Nothing is ready and no timer is left: nothing can ever run again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StallReport {
    /// The tick at which the loop found nothing to do.
    pub at: Tick,
    /// Every task not done, in creation order.
    pub blocked: Vec<Blocked>,
}

/// A `KeyboardInterrupt` or `SystemExit` that a task's step raised out of
/// the event loop: CPython's `Task.__step` finishes the task with it and
/// then re-raises it, so `run_until_complete` stops in the middle of its
/// pass, the rest of the pass left in the ready queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupt {
    /// The task whose step raised it (finished with it).
    pub task: TaskId,
    /// Its name.
    pub name: String,
    /// `KeyboardInterrupt` or `SystemExit`.
    pub kind: String,
    /// When.
    pub at: Tick,
}

impl fmt::Display for Interrupt {
    /// `KeyboardInterrupt escaped the loop from task t at tick 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} escaped the loop from task {} at tick {}",
            self.kind, self.name, self.at
        )
    }
}

/// A run ended without reaching its goal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// Nothing can ever run again.
    Stalled(StallReport),
    /// More handles ran than [`crate::Limits::max_steps`].
    StepLimit {
        /// The limit.
        limit: u64,
        /// When it was reached.
        at: Tick,
    },
    /// The next timer lies past [`crate::Limits::max_time`].
    TimeLimit {
        /// The limit.
        limit: Tick,
        /// The next timer's deadline.
        next: Tick,
    },
    /// More tasks were created than [`crate::Limits::max_tasks`].
    TaskLimit {
        /// The limit.
        limit: usize,
    },
    /// The scheduler answered a choice point with more than it allows: a
    /// replayed schedule that does not fit this program.
    ScheduleMismatch {
        /// The choice point's index.
        index: u64,
        /// What it decides.
        point: ChoicePoint,
        /// The largest answer allowed there.
        max: u64,
        /// The answer given.
        chosen: u64,
    },
    /// The program uses what the profile's CPython does not have (an
    /// eager task factory before 3.12, `eager_start` before 3.14): CPython
    /// would raise before running it.
    Unsupported {
        /// What, where, and under which version.
        message: String,
    },
    /// A task's body panicked, or awaited something that is not a simloop
    /// future: the run stops after that step, the task unfinished.
    TaskPanicked {
        /// The task.
        task: String,
        /// The panic's message, or what the task did wrong.
        message: String,
    },
    /// A task was cancelled while tasks await each other in a cycle: CPython
    /// passes the cancel round the cycle until `RecursionError`.
    AwaitCycle {
        /// The task whose cancel came back to it.
        task: String,
        /// Where the program makes it await (a scenario's JSON path), if
        /// the program says.
        at: Option<String>,
    },
    /// A cancel was to be passed on through more tasks awaiting each other
    /// than [`crate::Limits::max_cancel_depth`]: CPython's recursion raises
    /// `RecursionError` there.
    CancelDepth {
        /// The task the cancel reached at the limit, which would pass it on
        /// once more.
        task: String,
        /// The limit.
        limit: u32,
        /// Where the program makes that task await, if the program says.
        at: Option<String>,
    },
    /// More trace records than [`crate::Limits::max_trace_records`].
    TraceLimit {
        /// The limit.
        limit: usize,
    },
    /// More values counted than [`crate::Limits::max_values`].
    ValueLimit {
        /// The limit.
        limit: u64,
    },
    /// A task raised `KeyboardInterrupt` or `SystemExit` out of the loop,
    /// as CPython's would: not a bound but the program's own exception,
    /// which `asyncio.run` handles by cancelling what is left
    /// (`simloop_asyncio::runner` does).
    Interrupted(Interrupt),
}

impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stalled at tick {}: nothing is ready and no timer is left",
            self.at
        )?;
        for b in &self.blocked {
            match &b.waiting_on {
                Some(w) => write!(f, "\n  {} waits on {w}", b.name)?,
                None => write!(f, "\n  {} is not waiting on anything", b.name)?,
            }
        }
        Ok(())
    }
}

impl RunError {
    /// Is it the program that CPython cannot run (a cancelled await cycle,
    /// a feature the profile lacks) rather than a run stopped at a bound?
    /// Tools report it as bad input.
    pub fn is_invalid_program(&self) -> bool {
        matches!(
            self,
            RunError::AwaitCycle { .. }
                | RunError::CancelDepth { .. }
                | RunError::Unsupported { .. }
        )
    }

    /// Where in the program a cancelled await cycle or too deep a chain
    /// awaits: [`RunError::AwaitCycle`] and [`RunError::CancelDepth`] are
    /// reported at `at` (a scenario's JSON path) when given.
    pub fn at(mut self, path: Option<String>) -> RunError {
        if let RunError::AwaitCycle { at, .. } | RunError::CancelDepth { at, .. } = &mut self {
            *at = path;
        }
        self
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Stalled(r) => r.fmt(f),
            RunError::StepLimit { limit, at } => {
                write!(
                    f,
                    "step limit: more than {limit} handles ran (at tick {at})"
                )
            }
            RunError::TimeLimit { limit, next } => write!(
                f,
                "time limit: the next timer is at tick {next}, past the limit of {limit} ticks"
            ),
            RunError::TaskLimit { limit } => {
                write!(f, "task limit: more than {limit} tasks were created")
            }
            RunError::ScheduleMismatch {
                index,
                point,
                max,
                chosen,
            } => write!(
                f,
                "schedule mismatch: choice point {index} ({point}) allows 0..={max}, the schedule says {chosen}; it was recorded on another program"
            ),
            RunError::TaskPanicked { task, message } => {
                write!(f, "task {task} panicked: {message}")
            }
            RunError::Unsupported { message } => f.write_str(message),
            RunError::AwaitCycle { task, at } => {
                if let Some(at) = at {
                    write!(f, "{at}: ")?;
                }
                write!(
                    f,
                    "await cycle: cancelling {task} recurses forever (CPython raises RecursionError)"
                )
            }
            RunError::CancelDepth { task, limit, at } => {
                if let Some(at) = at {
                    write!(f, "{at}: ")?;
                }
                write!(
                    f,
                    "cancel chain too deep: the cancel reached {task} after passing through \
                     {limit} awaiting tasks (Limits::max_cancel_depth); CPython raises \
                     RecursionError"
                )
            }
            RunError::TraceLimit { limit } => write!(
                f,
                "trace limit: more than {limit} trace records (Limits::max_trace_records)"
            ),
            RunError::ValueLimit { limit } => write!(
                f,
                "value limit: the tasks' results hold more than {limit} values (Limits::max_values)"
            ),
            RunError::Interrupted(i) => i.fmt(f),
        }
    }
}

impl std::error::Error for RunError {}
