//! `asyncio.run(main())` (`Lib/asyncio/runners.py`): run a main coroutine to
//! its end, cancel what it left behind, and report.
//!
//! [`run`] (or [`run_task`] for a `main` already spawned) does what
//! `asyncio.run` does, on simloop's loop:
//!
//! 1. `run_until_complete(main)`. The tick it ends at is the run's
//!    `end_time`. If nothing can run before `main` is done, the loop has
//!    *stalled*: `main` never finishes, and every task not done is stuck.
//! 2. The tasks still pending are the *orphans*; they are cancelled in
//!    creation order (`_cancel_all_tasks`).
//! 3. The loop runs until every task is done (`quiescent_time`); a task
//!    that can never finish is *stuck* (that phase stalls).
//! 4. `loop.close()`: pending handles, timers and task bodies are dropped,
//!    so that nothing a run made outlives it.
//!
//! A task that raises `KeyboardInterrupt` or `SystemExit` out of its body
//! stops the loop at once, as CPython's `Task.__step` re-raises them
//! ([`Interrupt`]): an interrupted phase 1 ends there and phase 2 cancels
//! what is left, `main` included; an interrupted phase 2 ends the run with
//! its unfinished tasks stuck, where `asyncio.run` raises the second
//! interrupt and leaves them pending.
//!
//! The [`RunReport`] says how `main` ended, the times, the orphans, the
//! stuck tasks, the scope escapes (children still running when the
//! `gather`, `wait`, `as_completed` or `TaskGroup` that made them handed
//! control back, read from the trace's scope events) and keeps the loop for
//! its trace and tasks. [`Sim::run_main`] stays the low-level entry: it
//! runs until `main` is done, with no shutdown.
//!
//! ```
//! use simloop_asyncio::gather::gather;
//! use simloop_asyncio::runner::{run, MainOutcome};
//! use simloop_core::{sleep, spawn, Config, Profile, Sim, Exc};
//!
//! let sim = Sim::new(Config::new(Profile::Py313));
//! let report = run(&sim, "main", async {
//!     let slow = spawn("slow", async { sleep(100).await });
//!     let boom = spawn("boom", async { sleep(5).await?; Err::<(), _>(Exc::new("Boom")) });
//!     let r = gather(vec![slow, boom], false).await; // raises Boom at 5...
//!     Ok(r.is_err())                                  // ...and leaves `slow` running
//! })
//! .unwrap();
//! assert!(matches!(report.main, MainOutcome::Returned(true)));
//! assert_eq!(report.end_time, 5);
//! assert_eq!(report.names(&report.orphans), ["slow"]); // cancelled at shutdown
//! assert_eq!(report.escapes[0].to_string(), "slow outlived its gather at 5");
//! ```

use std::fmt;
use std::future::Future as StdFuture;

use simloop_core::scope::{Combinator, ScopeEvent, ScopeId};
use simloop_core::{
    Event, Exc, Interrupt, RunError, Sim, StallReport, Task, TaskId, TaskRef, Tick,
};

/// How `main` ended.
#[derive(Clone, Debug, PartialEq)]
pub enum MainOutcome<T> {
    /// It returned this value.
    Returned(T),
    /// It raised.
    Raised(Exc),
    /// It ended cancelled.
    Cancelled,
    /// The loop stalled before it finished: nothing could ever run again.
    Stalled,
    /// The run was interrupted twice (a `KeyboardInterrupt` or
    /// `SystemExit` raised out of the loop in each phase) before it
    /// finished.
    Interrupted,
}

impl<T> MainOutcome<T> {
    /// The outcome of a finished task's result (`None`: not finished).
    pub fn of(result: Option<Result<T, Exc>>) -> MainOutcome<T> {
        match result {
            None => MainOutcome::Stalled,
            Some(Ok(v)) => MainOutcome::Returned(v),
            Some(Err(e)) if e.is_cancelled() => MainOutcome::Cancelled,
            Some(Err(e)) => MainOutcome::Raised(e),
        }
    }

    /// The outcome of a run's `main`: [`MainOutcome::of`], except that a
    /// `main` left unfinished by an interrupted shutdown is
    /// [`MainOutcome::Interrupted`].
    fn of_run(result: Option<Result<T, Exc>>, interrupted: bool) -> MainOutcome<T> {
        match result {
            None if interrupted => MainOutcome::Interrupted,
            r => MainOutcome::of(r),
        }
    }

    /// Did the loop stall before `main` finished?
    pub fn is_stalled(&self) -> bool {
        matches!(self, MainOutcome::Stalled)
    }
}

