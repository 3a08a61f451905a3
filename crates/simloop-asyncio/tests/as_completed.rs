//! `asyncio.as_completed`: ports of CPython's tests (`Lib/test/test_asyncio/
//! test_tasks.py`), run under every profile, plus the 3.11/3.12 generator
//! vs 3.13 iterator differences. Expected values and handle lists are what
//! CPython 3.11.7, 3.12.1 and 3.13.0 give for the same programs (ticks for
//! seconds; CPython's tests pass coroutines, which `as_completed` wraps in
//! tasks in set order, so here the tasks are created explicitly).
//!
//! Not ported:
//! - `test_as_completed_invalid_args`, `test_as_completed_coroutine_without_loop`:
//!   argument type errors and "no current event loop".
//! - The `loop.advance_time(...)` calls of `test_as_completed` and
//!   `test_as_completed_with_timeout`: they shift the test loop's clock by
//!   hand, which a virtual clock driven by timers does not do (the outcomes
//!   asserted are the same without them).
//! - `test_as_completed_coroutine_use_running_loop` is
//!   `test_as_completed_duplicate_coroutines` with one task.

mod common_gw;

use std::collections::BTreeSet;

use common_gw::{handles_text, outside, sim, ALL};
use simloop_asyncio::as_completed::{as_completed, AsCompleted};
use simloop_asyncio::wait::{wait, ReturnWhen};
use simloop_core::{
    get_running_loop, sleep, spawn, yield_now, ChoicePoint, Config, Exc, Policy, Profile, Sim, Task,
};

/// `async def sleeper(dt, x): await asyncio.sleep(dt); return x`, as a task.
fn sleeper(name: &str, dt: u64, x: &'static str) -> Task<&'static str> {
    spawn(name, async move {
        sleep(dt).await?;
        Ok(x)
    })
}

/// The callback names of each profile.
fn completion(p: Profile) -> &'static str {
    if p >= Profile::Py313 {
        "_AsCompletedIterator._handle_completion"
    } else {
        "as_completed._on_completion"
    }
}

fn on_timeout(p: Profile) -> &'static str {
    if p >= Profile::Py313 {
        "_AsCompletedIterator._handle_timeout"
    } else {
        "as_completed._on_timeout"
    }
}

/// Port of test_tasks.py::test_as_completed (`try_iterator`).
#[test]
fn test_as_completed() {
    for p in ALL {
        let sim = sim(p);
        let res = sim
            .run_main("foo", async {
                let b = sleeper("b", 1, "b");
                let c = sleeper("c", 15, "c");
                let a = sleeper("a", 1, "a");
                let mut values = Vec::new();
                for f in as_completed(vec![b, c, a], None) {
                    values.push(f.await?);
                }
                Ok(values)
            })
            .unwrap()
            .unwrap();
        assert_eq!(sim.time(), 15);
        assert!(res[..2].contains(&"a") && res[..2].contains(&"b"));
        assert_eq!(res, ["b", "a", "c"]);
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step foo\n0 step b\n0 step c\n0 step a\n1 call sleep\n1 call sleep\n\
                 1 step b\n1 step a\n1 call {cb}\n1 call {cb}\n1 step foo\n\
                 15 call sleep\n15 step c\n15 call {cb}\n15 step foo\n15 call _run_until_complete_cb"
            )
        );
    }
}

/// Port of test_tasks.py::test_as_completed (`try_async_iterator`, 3.13):
/// `async for` yields the children themselves.
#[test]
fn test_as_completed_async_iterator() {
    let sim = sim(Profile::Py313);
    let res = sim
        .run_main("foo", async {
            let b = sleeper("b", 1, "b");
            let c = sleeper("c", 15, "c");
            let a = sleeper("a", 1, "a");
            let mut values = Vec::new();
            let mut it = as_completed(vec![b, c, a], None);
            while let Some(f) = it.next_done().await {
                values.push(f?.await?);
            }
            Ok(values)
        })
        .unwrap()
        .unwrap();
    assert_eq!(res, ["b", "a", "c"]);
    assert_eq!(sim.time(), 15);
}

/// Port of test_tasks.py::test_as_completed_same_tasks_in_as_out (3.13):
/// async iteration yields the very tasks passed in.
#[test]
fn test_as_completed_same_tasks_in_as_out() {
    let sim = sim(Profile::Py313);
    sim.run_main("main", async {
        let ts: Vec<_> = ["a", "b", "c", "d"]
            .map(|n| spawn(n, async move { Ok(n) }))
            .into();
        let mut it = as_completed(ts.clone(), None);
        let mut out = Vec::new();
        while let Some(f) = it.next_done().await {
            out.push(f?);
        }
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|o| ts.iter().any(|t| t.same(o))));
        Ok(())
    })
    .unwrap()
    .unwrap();
}

