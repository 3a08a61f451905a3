//! `asyncio.as_completed` (`Lib/asyncio/tasks.py`), per profile.
//!
//! Both versions register `_on_completion` (3.13: `_handle_completion`) on
//! every distinct child and, with a timeout, a `call_later` timer; each
//! completion puts the child on an `asyncio.Queue`, the timer puts one
//! `None` per child still pending. Each awaitable handed out takes the next item from
//! the queue: a child's result (or its error), or `TimeoutError` for a
//! `None`. Nothing is ever cancelled, and the timer is cancelled only when
//! every child has completed: if the consumer stops early the timer stays
//! and fires later, which is visible in virtual time.
//!
//! - **3.11 / 3.12**: `as_completed` is a generator; its body -- the queue,
//!   the set of children, the callbacks and the timer -- runs at the first
//!   `next()`, so [`AsCompleted::new`] registers nothing.
//! - **3.13**: `_AsCompletedIterator.__init__` registers at construction;
//!   besides plain iteration it is an async iterator that yields the
//!   children themselves ([`AsCompleted::next_done`]).
//!
//! Set order: `todo` is a set. Its order (from
//! [`simloop_core::Sim::set_order`]) is observable only for children already
//! done at registration: their callbacks are scheduled at once, in that
//! order, and so fix the order of the results. The timeout's walk over
//! `todo` only queues indistinguishable `None`s.

use std::cell::{Cell, RefCell};
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use simloop_core::scope::{Combinator, ScopeEvent, ScopeId, TimerState};
use simloop_core::{current_task, get_running_loop, CallbackId, Exc, Handle, Profile, Tick};

use crate::gather::{FutureLike, Scope};
use crate::planted::{self, Bug};
use crate::queue::Queue;

/// The state shared by the iterator, its callbacks and its awaitables.
struct Shared<F: FutureLike> {
    /// `done`: completed children, `None` for a timeout.
    done: Queue<Option<F>>,
    /// `todo`, in set order, each with its `_on_completion` registration.
    /// A completed child leaves a hole (`None`) rather than shifting the
    /// rest, so a completion costs `O(1)`, not `O(n)`; `todo_len` counts
    /// the children still in it.
    todo: RefCell<Vec<Option<(F, CallbackId)>>>,
    /// `len(todo)`.
    todo_len: Cell<usize>,
    /// `timeout_handle`.
    timeout_handle: RefCell<Option<Handle>>,
    /// The call's scope in the trace, if recorded.
    scope: Option<ScopeId>,
}

/// The callback labels: CPython's function names, which differ per version.

#[derive(Clone, Copy)]
struct Labels {
    completion: &'static str,
    timeout: &'static str,
}

impl<F: FutureLike> Shared<F> {
    /// `_on_completion(f)` / `_handle_completion(f)`, for the child `f`
    /// at position `i` of `todo`.
    fn on_completion(&self, i: usize) {
        let left = self.todo_len.get();
        if left == 0 {
            return; // _on_timeout() was here first.
        }
        let (f, _) = self.todo.borrow_mut()[i].take().expect("todo.remove(f)");
        self.todo_len.set(left - 1);
        let now_empty = left == 1;
        self.done.put_nowait(Some(f));
        if now_empty && !planted::on(Bug::AsCompletedTimerLeft) {
            if let Some(h) = &*self.timeout_handle.borrow() {
                h.cancel();
                self.timer(TimerState::Cancelled);
            }
        }
    }

    /// Record what happened to the timer, if the call is recorded.
    fn timer(&self, state: TimerState) {
        if let Some(scope) = self.scope {
            get_running_loop().trace_scope(|| ScopeEvent::Timer { scope, state });
        }
    }

    /// `_on_timeout()` / `_handle_timeout()`.
    fn on_timeout(&self) {
        self.timer(TimerState::Fired);
        let todo = std::mem::take(&mut *self.todo.borrow_mut());
        self.todo_len.set(0);
        for (f, id) in todo.into_iter().flatten() {
            f.remove_done_callback(id);
            self.done.put_nowait(None); // A dummy value for _wait_for_one().
        }
        // todo.clear(): taken above.
    }

