//! The loop's ordering rules (`BaseEventLoop._run_once`).

use std::cell::RefCell;
use std::rc::Rc;

use simloop_core::{get_running_loop, sleep, spawn, yield_now, Config, Profile, Sim};

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

fn sim() -> Sim {
    Sim::new(Config::new(Profile::Py313))
}

#[test]
fn call_soon_is_fifo() {
    let sim = sim();
    let out = log();
    for i in 0..5 {
        let out = out.clone();
        sim.call_soon("test", move || push(&out, i.to_string()));
    }
    sim.run_once().unwrap();
    assert_eq!(*out.borrow(), ["0", "1", "2", "3", "4"]);
}

#[test]
fn equal_deadlines_run_in_heapq_order() {
    // CPython 3.11-3.13: eight loop.call_at(t, ...) then `await sleep(later)`
    // print [0, 2, 6, 5, 7, 1, 3, 4].
    let sim = sim();
    let out = log();
    let o = out.clone();
    sim.run_main("main", async move {
        let lp = get_running_loop();
        for i in 0..8 {
            let o = o.clone();
            let _ = lp.call_at(5, "test", move || push(&o, i.to_string()));
        }
        sleep(10).await
    })
    .unwrap()
    .unwrap();
    assert_eq!(*out.borrow(), ["0", "2", "6", "5", "7", "1", "3", "4"]);
}

#[test]
fn due_timers_queue_behind_ready_handles() {
    let sim = sim();
    let out = log();
    let o = out.clone();
    sim.run_main("main", async move {
        let lp = get_running_loop();
        let (a, t, b) = (o.clone(), o.clone(), o.clone());
        lp.call_soon("a", move || push(&a, "a"));
        let _ = lp.call_at(lp.time(), "timer", move || push(&t, "timer"));
        lp.call_soon("b", move || push(&b, "b"));
        sleep(1).await
    })
    .unwrap()
    .unwrap();
    assert_eq!(*out.borrow(), ["a", "b", "timer"]);
}

#[test]
fn sleep_zero_is_one_pass_and_tasks_interleave() {
    let sim = sim();
    let out = log();
    let o = out.clone();
    sim.run_main("main", async move {
        let (x, y) = (o.clone(), o.clone());
        let a = spawn("a", async move {
            push(&x, "a1");
            yield_now().await?;
            push(&x, "a2");
            Ok(())
        });
        let b = spawn("b", async move {
            push(&y, "b1");
            sleep(0).await?;
            push(&y, "b2");
            Ok(())
        });
        a.await?;
        b.await
    })
    .unwrap()
    .unwrap();
    assert_eq!(*out.borrow(), ["a1", "b1", "a2", "b2"]);
    assert_eq!(sim.time(), 0);
}

#[test]
fn the_clock_jumps_to_the_next_timer() {
    let sim = sim();
    let r = sim.run_main("main", async {
        sleep(1_000_000).await?;
        Ok(get_running_loop().time())
    });
    assert_eq!(r.unwrap().unwrap(), 1_000_000);
    // One pass to start main, one for the timer, one for main's wakeup,
    // one for the stop callback: handles, not ticks, cost work.
    assert!(sim.steps() < 10, "steps: {}", sim.steps());
}

#[test]
fn cancelled_timer_never_runs() {
    let sim = sim();
    let out = log();
    let o = out.clone();
    sim.run_main("main", async move {
        let lp = get_running_loop();
        let h = lp.call_later(3, "never", move || push(&o, "ran"));
        h.cancel();
        sleep(5).await
    })
    .unwrap()
    .unwrap();
    assert!(out.borrow().is_empty());
    assert_eq!(sim.time(), 5);
}

#[test]
fn done_index_is_completion_order_even_within_a_tick() {
    let sim = sim();
    let (a, b, c) = sim
        .run_main("main", async {
            let a = spawn("a", async { sleep(5).await });
            let b = spawn("b", async { Ok(()) });
            let c = spawn("c", async { sleep(5).await });
            (&c).await?;
            (&a).await?;
            Ok((a, b, c))
        })
        .unwrap()
        .unwrap();
    assert_eq!(a.done_at(), c.done_at());
    assert_eq!(
        [b.done_index(), a.done_index(), c.done_index()],
        [Some(0), Some(1), Some(2)]
    );
}
