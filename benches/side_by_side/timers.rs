//! Workload 3, timer churn: `T` tasks each enter 1,000 timeouts in turn
//! (100 ticks), reschedule every other one to 200 ticks from now, and sleep
//! 1 tick inside, so every timeout is cancelled or rescheduled and then
//! cancelled before it fires: `T * 1000` timeouts, and as many sleeps.
//! asyncio's `timeout` in simloop and CPython; in tokio `time::timeout`, and
//! a `Sleep` deadline moved with `reset` for the rescheduled ones.

use std::time::Duration;

use criterion::{Criterion, Throughput};
use simloop::asyncio::gather::gather;
use simloop::asyncio::timeout::timeout;
use simloop::core::{get_running_loop, sleep, spawn, Config, Exc, Profile, Sim, TraceMode};

use crate::{cpython, slow_group};

/// Tasks in the benchmark; each enters [`PER_TASK`] timeouts.
pub(crate) const T: u64 = 100;
/// Timeouts per task.
pub(crate) const PER_TASK: u64 = 1000;

async fn churner(k: u64) -> Result<(), Exc> {
    let sim = get_running_loop();
    for j in 0..PER_TASK {
        let cm = timeout(100);
        cm.enter().await?;
        if (k + j) % 2 == 1 {
            cm.reschedule(sim.time() + 200)?;
        }
        let r = sleep(1).await;
        cm.exit(r.as_ref().err().cloned()).await?;
        r?;
    }
    Ok(())
}

/// simloop: the churners under one `gather`; returns the final time.
pub(crate) fn simloop(tasks: u64) -> u64 {
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::HashOnly));
    let r = sim.run_main("main", async move {
        let ts: Vec<_> = (0..tasks).map(|k| spawn("churner", churner(k))).collect();
        gather(ts, false).await?;
        Ok(get_running_loop().time())
    });
    sim.close();
    r.expect("no run limit").expect("main returns")
}

async fn tokio_churner(k: u64) {
    let ms = Duration::from_millis;
    for j in 0..PER_TASK {
        if (k + j) % 2 == 1 {
            let deadline = tokio::time::sleep(ms(100));
            tokio::pin!(deadline);
            deadline
                .as_mut()
                .reset(tokio::time::Instant::now() + ms(200));
            tokio::select! {
                biased;
                _ = &mut deadline => panic!("a timeout fired"),
                _ = tokio::time::sleep(ms(1)) => {}
            }
        } else {
            tokio::time::timeout(ms(100), tokio::time::sleep(ms(1)))
                .await
                .expect("no timeout fires");
        }
    }
}

/// tokio, current-thread runtime, paused clock; returns the final time.
pub(crate) fn tokio(tasks: u64) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(async move {
        let start = tokio::time::Instant::now();
        let hs: Vec<_> = (0..tasks).map(|k| tokio::spawn(tokio_churner(k))).collect();
        for h in hs {
            h.await.expect("no panic");
        }
        start.elapsed().as_millis() as u64
    })
}

pub(crate) fn bench(c: &mut Criterion) {
    assert_eq!(simloop(T), PER_TASK);
    assert_eq!(tokio(T), PER_TASK);
    let mut g = slow_group(c, "timer_churn");
    g.throughput(Throughput::Elements(T * PER_TASK));
    g.bench_function("simloop", |b| b.iter(|| simloop(T)));
    g.bench_function("tokio", |b| b.iter(|| tokio(T)));
    if let Some(py) = cpython::python() {
        g.bench_function("cpython", |b| {
            b.iter_custom(|iters| cpython::time(&py, "timers", &T.to_string(), iters))
        });
    }
    g.finish();
}
