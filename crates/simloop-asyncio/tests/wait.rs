//! `asyncio.wait`: ports of CPython's tests (`Lib/test/test_asyncio/
//! test_tasks.py`, the same in 3.11.7, 3.12.1 and 3.13.0), run under every
//! profile. Ticks stand for CPython's seconds (10 ticks = 0.1 s); where a
//! test creates its tasks before starting the loop, they are spawned from a
//! callback before `main`, so steps queue in the same order. The expected
//! handle lists are what CPython 3.11-3.13 run for the same programs.
//!
//! Not ported:
//! - `test_wait_errors` (second half), `test_wait_invalid_args`: an invalid
//!   `return_when` or a future passed instead of a list is a type error here.
//! - `test_wait_with_iterator_of_tasks`, `test_wait_generator`: Python
//!   iterables; `wait` takes a `Vec` (the waiting itself is `test_wait`).
//! - The "move forward to close generator" tails: clean-up of the test
//!   loop's time generator.

mod common_gw;

use std::cell::Cell;
use std::rc::Rc;

use common_gw::{handles_text, outside, run_until_idle, sim, ALL};
use simloop_asyncio::wait::{wait, ReturnWhen};
use simloop_core::{get_running_loop, sleep, spawn, yield_now, Exc, Sim, Task};

/// Tasks `a` and `b` sleeping `da` and `db` ticks, created before `main`.
fn two_sleepers(sim: &Sim, da: u64, db: u64) -> (Task<()>, Task<()>) {
    outside(sim, move || (spawn("a", sleep(da)), spawn("b", sleep(db))))
}

fn names(ts: &[Task<()>]) -> Vec<&str> {
    ts.iter().map(|t| t.name()).collect()
}

/// Port of test_tasks.py::test_wait.
#[test]
fn test_wait() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = two_sleepers(&sim, 10, 15);
        let foo = |a: Task<()>, b: Task<()>| async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, None).await?;
            assert_eq!((names(&done), names(&pending)), (vec!["b", "a"], vec![]));
            Ok(42)
        };
        assert_eq!(
            sim.run_main("foo", foo(a.clone(), b.clone())).unwrap(),
            Ok(42)
        );
        assert_eq!(sim.time(), 15);
        // Doing it again takes no time and exercises a different path.
        assert_eq!(sim.run_main("foo2", foo(a, b)).unwrap(), Ok(42));
        assert_eq!(sim.time(), 15);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step foo\n\
             10 call sleep\n10 step a\n10 call _wait._on_completion\n\
             15 call sleep\n15 step b\n15 call _wait._on_completion\n15 step foo\n\
             15 call _run_until_complete_cb\n\
             15 step foo2\n15 call _wait._on_completion\n15 call _wait._on_completion\n\
             15 step foo2\n15 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_wait_duplicate_coroutines.
#[test]
fn test_wait_duplicate_coroutines() {
    for p in ALL {
        let sim = sim(p);
        let (done, pending) = sim
            .run_main("main", async {
                let c = spawn("c", async { Ok("test") });
                let spam = spawn("spam", async { Ok("spam") });
                wait(vec![c.clone(), c, spam], ReturnWhen::AllCompleted, None).await
            })
            .unwrap()
            .unwrap();
        assert!(pending.is_empty());
        let results: Vec<_> = done.iter().map(|t| t.result().unwrap().unwrap()).collect();
        assert_eq!(results, ["test", "spam"]);
    }
}

/// Port of test_tasks.py::test_wait_errors (the empty set).
#[test]
fn test_wait_errors() {
    for p in ALL {
        let sim = sim(p);
        let err = sim
            .run_main("main", async {
                wait(Vec::<Task<()>>::new(), ReturnWhen::AllCompleted, None).await
            })
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            Exc::with_message("ValueError", "Set of Tasks/Futures is empty.")
        );
    }
}

/// Port of test_tasks.py::test_wait_first_completed.
#[test]
fn test_wait_first_completed() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = two_sleepers(&sim, 1000, 10);
        let (done, pending) = sim
            .run_main(
                "wait",
                wait(vec![b.clone(), a.clone()], ReturnWhen::FirstCompleted, None),
            )
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["b"], vec!["a"]));
        assert!(!a.done());
        assert_eq!(b.result(), Some(Ok(())));
        assert_eq!(sim.time(), 10);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step wait\n10 call sleep\n10 step b\n\
             10 call _wait._on_completion\n10 step wait\n10 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_wait_really_done: tasks that finish while
