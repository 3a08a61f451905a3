//! The side-by-side benchmarks of issue 6: each workload in simloop, in
//! tokio's current-thread runtime with the paused clock (where the same
//! program can be written), and in CPython's asyncio on the reference
//! runner's virtual-clock loop (`tools/bench_cpython.py`, timed in-process).
//!
//! ```sh
//! cargo bench --bench side_by_side              # everything
//! cargo bench --bench side_by_side -- fanout    # one workload
//! python3 tools/bench_table.py                  # the README table
//! ```
//!
//! Every workload has a throughput (tasks, task groups, timeouts, trees), so
//! criterion prints elements per second for the three runtimes alike.
//! `SIMLOOP_BENCH_PYTHON` names the CPython to use (default: pyenv's
//! 3.13.0, else `python3.13`, else `python3`); `SIMLOOP_BENCH_NO_CPYTHON=1`
//! leaves CPython out; `SIMLOOP_BENCH_ONCE` runs one workload once (see
//! [`once`]), for profilers; `SIMLOOP_BENCH_PAIRED=ROUNDS` takes each
//! ratio round by round instead (see [`paired`]), steadier on a noisy VM;
//! with workload names after `--`, only those ratios.

/// The `simloop` binary's allocator, for every runtime measured here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cpython;
mod fanout;
mod harness;
mod nesting;
mod paired;
mod scaling;
mod timers;
mod trees;
mod wide;

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

/// A group for runs of tens of milliseconds to seconds: ten samples of a
/// fixed number of iterations each.
pub(crate) fn slow_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g
}

/// SplitMix64: the workloads' "random" numbers, the same in Rust and Python.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `SIMLOOP_BENCH_ONCE=WORKLOAD/RUNTIME` (e.g. `fanout/simloop`): run that
/// one workload once and exit, for `valgrind --tool=callgrind` or `perf`.
fn once(which: &str) {
    match which {
        "fanout/simloop" => drop(fanout::simloop(fanout::N)),
        "fanout/tokio" => drop(fanout::tokio(fanout::N)),
        "nesting/simloop" => drop(nesting::simloop(nesting::D)),
        "nesting/tokio" => drop(nesting::tokio(nesting::D)),
        "timer_churn/simloop" => drop(timers::simloop(timers::T)),
        "timer_churn/tokio" => drop(timers::tokio(timers::T)),
        "random_trees/simloop-run" => trees::simloop_run(&trees::trees(trees::N)),
        "random_trees/simloop-checked" => trees::simloop_checked(&trees::trees(trees::N)),
        "wide_group/simloop" => drop(wide::simloop(wide::W)),
        "wide_group/tokio" => drop(wide::tokio(wide::W)),
        "explore_scaling/simloop-1-jobs" => drop(scaling::run(scaling::SEEDS, 1)),
        "explore_scaling/simloop-2-jobs" => drop(scaling::run(scaling::SEEDS, 2)),
        "harness/simloop-bare" => drop(harness::bare(harness::S)),
        "harness/simloop-check" => drop(harness::checked(harness::S)),
        other => panic!("SIMLOOP_BENCH_ONCE: unknown workload {other:?}"),
    }
}

fn main() {
    if let Ok(which) = std::env::var("SIMLOOP_BENCH_ONCE") {
        once(&which);
        return;
    }
    if let Ok(rounds) = std::env::var("SIMLOOP_BENCH_PAIRED") {
        // `-- fanout nesting`: only those pairs (cargo bench passes
        // `--bench` too).
        let only: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with("--"))
            .collect();
        paired::run(
            rounds
                .parse()
                .expect("SIMLOOP_BENCH_PAIRED=ROUNDS, a number"),
            &only,
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    fanout::bench(&mut c);
    nesting::bench(&mut c);
    timers::bench(&mut c);
    trees::bench(&mut c);
    scaling::bench(&mut c);
    wide::bench(&mut c);
    harness::bench(&mut c);
    c.final_summary();
}