    /// `_wait_for_one()`: the next completed child, or `TimeoutError`.
    async fn wait_for_one(&self) -> Result<F, Exc> {
        let next = self.done.get().await?;
        if let Some(scope) = self.scope {
            get_running_loop().trace_scope(|| ScopeEvent::Next {
                scope,
                child: next.as_ref().map(FutureLike::future_ref),
            });
        }
        next.ok_or_else(Exc::timeout)
    }
}

/// The generator's body (3.11/3.12) or `__init__` (3.13): build `todo`,
/// register the callbacks and the timer. Returns the state and `len(todo)`.
fn register<F: FutureLike>(
    fs: Vec<F>,
    timeout: Option<Tick>,
    scope: Option<ScopeId>,
) -> (Rc<Shared<F>>, usize) {
    let sim = get_running_loop();
    let labels = if sim.profile() >= Profile::Py313 {
        Labels {
            completion: "_AsCompletedIterator._handle_completion",
            timeout: "_AsCompletedIterator._handle_timeout",
        }
    } else {
        Labels {
            completion: "as_completed._on_completion",
            timeout: "as_completed._on_timeout",
        }
    };
    // todo = {ensure_future(f) for f in set(fs)}
    let mut todo = distinct(fs);
    sim.set_order(&mut todo);
    if let Some(scope) = scope {
        sim.trace_scope(|| ScopeEvent::Registered {
            scope,
            done: todo
                .iter()
                .filter(|f| f.done())
                .map(FutureLike::future_ref)
                .collect(),
        });
    }
    let shared = Rc::new(Shared {
        done: Queue::new(),
        todo: RefCell::new(Vec::new()),
        todo_len: Cell::new(0),
        timeout_handle: RefCell::new(None),
        scope,
    });
    // `todo` is complete before any callback can run: a child already done
    // gets its callback scheduled, not called.
    let n = todo.len();
    let registered: Vec<_> = todo
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let st = shared.clone();
            let id = f.add_done_callback(labels.completion, move || st.on_completion(i));
            Some((f, id))
        })
        .collect();
    *shared.todo.borrow_mut() = registered;
    shared.todo_len.set(n);
    if n > 0 {
        if let Some(t) = timeout {
            let st = shared.clone();
            let h = sim.call_later(t, labels.timeout, move || st.on_timeout());
            shared.timer(TimerState::Set(h.when()));
            *shared.timeout_handle.borrow_mut() = Some(h);
        }
    }
    (shared, n)
}

fn distinct<F: FutureLike>(fs: Vec<F>) -> Vec<F> {
    crate::gather::distinct(&fs)
}

enum State<F: FutureLike> {
    /// 3.11/3.12 before the first `next()`: the generator has not run.
    NotStarted { fs: Vec<F>, timeout: Option<Tick> },
    /// Registered; `left` awaitables still to hand out (the generator's
    /// remaining `range(len(todo))`, or 3.13's `_todo_left`).
    Running { shared: Rc<Shared<F>>, left: usize },
}

/// `asyncio.as_completed(fs, timeout=...)`: hands out one awaitable per
/// distinct child; the k-th one awaited gets the k-th completion (whichever
/// awaitable it is). Also an [`Iterator`] of those awaitables.
///
/// It records its start in the trace when made, each child it hands out,
/// and its end (with the children still running) when it is dropped in a
/// task.
pub struct AsCompleted<F: FutureLike> {
    state: State<F>,
    scope: Scope,
}

impl<F: FutureLike> Drop for AsCompleted<F> {
    fn drop(&mut self) {
        // Dropped with its task's body when a loop closes: not a return to
        // the task, so not an end.
        if current_task().is_some() {
            self.scope.end(None, Vec::new(), None);
        }
    }
}

