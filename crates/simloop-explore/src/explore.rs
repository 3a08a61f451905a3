//! The explore engine: seeds → scenarios → runs → invariants → minimal,
//! replayable failures.
//!
//! One seed names one run: the scenario is [`generate`]`(seed, gen)` and
//! the schedule is [`Policy::Seeded`]`{ seed, jitter: 0 }`, under one
//! [`Profile`]. [`run_seed`] runs it twice (the second run only for the
//! `determinism` invariant) and [`check`]s it. [`explore`] does that for
//! every seed of a sweep on `jobs` threads, each run on one thread (the
//! loop is single-threaded), and hands each run on in seed order whatever
//! the threads' timing ([`sweep_with`]), keeping totals, not runs, so that
//! memory does not grow with the number of seeds. For each invariant
//! violated, the first failing seed is shrunk ([`shrink_failure`]) with
//! the predicate "the same invariant is still violated under the same
//! profile and seed", giving a [`Failure`] with the shrunk scenario, its
//! timeline and the command that replays it.
//!
//! ```
//! use simloop_core::Profile;
//! use simloop_explore::explore::{explore, ExploreConfig};
//! use simloop_check::Invariant;
//!
//! let cfg = ExploreConfig::new(Profile::Py311).seeds(200).jobs(2);
//! let summary = explore(&cfg, &|_| {});
//! let failure = &summary.failures[0];
//! assert_eq!(failure.invariant, Invariant::CancelBalance);
//! // A task group whose one child raises: CPython 3.11 leaks a cancel.
//! // (The shrinker counts a user kind such as `Boom` one unit bigger than a
//! // builtin one, so the kind it keeps is often `TimeoutError`.)
//! let tree = failure.shrunk.to_json_string();
//! assert!(tree.starts_with(r#"{"main":[{"task_group":[[{"raise":"#), "{tree}");
//! assert!(failure.replay.starts_with("simloop replay --seed "));
//! ```

use serde_json::Value;
use simloop_asyncio::planted::{self, Bug};
use simloop_asyncio::runner::RunReport;
use simloop_core::{Config, Policy, Profile, RunError, Tick, TraceMode};
use simloop_scenario::{run, run_hash, run_report, Prepared, Run, Scenario};

use crate::gen::{generate, GenConfig};
use crate::ordered;
pub use crate::shard::Shard;
use crate::shrink::{shrink_with, DEFAULT_MAX_CALLS};
use simloop_check::{check, Checks, Invariant, Report, Violation};

/// What [`explore`] sweeps, and how.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExploreConfig {
    /// How every seed is scheduled and judged: the profile, jitter, PCT,
    /// denied findings, allowances.
    pub rules: SeedRules,
    /// The first seed of the sweep. Default 0.
    pub start: u64,
    /// How many seeds the sweep has (all shards together). Default 10,000.
    pub seeds: u64,
    /// Which part of the sweep to run. Default: all of it.
    pub shard: Shard,
    /// Threads running seeds (at least 1). Default 1.
    pub jobs: usize,
    /// The tree generator's knobs. Only `max_depth` can be set from the
    /// command line, so only that one appears in replay commands.
    pub gen: GenConfig,
    /// The budget of runs for shrinking one failure. Default
    /// [`DEFAULT_MAX_CALLS`].
    pub shrink_calls: usize,
    /// A planted bug switched on in every thread that runs or shrinks a
    /// seed ([`planted`]); `None`, the default, runs the real
    /// combinators. For `selftest` and tests only, in a build with the
    /// planted bugs (feature `planted`).
    #[doc(hidden)]
    pub planted: Option<Bug>,
}

impl ExploreConfig {
    /// Seeds `0..10_000` under `profile`, on one thread, default trees
    /// with the eager tasks the profile has
    /// ([`GenConfig::for_profile`]).
    pub fn new(profile: Profile) -> ExploreConfig {
        ExploreConfig {
            rules: SeedRules::new(profile),
            start: 0,
            seeds: 10_000,
            shard: Shard::ALL,
            jobs: 1,
            gen: GenConfig::default().for_profile(profile),
            shrink_calls: DEFAULT_MAX_CALLS,
            planted: None,
        }
    }

