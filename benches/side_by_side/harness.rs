//! Workload 7, the `cargo test` harness: a user's structured fetch (four
//! fetches in a `TaskGroup` under a timeout, two connections at a time)
//! run under `S` seeded schedules, bare (`Sim::run_main`, hash-only trace)
//! and through `simloop::check::Check` (`asyncio.run`'s shutdown, the
//! structure trace, every invariant and `no-deadlock` on every run, plus
//! CPython's own order). The ratio is the harness's overhead per run.

use criterion::{Criterion, Throughput};
use simloop::asyncio::locks::Semaphore;
use simloop::asyncio::taskgroup::task_group;
use simloop::asyncio::timeout::{timeout, with_timeout};
use simloop::check::Check;
use simloop::core::{sleep, Config, Exc, Policy, Profile, Sim, Task, TraceMode};

use crate::slow_group;

/// Seeds per measurement.
pub(crate) const S: u64 = 2_000;

/// The jitter of both sides' seeded schedules.
const JITTER: u64 = 10;

/// The user's body.
async fn fetch_all() -> Result<usize, Exc> {
    let connections = Semaphore::named("connections", 2);
    let cm = timeout(1_000);
    let tasks = with_timeout(
        &cm,
        task_group(|tg| async move {
            let mut tasks: Vec<Task<u64>> = Vec::new();
            for id in 0..4u64 {
                let c = connections.clone();
                tasks.push(tg.create_task(format!("fetch{id}"), async move {
                    c.with(async move { sleep(10 + 5 * id).await.map(|_| id) })
                        .await
                })?);
            }
            Ok(tasks)
        }),
    )
    .await?;
    Ok(tasks.len())
}

/// `s` seeds of the body, each on a bare loop: `run_main`, hash only.
pub(crate) fn bare(s: u64) -> u64 {
    let mut hashes = 0u64;
    for seed in 0..s {
        let config = Config::new(Profile::Py313)
            .policy(Policy::Seeded {
                seed,
                jitter: JITTER,
            })
            .trace(TraceMode::HashOnly);
        let sim = Sim::new(config);
        sim.run_main("main", fetch_all())
            .expect("no run limit")
            .expect("main returns");
        hashes ^= sim.trace_ref().hash();
        sim.close();
    }
    hashes
}

/// CPython's order and `s - 1` seeds of the body through `Check`: `s` runs.
pub(crate) fn checked(s: u64) -> u64 {
    let summary = Check::new()
        .seeds(s - 1)
        .jitter(JITTER)
        .profiles(&[Profile::Py313])
        .env(Vec::new())
        .run(fetch_all);
    summary.runs
}

pub(crate) fn bench(c: &mut Criterion) {
    bare(10);
    assert_eq!(checked(10), 10);
    let mut g = slow_group(c, "harness");
    g.throughput(Throughput::Elements(S));
    g.bench_function("simloop-bare", |b| b.iter(|| bare(S)));
    g.bench_function("simloop-check", |b| b.iter(|| checked(S)));
    g.finish();
}
