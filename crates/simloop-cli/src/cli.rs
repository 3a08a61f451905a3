//! Command-line arguments.

use std::path::PathBuf;
use std::str::FromStr;

use crate::output::errln;
use clap::{Args, Parser, Subcommand, ValueEnum};
use simloop::check::harness::parse_allow;
use simloop::core::{Config, Policy, Profile, Schedule};
use simloop::explore::explore::SeedRules;
use simloop::explore::shard::Shard;

use crate::input::InputArgs;

/// Deterministic simulation of asyncio's structured concurrency.
#[derive(Parser, Debug)]
#[command(name = "simloop", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Run scenario files and print their timeline and outcome.
    Run(RunArgs),
    /// Draw a scenario's run as a timeline picture (SVG or HTML).
    Render(RenderArgs),
    /// Print the await tree of a scenario's run at a tick.
    Pstree(PstreeArgs),
    /// Run random task trees under seeded schedules, check invariants, and
    /// shrink any failure to a minimal replayable scenario.
    Explore(ExploreArgs),
    /// Replay one explored seed bit for bit: its scenario, timeline,
    /// invariants and trace hash.
    Replay(ReplayArgs),
    /// Check scenario files under many schedules: their expectations,
    /// every invariant, and `expect_always` on every run; shrink a failure
    /// and print the line that replays it.
    Check(CheckArgs),
    /// Merge the `--report` files of the shards of one `explore` or
    /// `check` into the summary (and report) a single run would give.
    Merge(MergeArgs),
    /// Check that explore finds and shrinks each of the bugs planted in
    /// the combinators (switched on one at a time, only here).
    Selftest(SelftestArgs),
}

/// `--shard K/M`, or `auto`: the shard a batch scheduler gave this process.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ShardArg {
    Fixed(Shard),
    Auto,
}

impl FromStr for ShardArg {
    type Err = String;
    fn from_str(s: &str) -> Result<ShardArg, String> {
        if s == "auto" {
            return Ok(ShardArg::Auto);
        }
        s.parse()
            .map(ShardArg::Fixed)
            .map_err(|e| format!("{e}, or auto"))
    }
}

impl ShardArg {
    /// The shard; `auto` reads it from the environment and says on stderr
    /// where it came from.
    pub(crate) fn resolve(self) -> Result<Shard, String> {
        match self {
            ShardArg::Fixed(s) => Ok(s),
            ShardArg::Auto => {
                let (shard, from) = Shard::from_env(|v| std::env::var(v).ok())
                    .map_err(|e| format!("--shard auto: {e}"))?;
                errln!("shard {shard}, from {from}");
                Ok(shard)
            }
        }
    }
}

/// `--shard`'s long help: what a part holds, then where `auto` looks.
macro_rules! shard_help {
    ($part:literal) => {
        concat!(
            $part,
            "\n\n`auto`: the part a batch scheduler gives this job, from its environment: \
             Kubernetes indexed Jobs: JOB_COMPLETION_INDEX and SIMLOOP_SHARD_COUNT (set it to \
             the Job's completions); Slurm job arrays: SLURM_ARRAY_TASK_ID (less \
             SLURM_ARRAY_TASK_MIN, over SLURM_ARRAY_TASK_STEP) and SLURM_ARRAY_TASK_COUNT; \
             GitLab CI parallel jobs: CI_NODE_INDEX (from 1) and CI_NODE_TOTAL; Buildkite: \
             BUILDKITE_PARALLEL_JOB and BUILDKITE_PARALLEL_JOB_COUNT.\n\n\
             `simloop merge` joins the parts' --report files into a single run's summary."
        )
    };
}

/// The most threads `--jobs` may ask for: more only costs memory (each
/// thread has its stack and a window of finished runs).
pub(crate) const MAX_JOBS: usize = 256;

/// `--jobs`: 1 to [`MAX_JOBS`].
fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!("expected a number of threads from 1 to {MAX_JOBS}")),
    }
}

