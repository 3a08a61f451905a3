//! `asyncio.Semaphore`, `BoundedSemaphore` and `Event`: ports of CPython's
//! `Lib/test/test_asyncio/test_locks.py` (`SemaphoreTests`, `EventTests`;
//! the same in 3.11.7 and 3.12.1, 3.13.0 adds `test_acquire_fifo_order_4`),
//! run under every profile. Each test body runs in a `main` task, as in an
//! `IsolatedAsyncioTestCase`; expected values and handle lists are what the
//! same program gives on each CPython (the test case's own runner tasks
//! left out).
//!
//! Not ported:
//! - `test_repr` (both classes): `repr` strings.
//! - `test_semaphore`: `await sem` is a `TypeError`; here a type error.
//! - `test_semaphore_value`: `Semaphore(-1)` is a `ValueError`; here
//!   `Semaphore::new` takes a `usize`.
//! - `test_acquire_no_hang` ends with `wait_for(sem.acquire(), 1.0)`; the
//!   port awaits `acquire()` directly (`wait_for` is not in this crate).
//! - `test_acquire_fifo_order` runs its three tasks in a `TaskGroup`; the
//!   port awaits them in turn (same order asserted).

mod common_gw;

use std::cell::RefCell;
use std::rc::Rc;

use common_gw::{handles_text, log, scope_events, sim, Log, ALL};
use simloop_asyncio::gather::gather;
use simloop_asyncio::locks::{BoundedSemaphore, Event, Semaphore};
use simloop_core::{get_running_loop, sleep, spawn, yield_now, Exc, Profile, Task};

fn push<T>(log: &Log<T>, v: T) {
    log.borrow_mut().push(v);
}

fn got<T: Clone>(log: &Log<T>) -> Vec<T> {
    log.borrow().clone()
}

/// Port of test_locks.py::EventTests::test_wait.
#[test]
fn test_event_wait() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let ev = Event::new();
            assert!(!ev.is_set());
            let result = log();
            let c = |i: i32| {
                let (ev, result) = (ev.clone(), result.clone());
                spawn(format!("t{i}"), async move {
                    ev.wait().await?;
                    push(&result, i);
                    Ok(())
                })
            };
            let (t1, t2) = (c(1), c(2));
            yield_now().await?;
            assert!(got(&result).is_empty());
            let t3 = c(3);
            ev.set();
            yield_now().await?;
            assert_eq!(got(&result), [3, 1, 2]);
            for t in [t1, t2, t3] {
                assert_eq!(t.result(), Some(Ok(())));
            }
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step t1\n0 step t2\n0 step main\n0 step t3\n0 step t1\n0 step t2\n\
             0 step main\n0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::EventTests::test_wait_on_set.
#[test]
fn test_event_wait_on_set() {
    for p in ALL {
        sim(p)
            .run_main("main", async {
                let ev = Event::new();
                ev.set();
                ev.wait().await
            })
            .unwrap()
            .unwrap();
    }
}

/// Port of test_locks.py::EventTests::test_wait_cancel. (CPython's handle
/// for `call_soon(wait.cancel)` is the bound method `Task.cancel`.)
#[test]
fn test_event_wait_cancel() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let ev = Event::new();
            let e = ev.clone();
            let wait = spawn("wait", async move { e.wait().await });
            let w = wait.clone();
            get_running_loop().call_soon("Task.cancel", move || {
                w.cancel(None);
            });
            assert!(wait.await.unwrap_err().is_cancelled());
            assert_eq!(ev.waiters(), 0);
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step wait\n0 call Task.cancel\n0 step wait\n0 step main\n\
             0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::EventTests::test_clear.
#[test]
fn test_event_clear() {
    for p in ALL {
        sim(p)
            .run_main("main", async {
                let ev = Event::new();
                assert!(!ev.is_set());
                ev.set();
                assert!(ev.is_set());
                ev.clear();
                assert!(!ev.is_set());
                Ok(())
            })
            .unwrap()
            .unwrap();
    }
}

