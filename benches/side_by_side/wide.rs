//! Workload 6, a wide task group: `W` children in one `TaskGroup`; child
//! `i` sleeps `splitmix64(i) % 20` ticks and returns, except child 0, which
//! sleeps 10 ticks and raises, so the group cancels every child still
//! sleeping and raises an `ExceptionGroup` of that one error (tokio: one
//! `JoinSet` that aborts the rest on the first error). The group's
//! per-child bookkeeping (`_on_task_done`, the abort) is what it measures.

use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use simloop::asyncio::taskgroup::task_group;
use simloop::core::{sleep, Config, Exc, Profile, Sim, TraceMode};
use tokio::task::JoinSet;

use crate::{cpython, slow_group, splitmix64};

/// Children in the benchmark.
pub(crate) const W: u64 = 100_000;

/// Child 0 fails after this many ticks.
const FAIL_AT: u64 = 10;

fn delay(i: u64) -> u64 {
    if i == 0 {
        FAIL_AT
    } else {
        splitmix64(i) % 20
    }
}

/// simloop: the errors in the group's `ExceptionGroup` (1).
pub(crate) fn simloop(w: u64) -> usize {
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::HashOnly));
    let name: Rc<str> = Rc::from("child");
    let r = sim.run_main("main", async move {
        let e = task_group(|g| async move {
            for i in 0..w {
                g.create_task(name.clone(), async move {
                    sleep(delay(i)).await?;
                    if i == 0 {
                        return Err(Exc::new("Boom"));
                    }
                    Ok(i)
                })?;
            }
            Ok(())
        })
        .await
        .expect_err("child 0 fails");
        Ok(e.members().map_or(0, <[Exc]>::len))
    });
    sim.close();
    r.expect("no run limit").expect("main returns")
}

/// tokio, current-thread runtime, paused clock: the errors collected (1).
pub(crate) fn tokio(w: u64) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(async move {
        let mut set = JoinSet::new();
        for i in 0..w {
            set.spawn(async move {
                tokio::time::sleep(Duration::from_millis(delay(i))).await;
                if i == 0 {
                    Err("Boom")
                } else {
                    Ok(i)
                }
            });
        }
        let mut errors = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Err(e)) => {
                    if errors.is_empty() {
                        set.abort_all();
                    }
                    errors.push(e);
                }
                Ok(Ok(_)) => {}
                Err(e) => assert!(e.is_cancelled(), "no panic"),
            }
        }
        errors.len()
    })
}

pub(crate) fn bench(c: &mut Criterion) {
    assert_eq!(simloop(W), 1);
    assert_eq!(tokio(W), 1);
    let mut g = slow_group(c, "wide_group");
    g.throughput(Throughput::Elements(W));
    g.bench_function("simloop", |b| b.iter(|| simloop(W)));
    g.bench_function("tokio", |b| b.iter(|| tokio(W)));
    if let Some(py) = cpython::python() {
        g.bench_function("cpython", |b| {
            b.iter_custom(|iters| cpython::time(&py, "wide", &W.to_string(), iters))
        });
    }
    g.finish();
}