    /// With these rules.
    #[must_use]
    pub fn rules(mut self, rules: SeedRules) -> Self {
        self.rules = rules;
        self
    }

    /// With this first seed.
    #[must_use]
    pub fn start(mut self, start: u64) -> Self {
        self.start = start;
        self
    }

    /// With this many seeds.
    #[must_use]
    pub fn seeds(mut self, seeds: u64) -> Self {
        self.seeds = seeds;
        self
    }

    /// Running only this part of the sweep.
    #[must_use]
    pub fn shard(mut self, shard: Shard) -> Self {
        self.shard = shard;
        self
    }

    /// On this many threads.
    #[must_use]
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// With these generator knobs.
    #[must_use]
    pub fn gen(mut self, gen: GenConfig) -> Self {
        self.gen = gen;
        self
    }

    /// With this shrinking budget.
    #[must_use]
    pub fn shrink_calls(mut self, calls: usize) -> Self {
        self.shrink_calls = calls;
        self
    }

    /// With this planted bug switched on (see the field).
    #[doc(hidden)]
    #[must_use]
    pub fn planted(mut self, bug: Option<Bug>) -> Self {
        self.planted = bug;
        self
    }

    /// The seeds this shard runs, in order.
    pub fn seed_list(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|k| self.seed_at(k))
    }

    /// The `k`-th seed this shard runs (`k < self.len()`).
    fn seed_at(&self, k: u64) -> u64 {
        let i = k * self.shard.count() + self.shard.index();
        self.start.wrapping_add(i)
    }

    /// How many seeds this shard runs.
    pub fn len(&self) -> u64 {
        let (k, m) = (self.shard.index(), self.shard.count());
        self.seeds / m + u64::from(self.seeds % m > k)
    }

    /// Does this shard run no seed?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a seed's run is scheduled and judged, besides its tree: the
/// profile, the seeded schedule's jitter (or a PCT-style schedule), and
/// what is denied or allowed. The defaults (`SeedRules::new`) are
/// explore's from the start: seeded, no jitter, findings allowed,
/// nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeedRules {
    /// The CPython profile.
    pub profile: Profile,
    /// The most extra latency of a sleep, in ticks.
    pub jitter: Tick,
    /// A PCT-style schedule of this depth instead of the seeded one.
    pub pct: Option<u64>,
    /// A child escaping `gather`, `wait` or `as_completed` is a violation.
    pub deny_findings: bool,
    /// Invariants accepted under a profile (`None`: every one).
    pub allow: Vec<(Invariant, Option<Profile>)>,
}

impl SeedRules {
    /// `profile`, seeded schedules without jitter, nothing denied or
    /// allowed.
    pub fn new(profile: Profile) -> SeedRules {
        SeedRules {
            profile,
            jitter: 0,
            pct: None,
            deny_findings: false,
            allow: Vec::new(),
        }
    }

    /// The same rules, also allowing what CPython itself breaks under
    /// this profile ([`CPYTHON_OWN`]), so that a sweep of every profile
    /// fails only on what is new.
    #[must_use]
    pub fn allowing_cpython_own(mut self) -> SeedRules {
        for (i, p) in CPYTHON_OWN {
            if p == self.profile && !self.allowed(i) {
                self.allow.push((i, Some(p)));
            }
        }
        self
    }

    fn allowed(&self, invariant: Invariant) -> bool {
        self.allow
            .iter()
            .any(|&(i, p)| i == invariant && p.is_none_or(|p| p == self.profile))
    }

    /// The policy of `seed` for `scenario` (a PCT-style one needs the
    /// number of choice points of the scenario's run in CPython's order).
    fn policy(&self, seed: u64, scenario: &Prepared) -> Result<Policy, RunError> {
        Ok(match self.pct {
            None => Policy::Seeded {
                seed,
                jitter: self.jitter,
            },
            Some(depth) => {
                let cpython = Config::new(self.profile).trace(TraceMode::HashOnly);
                let points = run_report(scenario, cpython)?.sim.choice_points();
                Policy::Pct {
                    seed,
                    depth,
                    points,
                    jitter: self.jitter,
                }
            }
        })
    }
}

