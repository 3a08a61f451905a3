//! Workload 5, explore scaling: seeds per second of `simloop explore`'s
//! sweep (generate, run twice, check every invariant) on 1 and on 2 worker
//! threads. Shrinking is left out: it runs only for violations, after the
//! sweep, on one thread.

use criterion::{Criterion, Throughput};
use simloop::core::Profile;
use simloop::explore::explore::{sweep, ExploreConfig};

use crate::slow_group;

/// Seeds per sweep.
pub(crate) const SEEDS: u64 = 5000;

/// One sweep of `seeds` seeds on `jobs` threads; returns the seeds run.
pub(crate) fn run(seeds: u64, jobs: usize) -> u64 {
    let cfg = ExploreConfig::new(Profile::Py313).seeds(seeds).jobs(jobs);
    sweep(&cfg, &|_| {}).seeds
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut g = slow_group(c, "explore_scaling");
    g.throughput(Throughput::Elements(SEEDS));
    for jobs in [1, 2] {
        g.bench_function(format!("simloop-{jobs}-jobs"), |b| {
            b.iter(|| assert_eq!(run(SEEDS, jobs), SEEDS))
        });
    }
    g.finish();
}