/// the FIRST_COMPLETED wakeup is on its way are in `done` too.
#[test]
fn test_wait_really_done() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = outside(&sim, || {
            let a = spawn("a", async { yield_now().await });
            let b = spawn("b", async {
                yield_now().await?;
                yield_now().await
            });
            (a, b)
        });
        let (done, pending) = sim
            .run_main(
                "wait",
                wait(vec![b.clone(), a.clone()], ReturnWhen::FirstCompleted, None),
            )
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["b", "a"], vec![]));
        assert_eq!((a.result(), b.result()), (Some(Ok(())), Some(Ok(()))));
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step wait\n0 step a\n0 step b\n0 call _wait._on_completion\n\
             0 step b\n0 step wait\n0 call _wait._on_completion\n0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_wait_first_exception: the task already failed.
#[test]
fn test_wait_first_exception() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = outside(&sim, || {
            let a = spawn("a", sleep(1000));
            let b = spawn("b", async {
                Err::<(), _>(Exc::with_message("ZeroDivisionError", "err"))
            });
            (a, b)
        });
        let (done, pending) = sim
            .run_main("wait", wait(vec![b, a], ReturnWhen::FirstException, None))
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["b"], vec!["a"]));
        assert_eq!(sim.time(), 0);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step wait\n0 call _wait._on_completion\n0 step wait\n\
             0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_wait_first_exception_in_wait.
#[test]
fn test_wait_first_exception_in_wait() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = outside(&sim, || {
            let a = spawn("a", sleep(1000));
            let b = spawn("b", async {
                sleep(1).await?;
                Err::<(), _>(Exc::with_message("ZeroDivisionError", "err"))
            });
            (a, b)
        });
        let (done, pending) = sim
            .run_main("wait", wait(vec![b, a], ReturnWhen::FirstException, None))
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["b"], vec!["a"]));
        assert_eq!(sim.time(), 1);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step wait\n1 call sleep\n1 step b\n\
             1 call _wait._on_completion\n1 step wait\n1 call _run_until_complete_cb"
        );
    }
}

/// FIRST_EXCEPTION does not fire on a cancellation: it waits for all.
#[test]
fn first_exception_ignores_a_cancelled_child() {
    for p in ALL {
        let sim = sim(p);
        let (done, pending) = sim
            .run_main("main", async {
                let a = spawn("a", sleep(10));
                let b = spawn("b", sleep(20));
                let w = wait(vec![a.clone(), b], ReturnWhen::FirstException, None);
                let canceller = spawn("canceller", async move {
                    sleep(5).await?;
                    a.cancel(None);
                    Ok(())
                });
                let r = w.await;
                canceller.await?;
                r
            })
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["a", "b"], vec![]));
        assert!(done[0].cancelled());
        assert_eq!(sim.time(), 20);
    }
}

/// Port of test_tasks.py::test_wait_with_exception.
#[test]
fn test_wait_with_exception() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = outside(&sim, || {
            let a = spawn("a", sleep(10));
            let b = spawn("b", async {
                sleep(15).await?;
                Err::<(), _>(Exc::with_message("ZeroDivisionError", "really"))
            });
            (a, b)
        });
        let foo = |a: Task<()>, b: Task<()>| async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, None).await?;
            assert_eq!((done.len(), pending.len()), (2, 0));
            assert_eq!(done.iter().filter(|t| t.exception().is_some()).count(), 1);
            Ok(())
        };
        sim.run_main("foo", foo(a.clone(), b.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(sim.time(), 15);
        sim.run_main("foo2", foo(a, b)).unwrap().unwrap();
        assert_eq!(sim.time(), 15);
    }
}

/// Port of test_tasks.py::test_wait_with_timeout.
#[test]
fn test_wait_with_timeout() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = two_sleepers(&sim, 10, 15);
        sim.run_main("foo", async move {
            let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted, Some(11)).await?;
            assert_eq!((names(&done), names(&pending)), (vec!["a"], vec!["b"]));
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 11);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step foo\n10 call sleep\n10 step a\n\
             10 call _wait._on_completion\n11 call _release_waiter\n11 step foo\n\
             11 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_wait_concurrent_complete: the timeout and a
/// completion due at the same tick.
#[test]
fn test_wait_concurrent_complete() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = two_sleepers(&sim, 10, 15);
        let (done, pending) = sim
            .run_main("wait", wait(vec![b, a], ReturnWhen::AllCompleted, Some(10)))
            .unwrap()
            .unwrap();
        assert_eq!((names(&done), names(&pending)), (vec!["a"], vec!["b"]));
        assert_eq!(sim.time(), 10);
        assert_eq!(
            handles_text(&sim),
            "0 step a\n0 step b\n0 step wait\n10 call sleep\n10 call _release_waiter\n\
             10 step a\n10 step wait\n10 call _wait._on_completion\n10 call _run_until_complete_cb"
        );
    }
}