/// Invariants CPython itself breaks on generated trees, under the profile
/// given: 3.11 and 3.12's TaskGroup leaks a cancel on its parent when a
/// child fails after `__aexit__` began waiting (fixed in 3.13). Sweeps of
/// every profile allow them ([`SeedRules::allowing_cpython_own`]).
pub const CPYTHON_OWN: [(Invariant, Profile); 2] = [
    (Invariant::CancelBalance, Profile::Py311),
    (Invariant::CancelBalance, Profile::Py312),
];

/// The run configuration a seed names under `rules`, with the given trace
/// mode.
pub fn config(
    seed: u64,
    rules: &SeedRules,
    scenario: &Scenario,
    trace: TraceMode,
) -> Result<Config, RunError> {
    let policy = rules.policy(seed, &Prepared::new(scenario))?;
    Ok(Config::new(rules.profile).policy(policy).trace(trace))
}

/// One seed, run and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// The first run's trace hash (0 if it stopped at a limit).
    pub hash: u64,
    /// The invariants' verdict (empty if the run stopped at a limit), the
    /// allowed violations taken out.
    pub report: Report,
    /// The violations the rules allowed, by invariant.
    pub allowed: Vec<Invariant>,
    /// Why the run did not finish: a run limit, or a panic of the
    /// harness itself.
    pub error: Option<String>,
}

impl SeedRun {
    /// Anything to report: a violation, a finding or an error?
    pub fn is_notable(&self) -> bool {
        self.error.is_some()
            || !self.report.violations.is_empty()
            || !self.report.findings.is_empty()
    }
}

/// Run `scenario` under `seed`'s configuration twice and check every
/// invariant (`determinism` compares the two hashes). Returns the first
/// run's report (no outcome is built: [`replay_scenario`] runs again for
/// one), the check's report without the violations `rules` allow, and
/// those.
pub fn check_scenario(
    scenario: &Scenario,
    seed: u64,
    rules: &SeedRules,
) -> Result<(RunReport<Value>, Report, Vec<Invariant>), RunError> {
    let prepared = Prepared::new(scenario);
    let policy = rules.policy(seed, &prepared)?;
    let config = Config::new(rules.profile)
        .policy(policy)
        .trace(TraceMode::HashOnly);
    let first = run_report(&prepared, config.clone())?;
    let second = run_hash(&prepared, config)?;
    let checks = Checks::new()
        .rerun_hash(second)
        .deny_findings(rules.deny_findings);
    let mut report = check(&first, &checks);
    let (allowed, kept) = std::mem::take(&mut report.violations)
        .into_iter()
        .partition(|v| rules.allowed(v.invariant));
    report.violations = kept;
    let allowed = allowed
        .into_iter()
        .map(|v: Violation| v.invariant)
        .collect();
    Ok((first, report, allowed))
}