/// Port of test_locks.py::EventTests::test_clear_with_waiters: a waiter
/// woken by `set()` returns even if the flag was cleared since.
#[test]
fn test_event_clear_with_waiters() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let ev = Event::new();
            let result = log();
            let (e, r) = (ev.clone(), result.clone());
            let t = spawn("t", async move {
                e.wait().await?;
                push(&r, 1);
                Ok(true)
            });
            yield_now().await?;
            assert!(got(&result).is_empty());
            ev.set();
            ev.clear();
            assert!(!ev.is_set());
            ev.set();
            ev.set();
            assert_eq!(ev.waiters(), 1);
            yield_now().await?;
            assert_eq!(got(&result), [1]);
            assert_eq!(ev.waiters(), 0);
            assert_eq!(t.result(), Some(Ok(true)));
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step t\n0 step main\n0 step t\n0 step main\n0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_initial_value_zero.
#[test]
fn test_initial_value_zero() {
    assert!(Semaphore::new(0).locked());
}

/// `async def c(i): await sem.acquire(); result.append(i); return True`.
fn acquirer(sem: &Semaphore, result: &Log<i32>, i: i32) -> Task<bool> {
    let (sem, result) = (sem.clone(), result.clone());
    spawn(format!("t{i}"), async move {
        sem.acquire().await?;
        push(&result, i);
        Ok(true)
    })
}

/// Port of test_locks.py::SemaphoreTests::test_acquire. The final
/// `gather(t2, t3, t4)` is handled a pass later on 3.11 (done children).
#[test]
fn test_acquire() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(3);
            let result = log();
            sem.acquire().await?;
            sem.acquire().await?;
            assert!(!sem.locked());
            let t1 = acquirer(&sem, &result, 1);
            let t2 = acquirer(&sem, &result, 2);
            let t3 = acquirer(&sem, &result, 3);
            yield_now().await?;
            assert_eq!(got(&result), [1]);
            assert!(sem.locked());
            assert_eq!((sem.waiters(), sem.value()), (2, 0));
            let t4 = acquirer(&sem, &result, 4);
            sem.release();
            sem.release();
            assert_eq!(sem.value(), 0);
            yield_now().await?;
            assert_eq!(sem.value(), 0);
            assert_eq!(got(&result).len(), 3);
            assert!(sem.locked());
            assert_eq!((sem.waiters(), sem.value()), (1, 0));
            assert_eq!(t1.result(), Some(Ok(true)));
            let race = [t2, t3, t4];
            assert_eq!(
                race.iter().filter(|t| t.result() == Some(Ok(true))).count(),
                2
            );
            // Clean up the locked semaphore.
            sem.release();
            gather(race.to_vec(), false).await?;
            assert_eq!(got(&result), [1, 2, 3, 4]);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let gather_done = if p == Profile::Py311 {
            "0 call gather._done_callback\n0 call gather._done_callback\n"
        } else {
            ""
        };
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step t1\n0 step t2\n0 step t3\n0 step main\n0 step t4\n0 step t2\n\
                 0 step t3\n0 step main\n0 step t4\n{gather_done}0 call gather._done_callback\n\
                 0 step main\n0 call _run_until_complete_cb"
            ),
            "{p}"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_cancel.
#[test]
fn test_acquire_cancel() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(1);
            sem.acquire().await?;
            let acquire = spawn("acquire", sem.acquire());
            let a = acquire.clone();
            get_running_loop().call_soon("Task.cancel", move || {
                a.cancel(None);
            });
            assert!(acquire.await.unwrap_err().is_cancelled());
            assert_eq!(sem.waiters(), 0);
            assert_eq!(sem.value(), 0);
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step acquire\n0 call Task.cancel\n0 step acquire\n0 step main\n\
             0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_cancel_before_awoken.
#[test]
fn test_acquire_cancel_before_awoken() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(0);
            let ts: Vec<Task<()>> = (1..=4)
                .map(|i| spawn(format!("t{i}"), sem.acquire()))
                .collect();
            yield_now().await?;
            ts[0].cancel(None);
            ts[1].cancel(None);
            sem.release();
            yield_now().await?;
            yield_now().await?;
            assert!(ts[2].done());
            assert!(!ts[3].done());
            assert_eq!((sem.value(), sem.waiters()), (0, 1));
            ts[2].cancel(None);
            ts[3].cancel(None);
            yield_now().await?;
            assert!(!ts[2].cancelled() && ts[3].cancelled());
            assert_eq!((sem.value(), sem.waiters()), (0, 0));
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step t1\n0 step t2\n0 step t3\n0 step t4\n0 step main\n0 step t1\n\
             0 step t2\n0 step t3\n0 step main\n0 step main\n0 step t4\n0 step main\n\
             0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_hang.
