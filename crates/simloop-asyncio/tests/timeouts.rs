//! Ports of CPython's `Lib/test/test_asyncio/test_timeouts.py` (3.11.7,
//! 3.12.1 and 3.13.0), run under every profile.
//!
//! Time: 1 s of the CPython tests is 1000 ticks, so `timeout(0.01)` is
//! `timeout(10)`. Besides what CPython asserts, each test checks the
//! exact loop operations against CPython's trace of the same body for that
//! version (see `common_tg`), recorded in `tests/cpython/timeouts/` by
//! `tools/oracle/record_timeout_traces.py`.
//!
//! Not portable:
//! - `test_nested_timeouts_concurrent`, `test_nested_timeouts_loop_busy`:
//!   they block the loop with `time.sleep()` so that wall-clock time passes
//!   inside one step; virtual time does not move during a step.
//!
//! Ported in part (exceptions here have no `__cause__`/`__context__`):
//! `test_timeout_exception_cause` (3.11/3.12), and the 3.13 tests
//! `test_timeout_exception_context`, `test_foreign_exception_on_timeout`'s
//! chain, `test_foreign_exception_on_timeout_2`, `test_timeout_taskgroup`
//! assert the exception types and structure only. Those context-chain
//! assertions are the only reason the 3.13 file fails on 3.11/3.12 for
//! these tests; the loop operations agree (3.13's `_insert_timeout_error`
//! takes none).
//!
//! `test_timeout_in_the_past_sleep_zero` uses `timeout(-11)`; ticks are
//! unsigned, so the port first sleeps 20 ticks and uses `timeout_at(9)`
//! (the CPython trace was made with the same sleep and `timeout(-11)`).

mod common_tg;

use std::cell::RefCell;
use std::rc::Rc;

use common_tg::{assert_ops, error_types, names, poll_once, run};
use simloop_asyncio::taskgroup::task_group;
use simloop_asyncio::timeout::{timeout, timeout_at, with_timeout, Timeout, TimeoutState};
use simloop_core::{current_task, get_running_loop, sleep, spawn, Event, Exc, Profile, ScopeId};

/// Port of test_timeouts.py::test_timeout_basic
#[test]
fn timeout_basic() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, sleep(10000)).await.unwrap_err();
            Ok((e, cm.expired()))
        });
        let (e, expired) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(expired, "{p}");
        assert_eq!(sim.time(), 10, "{p}");
        assert_ops(&sim, p, "timeouts/timeout_basic");
    }
}

/// Port of test_timeouts.py::test_timeout_at_basic
#[test]
fn timeout_at_basic() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let deadline = get_running_loop().time() + 10;
            let cm = timeout_at(deadline);
            let e = with_timeout(&cm, sleep(10000)).await.unwrap_err();
            Ok((e, cm.expired(), cm.when(), deadline))
        });
        let (e, expired, when, deadline) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(expired, "{p}");
        assert_eq!(when, Some(deadline), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_at_basic");
    }
}

/// Port of test_timeouts.py::test_nested_timeouts: only the outermost of two
/// timeouts sharing a deadline raises `TimeoutError`.
#[test]
fn nested_timeouts() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let deadline = get_running_loop().time() + 10;
            let (cm1, cm2) = (timeout_at(deadline), timeout_at(deadline));
            let c2 = cm2.clone();
            let e = with_timeout(&cm1, async move {
                let r = with_timeout(&c2, sleep(10000)).await;
                let cancelled = r.as_ref().is_err_and(Exc::is_cancelled);
                assert!(cancelled, "the inner timeout lets CancelledError through");
                r
            })
            .await
            .unwrap_err();
            Ok((e, cm1.expired(), cm2.expired()))
        });
        let (e, e1, e2) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(e1 && e2, "{p}");
        assert_ops(&sim, p, "timeouts/nested_timeouts");
    }
}