/// Generate, run (twice) and check one seed.
pub fn run_seed(seed: u64, rules: &SeedRules, gen: &GenConfig) -> SeedRun {
    let scenario = generate(seed, gen);
    match check_scenario(&scenario, seed, rules) {
        Ok((run, report, allowed)) => SeedRun {
            seed,
            hash: run.sim.trace_ref().hash(),
            report,
            allowed,
            error: None,
        },
        Err(e) => SeedRun {
            seed,
            hash: 0,
            report: Report::default(),
            allowed: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

/// A violation, shrunk and ready to replay.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The seed that broke the invariant.
    pub seed: u64,
    /// Under which profile.
    pub profile: Profile,
    /// Which invariant.
    pub invariant: Invariant,
    /// The first violation of it on the original scenario.
    pub message: String,
    /// The generated scenario.
    pub original: Scenario,
    /// The trace hash of the original run.
    pub hash: u64,
    /// A minimal scenario that still breaks it under the same seed and
    /// profile (every one-edit simplification of it passes, unless the
    /// shrinking budget ran out).
    pub shrunk: Scenario,
    /// The first violation of it on the shrunk scenario.
    pub shrunk_message: String,
    /// The shrunk scenario's timeline under the same seed and profile.
    pub timeline: String,
    /// The command that replays the original run:
    /// `simloop replay --seed S --profile P [--max-depth D]`.
    pub replay: String,
}

impl Failure {
    /// The file the command line writes the shrunk scenario to:
    /// `simloop-failure-<profile>-<seed>.json`.
    pub fn file_name(&self) -> String {
        format!("simloop-failure-{}-{}.json", self.profile, self.seed)
    }
}

/// `simloop replay --seed S --profile P`, with `--max-depth D` when `gen`
/// has a depth other than the default.
pub fn replay_command(seed: u64, rules: &SeedRules, gen: &GenConfig) -> String {
    let mut cmd = format!("simloop replay --seed {seed} --profile {}", rules.profile);
    if gen.max_depth != GenConfig::default().max_depth {
        cmd.push_str(&format!(" --max-depth {}", gen.max_depth));
    }
    cmd.push_str(&rules.flags());
    cmd
}

impl SeedRules {
    /// The command-line flags that set these rules (none for the
    /// defaults), as `explore` and `replay` spell them.
    pub fn flags(&self) -> String {
        let mut f = String::new();
        if self.jitter != 0 {
            f.push_str(&format!(" --jitter {}", self.jitter));
        }
        if let Some(d) = self.pct {
            f.push_str(&format!(" --pct {d}"));
        }
        f.push_str(&judging_flags(self.deny_findings, &self.allow));
        f
    }
}

/// ` --deny findings --allow cancel-balance@py311 ...`: the flags that
/// change how a run is judged, as every command spells them.
pub(crate) fn judging_flags(deny_findings: bool, allow: &[(Invariant, Option<Profile>)]) -> String {
    let mut f = String::new();
    if deny_findings {
        f.push_str(" --deny findings");
    }
    for (i, p) in allow {
        match p {
            Some(p) => f.push_str(&format!(" --allow {i}@{p}")),
            None => f.push_str(&format!(" --allow {i}")),
        }
    }
    f
}

/// The first violation of `invariant` when `scenario` runs under `seed`
/// and `profile`, if any.
fn violation_of(
    scenario: &Scenario,
    seed: u64,
    rules: &SeedRules,
    inv: Invariant,
) -> Option<String> {
    let (_, report, _) = check_scenario(scenario, seed, rules).ok()?;
    report
        .violations
        .into_iter()
        .find(|v| v.invariant == inv)
        .map(|v| v.message)
}

/// Shrink seed `seed`'s scenario while `invariant` stays violated under the
/// same seed and profile, within `max_calls` runs of candidates.
///
/// # Panics
/// If the seed's run does not violate `invariant`.
pub fn shrink_failure(
    seed: u64,
    rules: &SeedRules,
    gen: &GenConfig,
    invariant: Invariant,
    max_calls: usize,
) -> Failure {
    let profile = rules.profile;
    let original = generate(seed, gen);
    let message = violation_of(&original, seed, rules, invariant)
        .unwrap_or_else(|| panic!("seed {seed} does not violate {invariant} under {profile}"));
    let hash = config(seed, rules, &original, TraceMode::HashOnly)
        .and_then(|c| run(&original, c))
        .expect("it ran")
        .sim
        .trace_ref()
        .hash();
    let shrunk = shrink_with(original.clone(), max_calls, |s| {
        violation_of(s, seed, rules, invariant).is_some()
    })
    .scenario;
    let shrunk_message =
        violation_of(&shrunk, seed, rules, invariant).expect("the shrunk scenario still fails");
    let r = config(seed, rules, &shrunk, TraceMode::Full)
        .and_then(|c| run(&shrunk, c))
        .expect("it ran");
    let timeline = r.timeline();
    Failure {
        seed,
        profile,
        invariant,
        message,
        original,
        hash,
        timeline,
        shrunk,
        shrunk_message,
        replay: replay_command(seed, rules, gen),
    }
}

/// One invariant's totals over a sweep: a row of the final table, and the
/// seed [`shrink_failures`] shrinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// The invariant.
    pub invariant: Invariant,
    /// Instances checked (scopes, steps, semaphores, runs) over all seeds.
    pub checked: u64,
    /// Instances that broke it.
    pub violations: u64,
    /// Findings about it.
    pub findings: u64,
    /// Violations of it the rules allowed.
    pub allowed: u64,
    /// Seeds that broke it (at least one violation).
    pub failing_seeds: u64,
    /// The first seed of the sweep that broke it. Seeds run in order
    /// `start, start + 1, ...`, so this is the lowest one unless the sweep
    /// wraps past `u64::MAX`.
    pub first_failing: Option<u64>,
}

impl Tally {
    fn new(invariant: Invariant) -> Tally {
        Tally {
            invariant,
            checked: 0,
            violations: 0,
            findings: 0,
            allowed: 0,
            failing_seeds: 0,
            first_failing: None,
        }
    }
}

/// The result of a sweep: totals, not runs. Its size does not grow with
/// the number of seeds (but for `errors`, which are rare); to see the runs
/// themselves, in seed order, pass a sink to [`sweep_with`].
///
/// It used to keep every notable run, in a `notable` field, until the sweep
/// ended: a sink keeping each `r` with [`SeedRun::is_notable`] collects the
/// same list, in the same order.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Summary {
    /// Seeds run.
    pub seeds: u64,
    /// Seeds with something to report: violations, findings or an error.
    pub notable_seeds: u64,
    /// Seeds that violate at least one invariant.
    pub failing_seeds: u64,
    /// The runs that stopped at a limit or panicked, in seed order.
    pub errors: Vec<SeedRun>,
    /// One row per invariant, in the order of [`Invariant::ALL`].
    pub tally: Vec<Tally>,
    /// One shrunk failure per invariant violated (its first failing seed),
    /// in the order of [`Invariant::ALL`]; filled by [`shrink_failures`].
    pub failures: Vec<Failure>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new()
    }
}

