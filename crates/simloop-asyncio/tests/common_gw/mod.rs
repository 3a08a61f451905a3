//! Helpers shared by the gather, wait, as_completed and locks tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use simloop_core::{Config, Event, Profile, RunError, Sim};

/// A fresh loop under the `asyncio` policy.
pub(crate) fn sim(p: Profile) -> Sim {
    Sim::new(Config::new(p))
}

/// A log the test body appends to.
pub(crate) type Log<T = String> = Rc<RefCell<Vec<T>>>;

/// An empty log.
pub(crate) fn log<T>() -> Log<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// Run `f` as a callback in a pass of its own, as test code calling asyncio
/// from outside any task (the loop is idle when it is called).
pub(crate) fn outside<R: 'static>(sim: &Sim, f: impl FnOnce() -> R + 'static) -> R {
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    sim.call_soon("test", move || *o.borrow_mut() = Some(f()));
    sim.run_once().expect("one pass");
    let r = out.borrow_mut().take().expect("the callback ran");
    r
}

/// `while loop._ready: run_briefly(loop)`: run passes until nothing is
/// ready (and no timer is left).
pub(crate) fn run_until_idle(sim: &Sim) {
    loop {
        match sim.run_once() {
            Ok(()) => {}
            Err(RunError::Stalled(_)) => return,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The handles the loop ran, as `tick step <task>` / `tick call <label>`:
/// the same lines as CPython's `Handle._run`, logged by the script the
/// expected values were taken from (a task step or wakeup is `step`, any
/// other callback `call` with its function's `__qualname__` minus
/// `.<locals>`; asyncio.sleep's `_set_result_unless_cancelled` is `sleep`).
pub(crate) fn handles(sim: &Sim) -> Vec<String> {
    let trace = sim.trace_ref();
    trace
        .records()
        .iter()
        .filter(|r| matches!(r.event, Event::TaskStep { .. } | Event::Callback { .. }))
        .filter(|r| !matches!(r.event, Event::Callback { label: "test" }))
        .map(|r| {
            let line = trace.describe(&r.event);
            let line = line
                .strip_suffix(" <- CancelledError")
                .unwrap_or(&line)
                .to_owned();
            format!("{} {line}", r.tick)
        })
        .collect()
}

/// `handles` as one string, a line each.
pub(crate) fn handles_text(sim: &Sim) -> String {
    handles(sim).join("\n")
}

/// The scope events the trace holds, as `tick event`.
pub(crate) fn scope_events(sim: &Sim) -> Vec<String> {
    let trace = sim.trace_ref();
    trace
        .records()
        .iter()
        .filter(|r| matches!(r.event, Event::Scope(_)))
        .map(|r| format!("{} {}", r.tick, trace.describe(&r.event)))
        .collect()
}

/// Every profile.
pub(crate) const ALL: [Profile; 4] = Profile::ALL;
