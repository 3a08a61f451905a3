//! A run's trace hash is the same whatever the trace keeps, and a
//! structure trace holds exactly the full trace's structure events.

use simloop_asyncio::as_completed::as_completed;
use simloop_asyncio::gather::gather;
use simloop_asyncio::locks::Semaphore;
use simloop_asyncio::taskgroup::task_group;
use simloop_asyncio::timeout::{timeout, with_timeout};
use simloop_asyncio::wait::{wait, ReturnWhen};
use simloop_core::{sleep, spawn, Config, Exc, Policy, Profile, Sim, TraceMode};

/// Every combinator at least once, under a seeded schedule.
fn program(sim: &Sim) {
    sim.run_main("main", async {
        let sem = Semaphore::named("db", 1);
        let r = task_group(|g| async move {
            for i in 0..3u64 {
                let sem = sem.clone();
                g.create_task(format!("w{i}"), async move {
                    sem.acquire().await?;
                    let r = sleep(i + 1).await;
                    sem.release();
                    r
                })?;
            }
            g.create_task("boom", async {
                sleep(2).await?;
                Err::<(), _>(Exc::new("Boom"))
            })?;
            Ok(())
        })
        .await;
        assert!(r.is_err());
        let cm = timeout(3);
        let _ = with_timeout(&cm, sleep(10)).await;
        let kids: Vec<_> = (0..3u64)
            .map(|i| spawn(format!("g{i}"), async move { sleep(i).await.map(|_| i) }))
            .collect();
        gather(kids, false).await?;
        let kids: Vec<_> = (0..3u64)
            .map(|i| spawn(format!("a{i}"), async move { sleep(i).await.map(|_| i) }))
            .collect();
        for next in as_completed(kids, None) {
            next.await?;
        }
        let kids: Vec<_> = (0..2u64)
            .map(|i| spawn(format!("x{i}"), async move { sleep(i).await }))
            .collect();
        wait(kids, ReturnWhen::FirstCompleted, None).await?;
        Ok(())
    })
    .unwrap()
    .unwrap();
}

#[test]
fn the_hash_does_not_depend_on_what_the_trace_keeps() {
    for p in Profile::ALL {
        for seed in 0..20 {
            let run = |mode| {
                let config = Config::new(p)
                    .policy(Policy::Seeded { seed, jitter: 2 })
                    .trace(mode);
                let sim = Sim::new(config);
                program(&sim);
                sim
            };
            let full = run(TraceMode::Full);
            let structure = run(TraceMode::Structure);
            let hash_only = run(TraceMode::HashOnly);
            let hash = full.trace_ref().hash();
            assert_eq!(structure.trace_ref().hash(), hash, "{p} seed {seed}");
            assert_eq!(hash_only.trace_ref().hash(), hash, "{p} seed {seed}");
            assert!(hash_only.trace_ref().records().is_empty());
            let kept: Vec<_> = full
                .trace_ref()
                .records()
                .iter()
                .filter(|r| r.event.is_structure())
                .cloned()
                .collect();
            assert!(kept.len() > 20, "{p} seed {seed}: {} events", kept.len());
            assert_eq!(structure.trace_ref().records(), kept, "{p} seed {seed}");
        }
    }
}