/// Port of test_timeouts.py::test_waiter_cancelled
#[test]
fn waiter_cancelled() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, async {
                let r = sleep(10000).await;
                assert!(r.as_ref().is_err_and(Exc::is_cancelled));
                r
            })
            .await
            .unwrap_err();
            Ok(e)
        });
        assert_eq!(r.unwrap().class_name(), "TimeoutError", "{p}");
        assert_ops(&sim, p, "timeouts/waiter_cancelled");
    }
}

/// Port of test_timeouts.py::test_timeout_not_called
#[test]
fn timeout_not_called() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10000);
            with_timeout(&cm, sleep(10)).await?;
            let t1 = get_running_loop().time();
            Ok((cm.expired(), cm.when().unwrap() > t1, cm.state()))
        });
        assert_eq!(r.unwrap(), (false, true, TimeoutState::Exited), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_not_called");
    }
}

/// Port of test_timeouts.py::test_timeout_disabled
#[test]
fn timeout_disabled() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(None);
            with_timeout(&cm, sleep(10)).await?;
            Ok((cm.expired(), cm.when()))
        });
        assert_eq!(r.unwrap(), (false, None), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_disabled");
    }
}

/// Port of test_timeouts.py::test_timeout_at_disabled
#[test]
fn timeout_at_disabled() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout_at(None);
            with_timeout(&cm, sleep(10)).await?;
            Ok((cm.expired(), cm.when()))
        });
        assert_eq!(r.unwrap(), (false, None), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_at_disabled");
    }
}

/// Port of test_timeouts.py::test_timeout_zero (the deadline is due at
/// entry: `_on_timeout` goes through `call_soon`).
#[test]
fn timeout_zero() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let t0 = get_running_loop().time();
            let cm = timeout(0);
            let e = with_timeout(&cm, sleep(10000)).await.unwrap_err();
            let t1 = get_running_loop().time();
            Ok((e, cm.expired(), t0, cm.when().unwrap(), t1))
        });
        let (e, expired, t0, when, t1) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(expired && t0 <= when && when <= t1, "{p}");
        assert_eq!((t0, when, t1), (0, 0, 0), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_zero");
    }
}

/// Port of test_timeouts.py::test_timeout_zero_sleep_zero
#[test]
fn timeout_zero_sleep_zero() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(0);
            let e = with_timeout(&cm, sleep(0)).await.unwrap_err();
            Ok((e, cm.expired(), cm.when()))
        });
        let (e, expired, when) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(expired, "{p}");
        assert_eq!(when, Some(0), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_zero_sleep_zero");
    }
}

/// Port of test_timeouts.py::test_timeout_in_the_past_sleep_zero
#[test]
fn timeout_in_the_past_sleep_zero() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            sleep(20).await?;
            let t0 = get_running_loop().time();
            // timeout(-11)
            let cm = timeout_at(t0 - 11);
            let e = with_timeout(&cm, sleep(0)).await.unwrap_err();
            let t1 = get_running_loop().time();
            Ok((e, cm.expired(), t0, cm.when().unwrap(), t1))
        });
        let (e, expired, t0, when, t1) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert!(expired && t0 >= when && when <= t1, "{p}");
        assert_eq!((t0, when, t1), (20, 9, 20), "{p}");
        assert_ops(&sim, p, "timeouts/timeout_in_the_past_sleep_zero");
    }
}

/// Port of test_timeouts.py::test_foreign_exception_passed
#[test]
fn foreign_exception_passed() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, async { Err::<(), _>(Exc::new("KeyError")) })
                .await
                .unwrap_err();
            Ok((e, cm.expired()))
        });
        let (e, expired) = r.unwrap();
        assert_eq!(e.class_name(), "KeyError", "{p}");
        assert!(!expired, "{p}");
        assert_ops(&sim, p, "timeouts/foreign_exception_passed");
    }
}

/// `try: await asyncio.sleep(t) finally: 1/0`
async fn crash(t: u64) -> Result<(), Exc> {
    let _ = sleep(t).await;
    Err(Exc::new("ZeroDivisionError"))
}