/// Port of test_tasks.py::test_as_completed_with_timeout (`try_iterator`;
/// `try_async_iterator` too on 3.13): the second awaitable raises
/// `TimeoutError` at the deadline; the clean-up `wait` then runs to 15.
#[test]
fn test_as_completed_with_timeout() {
    for p in ALL {
        let sim = sim(p);
        let (a, b) = outside(&sim, || (spawn("a", sleep(10)), spawn("b", sleep(15))));
        let (aa, bb) = (a.clone(), b.clone());
        let values = sim
            .run_main("foo", async move {
                let mut values = Vec::new();
                for f in as_completed(vec![aa, bb], Some(12)) {
                    values.push(f.await.map_err(|e| e.class_name().to_owned()));
                }
                Ok(values)
            })
            .unwrap()
            .unwrap();
        assert_eq!(values, [Ok(()), Err("TimeoutError".to_owned())]);
        assert_eq!(sim.time(), 12);
        sim.run_main("cleanup", wait(vec![a, b], ReturnWhen::AllCompleted, None))
            .unwrap()
            .unwrap();
        assert_eq!(sim.time(), 15);
        let (cb, to) = (completion(p), on_timeout(p));
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step a\n0 step b\n0 step foo\n10 call sleep\n10 step a\n10 call {cb}\n\
                 10 step foo\n12 call {to}\n12 step foo\n12 call _run_until_complete_cb\n\
                 12 step cleanup\n12 call _wait._on_completion\n15 call sleep\n15 step b\n\
                 15 call _wait._on_completion\n15 step cleanup\n15 call _run_until_complete_cb"
            )
        );
    }
    // try_async_iterator: the TimeoutError comes out of `async for`.
    let sim = sim(Profile::Py313);
    let (a, b) = outside(&sim, || (spawn("a", sleep(10)), spawn("b", sleep(15))));
    let values = sim
        .run_main("foo", async move {
            let mut values = Vec::new();
            let mut it = as_completed(vec![a, b], Some(12));
            while let Some(f) = it.next_done().await {
                match f {
                    Ok(t) => values.push(t.await.map_err(|e| e.class_name().to_owned())),
                    Err(e) => {
                        values.push(Err(e.class_name().to_owned()));
                        break;
                    }
                }
            }
            Ok(values)
        })
        .unwrap()
        .unwrap();
    assert_eq!(values, [Ok(()), Err("TimeoutError".to_owned())]);
    assert_eq!(sim.time(), 12);
}

/// Port of test_tasks.py::test_as_completed_with_unused_timeout: the timer
/// is cancelled once every child completed.
#[test]
fn test_as_completed_with_unused_timeout() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("foo", async {
            let a = sleeper("a", 1, "a");
            for f in as_completed(vec![a], Some(100)) {
                assert_eq!(f.await?, "a");
            }
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 1);
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step foo\n0 step a\n1 call sleep\n1 step a\n1 call {cb}\n1 step foo\n\
                 1 call _run_until_complete_cb"
            )
        );
        sim.run_until_tasks_done().unwrap();
        assert!(sim.run_once().is_err(), "no timer left");
    }
}

/// Port of test_tasks.py::test_as_completed_reverse_wait: the first
/// awaitable awaited gets the first completion, whichever it is.
#[test]
fn test_as_completed_reverse_wait() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("test", async {
            let a = sleeper("a", 5, "a");
            let b = sleeper("b", 10, "b");
            let futs: Vec<_> = as_completed(vec![a, b], None).collect();
            assert_eq!(futs.len(), 2);
            let mut futs = futs.into_iter();
            let (f0, f1) = (futs.next().unwrap(), futs.next().unwrap());
            assert_eq!(f1.await?, "a");
            assert_eq!(get_running_loop().time(), 5);
            assert_eq!(f0.await?, "b");
            assert_eq!(get_running_loop().time(), 10);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step test\n0 step a\n0 step b\n5 call sleep\n5 step a\n5 call {cb}\n5 step test\n\
                 10 call sleep\n10 step b\n10 call {cb}\n10 step test\n10 call _run_until_complete_cb"
            )
        );
    }
}