/// Port of test_tasks.py::test_yield_wait_does_not_shield_cancel:
/// cancelling the waiting task makes `wait` return early and leaves the
/// child running.
#[test]
fn test_yield_wait_does_not_shield_cancel() {
    for p in ALL {
        let sim = sim(p);
        let proof = Rc::new(Cell::new(0));
        let pr = proof.clone();
        let (waiter, f) = outside(&sim, move || {
            let waiter = get_running_loop().create_future::<()>("waiter");
            let w = waiter.clone();
            let f = spawn("outer", async move {
                let pi = pr.clone();
                let inner = spawn("inner", async move {
                    w.await?;
                    pi.set(pi.get() + 1);
                    Ok(())
                });
                wait(vec![inner], ReturnWhen::AllCompleted, None).await?;
                pr.set(pr.get() + 100);
                Ok(())
            });
            (waiter, f)
        });
        sim.run_once().unwrap(); // run_briefly
        f.cancel(None);
        run_until_idle(&sim);
        assert!(f.cancelled());
        waiter.set_result(());
        run_until_idle(&sim);
        assert_eq!(proof.get(), 1);
    }
}

/// Port of test_tasks.py::test_cancel_with_message_then_future_result (and
/// `..._then_future_exception`): `wait` for a task cancelled with a message.
#[test]
fn test_cancel_with_message_then_future_result() {
    for msg in [None, Some("my message")] {
        for p in ALL {
            let sim = sim(p);
            let err = sim
                .run_main("coro", async move {
                    let task = spawn("t", async { sleep(10).await });
                    yield_now().await?;
                    task.cancel(msg);
                    wait(vec![task.clone()], ReturnWhen::AllCompleted, None).await?;
                    task.result().unwrap()
                })
                .unwrap()
                .unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.message(), msg);
            assert_eq!(
                handles_text(&sim),
                "0 step coro\n0 step t\n0 step coro\n0 step t\n0 call _wait._on_completion\n\
                 0 step coro\n0 call _run_until_complete_cb"
            );
        }
    }
}

/// Port of test_tasks.py::test_cancel_with_message_before_starting_task.
#[test]
fn test_cancel_with_message_before_starting_task() {
    for p in ALL {
        let sim = sim(p);
        let err = sim
            .run_main("coro", async {
                let task = spawn("t", async { sleep(10).await });
                task.cancel(Some("my message"));
                wait(vec![task.clone()], ReturnWhen::AllCompleted, None).await?;
                Err::<(), _>(task.exception().unwrap())
            })
            .unwrap()
            .unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.message(), Some("my message"));
        assert_eq!(
            handles_text(&sim),
            "0 step coro\n0 step t\n0 call _wait._on_completion\n0 step coro\n\
             0 call _run_until_complete_cb"
        );
    }
}

/// A child already done when `wait` starts: its `_on_completion` is
/// scheduled at registration; FIRST_COMPLETED then cancels the timer, which
/// never fires. As on CPython.
#[test]
fn already_done_child_and_a_cancelled_timer() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let a = spawn("a", sleep(0));
            let b = spawn("b", sleep(5));
            yield_now().await?;
            yield_now().await?;
            let (done, pending) = wait(vec![a, b], ReturnWhen::FirstCompleted, Some(3)).await?;
            assert_eq!((names(&done), names(&pending)), (vec!["a"], vec!["b"]));
            assert_eq!(get_running_loop().time(), 0);
            sleep(10).await
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 10);
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step a\n0 step b\n0 step main\n0 step a\n0 step main\n\
             0 call _wait._on_completion\n0 step main\n5 call sleep\n5 step b\n\
             10 call sleep\n10 step main\n10 call _run_until_complete_cb"
        );
    }
}

/// Cancelling the task in `wait` cancels only the waiter: the timer is
/// cancelled and the callbacks removed on the way out, the child is not
/// touched. As on CPython.
#[test]
fn cancelling_the_waiting_task_cancels_nothing_else() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let b = spawn("b", sleep(5));
            let bb = b.clone();
            let w = spawn("w", async move {
                wait(vec![bb], ReturnWhen::AllCompleted, Some(3)).await
            });
            sleep(1).await?;
            w.cancel(None);
            assert!((&w).await.unwrap_err().is_cancelled());
            assert_eq!((b.done(), b.cancelling()), (false, 0));
            b.await
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 5);
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step b\n0 step w\n1 call sleep\n1 step main\n1 step w\n1 step main\n\
             5 call sleep\n5 step b\n5 step main\n5 call _run_until_complete_cb"
        );
    }
}