/// The threads to run `work` items on: `--jobs`, else the number of cores
/// (at most [`MAX_JOBS`]), and never more than the items.
pub(crate) fn jobs(asked: Option<usize>, work: u64) -> usize {
    let n = asked.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_JOBS))
    });
    n.min(usize::try_from(work).unwrap_or(usize::MAX)).max(1)
}

/// One profile, or every one.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub(crate) enum ProfilesArg {
    /// CPython 3.11.7
    Py311,
    /// CPython 3.12.1
    Py312,
    /// CPython 3.13.0
    Py313,
    /// CPython 3.14.2 (checked under Pyodide)
    Py314,
    /// Every profile.
    All,
}

impl ProfilesArg {
    pub(crate) fn profiles(self) -> Vec<Profile> {
        match self {
            ProfilesArg::Py311 => vec![Profile::Py311],
            ProfilesArg::Py312 => vec![Profile::Py312],
            ProfilesArg::Py313 => vec![Profile::Py313],
            ProfilesArg::Py314 => vec![Profile::Py314],
            ProfilesArg::All => Profile::ALL.to_vec(),
        }
    }
}

/// What `--deny` can deny.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DenyArg {
    /// A child escaping `gather`, `wait` or `as_completed` fails the run.
    Findings,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// CPython version to check under, or `all`.
    #[arg(long, value_enum, default_value = "all")]
    pub(crate) profile: ProfilesArg,
    /// Seeded schedules per scenario and profile, besides CPython's own
    /// order (with --pct: PCT-style runs) [default: 100].
    #[arg(long, value_name = "N")]
    pub(crate) seeds: Option<u64>,
    /// Largest extra latency of a sleep, in ticks (with --exhaustive: how
    /// late a late sleep is) [default: 10].
    #[arg(long, value_name = "TICKS")]
    pub(crate) jitter: Option<u64>,
    /// Run every schedule, depth first, up to --budget.
    #[arg(long, conflicts_with = "pct")]
    pub(crate) exhaustive: bool,
    /// With --exhaustive: the most schedules per scenario and profile
    /// [default: 100000].
    #[arg(long, value_name = "K", requires = "exhaustive")]
    pub(crate) budget: Option<u64>,
    /// With --exhaustive: the most late sleeps per schedule (delay
    /// bounding) [default: 1].
    #[arg(long, value_name = "D", requires = "exhaustive")]
    pub(crate) delays: Option<usize>,
    /// PCT-style schedules: CPython's order but at DEPTH random choice
    /// points per run.
    #[arg(long, value_name = "DEPTH")]
    pub(crate) pct: Option<u64>,
    /// Make findings failures: `--deny findings`.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub(crate) deny: Vec<DenyArg>,
    /// Accept violations of an invariant (under one profile):
    /// `--allow cancel-balance@py311`. Repeatable.
    #[arg(long, value_name = "INVARIANT[@PROFILE]")]
    pub(crate) allow: Vec<String>,
    /// Threads checking scenarios, 1 to 256, never more than the files
    /// [default: the number of cores].
    #[arg(long, value_parser = parse_jobs)]
    pub(crate) jobs: Option<usize>,
    /// Write JUnit XML: a test case per scenario and profile.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Print one JSON line per scenario instead of the text lines.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write the JSON lines of --json, then one with the totals, to FILE
    /// (`simloop merge` joins shards' reports).
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Check only part K of M of the files (the `i`-th, in the order
    /// listed, with `i % M == K`); or `auto`, from a batch scheduler's
    /// environment.
    #[arg(long, value_name = "K/M|auto", long_help = shard_help!(
        "Check only part K of M (K from 0) of the scenario files: the `i`-th file, in the \
         order listed (directories walked in name order), with `i % M == K`."
    ))]
    pub(crate) shard: Option<ShardArg>,
    /// Where a failure's shrunk scenario and picture are written [default:
    /// the current directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Scenario files, or directories (every *.json in them, recursively).
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// Write the merged report: what a single run's --report would hold.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// For `check` reports: write JUnit XML, as a single run's --junit.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Where shrunk failures' files are written [default: the current
    /// directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// The shards' --report files: every part of one sweep, once each.
    #[arg(required = true, value_name = "REPORT")]
    pub(crate) reports: Vec<PathBuf>,
}