/// Port of test_tasks.py::test_as_completed_concurrent: the awaitables can
/// be awaited concurrently (each in its own task).
#[test]
fn test_as_completed_concurrent() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("test", async {
            let a = sleeper("a", 5, "a");
            let b = sleeper("b", 5, "b");
            let futs: Vec<_> = as_completed(vec![a, b], None).collect();
            assert_eq!(futs.len(), 2);
            let ts: Vec<_> = futs
                .into_iter()
                .enumerate()
                .map(|(i, f)| spawn(format!("w{i}"), f))
                .collect();
            let (done, pending) = wait(ts, ReturnWhen::AllCompleted, None).await?;
            assert!(pending.is_empty());
            let mut results: Vec<_> = done.iter().map(|t| t.result().unwrap().unwrap()).collect();
            results.sort();
            assert_eq!(results, ["a", "b"]);
            assert_eq!(get_running_loop().time(), 5);
            Ok(())
        })
        .unwrap()
        .unwrap();
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step test\n0 step a\n0 step b\n0 step w0\n0 step w1\n5 call sleep\n5 call sleep\n\
                 5 step a\n5 step b\n5 call {cb}\n5 call {cb}\n5 step w0\n5 step w1\n\
                 5 call _wait._on_completion\n5 call _wait._on_completion\n5 step test\n\
                 5 call _run_until_complete_cb"
            )
        );
    }
}

/// Port of test_tasks.py::test_as_completed_duplicate_coroutines: a task
/// passed twice is yielded once.
#[test]
fn test_as_completed_duplicate_coroutines() {
    for p in ALL {
        let sim = sim(p);
        let result = sim
            .run_main("main", async {
                let c = spawn("c", async { Ok("ham") });
                let spam = spawn("spam", async { Ok("spam") });
                let it = as_completed(vec![c.clone(), c, spam], None);
                assert_eq!(it.len(), 2);
                let mut result = Vec::new();
                for f in it {
                    result.push(f.await?);
                }
                Ok(result)
            })
            .unwrap()
            .unwrap();
        assert_eq!(result.len(), 2);
        assert!(result.contains(&"ham") && result.contains(&"spam"));
    }
}

/// Port of test_tasks.py::test_as_completed_resume_iterator (a 3.13 test;
/// a 3.11/3.12 generator resumes the same way, confirmed on those
/// interpreters): stop after two, then iterate the same iterator again.
#[test]
fn test_as_completed_resume_iterator() {
    for p in ALL {
        let sim = sim(p);
        let collected = sim
            .run_main("main", async {
                let ts: Vec<_> = (0..4)
                    .map(|i| spawn(format!("c{i}"), async move { Ok(i) }))
                    .collect();
                let mut iterator = as_completed(ts, None);
                let mut collected = Vec::new();
                for f in iterator.by_ref() {
                    collected.push(f.await?);
                    if collected.len() == 2 {
                        break;
                    }
                }
                assert_eq!(iterator.len(), 2);
                for f in iterator {
                    collected.push(f.await?);
                }
                Ok(collected)
            })
            .unwrap()
            .unwrap();
        assert_eq!(collected, [0, 1, 2, 3]);
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step c0\n0 step c1\n0 step c2\n0 step c3\n\
                 0 call {cb}\n0 call {cb}\n0 call {cb}\n0 call {cb}\n0 step main\n\
                 0 call _run_until_complete_cb"
            )
        );
    }
}

/// A consumer that stops early leaves the timeout timer scheduled: it fires
/// at the deadline and queues a `None` nobody takes. Same on every profile.
#[test]
fn the_timeout_timer_outlives_an_early_stop() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let a = sleeper("a", 2, "a");
            let b = sleeper("b", 50, "b");
            let mut it = as_completed(vec![a, b.clone()], Some(10));
            assert_eq!(it.next_awaitable().unwrap().await?, "a");
            drop(it); // break
            sleep(20).await?;
            assert!(!b.done());
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(sim.time(), 22);
        let (cb, to) = (completion(p), on_timeout(p));
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step a\n0 step b\n2 call sleep\n2 step a\n2 call {cb}\n2 step main\n\
                 10 call {to}\n22 call sleep\n22 step main\n22 call _run_until_complete_cb"
            )
        );
    }
}