#[test]
fn test_acquire_hang() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(0);
            let t1: Task<()> = spawn("t1", sem.acquire());
            let t2: Task<()> = spawn("t2", sem.acquire());
            yield_now().await?;
            t1.cancel(None);
            sem.release();
            yield_now().await?;
            yield_now().await?;
            assert!(sem.locked());
            assert!(t2.done());
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step t1\n0 step t2\n0 step main\n0 step t1\n0 step t2\n0 step main\n\
             0 step main\n0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_no_hang: a task
/// cancelled after being handed the unit gives it back.
#[test]
fn test_acquire_no_hang() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(1);
            let t2_slot: Rc<RefCell<Option<Task<()>>>> = Rc::new(RefCell::new(None));
            let (s, slot) = (sem.clone(), t2_slot.clone());
            let t1 = spawn("t1", async move {
                // async with sem:
                s.acquire().await?;
                let r = yield_now().await;
                s.release();
                r?;
                slot.borrow().as_ref().unwrap().cancel(None);
                Ok(())
            });
            let s = sem.clone();
            let t2 = spawn("t2", async move {
                s.acquire().await?;
                s.release();
                panic!("t2 must not acquire");
            });
            *t2_slot.borrow_mut() = Some(t2.clone());
            let rs = gather(vec![t1, t2], true).await?;
            assert_eq!(rs[0], Ok(()));
            assert!(rs[1].as_ref().unwrap_err().is_cancelled());
            assert_eq!((sem.value(), sem.locked()), (1, false));
            sem.acquire().await?;
            assert_eq!(sem.value(), 0);
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step t1\n0 step t2\n0 step t1\n0 step t2\n0 call gather._done_callback\n\
             0 call gather._done_callback\n0 step main\n0 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_release_not_acquired.
#[test]
fn test_release_not_acquired() {
    for p in ALL {
        sim(p)
            .run_main("main", async {
                let sem = BoundedSemaphore::new(1);
                let err = sem.release().unwrap_err();
                assert_eq!(
                    err,
                    Exc::with_message("ValueError", "BoundedSemaphore released too many times")
                );
                sem.acquire().await?;
                sem.release()
            })
            .unwrap()
            .unwrap();
    }
}

/// Port of test_locks.py::SemaphoreTests::test_release_no_waiters.
#[test]
fn test_release_no_waiters() {
    for p in ALL {
        sim(p)
            .run_main("main", async {
                let sem = Semaphore::new(1);
                sem.acquire().await?;
                assert!(sem.locked());
                sem.release();
                assert!(!sem.locked());
                Ok(())
            })
            .unwrap()
            .unwrap();
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_fifo_order (1 tick
/// for 0.01 s).
#[test]
fn test_acquire_fifo_order() {
    for p in ALL {
        let sim = sim(p);
        let result = sim
            .run_main("main", async {
                let sem = Semaphore::new(1);
                let result: Log<String> = log();
                let coro = |tag: &'static str| {
                    let (sem, result) = (sem.clone(), result.clone());
                    spawn(tag, async move {
                        for round in 1..=2 {
                            sem.acquire().await?;
                            push(&result, format!("{tag}_{round}"));
                            sleep(1).await?;
                            sem.release();
                        }
                        Ok(())
                    })
                };
                let ts = [coro("c1"), coro("c2"), coro("c3")];
                for t in ts {
                    t.await?;
                }
                Ok(got(&result))
            })
            .unwrap()
            .unwrap();
        assert_eq!(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
        assert_eq!(sim.time(), 6);
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step c1\n0 step c2\n0 step c3\n1 call sleep\n1 step c1\n1 step c2\n\
             2 call sleep\n2 step c2\n2 step c3\n3 call sleep\n3 step c3\n3 step c1\n\
             4 call sleep\n4 step c1\n4 step c2\n4 step main\n5 call sleep\n5 step c2\n5 step c3\n\
             5 step main\n6 call sleep\n6 step c3\n6 step main\n6 call _run_until_complete_cb"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_fifo_order_2.
#[test]
fn test_acquire_fifo_order_2() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(1);
            let result = log();
            let t1 = acquirer(&sem, &result, 1);
            let (s, r) = (sem.clone(), result.clone());
            let t2 = spawn("t2", async move {
                s.acquire().await?;
                push(&r, 2);
                s.release();
                s.acquire().await?;
                push(&r, 4);
                Ok(true)
            });
            let t3 = acquirer(&sem, &result, 3);
            yield_now().await?;
            sem.release();
            sem.release();
            gather(vec![t1, t2, t3], false).await?;
            assert_eq!(got(&result), [1, 2, 3, 4]);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let t1_done = if p == Profile::Py311 {
            "0 call gather._done_callback\n"
        } else {
            ""
        };
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step t1\n0 step t2\n0 step t3\n0 step main\n0 step t2\n0 step t3\n\
                 {t1_done}0 step t2\n0 call gather._done_callback\n\
                 0 call gather._done_callback\n0 step main\n0 call _run_until_complete_cb"
            ),
            "{p}"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_fifo_order_3.
#[test]
fn test_acquire_fifo_order_3() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(0);
            let result = log();
            let ts = [1, 2, 3].map(|i| acquirer(&sem, &result, i));
            yield_now().await?;
            ts[0].cancel(None);
            yield_now().await?;
            sem.release();
            sem.release();
            gather(ts.to_vec(), true).await?;
            assert_eq!(got(&result), [2, 3]);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let first_done = if p == Profile::Py311 {
            "0 call gather._done_callback\n"
        } else {
            ""
        };
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step t1\n0 step t2\n0 step t3\n0 step main\n0 step t1\n0 step main\n\
                 0 step t2\n0 step t3\n{first_done}0 call gather._done_callback\n\
                 0 call gather._done_callback\n0 step main\n0 call _run_until_complete_cb"
            ),
            "{p}"
        );
    }
}