/// Port of test_timeouts.py::test_foreign_exception_on_timeout (3.13 also
/// checks the `__context__` chain: not modelled).
#[test]
fn foreign_exception_on_timeout() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            Ok(with_timeout(&cm, crash(1000)).await.unwrap_err())
        });
        assert_eq!(r.unwrap().class_name(), "ZeroDivisionError", "{p}");
        assert_ops(&sim, p, "timeouts/foreign_exception_on_timeout");
    }
}

/// Port of test_timeouts.py::test_foreign_exception_on_timeout_2 (3.13;
/// the `__context__` chain is not modelled).
#[test]
fn foreign_exception_on_timeout_2() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            // try: try: raise ValueError finally: await sleep(1)
            // finally: try: raise KeyError finally: 1/0
            Ok(with_timeout(&cm, crash(1000)).await.unwrap_err())
        });
        assert_eq!(r.unwrap().class_name(), "ZeroDivisionError", "{p}");
        assert_ops(&sim, p, "timeouts/foreign_exception_on_timeout_2");
    }
}

/// Port of test_timeouts.py::test_foreign_cancel_doesnt_timeout_if_not_expired
#[test]
fn foreign_cancel_doesnt_timeout_if_not_expired() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10000);
            let e = with_timeout(&cm, async {
                current_task().unwrap().cancel(None);
                sleep(10000).await
            })
            .await
            .unwrap_err();
            Ok((e, cm.expired()))
        });
        let (e, expired) = r.unwrap();
        assert!(e.is_cancelled(), "{p}");
        assert!(!expired, "{p}");
        assert_ops(
            &sim,
            p,
            "timeouts/foreign_cancel_doesnt_timeout_if_not_expired",
        );
    }
}

/// Port of test_timeouts.py::test_outer_task_is_not_cancelled
#[test]
fn outer_task_is_not_cancelled() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let task = spawn("outer", async {
                let cm = timeout(1);
                let e = with_timeout(&cm, sleep(10000)).await.unwrap_err();
                assert_eq!(e.class_name(), "TimeoutError");
                Ok(())
            });
            (&task).await?;
            Ok((task.cancelled(), task.done()))
        });
        assert_eq!(r.unwrap(), (false, true), "{p}");
        assert_ops(&sim, p, "timeouts/outer_task_is_not_cancelled");
    }
}

/// Port of test_timeouts.py::test_reschedule
#[test]
fn reschedule() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let lp = get_running_loop();
            let fut = lp.create_future::<Timeout>("fut");
            let deadline1 = lp.time() + 10000;
            let deadline2 = deadline1 + 20000;
            let f = fut.clone();
            let task = spawn("f", async move {
                let cm = timeout_at(deadline1);
                let c = cm.clone();
                with_timeout(&cm, async move {
                    f.set_result(c);
                    sleep(50000).await
                })
                .await
            });
            let cm = (&fut).await?;
            let when1 = cm.when();
            cm.reschedule(deadline2)?;
            let when2 = cm.when();
            cm.reschedule(None)?;
            let when3 = cm.when();
            task.cancel(None);
            let e = (&task).await.unwrap_err();
            Ok(([when1, when2, when3], e.is_cancelled(), cm.expired()))
        });
        assert_eq!(
            r.unwrap(),
            ([Some(10000), Some(30000), None], true, false),
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/reschedule");
    }
}

/// Port of test_timeouts.py::test_repr_active (on integer ticks CPython's
/// `round(when, 3)` prints an integer too).
#[test]
fn repr_active() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10000);
            let c = cm.clone();
            with_timeout(&cm, async move { Ok(c.to_string()) }).await
        });
        assert_eq!(r.unwrap(), "<Timeout [active] when=10000>", "{p}");
        assert_ops(&sim, p, "timeouts/repr_active");
    }
}

/// Port of test_timeouts.py::test_repr_expired
#[test]
fn repr_expired() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, sleep(10000)).await.unwrap_err();
            assert_eq!(e.class_name(), "TimeoutError");
            Ok(cm.to_string())
        });
        assert_eq!(r.unwrap(), "<Timeout [expired]>", "{p}");
        assert_ops(&sim, p, "timeouts/repr_expired");
    }
}