/// CPython version to reproduce.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub(crate) enum ProfileArg {
    /// CPython 3.11.7
    Py311,
    /// CPython 3.12.1
    Py312,
    /// CPython 3.13.0
    Py313,
    /// CPython 3.14.2 (checked under Pyodide)
    Py314,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Py311 => Profile::Py311,
            ProfileArg::Py312 => Profile::Py312,
            ProfileArg::Py313 => Profile::Py313,
            ProfileArg::Py314 => Profile::Py314,
        }
    }
}

/// Scheduling policy.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PolicyArg {
    /// CPython's own order, exactly.
    Asyncio,
    /// Orders asyncio leaves open drawn from a seeded RNG.
    Seeded,
}

/// Profile, policy and seed, shared by the commands that run scenarios.
#[derive(Args, Debug, Clone)]
pub(crate) struct RunConfig {
    /// CPython version to reproduce.
    #[arg(long, value_enum, default_value = "py313")]
    pub(crate) profile: ProfileArg,
    /// Scheduling policy.
    #[arg(long, value_enum, default_value = "asyncio")]
    pub(crate) policy: PolicyArg,
    /// Seed of the seeded policy (implies --policy seeded).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Largest extra latency on a sleep under the seeded policy, in ticks
    /// (needs --seed or --policy seeded) [default: 0].
    #[arg(long, value_name = "TICKS")]
    pub(crate) jitter: Option<u64>,
}

impl RunConfig {
    /// The policy; `--jitter` under CPython's own order is refused (it
    /// would be ignored).
    pub(crate) fn policy(&self) -> Result<Policy, String> {
        match (self.policy, self.seed, self.jitter) {
            (PolicyArg::Asyncio, None, Some(_)) => Err(
                "--jitter applies to the seeded policy: give --seed N (or --policy seeded)"
                    .to_owned(),
            ),
            (PolicyArg::Asyncio, None, None) => Ok(Policy::Asyncio),
            (_, seed, jitter) => Ok(Policy::Seeded {
                seed: seed.unwrap_or(0),
                jitter: jitter.unwrap_or(0),
            }),
        }
    }