/// Port of test_locks.py::SemaphoreTests::test_acquire_fifo_order_4 (a
/// 3.13 test, GH-111693): a successful `acquire()` wakes every waiter the
/// value allows. 3.11 and 3.12 wake one, so `c4` runs before `c3` there
/// (they fail this test: `[1, 2, 4, 3]`, confirmed on those interpreters).
/// The port gathers directly instead of through `wait_for`.
#[test]
fn test_acquire_fifo_order_4() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(0);
            let result = log();
            let t4_slot: Rc<RefCell<Option<Task<bool>>>> = Rc::new(RefCell::new(None));
            let (s, r, slot) = (sem.clone(), result.clone(), t4_slot.clone());
            let t1 = spawn("t1", async move {
                assert_eq!(s.value(), 0);
                s.acquire().await?;
                // 3.13 woke every waiting task already.
                let expected = if get_running_loop().profile() >= Profile::Py313 {
                    0
                } else {
                    1
                };
                assert_eq!(s.value(), expected);
                let r4 = r.clone();
                *slot.borrow_mut() = Some(spawn("t4", async move {
                    push(&r4, 4);
                    Ok(true)
                }));
                push(&r, 1);
                Ok(true)
            });
            let (s, r) = (sem.clone(), result.clone());
            let t2 = spawn("t2", async move {
                s.release();
                s.release();
                s.release();
                assert_eq!(s.value(), 2);
                assert!(s.locked(), "c1 has not woken up yet");
                s.acquire().await?;
                push(&r, 2);
                Ok(true)
            });
            let (s, r) = (sem.clone(), result.clone());
            let t3 = spawn("t3", async move {
                s.acquire().await?;
                assert!(s.locked());
                push(&r, 3);
                Ok(true)
            });
            yield_now().await?;
            assert_eq!((sem.value(), sem.waiters()), (2, 3));
            yield_now().await?;
            let t4 = t4_slot.borrow().clone().unwrap();
            gather(vec![t1, t2, t3, t4], false).await?;
            let expected = if get_running_loop().profile() >= Profile::Py313 {
                [1, 2, 3, 4]
            } else {
                [1, 2, 4, 3]
            };
            assert_eq!(got(&result), expected);
            assert_eq!(sem.value(), 0);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let tail = match p {
            Profile::Py311 => {
                "0 step t2\n0 step t4\n0 call gather._done_callback\n0 step t3\n\
                 0 call gather._done_callback\n0 call gather._done_callback\n0 call gather._done_callback\n"
            }
            Profile::Py312 => {
                "0 step t2\n0 step t4\n0 step t3\n0 call gather._done_callback\n\
                 0 call gather._done_callback\n0 call gather._done_callback\n"
            }
            // Recorded under 3.14.2 too: the same handles as 3.13.0.
            Profile::Py313 | Profile::Py314 => {
                "0 step t2\n0 step t3\n0 step t4\n0 call gather._done_callback\n\
                 0 call gather._done_callback\n0 call gather._done_callback\n"
            }
        };
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step t1\n0 step t2\n0 step t3\n0 step main\n0 step t1\n0 step main\n\
                 {tail}0 step main\n0 call _run_until_complete_cb"
            ),
            "{p}"
        );
    }
}

