//! Helpers shared by the task group, timeout, shield and errors tests.
//!
//! `ops` renders a run's loop operations (task creations, steps, non-step
//! callbacks, cancel and uncancel calls, task completions) one a line as
//! `tick event`, leaving out timer, future and mark events. The expected
//! traces were produced by running the same test bodies on real CPython
//! (3.11.7, 3.12.1, 3.13.0) on a virtual-clock loop (`tools/simloop_ref.py`'s
//! `VirtualClockLoop`, TaskGroup sets pinned to insertion order) with
//! `Handle._run`, `Task.cancel` and `Task.uncancel` instrumented to print the
//! same vocabulary (`tools/oracle/`); they are data files, read by
//! [`cpython::trace`].
#![allow(dead_code)]

mod cpython;

use std::collections::BTreeSet;
use std::future::Future as StdFuture;

use simloop_core::{Config, Event, Exc, Profile, Sim};

/// A fresh loop for `p` with the asyncio policy and a full trace.
pub(crate) fn sim(p: Profile) -> Sim {
    Sim::new(Config::new(p))
}

/// Run `body` as task `main` until it is done (`asyncio.run` without the
/// shutdown); the loop and main's result.
pub(crate) fn run<T, F>(p: Profile, body: F) -> (Sim, Result<T, Exc>)
where
    T: Clone + 'static,
    F: StdFuture<Output = Result<T, Exc>> + 'static,
{
    let sim = sim(p);
    let r = sim.run_main("main", body).expect("the run completes");
    (sim, r)
}

/// The loop operations of the run so far, `tick event` a line.
pub(crate) fn ops(sim: &Sim) -> String {
    let trace = sim.trace_ref();
    let mut out = Vec::new();
    for r in trace.records() {
        match r.event {
            Event::TaskCreated { .. }
            | Event::TaskStep { .. }
            | Event::Callback { .. }
            | Event::CancelRequested { .. }
            | Event::Uncancel { .. }
            | Event::TaskDone { .. } => {
                out.push(format!("{:>6} {}", r.tick, trace.describe(&r.event)));
            }
            _ => {}
        }
    }
    out.join("\n")
}

/// Assert that the run's loop operations are CPython's for `p`, as recorded
/// for the test `key` (`<module>/<test>`, see [`cpython`]).
pub(crate) fn assert_ops(sim: &Sim, p: Profile, key: &str) {
    let got = ops(sim);
    let want = cpython::trace(key, p);
    if got != want {
        panic!("{p}: loop operations differ from CPython {}\n--- simloop\n{got}\n--- CPython\n{want}\n", p.cpython());
    }
}

/// `{type(exc) for exc in eg.exceptions}`, by class name.
pub(crate) fn error_types(eg: &Exc) -> BTreeSet<String> {
    eg.members()
        .expect("an exception group")
        .iter()
        .map(|e| e.class_name().to_owned())
        .collect()
}

/// `BTreeSet` of names, for comparing with [`error_types`].
pub(crate) fn names(ns: &[&str]) -> BTreeSet<String> {
    ns.iter().map(|s| (*s).to_owned()).collect()
}

/// Poll a future once outside any task; `None` if it suspended. Stands in
/// for `await_without_task` (CPython's test utility that drives a coroutine
/// from a plain callback) for coroutines that do not suspend.
pub(crate) fn poll_once<F: StdFuture>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}
