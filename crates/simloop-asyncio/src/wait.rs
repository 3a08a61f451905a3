//! `asyncio.wait` and its helper `_wait` (`Lib/asyncio/tasks.py`).
//!
//! `wait` waits on one waiter future that `_on_completion` (a done-callback
//! on every child) or the timeout timer resolves. It never raises
//! `TimeoutError` and never cancels a child; a cancellation of the waiting
//! task cancels only the waiter. Same code in 3.11, 3.12 and 3.13.
//!
//! Set order: `fs = set(fs)` is iterated three times -- to register
//! `_on_completion`, to remove it, and to build `done`/`pending`. Here the
//! first two follow [`simloop_core::Sim::set_order`]. Registration order is
//! observable only for children already done when `wait` starts: their
//! callbacks are scheduled at once, in that order. Removal order is not
//! observable. The returned `done` and `pending` lists are in input order
//! (first occurrence), whatever the set order.

use std::cell::Cell;
use std::rc::Rc;

pub use simloop_core::scope::ReturnWhen;
use simloop_core::scope::{Combinator, ScopeEvent, ScopeId, TimerState};
use simloop_core::{current_task_id, get_running_loop, Exc, Handle, Tick};

use crate::gather::{FutureLike, Scope};

/// `await asyncio.wait(fs, timeout=timeout, return_when=return_when)`:
/// `(done, pending)`, each in input order, duplicates removed. Must be
/// awaited in a task.
///
/// No children: `Err(ValueError('Set of Tasks/Futures is empty.'))`, raised
/// when awaited as in CPython. A cancellation of the waiting task arrives as
/// `Err(CancelledError)`, after the timer is cancelled and the callbacks
/// removed.
pub async fn wait<F: FutureLike>(
    fs: Vec<F>,
    return_when: ReturnWhen,
    timeout: Option<Tick>,
) -> Result<(Vec<F>, Vec<F>), Exc> {
    if fs.is_empty() {
        return Err(Exc::with_message(
            "ValueError",
            "Set of Tasks/Futures is empty.",
        ));
    }
    // fs = set(fs)
    let scope = Scope::start(
        Combinator::Wait {
            return_when,
            timeout,
        },
        &fs,
    );
    let distinct = crate::gather::distinct(&fs);
    let sim = get_running_loop();
    let mut set: Vec<F> = distinct.clone();
    sim.set_order(&mut set);
    if let Err(e) = wait_inner(&set, return_when, timeout, scope.id()).await {
        scope.end(None, Vec::new(), Some(e.clone()));
        return Err(e);
    }
    let (done, pending): (Vec<F>, Vec<F>) = distinct.into_iter().partition(|f| f.done());
    scope.end(
        None,
        done.iter().map(FutureLike::future_ref).collect(),
        None,
    );
    Ok((done, pending))
}

/// Record what happened to the timer of the call `scope`, if recorded.
fn timer(scope: Option<ScopeId>, state: TimerState) {
    if let Some(scope) = scope {
        get_running_loop().trace_scope(|| ScopeEvent::Timer { scope, state });
    }
}

/// `handle.cancel()`, recorded the first time (the finally cancels a
/// timer `_on_completion` may have cancelled already).
fn cancel_timer(handle: &Handle, scope: Option<ScopeId>) {
    if !handle.cancelled() {
        timer(scope, TimerState::Cancelled);
    }
    handle.cancel();
}

/// `_release_waiter(waiter)`.
fn release_waiter(waiter: &simloop_core::Future<()>) {
    if !waiter.done() {
        waiter.set_result(());
    }
}

/// `_wait(fs, timeout, return_when, loop)` up to the construction of the
/// result sets, with `fs` in set order.
async fn wait_inner<F: FutureLike>(
    fs: &[F],
    return_when: ReturnWhen,
    timeout: Option<Tick>,
    scope: Option<ScopeId>,
) -> Result<(), Exc> {
    let sim = get_running_loop();
    let waiter = sim.create_future::<()>("wait");
    let timeout_handle: Option<Handle> = timeout.map(|t| {
        let w = waiter.clone();
        let h = sim.call_later(t, "_release_waiter", move || {
            timer(scope, TimerState::Fired);
            release_waiter(&w);
        });
        timer(scope, TimerState::Set(h.when()));
        h
    });
    let counter = Rc::new(Cell::new(fs.len()));
    let cur_task = current_task_id();
    let ids: Vec<_> = fs
        .iter()
        .map(|f| {
            let (fut, counter, waiter, handle) = (
                f.clone(),
                counter.clone(),
                waiter.clone(),
                timeout_handle.clone(),
            );
            let id = f.add_done_callback("_wait._on_completion", move || {
                // _on_completion(f)
                counter.set(counter.get().saturating_sub(1));
                let failed = || !fut.cancelled() && matches!(fut.result(), Some(Err(_)));
                if counter.get() == 0
                    || return_when == ReturnWhen::FirstCompleted
                    || return_when == ReturnWhen::FirstException && failed()
                {
                    if let Some(h) = &handle {
                        cancel_timer(h, scope);
                    }
                    release_waiter(&waiter);
                }
                if let (Some(cur), Some(t)) = (cur_task, fut.task()) {
                    t.discard_awaited_by(cur);
                }
            });
            // Left in place for the children still pending when `wait`
            // returns: it removes the callback that would discard it.
            if let (Some(cur), Some(t)) = (cur_task, f.task()) {
                t.add_awaited_by(cur);
            }
            id
        })
        .collect();
    let r = (&waiter).await;
    // finally
    if let Some(h) = &timeout_handle {
        cancel_timer(h, scope);
    }
    for (f, id) in fs.iter().zip(ids) {
        f.remove_done_callback(id);
    }
    r
}
