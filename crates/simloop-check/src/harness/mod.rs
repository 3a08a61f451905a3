//! [`Check`]: run your own async code under many schedules, on every
//! CPython profile, and check every invariant on every run, from
//! `cargo test`, the way shuttle's `check_random` and madsim's
//! `#[madsim::test]` do.
//!
//! ```
//! use simloop_asyncio::gather::gather;
//! use simloop_check::{Check, Invariant};
//! use simloop_core::{sleep, spawn, Profile};
//!
//! let summary = Check::new()
//!     .seeds(50)
//!     .jitter(5)
//!     .profiles(&[Profile::Py312, Profile::Py313])
//!     .try_run(|| async {
//!         let kids: Vec<_> = (0..3u64)
//!             .map(|i| spawn(format!("fetch{i}"), async move { sleep(10 + i).await.map(|_| i) }))
//!             .collect();
//!         let got = gather(kids, false).await?;
//!         Ok(got.len())
//!     })
//!     .unwrap();
//! assert_eq!(summary.runs, 2 * 51); // CPython's order and 50 seeds, per profile
//! assert!(summary.schedules > 2);   // distinct traces
//! ```
//!
//! Each run is `asyncio.run(main())` ([`simloop_asyncio::runner`]) of the
//! body, under one profile and one schedule: CPython's own order first,
//! then each seed's (the seeded scheduler, with `jitter` ticks of extra
//! latency on sleeps). A run fails on a violated invariant (including
//! `no-deadlock`) that is not [allowed](Check::allow), on a denied finding
//! ([`Check::deny_findings`]), on a panic in any task, on a run limit, or
//! on a [property](Check::property) that does not hold. What `main`
//! returns is an outcome, not a failure.
//!
//! The first failing run is shrunk (its schedule, toward CPython's order:
//! as few deviations as possible) and reported with the problem, the
//! profile, the seed, the shrunk schedule, the run's timeline, the path of
//! its picture (under `target/simloop/`) and one line that reproduces it:
//!
//! ```text
//! note: run with SIMLOOP_PROFILE=py313 SIMLOOP_SEED=17 cargo test fetch_all_is_structured to reproduce
//! ```
//!
//! The environment steers a check without editing the test, each variable
//! documented on the method it overrides:
//!
//! | variable | effect |
//! |---|---|
//! | `SIMLOOP_SEED=S` | run only seed `S` (not CPython's order, no other seed), and print its timeline even when it passes |
//! | `SIMLOOP_SCHEDULE=CHOICES` | run only this exact schedule (`3:1,17:2`, or `none` for CPython's order), and print its timeline |
//! | `SIMLOOP_PROFILE=py313` | run only this profile |
//! | `SIMLOOP_SEEDS=N` | run `N` seeds per profile instead of the count in the code |
//!
//! A malformed value stops the check with a message naming the variable.

mod env;
mod failure;
mod shrink;
pub use shrink::shrink_schedule;

use std::collections::BTreeMap;
use std::future::Future as StdFuture;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use simloop_asyncio::runner::{run, RunReport};
use simloop_asyncio::timeline::{timeline, Plain};
use simloop_core::{
    Config, Exc, Limits, Policy, Profile, RunError, Schedule, Sim, Tick, TraceMode,
};

pub use env::assignments;
pub use failure::{Failure, Problem};

use crate::invariants::{check, Checks, Invariant};
use env::Env;

/// The extra latency, in ticks, a seeded schedule adds to a non-zero sleep
/// at most, unless [`Check::jitter`] says otherwise.
pub const DEFAULT_JITTER: Tick = 10;

/// How many seeds per profile, unless [`Check::seeds`] says otherwise.
pub const DEFAULT_SEEDS: u64 = 100;

/// The most runs spent shrinking a failing schedule.
const SHRINK_BUDGET: usize = 300;

/// A user property over a run's report.
type Property<T> = Box<dyn Fn(&RunReport<T>) -> Result<(), String>>;

/// What a property returns: `bool`, or `Result<(), E>` with a printable
/// error.
pub trait Verdict {
    /// `Ok` if the property holds, else why not.
    fn verdict(self) -> Result<(), String>;
}

impl Verdict for bool {
    fn verdict(self) -> Result<(), String> {
        if self {
            Ok(())
        } else {
            Err("returned false".to_owned())
        }
    }
}

