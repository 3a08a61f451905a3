//! simloop's structured-concurrency invariants, checked on the run of any
//! program written with `simloop::asyncio`: a scenario, a generated tree, or
//! the user's own async Rust code.
//!
//! - [`Observations::of`]: what a run did with its scopes, read from its
//!   [`RunReport`](simloop_asyncio::runner::RunReport) and the typed scope
//!   events of its trace.
//! - [`invariants`]: the named rules ([`Invariant`]), [`check`] and what it
//!   returns ([`Report`]).
//! - [`exhaustive`]: every schedule of a program, depth first, with
//!   delay bounding for latency.
//! - [`harness`]: [`Check`], the `cargo test` harness: your async body under
//!   CPython's order and many seeded schedules, on every profile, every
//!   invariant on every run, a shrunk failure with one line to reproduce
//!   it.
//!
//! ```
//! use simloop_asyncio::runner::run;
//! use simloop_asyncio::taskgroup::task_group;
//! use simloop_check::{check, Checks, Invariant};
//! use simloop_core::{Config, Exc, Profile, Sim, TraceMode};
//!
//! // A task group whose child raises: 3.11 leaves main's cancelling() at 1.
//! let leak = |p| {
//!     let sim = Sim::new(Config::new(p).trace(TraceMode::Structure));
//!     let report = run(&sim, "main", task_group(|g| async move {
//!         g.create_task("child", async { Err::<(), _>(Exc::new("Boom")) })?;
//!         Ok(())
//!     }))
//!     .unwrap();
//!     check(&report, &Checks::new())
//! };
//! assert_eq!(leak(Profile::Py311).violations[0].invariant, Invariant::CancelBalance);
//! assert!(leak(Profile::Py313).is_clean());
//! ```

pub mod exhaustive;
pub mod harness;
pub mod invariants;
mod observe;

pub use harness::{Check, Failure, Problem, Summary, Verdict};
pub use invariants::{
    check, check_observations, Checks, Counts, Finding, Invariant, Report, Violation,
};
pub use observe::{
    AsCompletedObs, GatherObs, LostWakeup, Observations, ScopeKind, ScopeObs, SemCall,
    SemaphoreObs, TaskObs, TimerObs, UserUncancel,
};
