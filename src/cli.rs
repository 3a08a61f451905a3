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