impl Summary {
    /// No seed run yet: what a sweep starts from, and what shards'
    /// summaries [`merge`](Summary::merge) into.
    pub fn new() -> Summary {
        Summary {
            seeds: 0,
            notable_seeds: 0,
            failing_seeds: 0,
            errors: Vec::new(),
            tally: Invariant::ALL.into_iter().map(Tally::new).collect(),
            failures: Vec::new(),
        }
    }

    /// Count one more run, the next in seed order.
    fn add(&mut self, r: &SeedRun) {
        self.seeds += 1;
        self.notable_seeds += u64::from(r.is_notable());
        self.failing_seeds += u64::from(!r.report.violations.is_empty());
        if r.error.is_some() {
            self.errors.push(r.clone());
        }
        for t in &mut self.tally {
            let inv = t.invariant;
            t.checked += u64::from(r.report.checked.get(&inv).copied().unwrap_or(0));
            let violations = r.report.violations.iter().filter(|v| v.invariant == inv);
            let n = violations.count() as u64;
            t.violations += n;
            t.findings += r
                .report
                .findings
                .iter()
                .filter(|f| f.invariant == inv)
                .count() as u64;
            t.allowed += r.allowed.iter().filter(|&&i| i == inv).count() as u64;
            if n > 0 {
                t.failing_seeds += 1;
                t.first_failing.get_or_insert(r.seed);
            }
        }
    }

    /// Add another shard's summary of the same sweep: totals add up, each
    /// invariant's first failing seed is the earlier of the two (in sweep
    /// order from `start`, the sweep's first seed), errors stay in sweep
    /// order. `failures` are dropped: shrink the merged summary again
    /// ([`shrink_failures`]) to get a single sweep's.
    pub fn merge(&mut self, other: Summary, start: u64) {
        let pos = |seed: u64| seed.wrapping_sub(start);
        self.seeds += other.seeds;
        self.notable_seeds += other.notable_seeds;
        self.failing_seeds += other.failing_seeds;
        self.errors.extend(other.errors);
        self.errors.sort_by_key(|r| pos(r.seed));
        for (t, o) in self.tally.iter_mut().zip(other.tally) {
            debug_assert_eq!(t.invariant, o.invariant);
            t.checked += o.checked;
            t.violations += o.violations;
            t.findings += o.findings;
            t.allowed += o.allowed;
            t.failing_seeds += o.failing_seeds;
            t.first_failing = match (t.first_failing, o.first_failing) {
                (Some(a), Some(b)) => Some(if pos(b) < pos(a) { b } else { a }),
                (a, b) => a.or(b),
            };
        }
        self.failures.clear();
    }

