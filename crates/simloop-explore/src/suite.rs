//! Checking the user's own scenario files under many schedules: what
//! `simloop check` runs for each file and profile.
//!
//! A scenario first runs in CPython's own order, where its `expect` and
//! `expect_by_profile` must hold (as `simloop run` checks them); then under
//! the schedules of a [`Strategy`]: seeded random schedules with jitter,
//! every schedule up to a budget (depth first, with delay bounding), or
//! PCT-style runs that deviate at a few random choice points. On every run,
//! every invariant (`no-deadlock` included) and the scenario's
//! `expect_always` must hold, except what is allowed: by the scenario's
//! own `allow` entries (each with its reason) or by the caller.
//!
//! The first failing run is shrunk twice: its schedule toward CPython's
//! order, then the tree (explore's shrinker), keeping the same kind of
//! problem under the same schedule, and, for a failure that needs the
//! schedule, keeping CPython's own order clean. [`report`] describes a run
//! of a scenario under a schedule the same way for `check` and for
//! `simloop replay --schedule`, so that the printed replay line gives the
//! identical report.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use serde_json::Value;
use simloop_asyncio::runner::RunReport;
use simloop_check::exhaustive::Exhaustive;
use simloop_check::harness::{shrink_schedule, DEFAULT_JITTER, DEFAULT_SEEDS};
use simloop_check::{check, Checks, Invariant, Problem};
use simloop_core::{Config, Policy, Profile, RunError, Schedule, Sim, Tick, TraceMode};
use simloop_scenario::{check_expect, report_on, run_on, Prepared, Run, Scenario};

use crate::shrink::{shrink_with, DEFAULT_MAX_CALLS};

/// The runs spent shrinking a failing schedule, at most.
const SCHEDULE_SHRINK_BUDGET: usize = 300;

/// Which schedules to run after CPython's own order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `n` seeded random schedules (seeds `0..n`).
    Seeds(u64),
    /// Every schedule, depth first, at most `budget` runs in all; a sleep
    /// is on time or `jitter` late, at most `delays` sleeps late per
    /// schedule ([`Exhaustive`]).
    Exhaustive {
        /// The most runs.
        budget: u64,
        /// The most late sleeps per schedule.
        delays: usize,
    },
    /// `runs` PCT-style runs (seeds `0..runs`), each deviating from
    /// CPython's order at `depth` random choice points
    /// ([`Pct`](simloop_core::scheduler::Pct)).
    Pct {
        /// How many runs.
        runs: u64,
        /// How many choice points deviate per run.
        depth: u64,
    },
}

/// How `simloop check` checks a scenario.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SuiteConfig {
    /// The profiles to check under.
    pub profiles: Vec<Profile>,
    /// Which schedules after CPython's own order.
    pub strategy: Strategy,
    /// The most extra latency a schedule gives a sleep, in ticks.
    pub jitter: Tick,
    /// Fail on a child escaping `gather`, `wait` or `as_completed`.
    pub deny_findings: bool,
    /// Invariants accepted under a profile (`None`: every one), besides the
    /// scenario's own `allow`.
    pub allow: Vec<(Invariant, Option<Profile>)>,
    /// The budget of runs for shrinking a failing tree.
    pub shrink_calls: usize,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        SuiteConfig::new()
    }
}

impl SuiteConfig {
    /// Every profile, [`DEFAULT_SEEDS`] seeds, [`DEFAULT_JITTER`].
    pub fn new() -> SuiteConfig {
        SuiteConfig {
            profiles: Profile::ALL.to_vec(),
            strategy: Strategy::Seeds(DEFAULT_SEEDS),
            jitter: DEFAULT_JITTER,
            deny_findings: false,
            allow: Vec::new(),
            shrink_calls: DEFAULT_MAX_CALLS,
        }
    }

    /// Under these profiles.
    #[must_use]
    pub fn profiles(mut self, profiles: &[Profile]) -> Self {
        self.profiles = profiles.to_vec();
        self
    }

    /// With these schedules.
    #[must_use]
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// With this jitter.
    #[must_use]
    pub fn jitter(mut self, jitter: Tick) -> Self {
        self.jitter = jitter;
        self
    }

