//! Ports of the `shield` tests of CPython's
//! `Lib/test/test_asyncio/test_tasks.py` (identical in 3.11.7, 3.12.1 and
//! 3.13.0, as is `shield` itself), run under every profile.
//!
//! CPython drives these tests from outside the loop with
//! `test_utils.run_briefly(loop)`; here they run in the `main` task and
//! `run_briefly` is `await asyncio.sleep(0)`. Each test checks the exact loop
//! operations against CPython's trace of the same in-task body (see
//! `common_tg`), recorded in `tests/cpython/shield/` by
//! `tools/oracle/record_shield_traces.py`.
//!
//! Not portable: `test_shield_coroutine_without_loop` and
//! `test_shield_coroutine_use_global_loop` (event loop policy and "no
//! current event loop" errors). `shield` takes a task or a future, not a
//! coroutine: `test_shield_coroutine_use_running_loop` and
//! `test_shield_effect` create the task that `ensure_future` would.
//! `test_shield_cancel_outer` asserts that the outer future has no callbacks
//! left, which is not observable here; the port checks instead that
//! finishing the inner afterwards runs no `_inner_done_callback`.

mod common_tg;

use std::cell::Cell;
use std::future::IntoFuture;
use std::rc::Rc;

use common_tg::{assert_ops, run};
use simloop_asyncio::gather::gather;
use simloop_asyncio::shield::{shield, shield_future, Shielded};
use simloop_core::{get_running_loop, sleep, spawn, Exc, Profile};

/// Port of test_tasks.py::test_shield_result
#[test]
fn shield_result() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let inner = get_running_loop().create_future::<i32>("inner");
            let outer = shield_future(&inner);
            inner.set_result(42);
            outer.await
        });
        assert_eq!(r.unwrap(), 42, "{p}");
        assert_ops(&sim, p, "shield/shield_result");
    }
}

/// Port of test_tasks.py::test_shield_exception
#[test]
fn shield_exception() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let inner = get_running_loop().create_future::<i32>("inner");
            let outer = shield_future(&inner);
            sleep(0).await?;
            let exc = Exc::with_message("RuntimeError", "expected");
            inner.set_exception(exc.clone());
            sleep(0).await?;
            Ok(outer.result().unwrap().unwrap_err().same(&exc))
        });
        assert!(r.unwrap(), "{p}: outer.exception() is exc");
        assert_ops(&sim, p, "shield/shield_exception");
    }
}

/// Port of test_tasks.py::test_shield_cancel_inner
#[test]
fn shield_cancel_inner() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let inner = get_running_loop().create_future::<i32>("inner");
            let outer = shield_future(&inner);
            sleep(0).await?;
            inner.cancel(None);
            sleep(0).await?;
            Ok(outer.cancelled())
        });
        assert!(r.unwrap(), "{p}");
        assert_ops(&sim, p, "shield/shield_cancel_inner");
    }
}

/// Port of test_tasks.py::test_shield_cancel_outer
#[test]
fn shield_cancel_outer() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let inner = get_running_loop().create_future::<i32>("inner");
            let outer = shield_future(&inner);
            sleep(0).await?;
            outer.cancel(None);
            sleep(0).await?;
            let cancelled = outer.cancelled();
            // _outer_done_callback removed the inner's callback:
            inner.set_result(1);
            sleep(0).await?;
            Ok((cancelled, outer.cancelled()))
        });
        assert_eq!(r.unwrap(), (true, true), "{p}");
        assert!(
            !common_tg::ops(&sim).contains("_inner_done_callback"),
            "{p}"
        );
        assert_ops(&sim, p, "shield/shield_cancel_outer");
    }
}

/// Port of test_tasks.py::test_shield_shortcut
#[test]
fn shield_shortcut() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let fut = get_running_loop().create_future::<i32>("fut");
            fut.set_result(42);
            let s = shield_future(&fut);
            assert!(
                matches!(&s, Shielded::Future(f) if f.same(&fut)),
                "the inner itself"
            );
            s.await
        });
        assert_eq!(r.unwrap(), 42, "{p}");
        assert_ops(&sim, p, "shield/shield_shortcut");
    }
}

/// Port of test_tasks.py::test_shield_effect: cancelling outer() does not
/// affect inner().
#[test]
fn shield_effect() {
    for p in Profile::ALL {
        let proof = Rc::new(Cell::new(0));
        let pr = proof.clone();
        let (sim, r) = run(p, async move {
            let waiter = get_running_loop().create_future::<()>("waiter");
            let (w, p1, p2) = (waiter.clone(), pr.clone(), pr.clone());
            let f = spawn("outer", async move {
                let inner = spawn("inner", async move {
                    w.await?;
                    p1.set(p1.get() + 1);
                    Ok(())
                });
                shield(&inner).await?;
                p2.set(p2.get() + 100);
                Ok(())
            });
            sleep(0).await?;
            f.cancel(None);
            let e = (&f).await.unwrap_err();
            waiter.set_result(());
            sleep(0).await?;
            Ok(e.is_cancelled())
        });
        assert!(r.unwrap(), "{p}");
        assert_eq!(proof.get(), 1, "{p}");
        assert_ops(&sim, p, "shield/shield_effect");
    }
}