    /// No violation and no error?
    pub fn is_clean(&self) -> bool {
        self.failing_seeds == 0 && self.errors.is_empty()
    }
}

/// Results a worker may finish ahead of the oldest seed still running, per
/// thread: the sweep holds at most `jobs` times this many runs (about
/// 0.4 KB each), whatever its length, and a seed up to this many typical
/// seeds slower than the others does not hold them back.
const WINDOW_PER_JOB: u64 = 1024;

/// Run every seed of `cfg`'s sweep (its shard) on `cfg.jobs` threads,
/// calling `progress(1)` after each, then tally and shrink one failure per
/// invariant violated ([`sweep`], then [`shrink_failures`]). The result
/// depends only on `cfg`, not on the threads' timing.
pub fn explore(cfg: &ExploreConfig, progress: &(dyn Fn(u64) + Sync)) -> Summary {
    let mut summary = sweep(cfg, progress);
    shrink_failures(cfg, &mut summary);
    summary
}

/// The first half of [`explore`]: run and check every seed, and tally;
/// `failures` is left empty. [`sweep_with`] with a sink that drops every
/// run.
pub fn sweep(cfg: &ExploreConfig, progress: &(dyn Fn(u64) + Sync)) -> Summary {
    sweep_with(cfg, progress, &mut drop)
}

/// [`sweep`], handing every run to `sink` in seed order, as soon as it and
/// every earlier seed's run are done (on whichever worker thread finished
/// the last of them, one call at a time: hence `Send`). Memory stays
/// bounded however many seeds the sweep has: workers finish seeds out of
/// order, and a finished run waits in a small reorder buffer (at most
/// 1,024 runs per job; workers wait when it is full) until it can go to
/// `sink`; the [`Summary`] keeps totals only.
///
/// A seed whose run panics (a harness bug) gets the error `panic: ...`,
/// and a fresh thread takes over from the one that panicked. A panic in
/// `sink` stops the sweep and reaches the caller.
///
/// ```
/// use simloop_core::Profile;
/// use simloop_explore::explore::{sweep_with, ExploreConfig, SeedRun};
///
/// let cfg = ExploreConfig::new(Profile::Py311).start(10).seeds(50).jobs(2);
/// let mut notable: Vec<SeedRun> = Vec::new();
/// let summary = sweep_with(&cfg, &|_| {}, &mut |r| {
///     if r.is_notable() {
///         notable.push(r);
///     }
/// });
/// assert_eq!(notable.len() as u64, summary.notable_seeds);
/// assert!(notable.windows(2).all(|w| w[0].seed < w[1].seed));
/// ```
pub fn sweep_with(
    cfg: &ExploreConfig,
    progress: &(dyn Fn(u64) + Sync),
    sink: &mut (dyn FnMut(SeedRun) + Send),
) -> Summary {
    let work = |k: u64| {
        let _bug = cfg.planted.map(planted::enable);
        let r = run_seed(cfg.seed_at(k), &cfg.rules, &cfg.gen);
        progress(1);
        r
    };
    let recover = |k: u64, msg: String| {
        progress(1);
        SeedRun {
            seed: cfg.seed_at(k),
            hash: 0,
            report: Report::default(),
            allowed: Vec::new(),
            error: Some(format!("panic: {msg}")),
        }
    };
    let mut summary = Summary::new();
    let jobs = ordered::Jobs {
        len: cfg.len(),
        threads: cfg.jobs,
        window: WINDOW_PER_JOB * cfg.jobs.max(1) as u64,
        work: &work,
        recover: &recover,
    };
    ordered::run_in_order(jobs, &mut |r: SeedRun| {
        summary.add(&r);
        sink(r);
    });
    summary
}

/// The second half of [`explore`]: for each invariant violated, shrink its
/// first failing seed ([`Tally::first_failing`]) into `summary.failures`.
pub fn shrink_failures(cfg: &ExploreConfig, summary: &mut Summary) {
    let _bug = cfg.planted.map(planted::enable);
    summary.failures = summary
        .tally
        .iter()
        .filter_map(|t| {
            Some(shrink_failure(
                t.first_failing?,
                &cfg.rules,
                &cfg.gen,
                t.invariant,
                cfg.shrink_calls,
            ))
        })
        .collect();
}