    /// Denying findings, or not.
    #[must_use]
    pub fn deny_findings(mut self, deny: bool) -> Self {
        self.deny_findings = deny;
        self
    }

    /// Also accepting `invariant` under `profile`.
    #[must_use]
    pub fn allow(mut self, invariant: Invariant, profile: Option<Profile>) -> Self {
        self.allow.push((invariant, profile));
        self
    }

    /// The flags `simloop replay --schedule` needs to judge a run as this
    /// configuration does: ` --deny findings --allow ...` (none for the
    /// defaults). A schedule holds its own latencies: no `--jitter`.
    pub fn replay_flags(&self) -> String {
        crate::explore::judging_flags(self.deny_findings, &self.allow)
    }
}

/// What checking one scenario under one profile found.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProfileVerdict {
    /// The profile.
    pub profile: Profile,
    /// Runs made (CPython's order included; shrinking not counted).
    pub runs: u64,
    /// Distinct schedules seen: distinct trace hashes.
    pub schedules: usize,
    /// Choice points of the run in CPython's own order.
    pub choice_points: u64,
    /// For an exhaustive search: did it run every schedule (`true`) or stop
    /// at the budget (`false`)?
    pub complete: Option<bool>,
    /// Violations accepted, by invariant: how often each occurred.
    pub allowed: BTreeMap<Invariant, u64>,
    /// Findings seen over every run.
    pub findings: u64,
    /// The first failure, shrunk.
    pub failure: Option<ScenarioFailure>,
    /// Why the scenario was not run under this profile: it needs what the
    /// profile's CPython lacks (an eager task factory before 3.12,
    /// `eager_start` before 3.14).
    pub skipped: Option<String>,
    /// How long the checking took on its thread, shrinking included: the
    /// runs per second per core of a report.
    pub time: Duration,
}

/// A scenario's failing run, shrunk twice.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ScenarioFailure {
    /// Under which profile.
    pub profile: Profile,
    /// What went wrong first.
    pub problem: Problem,
    /// The run that found it (1 is CPython's own order).
    pub found_after: u64,
    /// Its schedule, shrunk, for the original scenario.
    pub schedule: Schedule,
    /// How many answers deviated from CPython's order before shrinking.
    pub deviations_before: usize,
    /// The smallest tree found that fails the same way.
    pub shrunk: Scenario,
    /// The schedule that makes `shrunk` fail, shrunk again.
    pub shrunk_schedule: Schedule,
    /// [`report`] of `shrunk` under `shrunk_schedule`.
    pub report: String,
}

/// One run and what is wrong with it.
struct Attempt {
    sim: Sim,
    run: Option<Run>,
    problems: Vec<Problem>,
    findings: u64,
    allowed: Vec<Invariant>,
}

/// A scenario ready to check: compiled once, its allowances resolved.
struct Subject<'a> {
    scenario: &'a Scenario,
    prepared: Prepared,
    allow: Vec<(Invariant, Option<Profile>)>,
}

/// The invariants `scenario`'s `allow` entries accept, with their profiles;
/// an unknown invariant is an error naming its JSON path.
pub fn allowances(scenario: &Scenario) -> Result<Vec<(Invariant, Option<Profile>)>, String> {
    let mut out = Vec::new();
    for (i, a) in scenario.allow.iter().enumerate() {
        let invariant = a.invariant.parse::<Invariant>().map_err(|_| {
            let names: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
            format!(
                "$.allow[{i}].invariant: unknown invariant {:?}; expected one of {}",
                a.invariant,
                names.join(", ")
            )
        })?;
        if a.profiles.is_empty() {
            out.push((invariant, None));
        }
        for p in &a.profiles {
            let profile = p
                .parse::<Profile>()
                .map_err(|e| format!("$.allow[{i}].profiles: {e}"))?;
            out.push((invariant, Some(profile)));
        }
    }
    Ok(out)
}