impl<E: std::fmt::Display> Verdict for Result<(), E> {
    fn verdict(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

/// A check of one async body under many schedules: a builder, then
/// [`run`](Check::run) (panics with the report) or
/// [`try_run`](Check::try_run) (returns it). See the [module docs](self).
#[must_use = "a Check does nothing until run"]
pub struct Check<T> {
    seeds: u64,
    jitter: Tick,
    profiles: Vec<Profile>,
    allowed: Vec<(Invariant, Option<Profile>)>,
    deny_findings: bool,
    properties: Vec<Property<T>>,
    limits: Limits,
    name: Option<String>,
    env: Option<Vec<(String, String)>>,
}

impl<T: Clone + 'static> Default for Check<T> {
    fn default() -> Self {
        Check::new()
    }
}

/// What a passing check covered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Runs, over every profile.
    pub runs: u64,
    /// Distinct schedules seen: distinct trace hashes, over every profile.
    pub schedules: usize,
    /// Choice points met, summed over every run.
    pub choice_points: u64,
    /// The most choice points one run met.
    pub max_choice_points: u64,
    /// Findings seen (children escaping `gather`, `wait`, `as_completed`;
    /// misused `uncancel()`), summed over every run.
    pub findings: u64,
    /// Allowed violations, by invariant and profile: how often each
    /// occurred.
    pub allowed: BTreeMap<(Invariant, Profile), u64>,
}

/// One run and what went wrong with it.
struct Attempt<T> {
    sim: Sim,
    report: Option<RunReport<T>>,
    problems: Vec<Problem>,
    findings: u64,
    allowed: Vec<Invariant>,
}

