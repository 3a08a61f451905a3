//! Workload 2, deep nesting: task groups nested `D` deep, each level a child
//! task created in the group above, and the bottom task raises. The error
//! comes back up as `D` nested `ExceptionGroup`s (simloop, CPython) or `D`
//! nested error lists (tokio, a `JoinSet` per level that aborts the rest on
//! the first error).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use criterion::{Criterion, Throughput};
use simloop::asyncio::taskgroup::task_group;
use simloop::core::{Config, Exc, Profile, Sim, TraceMode};
use tokio::task::JoinSet;

use crate::{cpython, slow_group};

/// Nesting depth in the benchmark.
pub(crate) const D: u32 = 1000;

type Level = Pin<Box<dyn Future<Output = Result<u32, Exc>>>>;

/// One level: a task group whose only child is the next level.
fn level(depth: u32, name: Rc<str>) -> Level {
    Box::pin(async move {
        if depth == 0 {
            return Err(Exc::new("Boom"));
        }
        task_group(|g| async move {
            g.create_task(name.clone(), level(depth - 1, name))?;
            Ok(0)
        })
        .await
    })
}

/// How many groups wrap the leaf.
fn group_depth(mut e: Exc) -> u32 {
    let mut n = 0;
    while let Some(m) = e.members().map(|m| m[0].clone()) {
        e = m;
        n += 1;
    }
    assert_eq!(e.class_name(), "Boom");
    n
}

/// simloop: `main` runs the top level; `depth` groups and tasks below it.
pub(crate) fn simloop(depth: u32) -> u32 {
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::HashOnly));
    let r = sim.run_main("main", async move {
        let e = level(depth, Rc::from("level")).await.expect_err("Boom");
        Ok(group_depth(e))
    });
    sim.close();
    r.expect("no run limit").expect("main returns")
}

/// The same groups nested inside one task (`async with` in `async with`):
/// `depth` nested futures polled from one task step. CPython stops at about
/// 990 of these with `RecursionError`; simloop must not overflow its stack.
pub(crate) fn simloop_inline(depth: u32) -> u32 {
    fn inline(depth: u32) -> Level {
        Box::pin(async move {
            if depth == 0 {
                return Err(Exc::new("Boom"));
            }
            task_group(|_| inline(depth - 1)).await
        })
    }
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::HashOnly));
    let r = sim.run_main("main", async move {
        Ok(group_depth(inline(depth).await.expect_err("Boom")))
    });
    sim.close();
    r.expect("no run limit").expect("main returns")
}

/// tokio's nearest: a `JoinSet` per level.
#[derive(Debug)]
enum Error {
    Boom,
    Group(Vec<Error>),
}

type TokioLevel = Pin<Box<dyn Future<Output = Result<u32, Error>> + Send>>;

fn tokio_level(depth: u32) -> TokioLevel {
    Box::pin(async move {
        if depth == 0 {
            return Err(Error::Boom);
        }
        let mut set = JoinSet::new();
        set.spawn(tokio_level(depth - 1));
        let mut errors = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Err(e) = r.expect("no panic") {
                if errors.is_empty() {
                    set.abort_all();
                }
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(0)
        } else {
            Err(Error::Group(errors))
        }
    })
}

/// tokio, current-thread runtime, paused clock.
pub(crate) fn tokio(depth: u32) -> u32 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let mut e = rt.block_on(tokio_level(depth)).expect_err("Boom");
    let mut n = 0;
    while let Error::Group(mut m) = e {
        e = m.swap_remove(0);
        n += 1;
    }
    assert!(matches!(e, Error::Boom));
    n
}

pub(crate) fn bench(c: &mut Criterion) {
    assert_eq!(simloop(D), D);
    assert_eq!(tokio(D), D);
    assert_eq!(simloop_inline(D), D);
    let mut g = slow_group(c, "nesting");
    g.throughput(Throughput::Elements(u64::from(D)));
    g.bench_function("simloop", |b| b.iter(|| simloop(D)));
    g.bench_function("tokio", |b| b.iter(|| tokio(D)));
    if let Some(py) = cpython::python() {
        g.bench_function("cpython", |b| {
            b.iter_custom(|iters| cpython::time(&py, "nesting", &D.to_string(), iters))
        });
    }
    g.finish();
}