impl<'a> Subject<'a> {
    fn new(scenario: &'a Scenario, cfg: &SuiteConfig) -> Result<Subject<'a>, String> {
        let mut allow = allowances(scenario)?;
        allow.extend(cfg.allow.iter().copied());
        Ok(Subject {
            scenario,
            prepared: Prepared::new(scenario),
            allow,
        })
    }

    fn allowed(&self, invariant: Invariant, profile: Profile) -> bool {
        self.allow
            .iter()
            .any(|&(i, p)| i == invariant && p.is_none_or(|p| p == profile))
    }

    /// Run under `policy` and find what is wrong; `expect` (and the
    /// profile's `expect_by_profile`) only when `cpython_order`. The
    /// outcome is built only to be compared, or for a [`report`]'s
    /// timeline (which asks for the full trace).
    fn attempt(
        &self,
        cfg: &SuiteConfig,
        profile: Profile,
        policy: Policy,
        trace: TraceMode,
        cpython_order: bool,
    ) -> Attempt {
        let s = self.scenario;
        let by_order = cpython_order.then(|| {
            s.expect.iter().map(|e| ("expect", e)).chain(
                s.expect_by_profile
                    .get(profile.name())
                    .map(|e| ("expect_by_profile", e)),
            )
        });
        let fields: Vec<_> = by_order
            .into_iter()
            .flatten()
            .chain(s.expect_always.iter().map(|e| ("expect_always", e)))
            .collect();
        // Building the outcome copies every task's name and value, and its
        // JSON more: most of the cost of a seeded run, which compares
        // nothing unless the scenario has `expect_always`.
        let whole = !fields.is_empty() || trace == TraceMode::Full;
        let sim = Sim::new(Config::new(profile).policy(policy).trace(trace));
        let ran = panic::catch_unwind(AssertUnwindSafe(|| {
            if whole {
                run_on(&self.prepared, &sim).map(Ran::Whole)
            } else {
                report_on(&self.prepared, &sim).map(Ran::Report)
            }
        }));
        let mut a = Attempt {
            sim: sim.clone(),
            run: None,
            problems: Vec::new(),
            findings: 0,
            allowed: Vec::new(),
        };
        let ran = match ran {
            Err(_) => {
                sim.close();
                a.problems.push(Problem::Panic {
                    task: None,
                    message: "the interpreter panicked (a simloop bug)".to_owned(),
                });
                return a;
            }
            Ok(Err(RunError::TaskPanicked { task, message })) => {
                a.problems.push(Problem::Panic {
                    task: Some(task),
                    message,
                });
                return a;
            }
            Ok(Err(e)) => {
                a.problems.push(Problem::RunError(e));
                return a;
            }
            Ok(Ok(ran)) => ran,
        };
        let checks = Checks::new()
            .no_deadlock(true)
            .deny_findings(cfg.deny_findings);
        let verdict = check(ran.report(), &checks);
        a.findings = verdict.findings.len() as u64;
        for v in verdict.violations {
            if self.allowed(v.invariant, profile) {
                a.allowed.push(v.invariant);
            } else {
                a.problems.push(Problem::Violation(v));
            }
        }
        if let Ran::Whole(run) = ran {
            if !fields.is_empty() {
                let outcome = run.outcome.to_json();
                for (field, e) in fields {
                    if let Err(message) = check_expect(e, &outcome) {
                        a.problems.push(Problem::Expect { field, message });
                    }
                }
            }
            a.run = Some(run);
        }
        a
    }
}

/// A run with its outcome, or its report alone.
enum Ran {
    Whole(Run),
    Report(RunReport<Value>),
}

impl Ran {
    fn report(&self) -> &RunReport<Value> {
        match self {
            Ran::Whole(run) => &run.report,
            Ran::Report(report) => report,
        }
    }
}

/// Check `scenario` under every profile of `cfg`. An error is bad input
/// (an unknown invariant in the scenario's `allow`).
pub fn check_scenario(
    scenario: &Scenario,
    cfg: &SuiteConfig,
) -> Result<Vec<ProfileVerdict>, String> {
    let subject = Subject::new(scenario, cfg)?;
    Ok(cfg
        .profiles
        .iter()
        .map(|&p| check_profile(&subject, cfg, p))
        .collect())
}

fn check_profile(subject: &Subject<'_>, cfg: &SuiteConfig, profile: Profile) -> ProfileVerdict {
    let t0 = Instant::now();
    let mut v = walk_profile(subject, cfg, profile);
    v.time = t0.elapsed();
    v
}

fn walk_profile(subject: &Subject<'_>, cfg: &SuiteConfig, profile: Profile) -> ProfileVerdict {
    let mut v = ProfileVerdict {
        profile,
        runs: 0,
        schedules: 0,
        choice_points: 0,
        complete: None,
        allowed: BTreeMap::new(),
        findings: 0,
        failure: None,
        skipped: subject.prepared.unsupported(profile),
        time: Duration::ZERO,
    };
    if v.skipped.is_some() {
        return v;
    }
    let mut hashes = BTreeSet::new();
    // CPython's own order, replayed from the empty schedule so that its
    // choice points are recorded (for the exhaustive walk).
    let first = subject.attempt(
        cfg,
        profile,
        Policy::Replay(Schedule::default()),
        TraceMode::Structure,
        true,
    );
    v.choice_points = first.sim.choice_points();
    let mut dfs = match cfg.strategy {
        Strategy::Exhaustive { delays, .. } => {
            let mut dfs = Exhaustive::new(cfg.jitter, delays);
            dfs.advance(&first.sim.choices());
            Some(dfs)
        }
        _ => None,
    };
    let mut next = Some(first);
    let mut k = 0u64;
    while let Some(a) = next.take() {
        v.runs += 1;
        hashes.insert(a.sim.trace_ref().hash());
        v.findings += a.findings;
        for &i in &a.allowed {
            *v.allowed.entry(i).or_default() += 1;
        }
        if !a.problems.is_empty() {
            v.failure = Some(shrink_failure(subject, cfg, profile, &a, v.runs));
            break;
        }
        let policy = match cfg.strategy {
            Strategy::Seeds(n) => (k < n).then_some(Policy::Seeded {
                seed: k,
                jitter: cfg.jitter,
            }),
            Strategy::Pct { runs, depth } => (k < runs).then_some(Policy::Pct {
                seed: k,
                depth,
                points: v.choice_points,
                jitter: cfg.jitter,
            }),
            Strategy::Exhaustive { budget, .. } => {
                let dfs = dfs.as_ref().expect("an exhaustive walk");
                match dfs.next_schedule() {
                    Some(s) if v.runs < budget => Some(Policy::Replay(s.clone())),
                    _ => None,
                }
            }
        };
        k += 1;
        let Some(policy) = policy else {
            break;
        };
        let a = subject.attempt(cfg, profile, policy, TraceMode::Structure, false);
        if let Some(dfs) = dfs.as_mut() {
            dfs.advance(&a.sim.choices());
        }
        next = Some(a);
    }
    if let Some(dfs) = &dfs {
        v.complete = Some(v.failure.is_none() && dfs.next_schedule().is_none());
    }
    v.schedules = hashes.len();
    v
}

/// [`check_scenario`] for many scenarios on `jobs` threads, each result
/// handed to `sink` in the order of `scenarios` as soon as it and every
/// earlier one are done.
pub fn check_all(
    scenarios: &[Scenario],
    cfg: &SuiteConfig,
    jobs: usize,
    sink: &mut (dyn FnMut(usize, Result<Vec<ProfileVerdict>, String>) + Send),
) {
    let work = |k: u64| check_scenario(&scenarios[k as usize], cfg);
    let recover = |_k: u64, msg: String| Err(format!("panic: {msg}"));
    let mut next = 0usize;
    crate::ordered::run_in_order(
        crate::ordered::Jobs {
            len: scenarios.len() as u64,
            threads: jobs,
            window: 4 * jobs.max(1) as u64,
            work: &work,
            recover: &recover,
        },
        &mut |r| {
            sink(next, r);
            next += 1;
        },
    );
}

/// Does `scenario` (compiled) fail with a problem of `kind` under
/// `schedule`?
fn fails(
    subject: &Subject<'_>,
    cfg: &SuiteConfig,
    profile: Profile,
    schedule: &Schedule,
    kind: &str,
) -> bool {
    let cpython = schedule.is_empty();
    let a = subject.attempt(
        cfg,
        profile,
        Policy::Replay(schedule.clone()),
        TraceMode::Structure,
        cpython,
    );
    a.problems.iter().any(|p| p.kind() == kind)
}

fn shrink_failure(
    subject: &Subject<'_>,
    cfg: &SuiteConfig,
    profile: Profile,
    failed: &Attempt,
    found_after: u64,
) -> ScenarioFailure {
    let problem = failed.problems[0].clone();
    let kind = problem.kind();
    let original = failed.sim.schedule();
    let (schedule, _) = shrink_schedule(&original, SCHEDULE_SHRINK_BUDGET, &mut |cand| {
        !cand.is_empty() && fails(subject, cfg, profile, cand, &kind)
    });
    // A failure that needs a schedule must keep needing it: the shrunk
    // tree stays clean in CPython's own order.
    let needs_schedule = !schedule.is_empty();
    // An expectation names this very tree's tasks and values: unmet in
    // CPython's order, the tree as written is the report (a smaller tree
    // would fail it trivially). Only an `expect_always` that needs a
    // schedule to break is shrunk, and the smaller tree must keep it
    // intact in CPython's order.
    let shrunk = if matches!(&problem, Problem::Expect { .. }) && !needs_schedule {
        subject.scenario.clone()
    } else {
        let mut start = subject.scenario.clone();
        start.expect = None;
        start.expect_by_profile.clear();
        start.description = None;
        shrink_with(start, cfg.shrink_calls, |cand| {
            let Ok(s) = Subject::new(cand, cfg) else {
                return false;
            };
            fails(&s, cfg, profile, &schedule, &kind)
                && !(needs_schedule && fails(&s, cfg, profile, &Schedule::default(), &kind))
        })
        .scenario
    };
    let small = Subject::new(&shrunk, cfg).expect("allowances were valid");
    let (shrunk_schedule, _) = shrink_schedule(&schedule, SCHEDULE_SHRINK_BUDGET, &mut |cand| {
        (!needs_schedule || !cand.is_empty()) && fails(&small, cfg, profile, cand, &kind)
    });
    let report = report(&shrunk, cfg, profile, &shrunk_schedule)
        .map(|(text, _)| text)
        .unwrap_or_default();
    ScenarioFailure {
        profile,
        problem,
        found_after,
        deviations_before: original.deviations(),
        schedule,
        shrunk,
        shrunk_schedule,
        report,
    }
}

/// A run of `scenario` under `schedule` (its full trace), described: every
/// problem it has (`expect` only for the empty schedule, CPython's order),
/// then its timeline. `simloop check` prints it for a failure and
/// `simloop replay --schedule` for any run, byte for byte the same.
///
/// Returns the text and how many problems the run has; an error is bad
/// input (an unknown invariant in the scenario's `allow`).
pub fn report(
    scenario: &Scenario,
    cfg: &SuiteConfig,
    profile: Profile,
    schedule: &Schedule,
) -> Result<(String, usize), String> {
    let subject = Subject::new(scenario, cfg)?;
    let a = subject.attempt(
        cfg,
        profile,
        Policy::Replay(schedule.clone()),
        TraceMode::Full,
        schedule.is_empty(),
    );
    let mut out = String::new();
    if a.problems.is_empty() {
        out.push_str("no problem: every invariant and expectation holds\n");
    }
    for p in &a.problems {
        out.push_str(&format!("{p}\n"));
    }
    for i in &a.allowed {
        out.push_str(&format!(
            "allowed: {i} (the scenario's or the command's allow)\n"
        ));
    }
    out.push_str(&format!("timeline ({profile}, schedule {schedule}):\n"));
    let timeline = match &a.run {
        Some(run) => run.timeline(),
        None => simloop_asyncio::timeline::timeline(
            &a.sim.trace_ref(),
            &simloop_asyncio::timeline::Plain,
        ),
    };
    for line in timeline.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    Ok((out, a.problems.len()))
}
