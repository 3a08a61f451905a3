//! How a run is set up: CPython profile, scheduling policy, limits, tracing.

use std::fmt;
use std::str::FromStr;

use crate::scheduler::{CPythonOrder, Pct, Replay, Schedule, Scheduler, Seeded};

/// Virtual time: integer ticks from 0. Scenarios read a tick as a millisecond.
pub type Tick = u64;

/// Which CPython's asyncio to reproduce. The loop itself differs only in
/// `Task.uncancel` (3.13 withdraws an undelivered cancel); the combinators
/// differ more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Profile {
    /// CPython 3.11.7.
    Py311,
    /// CPython 3.12.1.
    Py312,
    /// CPython 3.13.0.
    Py313,
    /// CPython 3.14.2 (checked under Pyodide 314.0.8). Its asyncio differs
    /// from 3.13's only with eager tasks.
    Py314,
}

impl Profile {
    /// Every profile, oldest first.
    pub const ALL: [Profile; 4] = [
        Profile::Py311,
        Profile::Py312,
        Profile::Py313,
        Profile::Py314,
    ];

    /// The profile's name on the command line: `py311` ... `py314`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Py311 => "py311",
            Profile::Py312 => "py312",
            Profile::Py313 => "py313",
            Profile::Py314 => "py314",
        }
    }

    /// The CPython version it reproduces, e.g. `3.13.0`.
    pub fn cpython(self) -> &'static str {
        match self {
            Profile::Py311 => "3.11.7",
            Profile::Py312 => "3.12.1",
            Profile::Py313 => "3.13.0",
            Profile::Py314 => "3.14.2",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile {s:?}; expected py311, py312, py313 or py314"))
    }
}

/// Which built-in [`Scheduler`] a run gets: a description that a
/// [`Config`] can carry, print and clone. [`Sim::new`](crate::Sim::new)
/// makes the scheduler from it; [`Sim::with_scheduler`](crate::Sim::with_scheduler)
/// takes any other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Policy {
    /// CPython's own order, exactly ([`CPythonOrder`]): timer ties in
    /// `heapq` order, sets of tasks iterated in creation order, no latency.
    Asyncio,
    /// Random answers from one ChaCha RNG ([`Seeded`]): timer ties, set
    /// iteration order and (if `jitter > 0`) extra latency of `0..=jitter`
    /// ticks on every non-zero sleep.
    Seeded {
        /// The run's seed.
        seed: u64,
        /// Largest extra latency added to a sleep, in ticks (0 = none).
        jitter: Tick,
    },
    /// The answers of a recorded schedule ([`Replay`]), CPython's order
    /// past its end.
    Replay(Schedule),
    /// CPython's order but at `depth` of the run's first `points` choice
    /// points, drawn with `seed` ([`Pct`]); a deviating sleep is
    /// `1..=jitter` ticks late.
    Pct {
        /// The seed of the draws.
        seed: u64,
        /// How many choice points deviate.
        depth: u64,
        /// How many choice points to draw them from (a run's count in
        /// CPython's order).
        points: u64,
        /// Largest extra latency of a deviating sleep.
        jitter: Tick,
    },
}

impl Policy {
    /// The scheduler this policy describes, fresh for one run.
    pub fn scheduler(&self) -> Box<dyn Scheduler> {
        match self {
            Policy::Asyncio => Box::new(CPythonOrder),
            Policy::Seeded { seed, jitter } => Box::new(Seeded::new(*seed, *jitter)),
            Policy::Replay(schedule) => Box::new(Replay::new(schedule.clone())),
            Policy::Pct {
                seed,
                depth,
                points,
                jitter,
            } => Box::new(Pct::new(*seed, *depth, *points, *jitter)),
        }
    }
}

impl fmt::Display for Policy {
    /// `asyncio`, `seed 7`, `seed 7, jitter 20`, `schedule 3:1,17:2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Asyncio => f.write_str("asyncio"),
            Policy::Seeded { seed, jitter: 0 } => write!(f, "seed {seed}"),
            Policy::Seeded { seed, jitter } => write!(f, "seed {seed}, jitter {jitter}"),
            Policy::Replay(s) => write!(f, "schedule {s}"),
            Policy::Pct { seed, depth, .. } => write!(f, "pct seed {seed} depth {depth}"),
        }
    }
}

