//! The self-test: does exploring find bugs, and shrink them small?
//!
//! For each planted bug ([`Bug`], switched on per thread), [`hunt`] sweeps
//! seeds from the start of the configured sweep until one breaks an
//! invariant that the same seed keeps with the real combinators, then
//! shrinks that seed's tree while the bug still breaks that invariant and
//! the real combinators still keep it. The result, a [`BugRow`], says
//! which invariant caught the bug, after how many seeds, how many steps
//! the shrunk tree has and how long it all took. [`control`] runs the
//! same sweep with no bug, which must be clean for the rows to mean
//! anything.
//!
//! ```
//! # // The planted bugs exist only in a build with feature `planted`.
//! # #[cfg(feature = "planted")] {
//! use simloop_asyncio::planted::Bug;
//! use simloop_core::Profile;
//! use simloop_explore::explore::ExploreConfig;
//! use simloop_check::Invariant;
//! use simloop_explore::selftest::{hunt, MAX_STEPS};
//!
//! let cfg = ExploreConfig::new(Profile::Py313).seeds(10_000).jobs(2);
//! let row = hunt(Bug::SemaphoreReleaseTwice, &cfg);
//! let caught = row.caught.as_ref().expect("found");
//! assert_eq!(caught.invariant, Invariant::SemaphoreBound);
//! assert!(caught.steps <= MAX_STEPS);
//! assert!(row.passes());
//! # }
//! ```
//!
//! A seed counts only for what the bug changes: a violation that the real
//! combinators also produce on that seed (CPython 3.11's cancel leak, say)
//! is not the bug's, so the rows stay meaningful under every profile, even
//! where [`control`] is not clean.

use std::time::{Duration, Instant};

use simloop_asyncio::planted::{self, Bug};
use simloop_core::Profile;
use simloop_scenario::Scenario;

use crate::explore::{
    check_scenario, run_seed, sweep, sweep_with, ExploreConfig, SeedRules, Shard, Summary,
};
use crate::gen::generate;
use crate::shrink::{shrink_with, steps};
use simloop_check::Invariant;

/// The most steps a shrunk failure may have for the self-test to pass.
pub const MAX_STEPS: usize = 8;

/// The invariant meant to catch `bug`.
pub fn intended(bug: Bug) -> Invariant {
    match bug {
        Bug::TaskGroupNoWait => Invariant::NoOrphans,
        Bug::TaskGroupDropsSecondError => Invariant::ErrorsCollected,
        Bug::TaskGroupNoUncancel => Invariant::CancelBalance,
        Bug::TaskGroupAbortOrderLeak => Invariant::Determinism,
        Bug::TimeoutFiresLate => Invariant::Deadline,
        Bug::SemaphoreWakesNewest | Bug::SemaphoreReleaseTwice => Invariant::SemaphoreBound,
        Bug::SemaphoreReleaseWakesNobody | Bug::EventSetWakesOne => Invariant::NoLostWakeup,
        Bug::AsCompletedTimerLeft => Invariant::TimersCancelled,
        Bug::GatherCompletionOrder => Invariant::ResultOrder,
    }
}

/// How a planted bug was caught.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Caught {
    /// The first seed on which the bug broke an invariant.
    pub seed: u64,
    /// Seeds explored up to and including it.
    pub seeds_needed: u64,
    /// The invariants the bug broke on that seed (and the real combinators
    /// did not), in the order of [`Invariant::ALL`].
    pub invariants: Vec<Invariant>,
    /// The one shrunk: the intended invariant if among them, else the
    /// first.
    pub invariant: Invariant,
    /// Its first violation on the seed's tree.
    pub message: String,
    /// The seed's tree, shrunk.
    pub shrunk: Scenario,
    /// Its first violation on the shrunk tree.
    pub shrunk_message: String,
    /// Steps in the shrunk tree ([`steps`]).
    pub steps: usize,
}

/// One row of the self-test's table.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BugRow {
    /// The bug.
    pub bug: Bug,
    /// The invariant meant to catch it.
    pub intended: Invariant,
    /// Under which profile.
    pub profile: Profile,
    /// What caught it, if anything did within the sweep.
    pub caught: Option<Caught>,
    /// Seeds explored (the whole sweep if not caught).
    pub seeds_run: u64,
    /// Wall time of the search and the shrinking.
    pub elapsed: Duration,
}

impl BugRow {
    /// Caught, by the intended invariant, and shrunk to at most
    /// [`MAX_STEPS`] steps?
    pub fn passes(&self) -> bool {
        self.caught
            .as_ref()
            .is_some_and(|c| c.invariant == self.intended && c.steps <= MAX_STEPS)
    }
}

