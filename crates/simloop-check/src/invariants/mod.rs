//! The structured-concurrency invariants, checked on a run.
//!
//! Each [`Invariant`] is named as on the command line and documented with
//! its precise rule. [`check`] applies them to a run report (through its
//! [`Observations`], and for `determinism` the trace
//! hash of a second run) and returns a [`Report`]: *violations* break a
//! rule; *findings* are facts worth reporting that CPython's design allows
//! (a child escaping an unstructured `gather`).
//!
//! The modules: `invariant` names the rules; `report` holds what a check
//! returns; one module per invariant checks it (`no_orphans`,
//! `errors_collected`, `cancel_balance`, `deadline`, `semaphore_bound`,
//! `result_order`, `no_lost_wakeup`, `timers_cancelled`, `no_deadlock`; `determinism` compares two runs' hashes,
//! here in [`check`]); `observed` words the messages.

mod cancel_balance;
mod deadline;
mod errors_collected;
mod invariant;
mod no_deadlock;
mod no_lost_wakeup;
mod no_orphans;
mod observed;
mod report;
mod result_order;
mod semaphore_bound;
#[cfg(test)]
mod tests;
mod timers_cancelled;

use simloop_asyncio::runner::RunReport;

pub use invariant::Invariant;
pub use report::{Counts, Finding, Report, Violation};

use crate::observe::Observations;

/// Which checks [`check`] runs beyond the default ones, and how strictly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checks {
    /// Check [`Invariant::NoDeadlock`]. Off by default (explore's trees
    /// hang on purpose).
    pub no_deadlock: bool,
    /// Make a child escaping `gather`, `wait` or `as_completed` a
    /// violation of [`Invariant::NoOrphans`], not a finding.
    pub deny_findings: bool,
    /// The trace hash of a second run of the same program and schedule:
    /// [`Invariant::Determinism`] compares it with the run's.
    pub rerun_hash: Option<u64>,
}

impl Checks {
    /// The default checks: every invariant but `no-deadlock`, findings
    /// allowed, no `determinism` (no second run).
    pub fn new() -> Checks {
        Checks::default()
    }

    /// With [`Invariant::NoDeadlock`] checked, or not.
    #[must_use]
    pub fn no_deadlock(mut self, on: bool) -> Checks {
        self.no_deadlock = on;
        self
    }

    /// With escapes from `gather`, `wait` and `as_completed` denied, or not.
    #[must_use]
    pub fn deny_findings(mut self, on: bool) -> Checks {
        self.deny_findings = on;
        self
    }

    /// Checking [`Invariant::Determinism`] against a second run's hash.
    #[must_use]
    pub fn rerun_hash(mut self, hash: u64) -> Checks {
        self.rerun_hash = Some(hash);
        self
    }
}

/// Check `report`'s run.
///
/// # Panics
/// If the run kept only its trace hash (see [`Observations::of`]).
pub fn check<T>(report: &RunReport<T>, checks: &Checks) -> Report {
    let mut obs = Observations::of(report);
    let mut r = check_observations(&obs, checks);
    obs.recycle();
    if let Some(h2) = checks.rerun_hash {
        r.checked(Invariant::Determinism);
        let h1 = report.sim.trace_ref().hash();
        if h1 != h2 {
            r.violation(
                Invariant::Determinism,
                format!("trace hash {h1:#018x}, then {h2:#018x} on a second run"),
            );
        }
    }
    r
}

/// Check every invariant but `determinism` on observations.
pub fn check_observations(obs: &Observations, checks: &Checks) -> Report {
    let mut r = Report::new();
    no_orphans::no_orphans(obs, checks.deny_findings, &mut r);
    errors_collected::errors_collected(obs, &mut r);
    cancel_balance::cancel_balance(obs, &mut r);
    deadline::deadline(obs, &mut r);
    semaphore_bound::semaphore_bound(obs, &mut r);
    result_order::result_order(obs, &mut r);
    no_lost_wakeup::no_lost_wakeup(obs, &mut r);
    timers_cancelled::timers_cancelled(obs, &mut r);
    if checks.no_deadlock {
        no_deadlock::no_deadlock(obs, &mut r);
    }
    r
}