/// Bounds on a run; each one stops the run with its own [`crate::RunError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Handles (task steps and callbacks) run.
    pub max_steps: u64,
    /// Virtual time the clock may reach.
    pub max_time: Tick,
    /// Tasks created.
    pub max_tasks: usize,
    /// Tasks one `cancel()` is passed on through, each to what it awaits
    /// (`t0.cancel()` to the task `t0` awaits, and so on down a chain).
    /// CPython's `Task.cancel` recurses there, one C call per task, and
    /// raises `RecursionError` when cancelling the head of a chain of 986
    /// tasks under 3.11.7 (1,489 under 3.12.1, 9,990 under 3.13.0, from a
    /// task's step): deeper ends the run with [`crate::RunError::CancelDepth`].
    /// Default 985, what every profile's CPython cancels.
    pub max_cancel_depth: u32,
    /// Trace records kept (56 bytes each): a cancel passed down chains of
    /// tasks records requests in a number that grows as the square of the
    /// tasks. Default 2,000,000, about 110 MB; a hash-only trace keeps none.
    pub max_trace_records: usize,
    /// Values the program's tasks returned, as the program counts them with
    /// [`Sim::count_values`](crate::Sim::count_values) (a scenario counts
    /// the JSON values of every task's result). Default 1,000,000.
    pub max_values: u64,
}

impl Limits {
    /// With at most `n` handles run.
    #[must_use]
    pub fn max_steps(mut self, n: u64) -> Limits {
        self.max_steps = n;
        self
    }

    /// With the clock allowed up to tick `t`.
    #[must_use]
    pub fn max_time(mut self, t: Tick) -> Limits {
        self.max_time = t;
        self
    }

    /// With at most `n` tasks created.
    #[must_use]
    pub fn max_tasks(mut self, n: usize) -> Limits {
        self.max_tasks = n;
        self
    }

    /// With a cancel passed on through at most `n` tasks.
    #[must_use]
    pub fn max_cancel_depth(mut self, n: u32) -> Limits {
        self.max_cancel_depth = n;
        self
    }

    /// With at most `n` trace records kept.
    #[must_use]
    pub fn max_trace_records(mut self, n: usize) -> Limits {
        self.max_trace_records = n;
        self
    }

    /// With at most `n` values counted.
    #[must_use]
    pub fn max_values(mut self, n: u64) -> Limits {
        self.max_values = n;
        self
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_steps: 50_000_000,
            max_time: 1_000_000_000_000,
            max_tasks: 2_000_000,
            max_cancel_depth: 985,
            max_trace_records: 2_000_000,
            max_values: 1_000_000,
        }
    }
}

/// Whether the run keeps every trace event or only the trace hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    /// Keep every event and the tasks' names (for timelines, snapshots,
    /// pictures, replays).
    Full,
    /// Keep the hash and the structure events
    /// ([`Event::is_structure`](crate::Event::is_structure): scope events,
    /// cancel requests, uncancels), which invariants and run reports read;
    /// not the scheduling events (for checking many runs).
    Structure,
    /// Keep only the hash (for benchmarks and determinism re-runs). The
    /// combinators then build no scope events at all, so a run report has
    /// no scope escapes.
    HashOnly,
}

impl TraceMode {
    /// Does it keep scope events?
    pub fn keeps_scopes(self) -> bool {
        self != TraceMode::HashOnly
    }
}

/// The loop's task factory (`loop.set_task_factory`): how `create_task`
/// starts a task when it is not told (3.14's `eager_start=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskFactory {
    /// None installed: a task's first step is scheduled with `call_soon`.
    #[default]
    Lazy,
    /// `asyncio.eager_task_factory` (3.12+): a task created while the loop
    /// runs takes its first step at once, inside `create_task`.
    Eager,
}

/// How one `create_task` call starts its task: 3.14's `eager_start=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Start {
    /// No `eager_start` argument: as the loop's [`TaskFactory`] says.
    #[default]
    Factory,
    /// `eager_start=True` (3.14+).
    Eager,
    /// `eager_start=False` (3.14+; lazy even under the eager factory).
    Lazy,
}

/// Everything a run needs to know up front.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The CPython version to reproduce.
    pub profile: Profile,
    /// The scheduling policy.
    pub policy: Policy,
    /// The run's bounds.
    pub limits: Limits,
    /// How much of the trace to keep.
    pub trace: TraceMode,
    /// The loop's task factory.
    pub task_factory: TaskFactory,
}

impl Config {
    /// `asyncio` policy, full trace, default limits, no task factory.
    pub fn new(profile: Profile) -> Config {
        Config {
            profile,
            policy: Policy::Asyncio,
            limits: Limits::default(),
            trace: TraceMode::Full,
            task_factory: TaskFactory::Lazy,
        }
    }

    /// With the given task factory: `loop.set_task_factory(
    /// asyncio.eager_task_factory)` for [`TaskFactory::Eager`].
    ///
    /// # Panics
    /// [`Sim::new`](crate::Sim::new) panics on an eager factory under
    /// py311: `asyncio.eager_task_factory` is new in Python 3.12.
    pub fn task_factory(mut self, factory: TaskFactory) -> Config {
        self.task_factory = factory;
        self
    }

    /// With the given policy.
    pub fn policy(mut self, policy: Policy) -> Config {
        self.policy = policy;
        self
    }

    /// With the given limits.
    pub fn limits(mut self, limits: Limits) -> Config {
        self.limits = limits;
        self
    }

    /// With the given trace mode.
    pub fn trace(mut self, trace: TraceMode) -> Config {
        self.trace = trace;
        self
    }
}