/// The first violation of `inv` when `scenario` runs under `seed` and
/// `profile` with `bug` switched on (or none), if any.
fn violation(
    scenario: &Scenario,
    seed: u64,
    rules: &SeedRules,
    inv: Invariant,
    bug: Option<Bug>,
) -> Option<String> {
    let _bug = match bug {
        Some(b) => planted::enable(b),
        None => planted::disable(),
    };
    let (_, report, _) = check_scenario(scenario, seed, rules).ok()?;
    report
        .violations
        .into_iter()
        .find(|v| v.invariant == inv)
        .map(|v| v.message)
}

/// Does `bug` break `inv` on `scenario` where the real combinators keep it?
fn breaks(scenario: &Scenario, seed: u64, rules: &SeedRules, inv: Invariant, bug: Bug) -> bool {
    violation(scenario, seed, rules, inv, Some(bug)).is_some()
        && violation(scenario, seed, rules, inv, None).is_none()
}

/// Sweep `cfg`'s seeds (the whole sweep: its shard is ignored) with `bug`
/// on, in growing chunks on `cfg.jobs` threads, until a seed breaks an
/// invariant the real combinators keep on it; then shrink that seed's tree
/// with `cfg.shrink_calls` runs at most. The row depends only on `cfg`
/// and `bug` (but its time).
///
/// # Panics
/// In a build without the planted bugs ([`planted::AVAILABLE`]): nothing
/// would be hunted.
pub fn hunt(bug: Bug, cfg: &ExploreConfig) -> BugRow {
    if !planted::AVAILABLE {
        panic!("selftest::hunt needs a build with the planted bugs (cargo feature `planted`)");
    }
    let t0 = Instant::now();
    let cfg = cfg.clone().shard(Shard::ALL).planted(Some(bug));
    let rules = cfg.rules.clone();
    let profile = rules.profile;
    let mut done = 0;
    let mut chunk = (cfg.jobs as u64 * 16).max(64);
    let mut first = None;
    while done < cfg.seeds && first.is_none() {
        let n = chunk.min(cfg.seeds - done);
        let part = cfg.clone().start(cfg.start.wrapping_add(done)).seeds(n);
        let mut failing = Vec::new();
        sweep_with(&part, &|_| {}, &mut |r| {
            if !r.report.is_clean() {
                failing.push(r);
            }
        });
        done += n;
        chunk = (chunk * 2).min(4096);
        first = failing.iter().find_map(|r| {
            let real = {
                let _off = planted::disable();
                run_seed(r.seed, &rules, &cfg.gen)
            };
            let new: Vec<Invariant> = Invariant::ALL
                .into_iter()
                .filter(|&i| r.report.violates(i) && !real.report.violates(i))
                .collect();
            (!new.is_empty()).then_some((r.seed, new))
        });
    }
    let intended = intended(bug);
    let caught = first.map(|(seed, invariants)| {
        let seeds_needed = seed.wrapping_sub(cfg.start) + 1;
        let invariant = if invariants.contains(&intended) {
            intended
        } else {
            invariants[0]
        };
        let original = generate(seed, &cfg.gen);
        let message =
            violation(&original, seed, &rules, invariant, Some(bug)).expect("the seed breaks it");
        let shrunk = shrink_with(original, cfg.shrink_calls, |s| {
            breaks(s, seed, &rules, invariant, bug)
        })
        .scenario;
        let shrunk_message = violation(&shrunk, seed, &rules, invariant, Some(bug))
            .expect("the shrunk tree still breaks it");
        Caught {
            seed,
            seeds_needed,
            invariants,
            invariant,
            message,
            steps: steps(&shrunk),
            shrunk,
            shrunk_message,
        }
    });
    BugRow {
        bug,
        intended,
        profile,
        seeds_run: caught.as_ref().map_or(done, |c| c.seeds_needed),
        caught,
        elapsed: t0.elapsed(),
    }
}

/// The control row: the same sweep as [`hunt`]'s, every seed of it, with no
/// bug switched on.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Control {
    /// What the sweep found (no shrunk failures).
    pub summary: Summary,
    /// Its wall time.
    pub elapsed: Duration,
}

impl Control {
    /// No violation and no run that did not finish?
    pub fn is_clean(&self) -> bool {
        self.summary.is_clean()
    }

    /// The invariants violated, each with the number of seeds violating it.
    pub fn violated(&self) -> Vec<(Invariant, usize)> {
        self.summary
            .tally
            .iter()
            .filter(|t| t.failing_seeds > 0)
            .map(|t| (t.invariant, t.failing_seeds as usize))
            .collect()
    }
}

/// Sweep every seed of `cfg` (its shard is ignored) with no bug on.
pub fn control(cfg: &ExploreConfig) -> Control {
    let t0 = Instant::now();
    let cfg = cfg.clone().shard(Shard::ALL).planted(None);
    let summary = sweep(&cfg, &|_| {});
    Control {
        summary,
        elapsed: t0.elapsed(),
    }
}