/// Port of test_timeouts.py::test_repr_finished
#[test]
fn repr_finished() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10000);
            with_timeout(&cm, sleep(0)).await?;
            Ok(cm.to_string())
        });
        assert_eq!(r.unwrap(), "<Timeout [finished]>", "{p}");
        assert_ops(&sim, p, "timeouts/repr_finished");
    }
}

/// Port of test_timeouts.py::test_repr_disabled
#[test]
fn repr_disabled() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(None);
            let c = cm.clone();
            with_timeout(&cm, async move { Ok(c.to_string()) }).await
        });
        assert_eq!(r.unwrap(), "<Timeout [active] when=None>", "{p}");
        assert_ops(&sim, p, "timeouts/repr_disabled");
    }
}

/// Port of test_timeouts.py::test_nested_timeout_in_finally
#[test]
fn nested_timeout_in_finally() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, async {
                let r = sleep(1000).await;
                // finally:
                let inner = timeout(10);
                let e = with_timeout(&inner, sleep(10000)).await.unwrap_err();
                assert_eq!(e.class_name(), "TimeoutError", "the inner timeout");
                r
            })
            .await
            .unwrap_err();
            Ok(e)
        });
        assert_eq!(r.unwrap().class_name(), "TimeoutError", "{p}");
        assert_eq!(sim.time(), 20, "{p}");
        assert_ops(&sim, p, "timeouts/nested_timeout_in_finally");
    }
}

/// Port of test_timeouts.py::test_timeout_after_cancellation
#[test]
fn timeout_after_cancellation() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            current_task().unwrap().cancel(None);
            let r = sleep(1000).await; // work which will be cancelled
            assert!(r.unwrap_err().is_cancelled());
            // finally:
            let cm = timeout(0);
            let e = with_timeout(&cm, sleep(1000)).await.unwrap_err();
            Ok((e, current_task().unwrap().cancelling()))
        });
        let (e, cancelling) = r.unwrap();
        assert_eq!(e.class_name(), "TimeoutError", "{p}");
        assert_eq!(cancelling, 1, "{p}");
        assert_ops(&sim, p, "timeouts/timeout_after_cancellation");
    }
}

/// Port of test_timeouts.py::test_cancel_in_timeout_after_cancellation
#[test]
fn cancel_in_timeout_after_cancellation() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            current_task().unwrap().cancel(None);
            let r = sleep(1000).await;
            assert!(r.unwrap_err().is_cancelled());
            // finally:
            let cm = timeout(1000);
            let e = with_timeout(&cm, async {
                current_task().unwrap().cancel(None);
                sleep(2000).await
            })
            .await
            .unwrap_err();
            Ok((e, current_task().unwrap().cancelling()))
        });
        let (e, cancelling) = r.unwrap();
        assert!(e.is_cancelled(), "{p}");
        assert_eq!(cancelling, 2, "{p}");
        assert_ops(&sim, p, "timeouts/cancel_in_timeout_after_cancellation");
    }
}

/// Port of test_timeouts.py::test_timeout_exception_cause (3.11/3.12; the
/// `__cause__` is not modelled).
#[test]
fn timeout_exception_cause() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(0);
            Ok(with_timeout(&cm, sleep(1000)).await.unwrap_err())
        });
        assert_eq!(r.unwrap().class_name(), "TimeoutError", "{p}");
        assert_ops(&sim, p, "timeouts/timeout_exception_cause");
    }
}

/// Port of test_timeouts.py::test_timeout_already_entered
#[test]
fn timeout_already_entered() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let c = cm.clone();
            with_timeout(&cm, async move {
                Ok(with_timeout(&c, async { Ok(()) }).await.unwrap_err())
            })
            .await
        });
        assert_eq!(
            r.unwrap().to_string(),
            "RuntimeError(\"Timeout has already been entered\")",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_already_entered");
    }
}

