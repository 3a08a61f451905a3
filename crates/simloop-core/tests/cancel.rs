//! Cancellation rules of `Task` (see the project's asyncio semantics notes).

use std::cell::Cell;
use std::rc::Rc;

use simloop_core::{current_task, sleep, spawn, yield_now, Config, Exc, Profile, Sim, Task};

fn sim(p: Profile) -> Sim {
    Sim::new(Config::new(p))
}

#[test]
fn cancel_before_first_step_never_runs_the_body() {
    let sim = sim(Profile::Py313);
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let t = sim
        .run_main("main", async move {
            let t: Task<()> = spawn("child", async move {
                r.set(true);
                Ok(())
            });
            assert!(t.cancel(None));
            let _ = (&t).await;
            Ok(t)
        })
        .unwrap()
        .unwrap();
    assert!(t.cancelled());
    assert!(!ran.get());
    assert_eq!(t.cancelling(), 1);
}

#[test]
fn double_cancel_delivers_one_error_and_counts_two() {
    let sim = sim(Profile::Py313);
    let errors = Rc::new(Cell::new(0));
    let e = errors.clone();
    let (t, seen) = sim
        .run_main("main", async move {
            let t = spawn("child", async move {
                match sleep(10).await {
                    Err(exc) if exc.is_cancelled() => e.set(e.get() + 1),
                    other => return other.map(|_| 0),
                }
                // A second await is not interrupted again.
                sleep(1).await?;
                Ok(current_task().unwrap().cancelling())
            });
            yield_now().await?;
            t.cancel(None);
            t.cancel(None);
            let seen = (&t).await?;
            Ok((t, seen))
        })
        .unwrap()
        .unwrap();
    assert_eq!(errors.get(), 1);
    assert_eq!(seen, 2);
    assert_eq!(t.cancelling(), 2);
    assert_eq!(t.cancel_requests(), 2);
    assert_eq!(
        t.result().unwrap().unwrap(),
        2,
        "catch-and-return ends with a value"
    );
}

#[test]
fn cancel_propagates_into_the_awaited_task() {
    let sim = sim(Profile::Py313);
    let (outer, inner) = sim
        .run_main("main", async {
            let inner = spawn("inner", async { sleep(10).await.map(|_| 1) });
            let i = inner.clone();
            let outer = spawn("outer", async move { i.await });
            sleep(1).await?;
            outer.cancel(None);
            let r = (&outer).await;
            assert!(r.unwrap_err().is_cancelled());
            Ok((outer, inner))
        })
        .unwrap()
        .unwrap();
    assert!(outer.cancelled() && inner.cancelled());
    assert_eq!((outer.cancelling(), inner.cancelling()), (1, 1));
    assert_eq!(outer.done_at(), Some(1));
}

#[test]
fn inner_task_that_swallows_the_cancel_returns_to_the_outer() {
    let sim = sim(Profile::Py313);
    let outer = sim
        .run_main("main", async {
            let inner = spawn("inner", async {
                match sleep(10).await {
                    Err(e) if e.is_cancelled() => Ok("swallowed"),
                    r => r.map(|_| "slept"),
                }
            });
            let outer = spawn("outer", async move { inner.await });
            sleep(1).await?;
            outer.cancel(None);
            let _ = (&outer).await;
            Ok(outer)
        })
        .unwrap()
        .unwrap();
    assert_eq!(outer.result().unwrap().unwrap(), "swallowed");
    assert!(!outer.cancelled());
    assert_eq!(outer.cancelling(), 1, "the request is still counted");
}

#[test]
fn a_body_that_lets_the_cancellation_escape_ends_cancelled() {
    let sim = sim(Profile::Py313);
    let t = sim
        .run_main("main", async {
            let t = spawn("child", async {
                sleep(10).await?;
                Ok(())
            });
            sleep(1).await?;
            t.cancel(Some("stop"));
            let err = (&t).await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.message(), Some("stop"));
            Ok(t)
        })
        .unwrap()
        .unwrap();
    assert!(t.cancelled());
}

#[test]
fn cancelling_itself_before_returning_ends_cancelled() {
    // Task.__step: StopIteration while _must_cancel -> cancelled.
    let sim = sim(Profile::Py313);
    let t = sim
        .run_main("main", async {
            let t = spawn("child", async {
                current_task().unwrap().cancel(None);
                Ok(1)
            });
            let _ = (&t).await;
            Ok(t)
        })
        .unwrap()
        .unwrap();
    assert!(t.cancelled());
}

/// `cancel(); uncancel(); await sleep(0)`: 3.11/3.12 still deliver the
/// cancel; 3.13 withdraws it when the count reaches 0.
fn cancel_uncancel_then_sleep(p: Profile) -> Result<&'static str, Exc> {
    let sim = sim(p);
    sim.run_main("main", async {
        let t = spawn("child", async {
            let me = current_task().unwrap();
            me.cancel(None);
            assert_eq!(me.uncancel(), 0);
            sleep(0).await?;
            Ok("finished")
        });
        t.await
    })
    .unwrap()
}

#[test]
fn uncancel_follows_the_profile() {
    assert!(cancel_uncancel_then_sleep(Profile::Py311)
        .unwrap_err()
        .is_cancelled());
    assert!(cancel_uncancel_then_sleep(Profile::Py312)
        .unwrap_err()
        .is_cancelled());
    assert_eq!(
        cancel_uncancel_then_sleep(Profile::Py313).unwrap(),
        "finished"
    );
}

#[test]
fn cancel_of_a_done_task_returns_false() {
    let sim = sim(Profile::Py311);
    let t = sim
        .run_main("main", async {
            let t = spawn("child", async { Ok(()) });
            (&t).await?;
            Ok(t)
        })
        .unwrap()
        .unwrap();
    assert!(!t.cancel(None));
    assert_eq!((t.cancelling(), t.cancel_requests()), (0, 0));
}