    /// The run's configuration; the error is printed, its exit code
    /// returned.
    pub(crate) fn config(&self) -> Result<Config, u8> {
        match self.policy() {
            Ok(policy) => Ok(Config::new(self.profile.into()).policy(policy)),
            Err(e) => {
                errln!("error: {e}");
                Err(2)
            }
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) config: RunConfig,
    /// Print the outcome JSON, one line per scenario, instead of timelines.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Scenario files; `-` reads one scenario JSON per line from stdin and
    /// prints one outcome line per scenario.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    pub(crate) config: RunConfig,
    /// The picture to write: `NAME.svg` (a standalone SVG) or `NAME.html`
    /// (the SVG with details on hover and the text timeline).
    #[arg(long, short)]
    pub(crate) out: PathBuf,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The scenario file.
    pub(crate) file: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct PstreeArgs {
    #[command(flatten)]
    pub(crate) config: RunConfig,
    /// The tick: the tree after everything due at or before it has run.
    #[arg(long)]
    pub(crate) at: u64,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The scenario file.
    pub(crate) file: PathBuf,
}

/// How explored seeds are scheduled and judged, for `explore` and
/// `replay` alike (a replay command repeats them).
#[derive(Args, Debug, Clone)]
pub(crate) struct RulesArgs {
    /// Largest extra latency of a sleep under a seed's schedule, in ticks.
    #[arg(long, default_value_t = 0)]
    pub(crate) jitter: u64,
    /// PCT-style schedules: CPython's order but at DEPTH random choice
    /// points per seed, instead of seeded random ones.
    #[arg(long, value_name = "DEPTH")]
    pub(crate) pct: Option<u64>,
    /// Make findings violations: `--deny findings`.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub(crate) deny: Vec<DenyArg>,
    /// Accept violations of an invariant (under one profile):
    /// `--allow cancel-balance@py311`. Repeatable.
    #[arg(long, value_name = "INVARIANT[@PROFILE]")]
    pub(crate) allow: Vec<String>,
}

impl RulesArgs {
    pub(crate) fn rules(&self, profile: Profile) -> Result<SeedRules, String> {
        let mut rules = SeedRules::new(profile);
        rules.jitter = self.jitter;
        rules.pct = self.pct;
        rules.deny_findings = self.deny.contains(&DenyArg::Findings);
        for spec in &self.allow {
            let a = parse_allow(spec).map_err(|e| format!("--allow {spec}: {e}"))?;
            rules.allow.push(a);
        }
        Ok(rules)
    }
}

#[derive(Args, Debug)]
pub(crate) struct ExploreArgs {
    /// How many seeds the sweep has (all shards together).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) start: u64,
    /// CPython version to reproduce, or `all`: one sweep per profile, in
    /// turn, allowing what CPython itself breaks under each (3.11 and
    /// 3.12's cancel-balance leak).
    #[arg(long, value_enum, default_value = "py313")]
    pub(crate) profile: ProfilesArg,
    /// Threads running seeds, 1 to 256, never more than the seeds
    /// [default: the number of cores].
    #[arg(long, value_parser = parse_jobs)]
    pub(crate) jobs: Option<usize>,
    /// Run only part K of M: the seeds `start + i` with `i % M == K`; or
    /// `auto`, from a batch scheduler's environment.
    #[arg(long, value_name = "K/M|auto", long_help = shard_help!(
        "Run only part K of M (K from 0): the seeds `start + i` with `i % M == K`."
    ))]
    pub(crate) shard: Option<ShardArg>,
    /// Deepest nesting of the generated trees [default: 4].
    #[arg(long, value_name = "D")]
    pub(crate) max_depth: Option<usize>,
    /// Write one JSON line per seed with violations, findings or an error,
    /// then one with the totals (`simloop merge` joins shards' reports).
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Where a failure's shrunk scenario and picture are written [default:
    /// the current directory].
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RulesArgs,
}

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The seed: it names the scenario and the schedule.
    #[arg(
        long,
        required_unless_present = "schedule",
        conflicts_with = "schedule"
    )]
    pub(crate) seed: Option<u64>,
    /// Run FILE under this exact schedule (`3:1,17:2`, or `none` for
    /// CPython's order), as `simloop check` prints it for a failure.
    #[arg(long, value_name = "CHOICES", requires = "file")]
    pub(crate) schedule: Option<Schedule>,
    /// CPython version to reproduce.
    #[arg(long, value_enum, default_value = "py313")]
    pub(crate) profile: ProfileArg,
    /// Deepest nesting of the generated tree, as given to explore [default: 4].
    #[arg(long, value_name = "D")]
    pub(crate) max_depth: Option<usize>,
    /// Run this scenario file under the seed's schedule instead of the
    /// seed's own scenario (a shrunk failure, say).
    pub(crate) file: Option<PathBuf>,
    /// Also draw the run's timeline to this .svg or .html file.
    #[arg(long, value_name = "OUT")]
    pub(crate) render: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    #[command(flatten)]
    pub(crate) rules: RulesArgs,
}

#[derive(Args, Debug)]
pub(crate) struct SelftestArgs {
    /// CPython version to reproduce, or `all` (each in turn).
    #[arg(long, value_enum, default_value = "all")]
    pub(crate) profile: ProfilesArg,
    /// Most seeds explored per planted bug, and by the control sweep.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_seeds: u64,
    /// Threads running seeds, 1 to 256, never more than the seeds
    /// [default: the number of cores].
    #[arg(long, value_parser = parse_jobs)]
    pub(crate) jobs: Option<usize>,
}