/// The combinators whose children can outlive them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EscapeScope {
    /// `asyncio.gather`.
    Gather,
    /// `asyncio.wait`.
    Wait,
    /// `asyncio.as_completed`.
    AsCompleted,
    /// `asyncio.TaskGroup` (never in CPython).
    TaskGroup,
}

impl EscapeScope {
    /// How it is written: `gather`, `wait`, `as_completed`, `task_group`.
    pub fn name(self) -> &'static str {
        match self {
            EscapeScope::Gather => "gather",
            EscapeScope::Wait => "wait",
            EscapeScope::AsCompleted => "as_completed",
            EscapeScope::TaskGroup => "task_group",
        }
    }

    /// Do its children belong to it? A `TaskGroup`'s do; a child escaping
    /// one breaks structured concurrency. The others never promised it.
    pub fn owns_children(self) -> bool {
        self == EscapeScope::TaskGroup
    }
}

impl fmt::Display for EscapeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A child still running when the combinator that made it handed control
/// back to its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escape {
    /// Which combinator.
    pub kind: EscapeScope,
    /// Its scope in the trace.
    pub scope: ScopeId,
    /// The child.
    pub task: TaskId,
    /// Its name.
    pub name: String,
    /// When the combinator handed control back.
    pub at: Tick,
}

impl fmt::Display for Escape {
    /// `slow outlived its gather at 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} outlived its {} at {}", self.name, self.kind, self.at)
    }
}

/// What [`run`] found.
#[derive(Clone)]
#[non_exhaustive]
pub struct RunReport<T> {
    /// How `main` ended.
    pub main: MainOutcome<T>,
    /// The `main` task.
    pub main_task: TaskId,
    /// When `main` finished, or the loop stalled.
    pub end_time: Tick,
    /// When the last task finished after the orphans were cancelled (or
    /// that phase stalled).
    pub quiescent_time: Tick,
    /// Tasks still pending when `main` finished, in creation order:
    /// `asyncio.run` cancelled them.
    pub orphans: Vec<TaskId>,
    /// Tasks that never finished, in creation order.
    pub stuck: Vec<TaskId>,
    /// Where and why the loop stalled, if it did.
    pub stall: Option<StallReport>,
    /// The `KeyboardInterrupt`s and `SystemExit`s raised out of the loop:
    /// at most one per phase, the first ending `run_until_complete(main)`,
    /// a second ending the shutdown. `asyncio.run` raises the last.
    pub interrupts: Vec<Interrupt>,
    /// Children that outlived their `gather`, `wait`, `as_completed` or
    /// `TaskGroup`, in the order those handed control back. Read from the
    /// trace: empty when it keeps no scope events
    /// ([`TraceMode::HashOnly`](simloop_core::TraceMode::HashOnly)).
    pub escapes: Vec<Escape>,
    /// The loop, closed: its trace, its tasks, its time.
    pub sim: Sim,
}

impl<T> RunReport<T> {
    /// Every task of the run, `main` first, in creation order.
    pub fn tasks(&self) -> Vec<TaskRef> {
        self.sim.all_tasks()
    }

    /// The names of `tasks`.
    pub fn names(&self, tasks: &[TaskId]) -> Vec<String> {
        let all = self.sim.tasks();
        tasks
            .iter()
            .map(|t| all.get(t.0 as usize).map_or("?", |t| t.name()).to_owned())
            .collect()
    }

    /// The same report with `main`'s value mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> RunReport<U> {
        RunReport {
            main: match self.main {
                MainOutcome::Returned(v) => MainOutcome::Returned(f(v)),
                MainOutcome::Raised(e) => MainOutcome::Raised(e),
                MainOutcome::Cancelled => MainOutcome::Cancelled,
                MainOutcome::Stalled => MainOutcome::Stalled,
                MainOutcome::Interrupted => MainOutcome::Interrupted,
            },
            main_task: self.main_task,
            end_time: self.end_time,
            quiescent_time: self.quiescent_time,
            orphans: self.orphans,
            stuck: self.stuck,
            stall: self.stall,
            interrupts: self.interrupts,
            escapes: self.escapes,
            sim: self.sim,
        }
    }
}

/// `asyncio.run(body)`, with `body` as the task `name`, on `sim`. Errors are
/// `sim`'s run limits (a stall is not an error: it is in the report).
pub fn run<T, F>(sim: &Sim, name: &str, body: F) -> Result<RunReport<T>, RunError>
where
    T: Clone + 'static,
    F: StdFuture<Output = Result<T, Exc>> + 'static,
{
    let main = sim.spawn(name, body);
    run_task(sim, &main)
}

