//! The structured-concurrency invariants checked on every explored run.
//!
//! Each [`Invariant`] is named as on the command line and documented with
//! its precise rule. [`check`] applies them to a [`Run`] (its
//! [`Observations`], and for `determinism` the trace hash of a second run of
//! the same seed) and returns a [`Report`]: *violations* break a rule;
//! *findings* are facts worth reporting that CPython's design allows
//! (a child escaping an unstructured `gather`).
//!
//! ```
//! use simloop_core::{Config, Policy, Profile};
//! use simloop_explore::invariants::{check, Invariant};
//! use simloop_scenario::{parse_scenario, run};
//!
//! let leak = parse_scenario(r#"{"main": [{"task_group": [[{"raise": "Boom"}]]}]}"#).unwrap();
//! let report = |p| check(&run(&leak, Config::new(p)).unwrap(), None);
//! // CPython 3.11 leaves main's cancelling() at 1 after the group: a leak.
//! let r311 = report(Profile::Py311);
//! assert_eq!(r311.violations[0].invariant, Invariant::CancelBalance);
//! // 3.13 fixed it.
//! assert!(report(Profile::Py313).violations.is_empty());
//! ```
//!
//! The modules: `invariant` names the rules; `report` holds what a check
//! returns; one module per invariant checks it on the observations
//! (`no_orphans`, `errors_collected`, `cancel_balance`, `deadline`,
//! `semaphore_bound`, `result_order`; `determinism` compares two runs'
//! hashes, here in [`check`]); `observed` reads the observations into the
//! words of a message.

mod cancel_balance;
mod deadline;
mod errors_collected;
mod invariant;
mod no_orphans;
mod observed;
mod report;
mod result_order;
mod semaphore_bound;
#[cfg(test)]
mod tests;

use simloop_scenario::{Observations, Run};

pub use invariant::Invariant;
pub use report::{Finding, Report, Violation};

use cancel_balance::cancel_balance;
use deadline::deadline;
use errors_collected::errors_collected;
use no_orphans::no_orphans;
use result_order::result_order;
use semaphore_bound::semaphore_bound;

/// Check every invariant on `run`. `rerun_hash` is the trace hash of a
/// second run of the same scenario under the same configuration; without
/// it `determinism` is not checked.
pub fn check(run: &Run, rerun_hash: Option<u64>) -> Report {
    let mut report = check_observations(&run.observations);
    if let Some(h2) = rerun_hash {
        report.checked(Invariant::Determinism);
        let h1 = run.sim.trace_ref().hash();
        if h1 != h2 {
            report.violation(
                Invariant::Determinism,
                format!("trace hash {h1:#018x}, then {h2:#018x} on a second run"),
            );
        }
    }
    report
}

/// Check every invariant but `determinism` on recorded observations.
pub fn check_observations(obs: &Observations) -> Report {
    let mut r = Report::new();
    no_orphans(obs, &mut r);
    errors_collected(obs, &mut r);
    cancel_balance(obs, &mut r);
    deadline(obs, &mut r);
    semaphore_bound(obs, &mut r);
    result_order(obs, &mut r);
    r
}