impl<T: Clone + 'static> Check<T> {
    /// [`DEFAULT_SEEDS`] seeds with [`DEFAULT_JITTER`] on every profile,
    /// every invariant checked (`no-deadlock` included), findings allowed.
    pub fn new() -> Check<T> {
        Check {
            seeds: DEFAULT_SEEDS,
            jitter: DEFAULT_JITTER,
            profiles: Profile::ALL.to_vec(),
            allowed: Vec::new(),
            deny_findings: false,
            properties: Vec::new(),
            limits: Limits::default(),
            name: None,
            env: None,
        }
    }

    /// Run `n` seeded schedules per profile, besides CPython's own order.
    ///
    /// `SIMLOOP_SEEDS=N` overrides `n` (a nightly job can run more);
    /// `SIMLOOP_SEED=S` runs seed `S` alone and prints its timeline;
    /// `SIMLOOP_SCHEDULE=CHOICES` runs that exact schedule alone (`none`
    /// for CPython's order) and prints its timeline.
    pub fn seeds(mut self, n: u64) -> Self {
        self.seeds = n;
        self
    }

    /// Add `0..=ticks` of extra latency to every non-zero sleep of a
    /// seeded schedule (default [`DEFAULT_JITTER`]); 0 only permutes what
    /// is due at the same tick.
    pub fn jitter(mut self, ticks: Tick) -> Self {
        self.jitter = ticks;
        self
    }

    /// Check under these profiles (default: every one).
    ///
    /// `SIMLOOP_PROFILE=py313` overrides them with one.
    pub fn profiles(mut self, profiles: &[Profile]) -> Self {
        self.profiles = profiles.to_vec();
        self
    }

    /// Accept violations of `invariant` under `profile` (`None`: under
    /// every profile): a known CPython behaviour, not the program's bug
    /// (3.11 and 3.12 leak a cancellation count through a `TaskGroup`:
    /// `allow(Invariant::CancelBalance, Profile::Py311)`). The
    /// [`Summary`] counts how often each occurred.
    pub fn allow(mut self, invariant: Invariant, profile: impl Into<Option<Profile>>) -> Self {
        self.allowed.push((invariant, profile.into()));
        self
    }

    /// [`allow`](Check::allow) from its text, as the command line writes
    /// it: `INVARIANT` (every profile) or `INVARIANT@PROFILE`, e.g.
    /// `cancel-balance@py311`.
    ///
    /// # Panics
    /// On an unknown invariant or profile, naming it.
    pub fn allow_spec(self, spec: &str) -> Self {
        let (invariant, profile) =
            parse_allow(spec).unwrap_or_else(|e| panic!("simloop::check: {e}"));
        self.allow(invariant, profile)
    }

    /// Fail on a child that outlives the `gather`, `wait` or `as_completed`
    /// that made it (a finding otherwise).
    pub fn deny_findings(mut self) -> Self {
        self.deny_findings = true;
        self
    }

    /// Fail a run whose report `property` does not hold for: `false`, or
    /// an `Err`. The report has `main`'s outcome, the orphans, the tasks
    /// and the times.
    pub fn property<R: Verdict>(mut self, property: impl Fn(&RunReport<T>) -> R + 'static) -> Self {
        self.properties
            .push(Box::new(move |r| property(r).verdict()));
        self
    }

    /// Stop a run at these limits (a run that reaches one fails).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The test's name in the reproduce line (default: the running test's,
    /// from its thread's name).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Read `SIMLOOP_*` settings from these assignments instead of the
    /// process environment: what [`assignments`] takes out of a reproduce
    /// line.
    pub fn env(mut self, assignments: Vec<(String, String)>) -> Self {
        self.env = Some(assignments);
        self
    }

    /// [`try_run`](Check::try_run), panicking with the failure's report.
    #[track_caller]
    pub fn run<F, Fut>(self, body: F) -> Summary
    where
        F: Fn() -> Fut,
        Fut: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        match self.try_run(body) {
            Ok(summary) => summary,
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Run `body` as `main` under CPython's order and every seed, for every
    /// profile; the first failing run, shrunk and described, or what the
    /// check covered.
    ///
    /// # Panics
    /// On a malformed `SIMLOOP_*` variable.
    #[expect(
        clippy::result_large_err,
        reason = "a failure is the rare end of a check, and carries its whole report"
    )]
    pub fn try_run<F, Fut>(&self, body: F) -> Result<Summary, Failure>
    where
        F: Fn() -> Fut,
        Fut: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let env = match &self.env {
            Some(pairs) => {
                Env::read(&|k| pairs.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone()))
            }
            None => Env::process(),
        }
        .unwrap_or_else(|e| panic!("simloop::check: {e}"));
        let profiles = env
            .profile
            .map_or_else(|| self.profiles.clone(), |p| vec![p]);
        let seeds = env.seeds.unwrap_or(self.seeds);
        let mut policies = Vec::new();
        if let Some(s) = &env.schedule {
            policies.push((None, Policy::Replay(s.clone())));
        } else if let Some(seed) = env.seed {
            policies.push((Some(seed), self.seeded(seed)));
        } else {
            policies.push((None, Policy::Asyncio));
            policies.extend((0..seeds).map(|seed| (Some(seed), self.seeded(seed))));
        }
        let show = env.seed.is_some() || env.schedule.is_some();
        let mut summary = Summary::default();
        // Counted once at the end: a sort of a few thousand words costs
        // less than a tree insert per run.
        let mut hashes = Vec::new();
        for &profile in &profiles {
            for (seed, policy) in &policies {
                let a = self.attempt(&body, profile, policy, TraceMode::Structure);
                summary.runs += 1;
                hashes.push(a.sim.trace_ref().hash());
                summary.choice_points += a.sim.choice_points();
                summary.max_choice_points = summary.max_choice_points.max(a.sim.choice_points());
                summary.findings += a.findings;
                for &inv in &a.allowed {
                    *summary.allowed.entry((inv, profile)).or_default() += 1;
                }
                if show {
                    let full = self.attempt(&body, profile, policy, TraceMode::Full);
                    println!(
                        "simloop: {profile}, {}:\n{}",
                        describe_policy(*seed, &a.sim.schedule(), self.jitter),
                        text_of(&full)
                    );
                }
                if let Some(first) = a.problems.first() {
                    let kind = first.kind();
                    return Err(self.failure(&body, profile, *seed, &a, &kind));
                }
            }
        }
        hashes.sort_unstable();
        hashes.dedup();
        summary.schedules = hashes.len();
        Ok(summary)
    }

    /// The run of `body` under CPython's order on `profile`, with its full
    /// trace: for a snapshot of its timeline
    /// (`report.timeline(&Plain)`), a picture, or a look.
    pub fn report<F, Fut>(&self, profile: Profile, body: F) -> Result<RunReport<T>, RunError>
    where
        F: Fn() -> Fut,
        Fut: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let sim = Sim::new(self.config(profile, Policy::Asyncio, TraceMode::Full));
        run(&sim, "main", body())
    }

    fn seeded(&self, seed: u64) -> Policy {
        Policy::Seeded {
            seed,
            jitter: self.jitter,
        }
    }

    fn config(&self, profile: Profile, policy: Policy, trace: TraceMode) -> Config {
        Config::new(profile)
            .policy(policy)
            .trace(trace)
            .limits(self.limits)
    }

    /// Run `body` once and find what is wrong with the run.
    fn attempt<F, Fut>(
        &self,
        body: &F,
        profile: Profile,
        policy: &Policy,
        trace: TraceMode,
    ) -> Attempt<T>
    where
        F: Fn() -> Fut,
        Fut: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let sim = Sim::new(self.config(profile, policy.clone(), trace));
        let ran = panic::catch_unwind(AssertUnwindSafe(|| run(&sim, "main", body())));
        let failed = |problem| Attempt {
            sim: sim.clone(),
            report: None,
            problems: vec![problem],
            findings: 0,
            allowed: Vec::new(),
        };
        let report = match ran {
            Err(payload) => {
                sim.close();
                return failed(Problem::Panic {
                    task: None,
                    message: failure::panic_message(payload.as_ref()),
                });
            }
            Ok(Err(RunError::TaskPanicked { task, message })) => {
                return failed(Problem::Panic {
                    task: Some(task),
                    message,
                });
            }
            Ok(Err(e)) => return failed(Problem::RunError(e)),
            Ok(Ok(report)) => report,
        };
        let checks = Checks::new()
            .no_deadlock(true)
            .deny_findings(self.deny_findings);
        let verdict = check(&report, &checks);
        let mut problems = Vec::new();
        let mut allowed = Vec::new();
        for v in verdict.violations {
            let allow = self
                .allowed
                .iter()
                .any(|&(i, p)| i == v.invariant && p.is_none_or(|p| p == profile));
            if allow {
                allowed.push(v.invariant);
            } else {
                problems.push(Problem::Violation(v));
            }
        }
        for (index, property) in self.properties.iter().enumerate() {
            if let Err(message) = property(&report) {
                problems.push(Problem::Property { index, message });
            }
        }
        // Built last, around the report, so that the report moves once.
        Attempt {
            sim,
            report: Some(report),
            problems,
            findings: verdict.findings.len() as u64,
            allowed,
        }
    }

    /// The failure of `failed`: its schedule shrunk while the same kind of
    /// problem shows, then run again with its full trace to describe it.
    fn failure<F, Fut>(
        &self,
        body: &F,
        profile: Profile,
        seed: Option<u64>,
        failed: &Attempt<T>,
        kind: &str,
    ) -> Failure
    where
        F: Fn() -> Fut,
        Fut: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let original = failed.sim.schedule();
        let (schedule, _) = shrink_schedule(&original, SHRINK_BUDGET, &mut |cand| {
            let a = self.attempt(
                body,
                profile,
                &Policy::Replay(cand.clone()),
                TraceMode::Structure,
            );
            a.problems.first().is_some_and(|p| p.kind() == kind)
        });
        let full = self.attempt(
            body,
            profile,
            &Policy::Replay(schedule.clone()),
            TraceMode::Full,
        );
        let test = self.name.clone().or_else(running_test);
        let picture = full.report.as_ref().and_then(|r| {
            let svg =
                simloop_render::render_svg(r, test.as_deref().unwrap_or("simloop check"), &Plain);
            let file = pictures_dir().join(picture_name(test.as_deref(), profile, seed));
            std::fs::create_dir_all(file.parent()?).ok()?;
            std::fs::write(&file, svg).ok()?;
            Some(file)
        });
        Failure {
            problems: full.problems.clone(),
            profile,
            seed,
            jitter: self.jitter,
            deviations_before: original.deviations(),
            schedule,
            timeline: text_of(&full),
            picture,
            test,
        }
    }
}

