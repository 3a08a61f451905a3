//! `asyncio.gather`: ports of CPython's tests (`Lib/test/test_asyncio/
//! test_tasks.py`, the same in 3.11.7, 3.12.1 and 3.13.0), run under every
//! profile, plus the profile difference and the handle order, confirmed by
//! running the same programs on each interpreter.
//!
//! `GatherTestsBase` runs twice in CPython: `FutureGatherTests` gathers
//! futures, `CoroutineGatherTests` coroutines that await them (which gather
//! wraps in tasks); here the second wraps them in tasks explicitly.
//!
//! Not ported:
//! - `test_constructor_empty_sequence_without_loop`,
//!   `test_constructor_without_loop`, `*_use_global_loop`,
//!   `test_constructor_heterogenous_futures`: no loop, a global loop, two
//!   loops -- there is one running simloop loop.
//! - `test_constructor_use_running_loop`, `test_issue46672`,
//!   `test_env_var_debug`: coroutine objects, argument type errors, env vars.
//! - `test_shield_gather`, `test_gather_shield`: need `shield` (its own
//!   module and tests).
//! - `test_exception_marking` is ported for its outcome only; "exception was
//!   never retrieved" logging does not exist here.

mod common_gw;

use std::cell::Cell;
use std::rc::Rc;

use common_gw::{handles_text, outside, run_until_idle, sim, ALL};
use simloop_asyncio::gather::{gather, FutureLike};
use simloop_core::{get_running_loop, sleep, spawn, yield_now, Exc, Future, Profile, Task};

/// `wrap_futures` of `FutureGatherTests`: the futures themselves.
fn as_futures(fs: Vec<Future<i32>>) -> Vec<Future<i32>> {
    fs
}

/// `wrap_futures` of `CoroutineGatherTests`: `async def coro(fut=fut):
/// return await fut`, each in a task (as gather's `ensure_future` does).
fn as_tasks(fs: Vec<Future<i32>>) -> Vec<Task<i32>> {
    fs.into_iter()
        .enumerate()
        .map(|(i, f)| spawn(format!("coro{i}"), async move { f.await }))
        .collect()
}

fn futures(n: usize) -> Vec<Future<i32>> {
    let lp = get_running_loop();
    (0..n).map(|_| lp.create_future("child")).collect()
}

/// Count the calls of a done-callback (`test_utils.MockCallback`).
fn count_done<T: Clone + 'static>(fut: &Future<T>) -> Rc<Cell<u32>> {
    let n = Rc::new(Cell::new(0));
    let c = n.clone();
    fut.add_done_callback("cb", move || c.set(c.get() + 1));
    n
}

/// `GatherTestsBase._check_success`.
fn check_success<F: FutureLike<Output = i32>>(
    p: Profile,
    wrap: fn(Vec<Future<i32>>) -> Vec<F>,
    re: bool,
) {
    let sim = sim(p);
    let (fs, fut, cb) = outside(&sim, move || {
        let fs = futures(3);
        let fut = gather(wrap(fs.clone()), re);
        let cb = count_done(&fut);
        fs[1].set_result(1);
        fs[0].set_result(2);
        (fs, fut, cb)
    });
    run_until_idle(&sim);
    assert_eq!(cb.get(), 0);
    assert!(!fut.done());
    fs[2].set_result(3);
    run_until_idle(&sim);
    assert_eq!(cb.get(), 1);
    assert_eq!(fut.result().unwrap().unwrap(), [Ok(2), Ok(1), Ok(3)]);
}

/// Port of test_tasks.py::GatherTestsBase::test_success (both subclasses).
#[test]
fn test_success() {
    for p in ALL {
        check_success(p, as_futures, false);
        check_success(p, as_tasks, false);
    }
}

/// Port of test_tasks.py::GatherTestsBase::test_result_exception_success.
#[test]
fn test_result_exception_success() {
    for p in ALL {
        check_success(p, as_futures, true);
        check_success(p, as_tasks, true);
    }
}

