//! Workload 4, random trees: the explore generator's trees, one after the
//! other on one core. No tokio: these are asyncio programs.
//!
//! - `simloop-checked`: what `simloop explore` does with a tree: run it
//!   twice under the seeded policy (hash-only trace) and check every
//!   invariant ([`check_scenario`]); trees generated beforehand.
//! - `simloop-run`: one run under the asyncio policy, the outcome built
//!   (not printed): the same work as the reference runner's.
//! - `cpython`: the reference runner's `run_program` on each tree (compiled
//!   beforehand), which returns the outcome as a dict.

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;

use criterion::{Criterion, Throughput};
use simloop::core::{Config, Profile, TraceMode};
use simloop::explore::explore::{check_scenario, SeedRules};
use simloop::explore::{generate, GenConfig};
use simloop::scenario::{run, Scenario};

use crate::{cpython, slow_group};

/// Trees per iteration.
pub(crate) const N: u64 = 1000;

/// Seeds `0..n`, alternating the differential test's two generator
/// settings (the default, and deeper but narrower trees).
pub(crate) fn trees(n: u64) -> Vec<Scenario> {
    let configs = [
        GenConfig::default(),
        GenConfig::default().max_depth(6).max_width(3),
    ];
    (0..n)
        .map(|seed| generate(seed, &configs[(seed % 2) as usize]))
        .collect()
}

/// Run every tree once, as `simloop run` would, without the printing.
pub(crate) fn simloop_run(trees: &[Scenario]) {
    for s in trees {
        let r = run(s, Config::new(Profile::Py313).trace(TraceMode::HashOnly))
            .expect("generated trees stay within the run limits");
        black_box(r.outcome);
    }
}

/// Run and check every tree as `simloop explore` does (seed `i` for tree `i`).
pub(crate) fn simloop_checked(trees: &[Scenario]) {
    for (seed, s) in trees.iter().enumerate() {
        let (_, report, _) = check_scenario(s, seed as u64, &SeedRules::new(Profile::Py313))
            .expect("generated trees stay within the run limits");
        black_box(report);
    }
}

fn write_jsonl(trees: &[Scenario]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-trees.jsonl");
    let mut f = std::fs::File::create(&path).expect("create the trees file");
    for s in trees {
        writeln!(f, "{}", s.to_json()).expect("write a tree");
    }
    path
}

pub(crate) fn bench(c: &mut Criterion) {
    let trees = trees(N);
    let mut g = slow_group(c, "random_trees");
    g.throughput(Throughput::Elements(N));
    g.bench_function("simloop-checked", |b| b.iter(|| simloop_checked(&trees)));
    g.bench_function("simloop-run", |b| b.iter(|| simloop_run(&trees)));
    if let Some(py) = cpython::python() {
        let path = write_jsonl(&trees);
        let path = path.to_str().expect("a UTF-8 path").to_owned();
        g.bench_function("cpython", |b| {
            b.iter_custom(|iters| cpython::time(&py, "trees", &path, iters))
        });
    }
    g.finish();
}
