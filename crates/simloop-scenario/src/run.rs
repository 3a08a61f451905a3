//! Running a scenario like `asyncio.run(main())`, then reaping orphans.
//!
//! 1. `run_until_complete(main)`; `end_time`, and the tasks still pending
//!    are the orphans. 2. Cancel the orphans in creation order. 3. Run until
//!    every task is done (`quiescent_time`). A stall ends the run: a `main`
//!    that is not done is stalled, every unfinished task stuck.

use std::rc::Rc;

use serde_json::Value;
use simloop_core::{Config, RunError, Sim, Tick};

use crate::format::Scenario;
use crate::interp::Interp;
use crate::observe::Observations;
use crate::outcome::{MainOutcome, Outcome, TaskOutcome, TaskRecord};
use crate::plan::Prepared;

/// A finished run: its outcome, what the invariants need, and the loop,
/// for its trace.
pub struct Run {
    /// The outcome JSON's content.
    pub outcome: Outcome,
    /// What the interpreter recorded for the invariants (scopes, cancel
    /// counts, semaphores, gathers...), read without changing the run.
    pub observations: Observations,
    /// The loop after the run (its trace, its time); closed.
    pub sim: Sim,
}

/// Run `scenario` under `config`. Errors are the run limits of `config`
/// (a stall is not an error: it is part of the outcome).
pub fn run(scenario: &Scenario, config: Config) -> Result<Run, RunError> {
    run_prepared(&Prepared::new(scenario), config)
}

/// [`run`] on a scenario compiled beforehand, to run it more than once
/// without compiling it each time.
pub fn run_prepared(scenario: &Prepared, config: Config) -> Result<Run, RunError> {
    let sim = Sim::new(config);
    let ix = Interp::new(sim.clone(), scenario.0.clone());
    let main = ix.spawn_main();
    let result = drive(&sim, &main);
    let observations = ix.observations();
    let outcome = result.map(|(end_time, quiescent_time, orphans, stalled)| {
        let main = match (stalled, main.result()) {
            (_, Some(Ok(v))) => MainOutcome::Ok(v),
            (_, Some(Err(e))) if e.is_cancelled() => MainOutcome::Cancelled,
            (_, Some(Err(e))) => MainOutcome::Error(e),
            (_, None) => MainOutcome::Stalled,
        };
        Outcome {
            main,
            end_time,
            quiescent_time,
            orphans,
            scope_escapes: ix.take_escapes(),
            tasks: records(&sim, &ix),
        }
    });
    sim.close();
    drop(ix);
    outcome.map(|outcome| Run {
        outcome,
        observations,
        sim,
    })
}

/// The three phases; returns end time, quiescent time, orphans, stalled.
fn drive(
    sim: &Sim,
    main: &simloop_core::Task<Value>,
) -> Result<(Tick, Tick, Vec<String>, bool), RunError> {
    match sim.run_until_complete(main.any()) {
        Ok(()) => {}
        Err(RunError::Stalled(r)) => return Ok((r.at, r.at, Vec::new(), true)),
        Err(e) => return Err(e),
    }
    let end_time = sim.time();
    let orphans: Vec<_> = sim.all_tasks().into_iter().filter(|t| !t.done()).collect();
    for t in &orphans {
        t.cancel(None);
    }
    let quiescent_time = match sim.run_until_tasks_done() {
        Ok(()) => sim.time(),
        Err(RunError::Stalled(r)) => r.at,
        Err(e) => return Err(e),
    };
    let names = orphans.iter().map(|t| t.name().to_owned()).collect();
    Ok((end_time, quiescent_time, names, false))
}

fn records(sim: &Sim, ix: &Rc<Interp>) -> Vec<TaskRecord> {
    let all = sim.all_tasks();
    all.iter()
        .map(|t| {
            let outcome = match ix.task(t.id()).result() {
                None => TaskOutcome::Stuck,
                Some(Ok(v)) => TaskOutcome::Ok(v),
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