fn one_exception<F: FutureLike<Output = i32>>(p: Profile, wrap: fn(Vec<Future<i32>>) -> Vec<F>) {
    let sim = sim(p);
    let exc = Exc::new("ZeroDivisionError");
    let e = exc.clone();
    let (fs, fut, cb) = outside(&sim, move || {
        let fs = futures(5);
        let fut = gather(wrap(fs.clone()), false);
        let cb = count_done(&fut);
        fs[0].set_result(1);
        fs[1].set_exception(e);
        (fs, fut, cb)
    });
    run_until_idle(&sim);
    assert!(fut.done());
    assert_eq!(cb.get(), 1);
    assert!(fut.result().unwrap().unwrap_err().same(&exc));
    // Does nothing.
    fs[2].set_result(3);
    fs[3].cancel(None);
    fs[4].set_exception(Exc::new("RuntimeError"));
    run_until_idle(&sim);
    assert_eq!(cb.get(), 1);
    assert!(fut.result().unwrap().unwrap_err().same(&exc));
}

/// Port of test_tasks.py::GatherTestsBase::test_one_exception.
#[test]
fn test_one_exception() {
    for p in ALL {
        one_exception(p, as_futures);
        one_exception(p, as_tasks);
    }
}

fn return_exceptions<F: FutureLike<Output = i32>>(
    p: Profile,
    wrap: fn(Vec<Future<i32>>) -> Vec<F>,
) {
    let sim = sim(p);
    let (exc, exc2) = (Exc::new("ZeroDivisionError"), Exc::new("RuntimeError"));
    let e = exc.clone();
    let (fs, fut, cb) = outside(&sim, move || {
        let fs = futures(4);
        let fut = gather(wrap(fs.clone()), true);
        let cb = count_done(&fut);
        fs[1].set_result(1);
        fs[2].set_exception(e);
        fs[0].set_result(3);
        (fs, fut, cb)
    });
    run_until_idle(&sim);
    assert!(!fut.done());
    fs[3].set_exception(exc2.clone());
    run_until_idle(&sim);
    assert!(fut.done());
    assert_eq!(cb.get(), 1);
    let res = fut.result().unwrap().unwrap();
    assert_eq!(res[..2], [Ok(3), Ok(1)]);
    assert!(res[2].as_ref().unwrap_err().same(&exc));
    assert!(res[3].as_ref().unwrap_err().same(&exc2));
}

/// Port of test_tasks.py::GatherTestsBase::test_return_exceptions.
#[test]
fn test_return_exceptions() {
    for p in ALL {
        return_exceptions(p, as_futures);
        return_exceptions(p, as_tasks);
    }
}

/// Port of test_tasks.py::FutureGatherTests::test_constructor_empty_sequence_use_running_loop.
#[test]
fn test_constructor_empty_sequence_use_running_loop() {
    for p in ALL {
        let sim = sim(p);
        let fut = outside(&sim, || gather(Vec::<Future<i32>>::new(), false));
        assert!(fut.done(), "already done when gather() returns");
        run_until_idle(&sim);
        assert_eq!(fut.result().unwrap().unwrap(), []);
    }
}

/// Port of test_tasks.py::FutureGatherTests::test_constructor_homogenous_futures
/// (one loop: gathering the same pending children twice).
#[test]
fn test_constructor_homogenous_futures() {
    for p in ALL {
        let sim = sim(p);
        let children = outside(&sim, || futures(3));
        let c = children.clone();
        let fut = outside(&sim, move || gather(c, false));
        run_until_idle(&sim);
        assert!(!fut.done());
        let fut = outside(&sim, move || gather(children, false));
        run_until_idle(&sim);
        assert!(!fut.done());
    }
}

/// Port of test_tasks.py::FutureGatherTests::test_one_cancellation.
#[test]
fn test_one_cancellation() {
    for p in ALL {
        let sim = sim(p);
        let (fs, fut, cb) = outside(&sim, || {
            let fs = futures(5);
            let fut = gather(fs.clone(), false);
            let cb = count_done(&fut);
            fs[0].set_result(1);
            fs[1].cancel(None);
            (fs, fut, cb)
        });
        run_until_idle(&sim);
        assert!(fut.done());
        assert_eq!(cb.get(), 1);
        assert!(
            !fut.cancelled(),
            "a child's cancellation is gather's exception"
        );
        assert!(fut.result().unwrap().unwrap_err().is_cancelled());
        // Does nothing.
        fs[2].set_result(3);
        fs[3].cancel(None);
        fs[4].set_exception(Exc::new("RuntimeError"));
        run_until_idle(&sim);
        assert_eq!(cb.get(), 1);
    }
}