/// Profile difference (GH-111693): a waiter cancelled after being woken
/// gives its unit back; 3.11/3.12 then wake one waiter (the next wakes the
/// other when it acquires, a pass later), 3.13's `finally` wakes both at
/// once. Confirmed on CPython 3.11.7 / 3.12.1 / 3.13.0.
#[test]
fn cancel_after_wakeup_wakes_as_many_as_allowed_on_313() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(0);
            let result = log();
            let t1 = acquirer(&sem, &result, 1);
            yield_now().await?;
            let t2 = acquirer(&sem, &result, 2);
            let t3 = acquirer(&sem, &result, 3);
            sem.release();
            sem.release();
            sem.release();
            t1.cancel(None);
            yield_now().await?;
            let new = get_running_loop().profile() >= Profile::Py313;
            assert_eq!((sem.value(), sem.waiters()), (if new { 1 } else { 2 }, 2));
            yield_now().await?;
            let (r, v, w) = if new {
                (vec![2, 3], 1, 0)
            } else {
                (vec![2], 1, 1)
            };
            assert_eq!((got(&result), sem.value(), sem.waiters()), (r, v, w));
            yield_now().await?;
            assert_eq!(
                (got(&result), sem.value(), sem.waiters()),
                (vec![2, 3], 1, 0)
            );
            assert!(t1.cancelled() && t2.done() && t3.done());
            Ok(())
        })
        .unwrap()
        .unwrap();
        let expected = if p >= Profile::Py313 {
            "0 step main\n0 step t1\n0 step main\n0 step t2\n0 step t3\n0 step t1\n0 step main\n\
             0 step t2\n0 step t3\n0 step main\n0 step main\n0 call _run_until_complete_cb"
        } else {
            "0 step main\n0 step t1\n0 step main\n0 step t2\n0 step t3\n0 step t1\n0 step main\n\
             0 step t2\n0 step main\n0 step t3\n0 step main\n0 call _run_until_complete_cb"
        };
        assert_eq!(handles_text(&sim), expected, "{p}");
    }
}

/// The scope events of `async with sem` in two tasks (handles as CPython).
#[test]
fn semaphore_scope_events() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let sem = Semaphore::new(1);
            let user = |name: &str, d| {
                let sem = sem.clone();
                spawn(name, async move {
                    sem.acquire().await?;
                    let r = sleep(d).await;
                    sem.release();
                    r
                })
            };
            let (a, b) = (user("a", 3), user("b", 2));
            a.await?;
            b.await
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 5);
        assert_eq!(
            scope_events(&sim),
            [
                "0 semaphore #0 of 1",
                "0 semaphore #0 acquire() by a, acquired",
                "0 semaphore #0 acquire() by b, waits",
                "3 semaphore #0 released by a",
                "3 semaphore #0 acquired by b",
                "5 semaphore #0 released by b",
            ]
        );
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step a\n0 step b\n3 call sleep\n3 step a\n3 step b\n3 step main\n\
             5 call sleep\n5 step b\n5 step main\n5 call _run_until_complete_cb"
        );
    }
}

/// `async with sem:` releases on every way out: a value, an error, a
/// cancellation thrown in while holding it; a cancellation while still
/// queued releases nothing.
#[test]
fn with_releases_on_every_way_out() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async move {
            let sem = Semaphore::new(1);
            assert_eq!(sem.with(async { Ok(1) }).await?, 1);
            assert_eq!(sem.value(), 1);
            let failed: Result<(), Exc> = sem.with(async { Err(Exc::new("Boom")) }).await;
            assert_eq!(failed.unwrap_err().class_name(), "Boom");
            assert_eq!(sem.value(), 1);
            let (s1, s2) = (sem.clone(), sem.clone());
            let holder = spawn("holder", async move { s1.with(sleep(10)).await });
            let queued = spawn("queued", async move { s2.with(sleep(10)).await });
            sleep(1).await?;
            assert_eq!(sem.value(), 0);
            holder.cancel(None);
            queued.cancel(None);
            assert!(holder.clone().await.unwrap_err().is_cancelled());
            assert!(queued.clone().await.unwrap_err().is_cancelled());
            assert_eq!(sem.value(), 1, "{p}");
            assert!(!sem.locked());
            Ok(())
        })
        .unwrap()
        .unwrap();
    }
}