/// Port of test_timeouts.py::test_timeout_double_enter
#[test]
fn timeout_double_enter() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            with_timeout(&cm, async { Ok(()) }).await?;
            Ok(with_timeout(&cm, async { Ok(()) }).await.unwrap_err())
        });
        assert_eq!(
            r.unwrap().to_string(),
            "RuntimeError(\"Timeout has already been entered\")",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_double_enter");
    }
}

/// Port of test_timeouts.py::test_timeout_finished
#[test]
fn timeout_finished() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            with_timeout(&cm, async { Ok(()) }).await?;
            Ok(cm.reschedule(20).unwrap_err())
        });
        assert_eq!(
            r.unwrap().to_string(),
            "RuntimeError(\"Cannot change state of finished Timeout\")",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_finished");
    }
}

/// Port of test_timeouts.py::test_timeout_expired
#[test]
fn timeout_expired() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let e = with_timeout(&cm, sleep(1000)).await.unwrap_err();
            assert_eq!(e.class_name(), "TimeoutError");
            Ok(cm.reschedule(20).unwrap_err())
        });
        assert_eq!(
            r.unwrap().to_string(),
            "RuntimeError(\"Cannot change state of expired Timeout\")",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_expired");
    }
}

/// Port of test_timeouts.py::test_timeout_expiring
#[test]
fn timeout_expiring() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let c = cm.clone();
            let err = with_timeout(&cm, async move {
                assert!(sleep(1000).await.unwrap_err().is_cancelled());
                Ok(c.reschedule(20).unwrap_err())
            })
            .await?;
            Ok((err, current_task().unwrap().cancelling()))
        });
        let (err, cancelling) = r.unwrap();
        assert_eq!(
            err.to_string(),
            "RuntimeError(\"Cannot change state of expiring Timeout\")",
            "{p}"
        );
        assert_eq!(cancelling, 0, "{p}");
        assert_ops(&sim, p, "timeouts/timeout_expiring");
    }
}

/// Port of test_timeouts.py::test_timeout_not_entered
#[test]
fn timeout_not_entered() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async { Ok(timeout(10).reschedule(20).unwrap_err()) });
        assert_eq!(
            r.unwrap().to_string(),
            "RuntimeError(\"Timeout has not been entered\")",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_not_entered");
    }
}

/// Port of test_timeouts.py::test_timeout_without_task (`await_without_task`:
/// `__aenter__` runs in a plain callback).
#[test]
fn timeout_without_task() {
    for p in Profile::ALL {
        let (_, r) = run(p, async {
            let cm = timeout(10);
            let err: Rc<RefCell<Option<Exc>>> = Rc::default();
            let (c, e) = (cm.clone(), err.clone());
            get_running_loop().call_soon("func", move || {
                *e.borrow_mut() = poll_once(c.enter()).and_then(Result::err);
            });
            sleep(0).await?;
            let not_entered = cm.reschedule(20).unwrap_err();
            let e = err.borrow().clone().expect("__aenter__ failed");
            Ok((e, not_entered))
        });
        let (e, not_entered) = r.unwrap();
        assert_eq!(
            e.to_string(),
            "RuntimeError(\"Timeout should be used inside a task\")",
            "{p}"
        );
        assert_eq!(
            not_entered.to_string(),
            "RuntimeError(\"Timeout has not been entered\")",
            "{p}"
        );
    }
}

/// Port of test_timeouts.py::test_timeout_exception_context (3.13; only the
/// exception type: the chain is not modelled).
#[test]
fn timeout_exception_context() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            // try: 1/0 finally: await asyncio.sleep(1)
            let body = async {
                sleep(1000).await?;
                Err::<(), _>(Exc::new("ZeroDivisionError"))
            };
            Ok(with_timeout(&cm, body).await.unwrap_err())
        });
        assert_eq!(r.unwrap().class_name(), "TimeoutError", "{p}");
        assert_ops(&sim, p, "timeouts/timeout_exception_context");
    }
}