/// Port of test_tasks.py::FutureGatherTests::test_result_exception_one_cancellation.
#[test]
fn test_result_exception_one_cancellation() {
    for p in ALL {
        let sim = sim(p);
        let (zde, rte) = (Exc::new("ZeroDivisionError"), Exc::new("RuntimeError"));
        let z = zde.clone();
        let (fs, fut, cb) = outside(&sim, move || {
            let fs = futures(6);
            let fut = gather(fs.clone(), true);
            let cb = count_done(&fut);
            fs[0].set_result(1);
            fs[1].set_exception(z);
            fs[2].cancel(None);
            (fs, fut, cb)
        });
        run_until_idle(&sim);
        assert!(!fut.done());
        fs[3].set_result(3);
        fs[4].cancel(None);
        fs[5].set_exception(rte.clone());
        run_until_idle(&sim);
        let res = fut.result().unwrap().unwrap();
        assert_eq!(res[0], Ok(1));
        assert!(res[1].as_ref().unwrap_err().same(&zde));
        assert!(res[2].as_ref().unwrap_err().is_cancelled());
        assert_eq!(res[3], Ok(3));
        assert!(res[4].as_ref().unwrap_err().is_cancelled());
        assert!(res[5].as_ref().unwrap_err().same(&rte));
        assert_eq!(cb.get(), 1);
    }
}

/// Port of test_tasks.py::CoroutineGatherTests::test_duplicate_coroutines
/// (the same task passed three times is registered once, `arg_to_fut`).
#[test]
fn test_duplicate_coroutines() {
    for p in ALL {
        let sim = sim(p);
        let fut = outside(&sim, || {
            let c = spawn("c", async { Ok("abc") });
            let d = spawn("d", async { Ok("def") });
            gather(vec![c.clone(), c.clone(), d, c], false)
        });
        run_until_idle(&sim);
        assert_eq!(
            fut.result().unwrap().unwrap(),
            [Ok("abc"), Ok("abc"), Ok("def"), Ok("abc")]
        );
    }
}

/// Port of test_tasks.py::CoroutineGatherTests::test_cancellation_broadcast:
/// cancelling the task awaiting a gather cancels every child.
#[test]
fn test_cancellation_broadcast() {
    for p in ALL {
        let sim = sim(p);
        let proof = Rc::new(Cell::new(0));
        let pr = proof.clone();
        let (waiter, child1, child2, gatherer, f) = outside(&sim, move || {
            let waiter = get_running_loop().create_future::<()>("waiter");
            let inner = |name: &str| {
                let (w, pr) = (waiter.clone(), pr.clone());
                spawn(name, async move {
                    w.await?;
                    pr.set(pr.get() + 1);
                    Ok(())
                })
            };
            let (child1, child2) = (inner("child1"), inner("child2"));
            let gatherer = Rc::new(std::cell::RefCell::new(None));
            let (g, c1, c2, pr) = (gatherer.clone(), child1.clone(), child2.clone(), pr.clone());
            let f = spawn("outer", async move {
                let fut = gather(vec![c1, c2], false);
                *g.borrow_mut() = Some(fut.clone());
                fut.await?;
                pr.set(pr.get() + 100);
                Ok(())
            });
            (waiter, child1, child2, gatherer, f)
        });
        sim.run_once().unwrap(); // test_utils.run_briefly
        assert!(f.cancel(None));
        run_until_idle(&sim);
        assert!(f.cancelled());
        let gatherer = gatherer.borrow().clone().unwrap();
        assert!(!gatherer.cancel(None));
        assert!(waiter.cancelled());
        assert!(child1.cancelled());
        assert!(child2.cancelled());
        assert_eq!(proof.get(), 0);
    }
}

/// Port of test_tasks.py::CoroutineGatherTests::test_exception_marking (the
/// outcome: the first error fails the gather and its awaiter).
#[test]
fn test_exception_marking() {
    for p in ALL {
        let sim = sim(p);
        let (a, b, f) = outside(&sim, || {
            let lp = get_running_loop();
            let (a, b) = (lp.create_future::<()>("a"), lp.create_future::<()>("b"));
            let inner = |name: &str, fut: Future<()>| {
                spawn(name, async move {
                    fut.await?;
                    Err::<(), _>(Exc::with_message("RuntimeError", "should not be ignored"))
                })
            };
            let (ta, tb) = (inner("inner_a", a.clone()), inner("inner_b", b.clone()));
            let f = spawn("outer", async move {
                gather(vec![ta, tb], false).await?;
                Ok(())
            });
            (a, b, f)
        });
        sim.run_once().unwrap();
        outside(&sim, move || a.set_result(()));
        sim.run_once().unwrap();
        outside(&sim, move || b.set_result(()));
        run_until_idle(&sim);
        assert_eq!(f.exception().unwrap().class_name(), "RuntimeError");
    }
}