/// Port of test_tasks.py::test_shield_gather
#[test]
fn shield_gather() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let lp = get_running_loop();
            let child1 = lp.create_future::<i32>("child1");
            let child2 = lp.create_future::<i32>("child2");
            let parent = gather(vec![child1.clone(), child2.clone()], false);
            let outer = shield_future(&parent);
            sleep(0).await?;
            outer.cancel(None);
            sleep(0).await?;
            let cancelled = outer.cancelled();
            child1.set_result(1);
            child2.set_result(2);
            sleep(0).await?;
            let values: Vec<i32> = parent
                .result()
                .unwrap()?
                .into_iter()
                .map(|r| r.unwrap())
                .collect();
            Ok((cancelled, values))
        });
        assert_eq!(r.unwrap(), (true, vec![1, 2]), "{p}");
        assert_ops(&sim, p, "shield/shield_gather");
    }
}

/// Port of test_tasks.py::test_gather_shield
#[test]
fn gather_shield() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let lp = get_running_loop();
            let child1 = lp.create_future::<i32>("child1");
            let child2 = lp.create_future::<i32>("child2");
            let outer_of = |s: Shielded<i32>| match s {
                Shielded::Outer(f) => f,
                _ => unreachable!("pending inner"),
            };
            let inner1 = outer_of(shield_future(&child1));
            let inner2 = outer_of(shield_future(&child2));
            let parent = gather(vec![inner1.clone(), inner2.clone()], false);
            sleep(0).await?;
            // This should cancel inner1 and inner2 but not child1 and child2.
            parent.cancel(None);
            sleep(0).await?;
            let parent_exc = parent.result().unwrap().unwrap_err();
            let seen = (
                parent_exc.is_cancelled(),
                inner1.cancelled(),
                inner2.cancelled(),
            );
            child1.set_result(1);
            child2.set_result(2);
            sleep(0).await?;
            Ok(seen)
        });
        assert_eq!(r.unwrap(), (true, true, true), "{p}");
        assert_ops(&sim, p, "shield/gather_shield");
    }
}

/// Port of test_tasks.py::test_shield_coroutine_use_running_loop (the task
/// `ensure_future` would create is created by the caller).
#[test]
fn shield_coroutine_use_running_loop() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let outer = shield(&spawn("coro", async { Ok(42) }));
            outer.await
        });
        assert_eq!(r.unwrap(), 42, "{p}");
        assert_ops(&sim, p, "shield/shield_coroutine_use_running_loop");
    }
}

/// Not a CPython test: the scenario step `{"shield": CHILD}` whose awaiting
/// task is cancelled; the child runs on to the end.
#[test]
fn waiter_cancelled_inner_continues() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let w = spawn("waiter", async {
                let t = spawn("child", async { sleep(100).await.map(|_| 7) });
                shield(&t).await
            });
            sleep(10).await?;
            w.cancel(None);
            let e = (&w).await.unwrap_err();
            sleep(100).await?;
            Ok(e.is_cancelled())
        });
        assert!(r.unwrap(), "{p}");
        let child = &sim.all_tasks()[2];
        assert_eq!(
            (child.name(), child.done_at(), child.cancelled()),
            ("child", Some(100), false),
            "{p}"
        );
        assert_ops(&sim, p, "shield/waiter_cancelled_inner_continues");
    }
}

/// Not a CPython test: an inner task that ends cancelled cancels the outer.
#[test]
fn inner_cancelled_cancels_outer() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let t = spawn("child", async { sleep(100).await.map(|_| 7) });
            let t2 = t.clone();
            let w = spawn("waiter", async move { shield(&t2).await });
            sleep(10).await?;
            t.cancel(None);
            let e = (&w).await.unwrap_err();
            Ok((e.is_cancelled(), w.cancelled()))
        });
        assert_eq!(r.unwrap(), (true, true), "{p}");
        assert_ops(&sim, p, "shield/inner_cancelled_cancels_outer");
    }
}

/// Not a CPython test: the inner's exception reaches the awaiting task.
#[test]
fn inner_error_propagates() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let w = spawn("waiter", async {
                let t = spawn("child", async {
                    sleep(100).await?;
                    Err::<i32, _>(Exc::new("Boom"))
                });
                shield(&t).await
            });
            Ok((&w).await.unwrap_err())
        });
        assert_eq!(r.unwrap().class_name(), "Boom", "{p}");
        assert_ops(&sim, p, "shield/inner_error_propagates");
    }
}

/// Not a CPython test: a timeout's deadline cancels the task awaiting the
/// shield, not the shielded task.
#[test]
fn shield_in_timeout() {
    use simloop_asyncio::timeout::{timeout, with_timeout};
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let t = spawn("child", async { sleep(100).await.map(|_| 7) });
            let cm = timeout(10);
            let e = with_timeout(&cm, shield(&t).into_future())
                .await
                .unwrap_err();
            Ok((e.class_name().to_owned(), t.await?))
        });
        assert_eq!(r.unwrap(), ("TimeoutError".to_owned(), 7), "{p}");
        assert_ops(&sim, p, "shield/shield_in_timeout");
    }
}
