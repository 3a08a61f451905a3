//! A scenario run stopped at a tick, its tasks still live: what
//! `simloop pstree` reads the await tree from.
//!
//! [`run_until`] drives the same phases as [`run`](crate::run)
//! (`asyncio.run`'s: main, then the shutdown that cancels orphans) but
//! stops where the clock would pass the tick: every handle due at or
//! before it has run, none after.

use std::rc::Rc;

use simloop_asyncio::runner::run_until_tick;
use simloop_core::{Config, RunError, Sim, TaskRef, Tick};

use crate::format::Scenario;
use crate::interp::Interp;
use crate::plan::Plan;

/// A run paused at a tick. Its tasks keep their state (`waiting_on`,
/// `cancelling`) until it is dropped, which closes the loop.
#[must_use = "a paused run is only useful to inspect its tasks"]
pub struct Paused {
    sim: Sim,
    /// Kept alive so that the tasks' bodies stay as they were.
    _ix: Rc<Interp>,
}

impl Paused {
    /// The loop, at the tick the run stopped at (its trace so far).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Every task created so far, `main` first, in creation order.
    pub fn tasks(&self) -> Vec<TaskRef> {
        self.sim.all_tasks()
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        self.sim.close();
    }
}

/// Run `scenario` under `config` until the loop's clock would pass `at`.
/// A run that stalls or ends earlier stops there. Errors are the run limits
/// of `config`, its time limit when the run reaches it before `at`.
pub fn run_until(scenario: &Scenario, config: Config, at: Tick) -> Result<Paused, RunError> {
    let mut limits = config.limits;
    limits.max_time = limits.max_time.min(at);
    let sim = Sim::new(config.limits(limits));
    let (ix, main) = Interp::start(&sim, &Rc::new(Plan::new(scenario)))?;
    let paused = Paused { sim, _ix: ix };
    run_until_tick(&paused.sim, &main, at).map_err(|e| paused._ix.locate(e))?;
    Ok(paused)
}
