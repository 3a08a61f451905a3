//! Same seed, same trace; different seeds explore different orders.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use simloop_core::{get_running_loop, sleep, spawn, Config, Policy, Profile, Schedule, Sim};

/// Eight tasks sleep until the same tick; a set of them is iterated too.
fn run(policy: Policy) -> (String, u64, Vec<usize>) {
    run_on(&Sim::new(Config::new(Profile::Py313).policy(policy)))
}

fn run_on(sim: &Sim) -> (String, u64, Vec<usize>) {
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = order.clone();
    sim.run_main("main", async move {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let o = o.clone();
                spawn(format!("t{i}"), async move {
                    sleep(5).await?;
                    o.borrow_mut().push(i);
                    Ok(())
                })
            })
            .collect();
        let mut set: Vec<usize> = (0..4).collect();
        get_running_loop().set_order(&mut set);
        for t in tasks {
            t.await?;
        }
        Ok(())
    })
    .unwrap()
    .unwrap();
    let trace = sim.trace_ref();
    let out = order.borrow().clone();
    (trace.to_string(), trace.hash(), out)
}

#[test]
fn same_seed_gives_a_byte_identical_trace() {
    let p = Policy::Seeded {
        seed: 42,
        jitter: 3,
    };
    let (a, ha, _) = run(p.clone());
    let (b, hb, _) = run(p);
    assert_eq!(a, b);
    assert_eq!(ha, hb);
    assert!(a.contains("timer-ties = "), "choices are traced:\n{a}");
}

#[test]
fn different_seeds_give_different_orders() {
    let orders: BTreeSet<Vec<usize>> = (0..20)
        .map(|seed| run(Policy::Seeded { seed, jitter: 0 }).2)
        .collect();
    assert!(orders.len() > 5, "only {} orders: {orders:?}", orders.len());
}

#[test]
fn asyncio_policy_is_cpython_order_and_draws_nothing() {
    let (trace, _, order) = run(Policy::Asyncio);
    // Eight sleeps pushed in task order, then main's own waits: CPython's
    // heapq gives the same order as eight call_at (ids 0..7) behind nothing.
    assert_eq!(order, [0, 2, 6, 5, 7, 4, 1, 3]);
    assert!(!trace.contains("choice #"));
}

#[test]
fn trace_lines_are_stable() {
    let (trace, _, _) = run(Policy::Asyncio);
    let first: Vec<&str> = trace.lines().take(4).collect();
    assert_eq!(
        first,
        [
            "     0     0 create main",
            "     0     1 step main",
            "     0     2 create t0 by main",
            "     0     3 create t1 by main",
        ]
    );
}

#[test]
fn a_recorded_schedule_replays_the_run_byte_for_byte() {
    for seed in 0..50 {
        let seeded = Policy::Seeded { seed, jitter: 3 };
        let sim = Sim::new(Config::new(Profile::Py313).policy(seeded.clone()));
        let (trace, hash, order) = run_on(&sim);
        let schedule = sim.schedule();
        let replayed =
            Sim::new(Config::new(Profile::Py313).policy(Policy::Replay(schedule.clone())));
        assert_eq!((trace, hash, order), run_on(&replayed), "seed {seed}");
        assert_eq!(replayed.schedule(), schedule);
        // The schedule survives its printed form.
        let printed: Schedule = schedule.to_string().parse().unwrap();
        assert_eq!(printed, schedule);
    }
}

#[test]
fn every_scheduler_meets_the_same_choice_points() {
    let points = |policy: Policy| {
        let sim = Sim::new(Config::new(Profile::Py313).policy(policy));
        sim.run_main("main", async {
            let tasks: Vec<_> = (0..4)
                .map(|i| spawn(format!("t{i}"), async move { sleep(5).await }))
                .collect();
            for t in tasks {
                t.await?;
            }
            Ok(())
        })
        .unwrap()
        .unwrap();
        (sim.choice_points(), sim.choices().len())
    };
    // Four sleeps (4 latency points) ending at one tick (3 shuffle steps).
    assert_eq!(points(Policy::Asyncio), (7, 0), "counted, never asked");
    assert_eq!(points(Policy::Seeded { seed: 1, jitter: 0 }), (7, 7));
    assert_eq!(points(Policy::Replay(Schedule::default())), (7, 7));
}

#[test]
fn a_schedule_that_does_not_fit_the_program_is_an_error() {
    let sim = Sim::new(Config::new(Profile::Py313).policy(Policy::Replay("2:9".parse().unwrap())));
    let err = sim
        .run_main("main", async {
            let a = spawn("a", async { sleep(5).await });
            let b = spawn("b", async { sleep(5).await });
            a.await?;
            b.await
        })
        .unwrap_err();
    // Points 0 and 1 are the two sleeps' latencies; point 2 is the tie of
    // their timers at tick 5, which allows 0..=1.
    assert_eq!(
        err.to_string(),
        "schedule mismatch: choice point 2 (timer-ties) allows 0..=1, the schedule says 9; it was recorded on another program"
    );
}
