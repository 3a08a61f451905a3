//! Workload 1, fan-out/fan-in: `N` tasks each sleep a random `0..20` ticks
//! and return; join them all. `gather` in simloop and CPython, spawn and
//! await the handles in tokio.

use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use simloop::asyncio::gather::gather;
use simloop::core::{sleep, spawn, Config, Profile, Sim, Task, TraceMode};

use crate::{cpython, slow_group, splitmix64};

/// Tasks in the benchmark.
pub(crate) const N: u64 = 100_000;

fn delay(i: u64) -> u64 {
    splitmix64(i) % 20
}

/// simloop: every task's result through one `gather`.
pub(crate) fn simloop(n: u64) -> usize {
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::HashOnly));
    let name: Rc<str> = Rc::from("child");
    let r = sim.run_main("main", async move {
        let tasks: Vec<Task<u64>> = (0..n)
            .map(|i| {
                let d = delay(i);
                spawn(name.clone(), async move {
                    sleep(d).await?;
                    Ok(d)
                })
            })
            .collect();
        Ok(gather(tasks, false).await?.len())
    });
    sim.close();
    r.expect("no run limit").expect("main returns")
}

/// tokio, current-thread runtime, paused clock: spawn, then await each
/// handle in turn.
pub(crate) fn tokio(n: u64) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(async move {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let d = delay(i);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(d)).await;
                    d
                })
            })
            .collect();
        let mut results = Vec::with_capacity(handles.len());
        for h in handles {
            results.push(h.await.expect("no panic"));
        }
        results.len()
    })
}

pub(crate) fn bench(c: &mut Criterion) {
    let mut g = slow_group(c, "fanout");
    g.throughput(Throughput::Elements(N));
    g.bench_function("simloop", |b| b.iter(|| simloop(N)));
    g.bench_function("tokio", |b| b.iter(|| tokio(N)));
    if let Some(py) = cpython::python() {
        g.bench_function("cpython", |b| {
            b.iter_custom(|iters| cpython::time(&py, "fanout", &N.to_string(), iters))
        });
    }
    g.finish();
}