/// A run replayed in full, with its verdict.
#[non_exhaustive]
pub struct Replay {
    /// The seed.
    pub seed: u64,
    /// The profile.
    pub profile: Profile,
    /// The scenario run: the seed's, or one given.
    pub scenario: Scenario,
    /// The run, with its full trace.
    pub run: Run,
    /// The invariants' verdict (a second run checks `determinism`), the
    /// allowed violations taken out.
    pub report: Report,
    /// The violations the rules allowed.
    pub allowed: Vec<Invariant>,
}

/// Replay seed `seed` under `rules`: generate its scenario with `gen` and
/// run it with its schedule, keeping the full trace.
pub fn replay(seed: u64, rules: &SeedRules, gen: &GenConfig) -> Result<Replay, RunError> {
    replay_scenario(generate(seed, gen), seed, rules)
}

/// Run `scenario` under seed `seed`'s schedule and `rules`, keeping the
/// full trace (a shrunk failure, say).
pub fn replay_scenario(
    scenario: Scenario,
    seed: u64,
    rules: &SeedRules,
) -> Result<Replay, RunError> {
    let (_, report, allowed) = check_scenario(&scenario, seed, rules)?;
    let run = run(&scenario, config(seed, rules, &scenario, TraceMode::Full)?)?;
    Ok(Replay {
        seed,
        profile: rules.profile,
        scenario,
        run,
        report,
        allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_sweep() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard::new(1, 3).unwrap()));
        for bad in ["3/3", "1", "a/2", "1/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let cfg = |k| {
            ExploreConfig::new(Profile::Py313)
                .start(100)
                .seeds(10)
                .shard(Shard::new(k, 3).unwrap())
        };
        let parts: Vec<Vec<u64>> = (0..3).map(|k| cfg(k).seed_list().collect()).collect();
        assert_eq!(parts[0], vec![100, 103, 106, 109]);
        assert_eq!(parts[1], vec![101, 104, 107]);
        assert_eq!(parts[2], vec![102, 105, 108]);
        for k in 0..3 {
            assert_eq!(cfg(k).len(), parts[k as usize].len() as u64);
        }
    }

    #[test]
    fn merged_shards_summarise_the_whole_sweep() {
        // py311 breaks cancel-balance on some seeds: there is a first failure.
        let cfg = ExploreConfig::new(Profile::Py311)
            .start(u64::MAX - 40)
            .seeds(120);
        let whole = explore(&cfg, &|_| {});
        assert!(whole.tally.iter().any(|t| t.first_failing.is_some()));
        let mut merged = Summary::new();
        for k in [2, 0, 3, 1] {
            let part = sweep(&cfg.clone().shard(Shard::new(k, 4).unwrap()), &|_| {});
            merged.merge(part, cfg.start);
        }
        shrink_failures(&cfg, &mut merged);
        assert_eq!(merged.tally, whole.tally);
        assert_eq!(
            (merged.seeds, merged.notable_seeds, merged.failing_seeds),
            (whole.seeds, whole.notable_seeds, whole.failing_seeds)
        );
        let key = |s: &Summary| -> Vec<(u64, String)> {
            s.failures
                .iter()
                .map(|f| (f.seed, f.shrunk.to_json_string()))
                .collect()
        };
        assert_eq!(key(&merged), key(&whole));
    }

    #[test]
    fn replay_commands_name_a_depth_only_when_not_the_default() {
        let gen = GenConfig::default();
        assert_eq!(
            replay_command(7, &SeedRules::new(Profile::Py311), &gen),
            "simloop replay --seed 7 --profile py311"
        );
        assert_eq!(
            replay_command(
                7,
                &SeedRules::new(Profile::Py313),
                &gen.clone().max_depth(6)
            ),
            "simloop replay --seed 7 --profile py313 --max-depth 6"
        );
        let mut rules = SeedRules::new(Profile::Py311);
        rules.jitter = 5;
        rules.deny_findings = true;
        rules
            .allow
            .push((Invariant::CancelBalance, Some(Profile::Py311)));
        assert_eq!(
            replay_command(7, &rules, &gen),
            "simloop replay --seed 7 --profile py311 --jitter 5 --deny findings --allow cancel-balance@py311"
        );
    }

    /// Every run of the sweep, in the order the sink saw them, and the
    /// summary.
    fn runs(cfg: &ExploreConfig) -> (Vec<SeedRun>, Summary) {
        let mut runs = Vec::new();
        let mut summary = sweep_with(cfg, &|_| {}, &mut |r| runs.push(r));
        shrink_failures(cfg, &mut summary);
        (runs, summary)
    }

    #[test]
    fn reports_do_not_depend_on_the_number_of_threads() {
        let cfg = ExploreConfig::new(Profile::Py312).seeds(60);
        let (one_runs, one) = runs(&cfg.clone().jobs(1));
        let (three_runs, three) = runs(&cfg.jobs(3));
        assert_eq!(one_runs, three_runs);
        assert_eq!(one.tally, three.tally);
        assert_eq!(one.errors, three.errors);
        assert_eq!(
            (one.seeds, one.notable_seeds, one.failing_seeds),
            (three.seeds, three.notable_seeds, three.failing_seeds)
        );
        assert_eq!(one.failures.len(), three.failures.len());
        for (a, b) in one.failures.iter().zip(&three.failures) {
            assert_eq!((a.seed, &a.shrunk, a.hash), (b.seed, &b.shrunk, b.hash));
        }
    }

    /// The sink gets every run in seed order, and the summary's counts are
    /// those of the runs it got; the summary keeps no run but errors.
    #[test]
    fn the_sink_sees_every_run_in_seed_order_and_the_summary_counts_them() {
        let cfg = ExploreConfig::new(Profile::Py311)
            .start(500)
            .seeds(300)
            .shard(Shard::new(1, 2).unwrap())
            .jobs(3);
        let (runs, summary) = runs(&cfg);
        let seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
        assert_eq!(seeds, cfg.seed_list().collect::<Vec<_>>());
        assert_eq!(summary.seeds, 150);
        let count = |f: &dyn Fn(&SeedRun) -> bool| runs.iter().filter(|r| f(r)).count() as u64;
        assert_eq!(summary.notable_seeds, count(&SeedRun::is_notable));
        assert_eq!(summary.failing_seeds, count(&|r| !r.report.is_clean()));
        assert!(summary.failing_seeds > 0);
        assert!(summary.errors.is_empty());
        for t in &summary.tally {
            let failing = runs.iter().filter(|r| r.report.violates(t.invariant));
            assert_eq!(t.failing_seeds, failing.clone().count() as u64);
            assert_eq!(t.first_failing, failing.map(|r| r.seed).next());
        }
        let failed: Vec<_> = summary.failures.iter().map(|f| f.seed).collect();
        let first: Vec<_> = summary
            .tally
            .iter()
            .filter_map(|t| t.first_failing)
            .collect();
        assert_eq!(failed, first);
    }

    /// The sweep streams: when the sink gets a seed's run, at most a window
    /// of later seeds have been run. A sweep that kept every run until the
    /// end (as it once did) would have run all 3,000 first.
    #[test]
    fn the_sweep_holds_a_window_of_runs_not_every_run() {
        let jobs = 2;
        let cfg = ExploreConfig::new(Profile::Py313).seeds(3000).jobs(jobs);
        let window = WINDOW_PER_JOB * jobs as u64;
        let finished = std::sync::atomic::AtomicU64::new(0);
        let progress = |n| {
            finished.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
        };
        let mut handed = 0u64;
        let mut ahead = 0;
        sweep_with(&cfg, &progress, &mut |r| {
            assert_eq!(r.seed, handed);
            if handed == 0 {
                // A slow sink: let the workers fill the window.
                while finished.load(std::sync::atomic::Ordering::SeqCst) < window {
                    std::thread::yield_now();
                }
            }
            ahead = ahead.max(finished.load(std::sync::atomic::Ordering::SeqCst) - handed);
            handed += 1;
        });
        assert_eq!(handed, 3000);
        assert_eq!(ahead, window, "runs finished ahead of the sink");
    }
}