/// Profile difference: 3.11/3.12 register (and start the deadline) at the
/// first `next()`, 3.13 when `as_completed()` is called. With a 5-tick gap
/// and a 10-tick timeout, a child done at 12 makes it on 3.11/3.12 (deadline
/// 15) but not on 3.13 (deadline 10).
#[test]
fn the_deadline_starts_at_registration() {
    for p in ALL {
        let sim = sim(p);
        let r = sim
            .run_main("main", async {
                let a = sleeper("a", 12, "a");
                let mut it = AsCompleted::new(vec![a], Some(10));
                sleep(5).await?;
                let f = it.next_awaitable().unwrap();
                Ok(f.await)
            })
            .unwrap()
            .unwrap();
        if p >= Profile::Py313 {
            assert_eq!(r, Err(Exc::timeout()));
            assert_eq!(sim.time(), 10);
            assert_eq!(
                handles_text(&sim),
                "0 step main\n0 step a\n5 call sleep\n5 step main\n\
                 10 call _AsCompletedIterator._handle_timeout\n10 step main\n10 call _run_until_complete_cb"
            );
        } else {
            assert_eq!(r, Ok("a"));
            assert_eq!(sim.time(), 12);
            assert_eq!(
                handles_text(&sim),
                "0 step main\n0 step a\n5 call sleep\n5 step main\n12 call sleep\n12 step a\n\
                 12 call as_completed._on_completion\n12 step main\n12 call _run_until_complete_cb"
            );
        }
    }
}

/// Profile difference: children done before the first `next()`. On
/// 3.11/3.12 registration finds them done and schedules their callbacks in
/// `todo`'s set order (insertion order under the `asyncio` policy; CPython's
/// follows object addresses and varies from run to run); on 3.13 they were
/// registered while pending and complete in creation order.
#[test]
fn children_done_before_the_first_next() {
    for p in ALL {
        let sim = sim(p);
        let vals = sim
            .run_main("main", async {
                let a = spawn("a", async { Ok("a") });
                let b = spawn("b", async { Ok("b") });
                let it = as_completed(vec![b, a], None);
                yield_now().await?;
                let mut vals = Vec::new();
                for f in it {
                    vals.push(f.await?);
                }
                Ok(vals)
            })
            .unwrap()
            .unwrap();
        let expected = if p >= Profile::Py313 {
            ["a", "b"]
        } else {
            ["b", "a"]
        };
        assert_eq!(vals, expected, "{p}");
    }
}

/// The seeded policy permutes `todo` (a `set-order` choice point), which
/// reorders the results of children done before registration, as CPython's
/// address-dependent set order does from run to run.
#[test]
fn the_seeded_policy_explores_the_set_order() {
    let orders: BTreeSet<Vec<&str>> = (0..16)
        .map(|seed| {
            let sim =
                Sim::new(Config::new(Profile::Py311).policy(Policy::Seeded { seed, jitter: 0 }));
            let vals = sim
                .run_main("main", async {
                    let a = spawn("a", async { Ok("a") });
                    let b = spawn("b", async { Ok("b") });
                    let it = as_completed(vec![b, a], None);
                    yield_now().await?;
                    let mut vals = Vec::new();
                    for f in it {
                        vals.push(f.await?);
                    }
                    Ok(vals)
                })
                .unwrap()
                .unwrap();
            let points: Vec<_> = sim.choices().iter().map(|c| c.point).collect();
            assert_eq!(points, [ChoicePoint::SetOrder]);
            vals
        })
        .collect();
    assert_eq!(orders.len(), 2, "{orders:?}");
}

/// A consumer cancelled while waiting in `Queue.get` drops its getter; the
/// next completion goes to the next waiting awaitable. As on CPython.
#[test]
fn a_cancelled_consumer_passes_the_next_result_on() {
    for p in ALL {
        let sim = sim(p);
        sim.run_main("main", async {
            let a = sleeper("a", 5, "a");
            let b = sleeper("b", 6, "b");
            let mut it = as_completed(vec![a, b], None);
            let (f0, f1) = (it.next().unwrap(), it.next().unwrap());
            let w0 = spawn("w0", f0);
            let w1 = spawn("w1", f1);
            sleep(1).await?;
            w0.cancel(None);
            assert_eq!(w1.await?, "a");
            assert_eq!(get_running_loop().time(), 5);
            assert!(w0.await.unwrap_err().is_cancelled());
            Ok(())
        })
        .unwrap()
        .unwrap();
        let cb = completion(p);
        assert_eq!(
            handles_text(&sim),
            format!(
                "0 step main\n0 step a\n0 step b\n0 step w0\n0 step w1\n1 call sleep\n1 step main\n\
                 1 step w0\n5 call sleep\n5 step a\n5 call {cb}\n5 step w1\n5 step main\n\
                 5 call _run_until_complete_cb"
            )
        );
    }
}