/// `INVARIANT[@PROFILE]`.
pub fn parse_allow(spec: &str) -> Result<(Invariant, Option<Profile>), String> {
    let (name, profile) = match spec.split_once('@') {
        Some((n, p)) => (n, Some(p.trim().parse::<Profile>()?)),
        None => (spec, None),
    };
    let invariant = name.trim().parse::<Invariant>().map_err(|e| {
        let names: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
        format!("{e} in {spec:?}; expected one of {}", names.join(", "))
    })?;
    Ok((invariant, profile))
}

/// The run's timeline, then its summary (or why it stopped).
fn text_of<T>(a: &Attempt<T>) -> String {
    match &a.report {
        Some(r) => r.timeline(&Plain),
        None => {
            let mut t = timeline(&a.sim.trace_ref(), &Plain);
            for p in &a.problems {
                t.push_str(&format!("stopped: {p}\n"));
            }
            t
        }
    }
}

/// `seed 17 (jitter 10), schedule 3:1,17:2` or `CPython's own order`.
fn describe_policy(seed: Option<u64>, schedule: &Schedule, jitter: Tick) -> String {
    match seed {
        Some(seed) => format!("seed {seed} (jitter {jitter}), schedule {schedule}"),
        None if schedule.is_empty() => "CPython's own order (schedule none)".to_owned(),
        None => format!("schedule {schedule}"),
    }
}

/// The running test's name: libtest names each test's thread after it.
fn running_test() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(str::to_owned)
}

/// `target/simloop/` of the build the test runs from (`CARGO_TARGET_DIR`
/// if set), else the temporary directory's `simloop/`.
fn pictures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("simloop");
    }
    let exe = std::env::current_exe().ok();
    let target = exe.as_deref().and_then(|exe| {
        let dir = exe.parent()?;
        let profile = if dir.ends_with("deps") || dir.ends_with("examples") {
            dir.parent()?
        } else {
            dir
        };
        profile.parent().map(PathBuf::from)
    });
    target.unwrap_or_else(std::env::temp_dir).join("simloop")
}

/// `fetch_all-py313-seed17.svg`, `fetch_all-py313-cpython.svg`.
fn picture_name(test: Option<&str>, profile: Profile, seed: Option<u64>) -> String {
    let test: String = test
        .unwrap_or("check")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match seed {
        Some(s) => format!("{test}-{profile}-seed{s}.svg"),
        None => format!("{test}-{profile}-schedule.svg"),
    }
}
