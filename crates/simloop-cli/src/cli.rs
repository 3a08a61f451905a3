//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use simloop::core::{Policy, Profile};

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
    /// Check that explore finds and shrinks each of the bugs planted in
    /// the combinators (switched on one at a time, only here).
    Selftest(SelftestArgs),
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
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Py311 => Profile::Py311,
            ProfileArg::Py312 => Profile::Py312,
            ProfileArg::Py313 => Profile::Py313,
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
    /// Largest extra latency on a sleep under the seeded policy, in ticks.
    #[arg(long, default_value_t = 0)]
    pub(crate) jitter: u64,
}

impl RunConfig {
    pub(crate) fn policy(&self) -> Policy {
        match (self.policy, self.seed) {
            (PolicyArg::Asyncio, None) => Policy::Asyncio,
            (_, seed) => Policy::Seeded {
                seed: seed.unwrap_or(0),
                jitter: self.jitter,
            },
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
    /// The scenario file.
    pub(crate) file: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct ExploreArgs {
    /// How many seeds the sweep has (all shards together).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) start: u64,
    /// CPython version to reproduce.
    #[arg(long, value_enum, default_value = "py313")]
    pub(crate) profile: ProfileArg,
    /// Threads running seeds [default: the number of cores].
    #[arg(long)]
    pub(crate) jobs: Option<usize>,
    /// Run only part K of M: the seeds `start + i` with `i % M == K`.
    #[arg(long, value_name = "K/M")]
    pub(crate) shard: Option<simloop::explore::explore::Shard>,
    /// Deepest nesting of the generated trees [default: 4].
    #[arg(long, value_name = "D")]
    pub(crate) max_depth: Option<usize>,
    /// Write one JSON line per seed with violations, findings or an error
    /// (shards' reports concatenate).
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The seed: it names the scenario and the schedule.
    #[arg(long)]
    pub(crate) seed: u64,
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
}

#[derive(Args, Debug)]
pub(crate) struct SelftestArgs {
    /// CPython version to reproduce.
    #[arg(long, value_enum, default_value = "py313")]
    pub(crate) profile: ProfileArg,
    /// Most seeds explored per planted bug, and by the control sweep.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_seeds: u64,
    /// Threads running seeds [default: the number of cores].
    #[arg(long)]
    pub(crate) jobs: Option<usize>,
}
