//! What a failing [`Check`](super::Check) reports: the [`Problem`]s of the
//! failing run, where and under what schedule, its timeline, its picture,
//! and the line that reproduces it.

use std::fmt;
use std::path::PathBuf;

use simloop_core::{Profile, RunError, Schedule, Tick};

use crate::invariants::Violation;

/// What went wrong in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// An invariant was violated (and not allowed).
    Violation(Violation),
    /// A task panicked (or code outside any task, `task: None`).
    Panic {
        /// The task, if the panic happened in one.
        task: Option<String>,
        /// The panic's message.
        message: String,
    },
    /// A property did not hold.
    Property {
        /// Its position among the check's properties, from 0.
        index: usize,
        /// Why not.
        message: String,
    },
    /// The run stopped at a limit (steps, time, tasks), an await cycle, or
    /// a schedule that does not fit the program.
    RunError(RunError),
    /// A scenario's expectation does not hold: `expect` (in CPython's own
    /// order) or `expect_always` (under any schedule).
    Expect {
        /// `expect`, `expect_by_profile` or `expect_always`.
        field: &'static str,
        /// Where the outcome differs.
        message: String,
    },
}

impl Problem {
    /// What kind of problem, for telling whether a shrunk run still fails
    /// the same way: `violation:cancel-balance`, `panic`, `property:0`,
    /// `expect:expect_always:$.tasks[1].done`...
    pub fn kind(&self) -> String {
        match self {
            Problem::Violation(v) => format!("violation:{}", v.invariant),
            Problem::Panic { .. } => "panic".to_owned(),
            Problem::Property { index, .. } => format!("property:{index}"),
            Problem::RunError(e) => format!("run-error:{}", run_error_kind(e)),
            // The JSON path of the first mismatch: a smaller tree must break
            // the same field, not any.
            Problem::Expect { field, message } => {
                let path = message.split(": ").next().unwrap_or_default();
                format!("expect:{field}:{path}")
            }
        }
    }
}

fn run_error_kind(e: &RunError) -> &'static str {
    match e {
        RunError::Stalled(_) => "stalled",
        RunError::StepLimit { .. } => "step-limit",
        RunError::TimeLimit { .. } => "time-limit",
        RunError::TaskLimit { .. } => "task-limit",
        RunError::ScheduleMismatch { .. } => "schedule-mismatch",
        RunError::TaskPanicked { .. } => "panic",
        RunError::AwaitCycle { .. } => "await-cycle",
        RunError::CancelDepth { .. } => "cancel-depth",
        RunError::TraceLimit { .. } => "trace-limit",
        RunError::ValueLimit { .. } => "value-limit",
        RunError::Unsupported { .. } => "unsupported",
        _ => "other",
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Violation(v) => write!(f, "{} violated: {}", v.invariant, v.message),
            Problem::Panic {
                task: Some(task),
                message,
            } => write!(f, "task {task} panicked: {message}"),
            Problem::Panic {
                task: None,
                message,
            } => {
                write!(f, "panicked outside any task: {message}")
            }
            Problem::Property { index, message } => {
                write!(f, "property #{index} does not hold: {message}")
            }
            Problem::RunError(e) => write!(f, "the run stopped: {e}"),
            Problem::Expect { field, message } => write!(f, "{field} not met: {message}"),
        }
    }
}

/// A failing run, shrunk and described.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// What went wrong, the first problem first.
    pub problems: Vec<Problem>,
    /// Under which profile.
    pub profile: Profile,
    /// The seed whose schedule failed; `None` for CPython's own order or a
    /// schedule from `SIMLOOP_SCHEDULE`.
    pub seed: Option<u64>,
    /// The jitter of seeded schedules.
    pub jitter: Tick,
    /// The failing schedule, shrunk toward CPython's order (its non-zero
    /// answers by choice point).
    pub schedule: Schedule,
    /// How many answers deviated from CPython's order before shrinking.
    pub deviations_before: usize,
    /// The shrunk run's timeline and summary.
    pub timeline: String,
    /// Its picture, if one was written (under `target/simloop/`).
    pub picture: Option<PathBuf>,
    /// The test's name, for the reproduce line.
    pub test: Option<String>,
}

impl Failure {
    /// The environment that runs this failure again: the profile, and the
    /// seed (or, for CPython's order, the empty schedule).
    pub fn reproduce_env(&self) -> String {
        match self.seed {
            Some(seed) => format!("SIMLOOP_PROFILE={} SIMLOOP_SEED={seed}", self.profile),
            None => format!(
                "SIMLOOP_PROFILE={} SIMLOOP_SCHEDULE={}",
                self.profile, self.schedule
            ),
        }
    }

    /// `note: run with SIMLOOP_PROFILE=py313 SIMLOOP_SEED=17 cargo test NAME
    /// to reproduce`.
    pub fn reproduce(&self) -> String {
        let test = self
            .test
            .as_deref()
            .map_or_else(String::new, |t| format!(" cargo test {t}"));
        format!("note: run with {}{test} to reproduce", self.reproduce_env())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.problems.first();
        writeln!(
            f,
            "simloop check failed under {} (CPython {}): {}",
            self.profile,
            self.profile.cpython(),
            first.map_or_else(
                || "the failure did not show again".to_owned(),
                |p| p.to_string()
            )
        )?;
        for p in self.problems.iter().skip(1) {
            writeln!(f, "  also: {p}")?;
        }
        match self.seed {
            Some(seed) => writeln!(f, "  seed: {seed} (jitter {})", self.jitter)?,
            None => writeln!(f, "  seed: none")?,
        }
        let shrunk = if self.deviations_before > self.schedule.deviations() {
            format!(", shrunk from {} deviations", self.deviations_before)
        } else {
            String::new()
        };
        if self.schedule.is_empty() {
            writeln!(f, "  schedule: none (CPython's own order){shrunk}")?;
        } else {
            let n = self.schedule.deviations();
            writeln!(
                f,
                "  schedule: {} ({n} choice{} away from CPython's order{shrunk})",
                self.schedule,
                if n == 1 { "" } else { "s" }
            )?;
        }
        writeln!(f, "timeline:")?;
        for line in self.timeline.lines() {
            writeln!(f, "  {line}")?;
        }
        if let Some(p) = &self.picture {
            writeln!(f, "picture: {}", p.display())?;
        }
        writeln!(f, "{}", self.reproduce())?;
        write!(
            f,
            "note: run with SIMLOOP_PROFILE={} SIMLOOP_SCHEDULE={} to replay the shrunk schedule",
            self.profile, self.schedule
        )
    }
}

/// The message of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a payload that is not a string".to_owned()
    }
}
