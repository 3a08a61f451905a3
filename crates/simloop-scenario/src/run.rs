//! Running a scenario like `asyncio.run(main())`, then reaping orphans.
//!
//! 1. `run_until_complete(main)`; `end_time`, and the tasks still pending
//!    are the orphans. 2. Cancel the orphans in creation order. 3. Run until
//!    every task is done (`quiescent_time`). A stall ends the run: a `main`
//!    that is not done is stalled, every unfinished task stuck. A
//!    `KeyboardInterrupt` or `SystemExit` raised out of the loop ends a
//!    phase at once (see [`simloop_asyncio::runner`]).

use std::rc::Rc;

use serde_json::Value;
use simloop_asyncio::runner::{run_task, MainOutcome as Main, RunReport};
use simloop_core::{Config, RunError, Sim, TraceMode};

use crate::format::Scenario;
use crate::interp::Interp;
use crate::outcome::{MainOutcome, Outcome, TaskOutcome, TaskRecord};
use crate::plan::Prepared;

/// A finished run: its outcome and the run report of `asyncio.run` (its
/// trace, its tasks, what the invariants read).
pub struct Run {
    /// The outcome JSON's content.
    pub outcome: Outcome,
    /// `asyncio.run`'s report; its loop is closed.
    pub report: RunReport<Value>,
    /// The loop after the run (its trace, its time); closed.
    pub sim: Sim,
}

/// Run `scenario` under `config`, as `asyncio.run(main())`
/// ([`simloop_asyncio::runner`]). Errors are the run limits of `config`
/// (a stall is not an error: it is part of the outcome). The outcome's
/// scope escapes are read from the trace's scope events, so a
/// [`TraceMode::HashOnly`] config runs with [`TraceMode::Structure`].
pub fn run(scenario: &Scenario, config: Config) -> Result<Run, RunError> {
    run_prepared(&Prepared::new(scenario), config)
}

/// [`run`] on a scenario compiled beforehand, to run it more than once
/// without compiling it each time.
pub fn run_prepared(scenario: &Prepared, config: Config) -> Result<Run, RunError> {
    run_on(scenario, &Sim::new(keeping_scopes(config)))
}

/// [`run_prepared`] without the outcome: `asyncio.run`'s report alone,
/// with its loop and the trace's scope events, which is all an invariant
/// check reads. A sweep that checks thousands of runs and prints none
/// saves building each outcome (the tasks' names and values copied) and
/// dropping it again.
pub fn run_report(scenario: &Prepared, config: Config) -> Result<RunReport<Value>, RunError> {
    report_on(scenario, &Sim::new(keeping_scopes(config)))
}

/// [`run_on`] without the outcome, as [`run_report`] is [`run_prepared`]
/// without it.
pub fn report_on(scenario: &Prepared, sim: &Sim) -> Result<RunReport<Value>, RunError> {
    let (_, report) = run_interp(scenario, sim)?;
    Ok(report.map(Rc::unwrap_or_clone))
}

/// `config`, with scope events kept if it keeps only the hash: the
/// report's escapes are read from them.
fn keeping_scopes(config: Config) -> Config {
    match config.trace {
        TraceMode::HashOnly => config.trace(TraceMode::Structure),
        _ => config,
    }
}

/// Create `main` on `sim` and run it as `asyncio.run` does; a run limit
/// is reported at the step it stopped in.
fn run_interp(
    scenario: &Prepared,
    sim: &Sim,
) -> Result<(Rc<Interp>, RunReport<Rc<Value>>), RunError> {
    let (ix, main) = Interp::start(sim, &scenario.0)?;
    match run_task(sim, &main) {
        Ok(report) => Ok((ix, report)),
        Err(e) => Err(ix.locate(e)),
    }
}

/// [`run_prepared`] on a loop the caller made (with any scheduler, see
/// [`Sim::with_scheduler`]), so that the loop (its schedule, its trace)
/// is still at hand when the run stops at a limit. Its trace should keep
/// scope events ([`TraceMode::Structure`] or `Full`): the outcome's
/// escapes come from them.
///
/// A scenario that needs what the profile's CPython lacks (an eager task
/// factory before 3.12, `eager_start` before 3.14) is refused with
/// [`RunError::Unsupported`], as CPython raises before anything runs.
pub fn run_on(scenario: &Prepared, sim: &Sim) -> Result<Run, RunError> {
    let sim = sim.clone();
    let (ix, report) = run_interp(scenario, &sim)?;
    let run = {
        let report = report.map(Rc::unwrap_or_clone);
        let main = match &report.main {
            Main::Returned(v) => MainOutcome::Ok(v.clone()),
            Main::Raised(e) => MainOutcome::Error(e.clone()),
            Main::Cancelled => MainOutcome::Cancelled,
            Main::Stalled => MainOutcome::Stalled,
            Main::Interrupted => MainOutcome::Interrupted,
        };
        let outcome = Outcome {
            main,
            end_time: report.end_time,
            quiescent_time: report.quiescent_time,
            orphans: report.names(&report.orphans),
            scope_escapes: report.escapes.clone(),
            interrupts: report.interrupts.clone(),
            tasks: records(&sim, &ix),
        };
        Run {
            outcome,
            report,
            sim: sim.clone(),
        }
    };
    drop(ix);
    Ok(run)
}

/// The trace hash of a run of `scenario` under `config`, and nothing else:
/// no outcome is built and the trace keeps nothing (whatever
/// `config.trace` says), which makes it the cheap second run of a
/// determinism check. The hash is the one [`run_prepared`] gives: a trace
/// hashes the same in every [`TraceMode`].
pub fn run_hash(scenario: &Prepared, config: Config) -> Result<u64, RunError> {
    let sim = Sim::new(config.trace(TraceMode::HashOnly));
    drop(run_interp(scenario, &sim)?);
    let hash = sim.trace_ref().hash();
    Ok(hash)
}

fn records(sim: &Sim, ix: &Rc<Interp>) -> Vec<TaskRecord> {
    let all = sim.all_tasks();
    all.iter()
        .map(|t| {
            let outcome = match ix.task(t.id()).result() {
                None => TaskOutcome::Stuck,
                Some(Ok(v)) => TaskOutcome::Ok(Rc::unwrap_or_clone(v)),
                Some(Err(e)) if e.is_cancelled() => TaskOutcome::Cancelled,
                Some(Err(e)) => TaskOutcome::Error(e),
            };
            TaskRecord {
                name: t.name().to_owned(),
                parent: t.parent().map(|p| all[p.0 as usize].name().to_owned()),
                created: t.created(),
                done: t.done_at(),
                outcome,
                cancel_requests: t.cancel_requests(),
                uncancels: t.uncancels(),
                cancelling: t.cancelling(),
            }
        })
        .collect()
}