/// Port of test_tasks.py::test_cancel_gather_1: a gathering future refuses
/// to be cancelled once all children are done (bpo-26923).
#[test]
fn test_cancel_gather_1() {
    for p in ALL {
        let sim = sim(p);
        let (fut, gather_task) = outside(&sim, || {
            let fut = get_running_loop().create_future::<i32>("fut");
            let f = fut.clone();
            let child = spawn("child_coro", async move { f.await });
            // asyncio.ensure_future(gather_future) is gather_future itself.
            let gather_task = gather(vec![child], false);
            (fut, gather_task)
        });
        run_until_idle(&sim);
        let cancel_result = Rc::new(Cell::new(None));
        let (cr, gt) = (cancel_result.clone(), gather_task.clone());
        outside(&sim, move || {
            fut.add_done_callback("cancelling_callback", move || cr.set(Some(gt.cancel(None))));
            fut.set_result(42);
        });
        run_until_idle(&sim);
        assert_eq!(cancel_result.get(), Some(false));
        assert!(!gather_task.cancelled());
        assert_eq!(gather_task.result().unwrap().unwrap(), [Ok(42)]);
    }
}

/// Port of test_tasks.py::test_cancel_gather_2: cancelling a task awaiting
/// `gather(sleep, return_exceptions=True)` propagates `CancelledError`,
/// with the cancel message, to the gather's awaiter (bpo-32684). Ticks:
/// 5 per 0.05 s. Handles as CPython 3.11-3.13 run them.
#[test]
fn test_cancel_gather_2() {
    for msg in [None, Some("my message")] {
        for p in ALL {
            let sim = sim(p);
            let r = sim
                .run_main("main", async move {
                    let qwe = spawn("qwe", async {
                        let mut time = 0;
                        loop {
                            time += 5;
                            let s = spawn(format!("s{time}"), sleep(5));
                            gather(vec![s], true).await?;
                            if time > 100 {
                                return Ok(());
                            }
                        }
                    });
                    sleep(20).await?;
                    qwe.cancel(msg);
                    qwe.await
                })
                .unwrap();
            let exc = r.unwrap_err();
            assert!(exc.is_cancelled());
            assert_eq!(exc.message(), msg);
            assert_eq!(sim.time(), 20);
            assert_eq!(
                handles_text(&sim),
                "0 step main\n0 step qwe\n0 step s5\n\
                 5 call sleep\n5 step s5\n5 call gather._done_callback\n5 step qwe\n5 step s10\n\
                 10 call sleep\n10 step s10\n10 call gather._done_callback\n10 step qwe\n10 step s15\n\
                 15 call sleep\n15 step s15\n15 call gather._done_callback\n15 step qwe\n15 step s20\n\
                 20 call sleep\n20 call sleep\n20 step main\n20 step s20\n20 call gather._done_callback\n\
                 20 step qwe\n20 step main\n20 call _run_until_complete_cb"
            );
        }
    }
}

/// Profile difference (tasks.py 3.12+ `done_futs`): children already done
/// are handled synchronously, so the gather is done when `gather()`
/// returns; 3.11 schedules `_done_callback` for each and the gather is done
/// a pass later. Confirmed on CPython 3.11.7 / 3.12.1 / 3.13.0.
#[test]
fn gather_of_done_children_is_done_at_once_from_312() {
    for p in ALL {
        let sim = sim(p);
        let (done_at_once, r) = sim
            .run_main("main", async {
                let a = spawn("a", async { Ok(1) });
                let b = spawn("b", async { Ok(2) });
                yield_now().await?;
                let g = gather(vec![a, b], false);
                let done_at_once = g.done();
                Ok((done_at_once, g.await?))
            })
            .unwrap()
            .unwrap();
        assert_eq!(r, [Ok(1), Ok(2)]);
        assert_eq!(done_at_once, p >= Profile::Py312, "{p}");
        let expected = if p == Profile::Py311 {
            "0 step main\n0 step a\n0 step b\n0 step main\n\
             0 call gather._done_callback\n0 call gather._done_callback\n\
             0 step main\n0 call _run_until_complete_cb"
        } else {
            "0 step main\n0 step a\n0 step b\n0 step main\n0 call _run_until_complete_cb"
        };
        assert_eq!(handles_text(&sim), expected, "{p}");
    }
}