/// Port of test_timeouts.py::test_timeout_taskgroup (3.13; the context
/// chains are not modelled). The loop operations differ: 3.13's TaskGroup
/// re-arms the timeout's cancel (`uncancel(); cancel()`), and the timeout's
/// `uncancel()` back to 0 then withdraws it (3.13's `uncancel`), so main's
/// next await is not interrupted on any version.
#[test]
fn timeout_taskgroup() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(10);
            let body = task_group(|tg| async move {
                tg.create_task("task", crash(2000))?;
                // try: raise ValueError finally: await asyncio.sleep(1)
                sleep(1000).await?;
                Err::<(), _>(Exc::new("ValueError"))
            });
            let eg = with_timeout(&cm, body).await.unwrap_err();
            let cancelling = current_task().unwrap().cancelling();
            sleep(0).await?;
            Ok((eg, cancelling))
        });
        let (eg, cancelling) = r.unwrap();
        assert_eq!(eg.class_name(), "ExceptionGroup", "{p}");
        assert_eq!(eg.members().unwrap().len(), 1, "{p}");
        assert_eq!(error_types(&eg), names(&["ZeroDivisionError"]), "{p}");
        assert_eq!(cancelling, 0, "{p}");
        assert_ops(&sim, p, "timeouts/timeout_taskgroup");
    }
}

/// Not a CPython test: a timeout in a group's child expires while the
/// parent waits in `__aexit__`; the child fails with `TimeoutError`.
#[test]
fn timeout_in_taskgroup_child() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let e = task_group(|tg| async move {
                tg.create_task("child", async {
                    let cm = timeout(10);
                    with_timeout(&cm, sleep(100)).await
                })?;
                Ok(())
            })
            .await
            .unwrap_err();
            Ok(e)
        });
        assert_eq!(
            r.unwrap().to_string(),
            "ExceptionGroup(\"unhandled errors in a TaskGroup\", [TimeoutError])",
            "{p}"
        );
        assert_ops(&sim, p, "timeouts/timeout_in_taskgroup_child");
    }
}

/// Not a CPython test: rescheduling to a deadline already due runs
/// `_on_timeout` through `call_soon`.
#[test]
fn reschedule_to_past() {
    for p in Profile::ALL {
        let (sim, r) = run(p, async {
            let cm = timeout(1000);
            let c = cm.clone();
            with_timeout(&cm, async move {
                sleep(5).await?;
                c.reschedule(Some(get_running_loop().time()))?;
                sleep(1000).await
            })
            .await
        });
        assert_eq!(r.unwrap_err().class_name(), "TimeoutError", "{p}");
        assert_eq!(sim.time(), 5, "{p}");
        assert_ops(&sim, p, "timeouts/reschedule_to_past");
    }
}

/// The timeout's scope is in the trace: its entry with the deadline,
/// `_on_timeout` for the task it cancels (the cancel request and the
/// `uncancel()` carry the scope), and its exit with what it raised.
#[test]
fn the_scope_is_in_the_trace() {
    let (sim, _) = run(Profile::Py311, async {
        let cm = timeout(10);
        let _ = with_timeout(&cm, sleep(100)).await;
        Ok(())
    });
    let text = sim.trace_ref().to_string();
    for line in [
        "     0     2 timeout #0 enter by main deadline 10 (cancelling=0)\n",
        "    10     5 timeout #0 fired for main\n",
        "    10    10 timeout #0 exit by main (cancelling=0) raising TimeoutError\n",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    let scopes: Vec<_> = sim
        .trace_ref()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            Event::CancelRequested { scope, .. } => Some(("cancel", scope)),
            Event::Uncancel { scope, .. } => Some(("uncancel", scope)),
            _ => None,
        })
        .collect();
    let of_timeout = Some(ScopeId(0));
    assert_eq!(scopes, [("cancel", of_timeout), ("uncancel", of_timeout)]);
}

/// Exiting a timeout that was never entered is CPython's failed assert.
#[test]
fn exit_without_enter_is_an_assertion_error() {
    let (_, r) = run(Profile::Py313, async { timeout(5).exit(None).await });
    assert_eq!(r.unwrap_err().class_name(), "AssertionError");
}
