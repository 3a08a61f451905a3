//! `SIMLOOP_BENCH_PAIRED=ROUNDS`: the ratios of the README table, taken
//! round by round instead of across criterion's groups.
//!
//! Criterion measures one runtime for several seconds, then the next; on a
//! VM whose speed drifts over minutes, the ratio of two such medians moves
//! by a third from one run to the next. Here the two sides of a ratio run
//! back to back (alternating which goes first), each round gives one ratio,
//! and the median and range of those ratios are printed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::{fanout, nesting, scaling, timers, wide};

/// One comparison: what is measured, and its two sides (`ours ÷ theirs`
/// in throughput, so the time of `theirs` over the time of `ours`).
struct Pair {
    name: &'static str,
    ratio: &'static str,
    ours: fn(),
    theirs: fn(),
}

const PAIRS: [Pair; 5] = [
    Pair {
        name: "fanout",
        ratio: "simloop ÷ tokio",
        ours: || {
            black_box(fanout::simloop(fanout::N));
        },
        theirs: || {
            black_box(fanout::tokio(fanout::N));
        },
    },
    Pair {
        name: "nesting",
        ratio: "simloop ÷ tokio",
        ours: || {
            black_box(nesting::simloop(nesting::D));
        },
        theirs: || {
            black_box(nesting::tokio(nesting::D));
        },
    },
    Pair {
        name: "timer_churn",
        ratio: "simloop ÷ tokio",
        ours: || {
            black_box(timers::simloop(timers::T));
        },
        theirs: || {
            black_box(timers::tokio(timers::T));
        },
    },
    Pair {
        name: "wide_group",
        ratio: "simloop ÷ tokio",
        ours: || {
            black_box(wide::simloop(wide::W));
        },
        theirs: || {
            black_box(wide::tokio(wide::W));
        },
    },
    Pair {
        name: "explore_scaling",
        ratio: "2 jobs ÷ 1 job",
        ours: || {
            black_box(scaling::run(scaling::SEEDS, 2));
        },
        theirs: || {
            black_box(scaling::run(scaling::SEEDS, 1));
        },
    },
];

fn time(f: fn(), reps: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    start.elapsed()
}

/// Print each pair's median ratio and range over `rounds` rounds; only the
/// pairs whose name contains one of `only`, if any is given.
pub(crate) fn run(rounds: usize, only: &[String]) {
    let wanted = |p: &Pair| only.is_empty() || only.iter().any(|o| p.name.contains(o.as_str()));
    for p in PAIRS.iter().filter(|p| wanted(p)) {
        // Warm up, and repeat short workloads so that a side takes 20 ms.
        let once = time(p.ours, 1).max(time(p.theirs, 1));
        let reps = (20_000_000 / once.as_nanos().max(1)).clamp(1, 10_000) as u32;
        let mut ratios: Vec<f64> = (0..rounds)
            .map(|round| {
                let (ours, theirs) = if round % 2 == 0 {
                    let ours = time(p.ours, reps);
                    (ours, time(p.theirs, reps))
                } else {
                    let theirs = time(p.theirs, reps);
                    (time(p.ours, reps), theirs)
                };
                theirs.as_secs_f64() / ours.as_secs_f64()
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:<16} {}: median {:.2}×, {:.2}× to {:.2}× over {rounds} rounds of {reps}",
            p.name,
            p.ratio,
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
        );
    }
}
