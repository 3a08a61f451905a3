//! `asyncio.shield` (`Lib/asyncio/tasks.py`), identical in 3.11.7, 3.12.1
//! and 3.13.0. 3.14 adds two done callbacks on the inner, each a handle the
//! loop runs: `_clear_awaited_by_callback` (call-graph bookkeeping, when
//! `shield` is called from a task) and, once the outer is done before the
//! inner, `_log_on_exception` in place of `_inner_done_callback` (it logs a
//! failure nobody will see; no outcome changes).
//!
//! `await shield(t)` waits for `t` through an outer future: cancelling the
//! awaiting task cancels only the outer future, never `t`; `t` ending
//! cancelled cancels the outer future.
//!
//! ```
//! use simloop_asyncio::shield::shield;
//! use simloop_core::{sleep, spawn, Config, Profile, Sim};
//!
//! let sim = Sim::new(Config::new(Profile::Py312));
//! let r = sim.run_main("main", async {
//!     let inner = spawn("inner", async { sleep(10).await?; Ok(1) });
//!     let i = inner.clone();
//!     let waiter = spawn("waiter", async move { shield(&i).await });
//!     sleep(5).await?;
//!     waiter.cancel(None);
//!     let w = (&waiter).await;
//!     Ok((w.unwrap_err().is_cancelled(), (&inner).await?))
//! });
//! assert_eq!(r.unwrap().unwrap(), (true, 1));
//! ```

use std::future::IntoFuture;

use std::cell::Cell;
use std::rc::Rc;

use simloop_core::{
    current_task_id, get_running_loop, Await, CallbackId, Exc, Future, Profile, Task,
};

/// What [`shield`] returns: the outer future, or the inner task or future
/// itself when it was already done (CPython's shortcut). Await it (by value
/// or by reference) for the inner's result.
#[derive(Clone, Debug)]
#[must_use = "a shield does nothing unless awaited"]
pub enum Shielded<T> {
    /// The outer future.
    Outer(Future<T>),
    /// The inner task, returned as is because it was done.
    Task(Task<T>),
    /// The inner future, returned as is because it was done.
    Future(Future<T>),
}

impl<T: Clone + 'static> Shielded<T> {
    /// `cancel(msg)` on what was returned (a no-op on a done inner).
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        match self {
            Shielded::Outer(f) | Shielded::Future(f) => f.cancel(msg),
            Shielded::Task(t) => t.cancel(msg),
        }
    }

    /// `done()`.
    pub fn done(&self) -> bool {
        match self {
            Shielded::Outer(f) | Shielded::Future(f) => f.done(),
            Shielded::Task(t) => t.done(),
        }
    }

    /// `cancelled()`.
    pub fn cancelled(&self) -> bool {
        match self {
            Shielded::Outer(f) | Shielded::Future(f) => f.cancelled(),
            Shielded::Task(t) => t.cancelled(),
        }
    }

    /// The result once done (`Err(CancelledError)` if cancelled).
    pub fn result(&self) -> Option<Result<T, Exc>> {
        match self {
            Shielded::Outer(f) | Shielded::Future(f) => f.result(),
            Shielded::Task(t) => t.result(),
        }
    }
}

impl<T: Clone + 'static> IntoFuture for Shielded<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Await<T> {
        match self {
            Shielded::Outer(f) | Shielded::Future(f) => f.into_future(),
            Shielded::Task(t) => t.into_future(),
        }
    }
}

impl<T: Clone + 'static> IntoFuture for &Shielded<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Await<T> {
        self.clone().into_future()
    }
}

/// The inner of a shield, a task or a plain future.
#[derive(Clone)]
enum Inner<T> {
    Task(Task<T>),
    Future(Future<T>),
}

impl<T: Clone + 'static> Inner<T> {
    fn done(&self) -> bool {
        match self {
            Inner::Task(t) => t.done(),
            Inner::Future(f) => f.done(),
        }
    }
    fn cancelled(&self) -> bool {
        match self {
            Inner::Task(t) => t.cancelled(),
            Inner::Future(f) => f.cancelled(),
        }
    }
    fn result(&self) -> Option<Result<T, Exc>> {
        match self {
            Inner::Task(t) => t.result(),
            Inner::Future(f) => f.result(),
        }
    }
    fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        match self {
            Inner::Task(t) => t.add_done_callback(label, f),
            Inner::Future(fut) => fut.add_done_callback(label, f),
        }
    }
    fn remove_done_callback(&self, id: CallbackId) -> bool {
        match self {
            Inner::Task(t) => t.remove_done_callback(id),
            Inner::Future(f) => f.remove_done_callback(id),
        }
    }
}

/// `asyncio.shield(task)`.
///
/// # Panics
/// Outside a running loop (CPython takes the inner's loop; here it is the
/// running one).
pub fn shield<T: Clone + 'static>(task: &Task<T>) -> Shielded<T> {
    if task.done() {
        // Shortcut.
        return Shielded::Task(task.clone());
    }
    shield_pending(Inner::Task(task.clone()))
}

/// `asyncio.shield(fut)` for a plain future.
///
/// # Panics
/// Outside a running loop.
pub fn shield_future<T: Clone + 'static>(fut: &Future<T>) -> Shielded<T> {
    if fut.done() {
        // Shortcut.
        return Shielded::Future(fut.clone());
    }
    shield_pending(Inner::Future(fut.clone()))
}

fn shield_pending<T: Clone + 'static>(inner: Inner<T>) -> Shielded<T> {
    let sim = get_running_loop();
    let outer = sim.create_future::<T>("shield.outer");
    let py314 = sim.profile() >= Profile::Py314;
    // `future_add_to_awaited_by(inner, cur_task)`, kept on every profile
    // for the call graph; 3.14 discards it in a callback of its own, older
    // profiles (which have no such callback) in `_inner_done_callback`.
    let cur = current_task_id();
    let awaited = match (&inner, cur) {
        (Inner::Task(t), Some(cur)) => {
            t.add_awaited_by(cur);
            Some((t.any().clone(), cur))
        }
        _ => None,
    };
    let clear = move || {
        if let Some((t, cur)) = &awaited {
            t.discard_awaited_by(*cur);
        }
    };
    let clear_in_inner_done = if py314 && cur.is_some() {
        inner.add_done_callback("shield._clear_awaited_by_callback", clear);
        None
    } else {
        Some(clear)
    };

    let o = outer.clone();
    let i = inner.clone();
    let inner_done_callback = move || {
        if let Some(clear) = clear_in_inner_done {
            clear();
        }
        if o.cancelled() {
            // (`inner.exception()` only marks the result as retrieved.)
            return;
        }
        if i.cancelled() {
            o.cancel(None);
        } else {
            match i.result().expect("the inner is done") {
                Ok(v) => o.set_result(v),
                Err(e) => o.set_exception(e),
            }
        }
    };

    let id = inner.add_done_callback("shield._inner_done_callback", inner_done_callback);
    let i = inner;
    // 3.14: the one `_log_on_exception` callback, once added.
    let log: Rc<Cell<Option<CallbackId>>> = Rc::default();
    outer.add_done_callback("shield._outer_done_callback", move || {
        if !i.done() {
            i.remove_done_callback(id);
            if py314 {
                if let Some(old) = log.take() {
                    i.remove_done_callback(old);
                }
                log.set(Some(i.add_done_callback("shield._log_on_exception", || {})));
            }
        }
    });
    Shielded::Outer(outer)
}