/// [`run`] for a `main` task already created on `sim` (and not yet run).
pub fn run_task<T: Clone + 'static>(sim: &Sim, main: &Task<T>) -> Result<RunReport<T>, RunError> {
    let phases = drive(sim, main.any(), None);
    let report = phases.map(|p| RunReport {
        main: MainOutcome::of_run(main.result(), p.interrupts.len() > 1),
        main_task: main.id(),
        end_time: p.end_time,
        quiescent_time: p.quiescent_time,
        orphans: p.orphans,
        stuck: pending(sim).iter().map(TaskRef::id).collect(),
        stall: p.stall,
        interrupts: p.interrupts,
        escapes: escapes(sim),
        sim: sim.clone(),
    });
    sim.close();
    report
}

/// [`run_task`]'s phases, stopped where the clock would pass tick `at`
/// (every handle due at or before it has run): the run's tasks stay as
/// they are, to be looked at (`pstree`), and the loop is not closed. A run
/// that stalls or ends earlier stops there. Errors are the run limits,
/// `sim`'s time limit included when the run reaches it before `at` (set
/// the limit to `at` or less to stop there quietly).
pub fn run_until_tick<T: Clone + 'static>(
    sim: &Sim,
    main: &Task<T>,
    at: Tick,
) -> Result<(), RunError> {
    drive(sim, main.any(), Some(at)).map(drop)
}

/// The tasks not done, in creation order (none, without a look at each,
/// when the loop counts none pending).
fn pending(sim: &Sim) -> Vec<TaskRef> {
    if sim.pending_tasks() == 0 {
        return Vec::new();
    }
    sim.tasks().iter().filter(|t| !t.done()).cloned().collect()
}

/// What the phases found.
struct Phases {
    end_time: Tick,
    quiescent_time: Tick,
    orphans: Vec<TaskId>,
    stall: Option<StallReport>,
    interrupts: Vec<Interrupt>,
}

/// The three phases of `asyncio.run`. With `pause_at`, a time limit hit by
/// a timer past that tick ends the run quietly, as a stall does.
fn drive(sim: &Sim, main: &TaskRef, pause_at: Option<Tick>) -> Result<Phases, RunError> {
    let mut interrupts = Vec::new();
    let mut stopped = |r: Result<(), RunError>| -> Result<Option<StallReport>, RunError> {
        match r {
            Ok(()) => Ok(None),
            Err(RunError::Interrupted(i)) => {
                interrupts.push(i);
                Ok(None)
            }
            Err(RunError::Stalled(s)) => Ok(Some(s)),
            Err(RunError::TimeLimit { next, .. }) if pause_at.is_some_and(|at| next > at) => {
                Ok(Some(StallReport {
                    at: sim.time(),
                    blocked: Vec::new(),
                }))
            }
            Err(e) => Err(e),
        }
    };
    if let Some(stall) = stopped(sim.run_until_complete(main))? {
        return Ok(Phases {
            end_time: stall.at,
            quiescent_time: stall.at,
            orphans: Vec::new(),
            stall: Some(stall),
            interrupts,
        });
    }
    let end_time = sim.time();
    let orphans = pending(sim);
    for t in &orphans {
        t.cancel(None);
    }
    let stall = stopped(sim.run_until_tasks_done())?;
    Ok(Phases {
        end_time,
        quiescent_time: stall.as_ref().map_or(sim.time(), |s| s.at),
        orphans: orphans.iter().map(TaskRef::id).collect(),
        stall,
        interrupts,
    })
}

/// The scope escapes, from the trace's scope events, in trace order.
fn escapes(sim: &Sim) -> Vec<Escape> {
    let trace = sim.trace_ref();
    if !trace.has_escapes() {
        return Vec::new();
    }
    let tasks = sim.tasks();
    let mut kinds = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for r in trace.records() {
        let Event::Scope(e) = &r.event else {
            continue;
        };
        let (kind, scope, pending) = match e {
            ScopeEvent::Start(s) => {
                let kind = match s.combinator {
                    Combinator::Gather { .. } => EscapeScope::Gather,
                    Combinator::Wait { .. } => EscapeScope::Wait,
                    Combinator::AsCompleted { .. } => EscapeScope::AsCompleted,
                };
                kinds.insert(s.scope, kind);
                continue;
            }
            ScopeEvent::End(end) => match kinds.get(&end.scope) {
                Some(&kind) => (kind, end.scope, &end.pending),
                None => continue,
            },
            ScopeEvent::TaskGroupExit(x) => (EscapeScope::TaskGroup, x.scope, &x.pending),
            _ => continue,
        };
        for &task in pending {
            out.push(Escape {
                kind,
                scope,
                task,
                name: tasks
                    .get(task.0 as usize)
                    .map_or("?", |t| t.name())
                    .to_owned(),
                at: r.tick,
            });
        }
    }
    out
}