/// `asyncio.as_completed(fs, timeout=timeout)`; see [`AsCompleted::new`].
pub fn as_completed<F: FutureLike>(fs: Vec<F>, timeout: Option<Tick>) -> AsCompleted<F> {
    AsCompleted::new(fs, timeout)
}

impl<F: FutureLike> AsCompleted<F> {
    /// `as_completed(fs, timeout=timeout)`; must be called while the loop
    /// runs (it reads the profile). On 3.13 this registers the callbacks and
    /// starts the timeout; on 3.11/3.12 it only creates the generator, and
    /// the first [`next_awaitable`](Self::next_awaitable) registers.
    pub fn new(fs: Vec<F>, timeout: Option<Tick>) -> AsCompleted<F> {
        let scope = Scope::start(Combinator::AsCompleted { timeout }, &fs);
        let state = if get_running_loop().profile() >= Profile::Py313 {
            let (shared, left) = register(fs, timeout, scope.id());
            State::Running { shared, left }
        } else {
            State::NotStarted { fs, timeout }
        };
        AsCompleted { state, scope }
    }

    /// `next(it)`: the next awaitable, or `None` (`StopIteration`) once one
    /// per distinct child has been handed out. Awaiting it gives the next
    /// completed child's result or error, `Err(TimeoutError)` after the
    /// deadline, or `Err(CancelledError)` if the awaiting task is cancelled.
    /// It does nothing until awaited, like the coroutine it stands for.
    pub fn next_awaitable(&mut self) -> Option<NextResult<F::Output>> {
        let shared = self.start_and_take()?;
        Some(NextResult(Box::pin(async move {
            let f = shared.wait_for_one().await?;
            f.result().expect("a completed child is done") // May raise f.exception().
        })))
    }

    /// `await anext(it)` (3.13 only: `async for f in as_completed(...)`):
    /// the next completed child itself, or `Err(TimeoutError)` after the
    /// deadline; `None` (`StopAsyncIteration`) when all were handed out.
    ///
    /// # Panics
    /// Before 3.13, where the generator is not an async iterator
    /// (`TypeError`).
    pub async fn next_done(&mut self) -> Option<Result<F, Exc>> {
        assert!(
            get_running_loop().profile() >= Profile::Py313,
            "TypeError: as_completed() is an async iterator only from Python 3.13"
        );
        let shared = self.start_and_take()?;
        Some(shared.wait_for_one().await)
    }

    /// Awaitables still to be handed out: `len(todo)` remaining. Before the
    /// generator starts (3.11/3.12), the number of distinct children.
    pub fn len(&self) -> usize {
        match &self.state {
            State::NotStarted { fs, .. } => crate::gather::distinct_len(fs),
            State::Running { left, .. } => *left,
        }
    }

    /// No awaitable left to hand out?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Run the generator's body if needed, then take one turn of the
    /// `for _ in range(len(todo))` loop (3.13: `_todo_left -= 1`).
    fn start_and_take(&mut self) -> Option<Rc<Shared<F>>> {
        if let State::NotStarted { fs, timeout } = &mut self.state {
            let (shared, left) = register(std::mem::take(fs), *timeout, self.scope.id());
            self.state = State::Running { shared, left };
        }
        let State::Running { shared, left } = &mut self.state else {
            unreachable!("started above");
        };
        if *left == 0 {
            return None;
        }
        *left -= 1;
        Some(shared.clone())
    }
}

impl<F: FutureLike> Iterator for AsCompleted<F> {
    type Item = NextResult<F::Output>;

    /// [`AsCompleted::next_awaitable`].
    fn next(&mut self) -> Option<NextResult<F::Output>> {
        self.next_awaitable()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

/// One awaitable of [`AsCompleted`] (`_wait_for_one()`): the next child to
/// complete, in completion order.
#[must_use = "an as_completed awaitable does nothing unless awaited"]
pub struct NextResult<T>(Pin<Box<dyn StdFuture<Output = Result<T, Exc>>>>);

impl<T> StdFuture for NextResult<T> {
    type Output = Result<T, Exc>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Exc>> {
        self.0.as_mut().poll(cx)
    }
}