/// The first error fails the gather at once; the siblings are not
/// cancelled and their `_done_callback`s still run. Handles as on CPython.
#[test]
fn first_error_leaves_siblings_running() {
    for p in ALL {
        let sim = sim(p);
        let (a, c) = sim
            .run_main("main", async {
                let child = |name: &str, d, v: &'static str, fail: bool| {
                    spawn(name, async move {
                        sleep(d).await?;
                        if fail {
                            return Err(Exc::new("ZeroDivisionError"));
                        }
                        Ok(v)
                    })
                };
                let a = child("a", 5, "a", false);
                let b = child("b", 3, "b", true);
                let c = child("c", 7, "c", false);
                let err = gather(vec![a.clone(), b, c.clone()], false)
                    .await
                    .unwrap_err();
                assert_eq!(err.class_name(), "ZeroDivisionError");
                let lp = get_running_loop();
                assert_eq!((lp.time(), a.done(), c.done()), (3, false, false));
                sleep(10).await?;
                Ok((a, c))
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.result().unwrap(), c.result().unwrap()),
            (Ok("a"), Ok("c"))
        );
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step a\n0 step b\n0 step c\n\
             3 call sleep\n3 step b\n3 call gather._done_callback\n3 step main\n\
             5 call sleep\n5 step a\n5 call gather._done_callback\n\
             7 call sleep\n7 step c\n7 call gather._done_callback\n\
             13 call sleep\n13 step main\n13 call _run_until_complete_cb"
        );
    }
}

/// `_GatheringFuture.cancel` walks `children`, duplicates included: a task
/// passed twice is cancelled twice (`cancelling() == 2`). As on CPython.
#[test]
fn duplicate_child_is_cancelled_twice() {
    for p in ALL {
        let sim = sim(p);
        let a = sim
            .run_main("main", async {
                let a = spawn("a", sleep(10));
                let g = gather(vec![a.clone(), a.clone()], true);
                sleep(1).await?;
                assert!(g.cancel(None));
                assert_eq!(a.cancelling(), 2);
                let err = g.await.unwrap_err();
                assert!(err.is_cancelled() && err.message().is_none());
                Ok(a)
            })
            .unwrap()
            .unwrap();
        assert!(a.cancelled());
        assert_eq!(
            handles_text(&sim),
            "0 step main\n0 step a\n1 call sleep\n1 step main\n1 step a\n\
             1 call gather._done_callback\n1 step main\n1 call _run_until_complete_cb"
        );
    }
}

/// `return_exceptions=True` items for cancelled children: a task's is
/// `CancelledError('')` (its `_cancel_message` is `None`), a future's
/// carries its message. A gather cancelled while its last child swallows the
/// cancel raises a message-less `CancelledError()`. Values and handles as on
/// CPython (3.11 handles the already-done future a pass later).
#[test]
fn cancelled_items_and_the_cancelled_gather() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let t = spawn("t", sleep(10));
            yield_now().await?;
            t.cancel(Some("m"));
            let items = gather(vec![t], true).await?;
            assert_eq!(items, [Err(Exc::cancelled(Some("".into())))]);
            let f = get_running_loop().create_future::<()>("f");
            f.cancel(Some("fm"));
            let items = gather(vec![f], true).await?;
            assert_eq!(items, [Err(Exc::cancelled(Some("fm".into())))]);
            let t3 = spawn("t3", sleep(10));
            let t4 = spawn("t4", async {
                match sleep(10).await {
                    Err(e) if e.is_cancelled() => Ok(()),
                    r => r,
                }
            });
            let g = gather(vec![t3, t4.clone()], true);
            yield_now().await?;
            assert!(g.cancel(Some("gm")));
            let err = g.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.message(), None);
            assert_eq!(t4.result(), Some(Ok(())));
            Ok(())
        })
        .unwrap()
        .unwrap();
        let f_callback = if p == Profile::Py311 {
            "0 call gather._done_callback\n0 step main\n"
        } else {
            ""
        };
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step t\n0 step main\n0 step t\n0 call gather._done_callback\n0 step main\n\
                 {f_callback}0 step t3\n0 step t4\n0 step main\n0 step t3\n0 step t4\n\
                 0 call gather._done_callback\n0 call gather._done_callback\n0 step main\n\
                 0 call _run_until_complete_cb"
            ),
            "{p}"
        );
    }
}
