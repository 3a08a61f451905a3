//! `asyncio.gather` and its `_GatheringFuture` (`Lib/asyncio/tasks.py`),
//! plus [`FutureLike`], what `gather`, `wait` and `as_completed` accept.
//!
//! The outer future resolves to the children's outcomes in input order. With
//! `return_exceptions=False` the first child that fails *or is cancelled*
//! sets the outer's exception at once (a `CancelledError` set as an
//! exception: the outer is done, not cancelled) and the other children keep
//! running. With `return_exceptions=True` errors and cancellations are items.
//! Cancelling the outer cancels every child (`_GatheringFuture.cancel`), and
//! once they are all done the outer raises `CancelledError` whatever
//! `return_exceptions` says (bpo-32684).
//!
//! Profiles: 3.11 registers `_done_callback` on every child, so a child
//! already done is handled one pass later (`add_done_callback` on a done
//! future schedules the callback). 3.12 and 3.13 call `_done_callback`
//! synchronously for children already done, right after creating the outer
//! future, so a gather of done children is done when `gather()` returns.
//!
//! Messages: CPython's `fut._make_cancelled_error()` hands out a task's saved
//! `CancelledError` only once and a fresh message-less one afterwards; the
//! core's task keeps its error, so a second retrieval here still carries the
//! message. A cancelled task's gather item is `CancelledError('')`, as
//! CPython's `_cancel_message` of a task cancelled by its escaping error is
//! `None` (CPython gives the message for a task that cancelled itself and
//! then returned; the core does not expose a task's cancel message).

use std::cell::{Cell, RefCell};
use std::future::{Future as StdFuture, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use simloop_core::scope::{Combinator, End, FutureRef, Item, ScopeEvent, ScopeId, Start};
use simloop_core::{
    current_task_id, get_running_loop, Await, CallbackId, Exc, Future, Outcome, Profile, Task,
    TaskId, TaskRef,
};

use crate::planted::{self, Bug};

/// An `asyncio.Future` or `asyncio.Task`: what `gather`, `wait` and
/// `as_completed` accept. `ensure_future` is the identity on both, so no
/// wrapping task is created.
pub trait FutureLike: Clone + 'static {
    /// The value it resolves to.
    type Output: Clone + 'static;

    /// `done()`.
    fn done(&self) -> bool;

    /// `cancelled()`.
    fn cancelled(&self) -> bool;

    /// `result()` once done (`Err` for an exception or a cancellation);
    /// `None` while pending.
    fn result(&self) -> Option<Result<Self::Output, Exc>>;

    /// `cancel(msg)`.
    fn cancel(&self, msg: Option<&str>) -> bool;

    /// `add_done_callback(f)`.
    fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId;

    /// `remove_done_callback(f)`.
    fn remove_done_callback(&self, id: CallbackId) -> bool;

    /// The same object (`is`, and the key of a set or dict of futures).
    fn same(&self, other: &Self) -> bool;

    /// A number that is equal for the same object and different for two
    /// objects of one loop (what `id(fut)` is to a dict of futures): the
    /// future's or the task's id. Used to find duplicates in linear time.
    fn key(&self) -> u64;

    /// `_cancel_message`: the message given to `Future.cancel`; `None` for
    /// a task, whose own `cancel` message lives elsewhere and which ends
    /// cancelled through `Future.cancel(msg=None)` when its error escapes.
    fn cancel_message(&self) -> Option<Rc<str>>;

    /// `_make_cancelled_error()`: the saved `CancelledError` of a cancelled
    /// task, else `CancelledError(_cancel_message)`.
    fn make_cancelled_error(&self) -> Exc;

    /// How the trace names it.
    fn future_ref(&self) -> FutureRef;

    /// The task, if it is one.
    fn task(&self) -> Option<TaskRef>;
}

impl<T: Clone + 'static> FutureLike for Future<T> {
    type Output = T;
    fn done(&self) -> bool {
        Future::done(self)
    }
    fn cancelled(&self) -> bool {
        Future::cancelled(self)
    }
    fn result(&self) -> Option<Result<T, Exc>> {
        Future::result(self)
    }
    fn cancel(&self, msg: Option<&str>) -> bool {
        Future::cancel(self, msg)
    }
    fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        Future::add_done_callback(self, label, f)
    }
    fn remove_done_callback(&self, id: CallbackId) -> bool {
        Future::remove_done_callback(self, id)
    }
    fn same(&self, other: &Self) -> bool {
        Future::same(self, other)
    }
    fn key(&self) -> u64 {
        self.id()
    }
    fn cancel_message(&self) -> Option<Rc<str>> {
        match Future::result(self) {
            Some(Err(e)) if Future::cancelled(self) => e.message().map(Rc::from),
            _ => None,
        }
    }
    fn make_cancelled_error(&self) -> Exc {
        Exc::cancelled(self.cancel_message())
    }
    fn future_ref(&self) -> FutureRef {
        FutureRef::Future(self.id())
    }
    fn task(&self) -> Option<TaskRef> {
        None
    }
}

impl<T: Clone + 'static> FutureLike for Task<T> {
    type Output = T;
    fn done(&self) -> bool {
        self.any().done()
    }
    fn cancelled(&self) -> bool {
        self.any().cancelled()
    }
    fn result(&self) -> Option<Result<T, Exc>> {
        Task::result(self)
    }
    fn cancel(&self, msg: Option<&str>) -> bool {
        self.any().cancel(msg)
    }
    fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        self.any().add_done_callback(label, f)
    }
    fn remove_done_callback(&self, id: CallbackId) -> bool {
        self.any().remove_done_callback(id)
    }
    fn same(&self, other: &Self) -> bool {
        self.any().same(other.any())
    }
    fn key(&self) -> u64 {
        u64::from(self.any().id().0)
    }
    fn cancel_message(&self) -> Option<Rc<str>> {
        None
    }
    fn make_cancelled_error(&self) -> Exc {
        match self.any().exception() {
            Some(e) if self.any().cancelled() => e,
            _ => Exc::cancelled(None),
        }
    }
    fn future_ref(&self) -> FutureRef {
        FutureRef::Task(self.any().id())
    }
    fn task(&self) -> Option<TaskRef> {
        Some(self.any().clone())
    }
}

/// What the trace needs to know about one call of a combinator whose
/// children may outlive it (`gather`, `wait`, `as_completed`). Empty when
/// the trace keeps no scope events.
pub(crate) struct Scope(Option<Open>);

struct Open {
    id: ScopeId,
    /// The children that are tasks, distinct: the ones that can escape.
    tasks: Vec<TaskRef>,
    ended: Cell<bool>,
}

impl Scope {
    /// Record the call's start in the running loop's trace.
    pub(crate) fn start<F: FutureLike>(combinator: Combinator, children: &[F]) -> Scope {
        let sim = get_running_loop();
        // Numbered whatever the trace keeps: ids reach the hash through
        // task groups' and timeouts' cancel requests.
        let id = sim.new_scope();
        if !sim.keeps_scopes() {
            return Scope(None);
        }
        sim.trace_scope(|| {
            ScopeEvent::Start(Box::new(Start {
                scope: id,
                combinator,
                owner: current_task_id(),
                children: children.iter().map(FutureLike::future_ref).collect(),
            }))
        });
        let tasks = distinct(children)
            .iter()
            .filter_map(FutureLike::task)
            .collect();
        Scope(Some(Open {
            id,
            tasks,
            ended: Cell::new(false),
        }))
    }

    /// Its id, if the trace keeps scope events.
    pub(crate) fn id(&self) -> Option<ScopeId> {
        self.0.as_ref().map(|o| o.id)
    }

    /// Is it recorded (the trace keeps scope events)?
    pub(crate) fn recorded(&self) -> bool {
        self.0.is_some()
    }

    /// Record, once, that the call handed control back to the running
    /// task: with a gather's items, a wait's done set, what it raised, and
    /// the children still running.
    pub(crate) fn end(&self, items: Option<Vec<Item>>, done: Vec<FutureRef>, raised: Option<Exc>) {
        let Some(open) = &self.0 else {
            return;
        };
        if open.ended.replace(true) {
            return;
        }
        let pending = open
            .tasks
            .iter()
            .filter(|t| !t.done())
            .map(TaskRef::id)
            .collect();
        get_running_loop().trace_scope(|| {
            ScopeEvent::End(Box::new(End {
                scope: open.id,
                owner: current_task_id(),
                items,
                done,
                raised,
                pending,
            }))
        });
    }
}

/// What awaiting a gather gives: every child's outcome, in input order (a
/// child passed twice appears twice). With `return_exceptions=false` every
/// item is `Ok`.
pub type Gathered<T> = Vec<Result<T, Exc>>;

/// The state `gather`'s nested `_done_callback` closes over.
struct Gathering<F: FutureLike> {
    /// `children`: one entry per argument, duplicates included.
    children: Rc<[F]>,
    /// `nfuts`: distinct children.
    nfuts: usize,
    nfinished: Cell<usize>,
    return_exceptions: bool,
    /// `outer` (`None` until the `_GatheringFuture` exists, bpo-46672).
    outer: RefCell<Option<Future<Gathered<F::Output>>>>,
    /// `outer._cancel_requested`, shared with the cancel override.
    cancel_requested: Rc<Cell<bool>>,
    /// The children in the order their callbacks ran; kept only under
    /// [`Bug::GatherCompletionOrder`], empty otherwise.
    completed: RefCell<Vec<F>>,
    /// Where each item of the result came from, once it is set (only when
    /// the trace keeps scope events).
    items: Rc<RefCell<Option<Vec<Item>>>>,
    record_items: bool,
    /// `cur_task`, recorded as awaiting each pending child.
    caller: Option<TaskId>,
}

impl<F: FutureLike> Gathering<F> {
    /// `_done_callback(fut)`.
    fn done_callback(&self, fut: &F) {
        if let (Some(caller), Some(t)) = (self.caller, fut.task()) {
            t.discard_awaited_by(caller);
        }
        if planted::on(Bug::GatherCompletionOrder) {
            self.completed.borrow_mut().push(fut.clone());
        }
        self.nfinished.set(self.nfinished.get() + 1);
        let outer = self.outer.borrow().clone();
        let Some(outer) = outer.filter(|o| !o.done()) else {
            // `fut.exception()` only marks the exception retrieved.
            return;
        };
        if !self.return_exceptions {
            if fut.cancelled() {
                // Check cancelled first: fut.exception() would raise.
                outer.set_exception(fut.make_cancelled_error());
                return;
            }
            if let Some(Err(exc)) = fut.result() {
                outer.set_exception(exc);
                return;
            }
        }
        if self.nfinished.get() == self.nfuts {
            // All futures are done: the results in argument order.
            let completed = self.completed.borrow();
            let order: &[F] = if completed.is_empty() {
                &self.children
            } else {
                &completed
            };
            let mut items = Vec::with_capacity(if self.record_items { order.len() } else { 0 });
            let results = order
                .iter()
                .map(|child| {
                    let result = if child.cancelled() {
                        let msg = child.cancel_message().unwrap_or_else(|| Rc::from(""));
                        Err(Exc::cancelled(Some(msg)))
                    } else {
                        child.result().expect("every child is done")
                    };
                    if self.record_items {
                        let outcome = match &result {
                            Ok(_) => Outcome::Ok,
                            Err(e) if e.is_cancelled() => Outcome::Cancelled,
                            Err(e) => Outcome::Error(e.clone()),
                        };
                        items.push(Item {
                            from: child.future_ref(),
                            outcome,
                        });
                    }
                    result
                })
                .collect();
            if self.record_items {
                *self.items.borrow_mut() = Some(items);
            }
            if self.cancel_requested.get() {
                // `fut` is the loop variable of the results loop: the last
                // child.
                let last = self.children.last().expect("not empty");
                outer.set_exception(last.make_cancelled_error());
            } else {
                outer.set_result(results);
            }
        }
    }
}

/// `asyncio.gather(*children, return_exceptions=...)`: a future resolving to
/// every child's outcome, in input order. Must be called while the loop runs.
///
/// No children: a future already done with `[]`. The same child passed twice
/// is registered once (`arg_to_fut`) but appears twice in the results and is
/// cancelled twice by the outer's `cancel()`. The returned future's `cancel`
/// is `_GatheringFuture.cancel`: if not done, cancel every child; true (and
/// `_cancel_requested`) if any child's `cancel()` returned true. A task
/// awaiting the gather reaches it when cancelled, as `_fut_waiter`.
pub fn gather<F: FutureLike>(children: Vec<F>, return_exceptions: bool) -> Gather<F::Output> {
    let sim = get_running_loop();
    let scope = Rc::new(Scope::start(
        Combinator::Gather { return_exceptions },
        &children,
    ));
    let items = Rc::new(RefCell::new(None));
    if children.is_empty() {
        let outer = sim.create_future("gather");
        outer.set_result(Vec::new());
        *items.borrow_mut() = Some(Vec::new());
        return Gather {
            outer,
            scope,
            items,
        };
    }
    // arg_to_fut: the distinct children, first occurrence first.
    let distinct = distinct(&children);
    let state = Rc::new(Gathering {
        children: children.into(),
        nfuts: distinct.len(),
        nfinished: Cell::new(0),
        return_exceptions,
        outer: RefCell::new(None),
        cancel_requested: Rc::new(Cell::new(false)),
        completed: RefCell::new(Vec::new()),
        items: items.clone(),
        record_items: scope.recorded(),
        caller: current_task_id(),
    });
    let eager = sim.profile() >= Profile::Py312;
    let mut done_futs = Vec::new();
    for fut in distinct {
        if eager && fut.done() {
            // 3.12+: handled synchronously once outer exists.
            done_futs.push(fut);
        } else {
            if let (Some(caller), Some(t)) = (state.caller, fut.task()) {
                t.add_awaited_by(caller);
            }
            let st = state.clone();
            let f = fut.clone();
            fut.add_done_callback("gather._done_callback", move || st.done_callback(&f));
        }
    }
    // _GatheringFuture(children, loop=loop)
    let outer: Future<Gathered<F::Output>> = sim.create_future("gather");
    let weak = outer.downgrade();
    let kids = state.children.clone();
    let requested = state.cancel_requested.clone();
    outer.override_cancel(move |msg| {
        // _GatheringFuture.cancel: Future.cancel is never called.
        if weak.upgrade().is_none_or(|o| o.done()) {
            return false;
        }
        let mut ret = false;
        for child in kids.iter() {
            if child.cancel(msg) {
                ret = true;
            }
        }
        if ret {
            // Propagate the cancellation whatever return_exceptions says
            // (bpo-32684).
            requested.set(true);
        }
        ret
    });
    *state.outer.borrow_mut() = Some(outer.clone());
    for fut in done_futs {
        state.done_callback(&fut);
    }
    Gather {
        outer,
        scope,
        items,
    }
}

/// What [`gather`] returns: the `_GatheringFuture` (it derefs to the
/// [`Future`], for `cancel`, `done`, callbacks...) and its scope. Awaiting
/// it (by value or by reference) awaits the future, and the first await to
/// finish records the gather's end in the trace, with its items and the
/// children still running.
#[must_use = "a gather's children run anyway, but its result is lost unless awaited"]
pub struct Gather<T> {
    outer: Future<Gathered<T>>,
    scope: Rc<Scope>,
    items: Rc<RefCell<Option<Vec<Item>>>>,
}

impl<T> Clone for Gather<T> {
    fn clone(&self) -> Self {
        Gather {
            outer: self.outer.clone(),
            scope: self.scope.clone(),
            items: self.items.clone(),
        }
    }
}

impl<T: Clone + 'static> Gather<T> {
    /// The `_GatheringFuture` itself.
    pub fn future(&self) -> &Future<Gathered<T>> {
        &self.outer
    }
}

impl<T> std::ops::Deref for Gather<T> {
    type Target = Future<Gathered<T>>;
    fn deref(&self) -> &Future<Gathered<T>> {
        &self.outer
    }
}

impl<T: Clone + 'static> IntoFuture for Gather<T> {
    type Output = Result<Gathered<T>, Exc>;
    type IntoFuture = GatherAwait<T>;
    fn into_future(self) -> GatherAwait<T> {
        (&self).into_future()
    }
}

impl<T: Clone + 'static> IntoFuture for &Gather<T> {
    type Output = Result<Gathered<T>, Exc>;
    type IntoFuture = GatherAwait<T>;
    fn into_future(self) -> GatherAwait<T> {
        GatherAwait {
            inner: (&self.outer).into_future(),
            scope: self.scope.clone(),
            items: self.items.clone(),
        }
    }
}

/// `await gather(...)`.
#[must_use = "an await does nothing unless polled"]
pub struct GatherAwait<T> {
    inner: Await<Gathered<T>>,
    scope: Rc<Scope>,
    items: Rc<RefCell<Option<Vec<Item>>>>,
}

impl<T> StdFuture for GatherAwait<T> {
    type Output = Result<Gathered<T>, Exc>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = std::task::ready!(Pin::new(&mut self.inner).poll(cx));
        let items = if r.is_ok() {
            self.items.borrow_mut().take()
        } else {
            None
        };
        self.scope.end(items, Vec::new(), r.as_ref().err().cloned());
        Poll::Ready(r)
    }
}

/// The distinct futures of `fs`, each at its first occurrence, in linear
/// time when the keys increase (children created in order: no duplicate),
/// else `O(n log n)`.
pub(crate) fn distinct<F: FutureLike>(fs: &[F]) -> Vec<F> {
    if increasing(fs) {
        return fs.to_vec();
    }
    let mut seen = std::collections::BTreeSet::new();
    fs.iter()
        .filter(|f| seen.insert(f.key()))
        .cloned()
        .collect()
}

/// `distinct(fs).len()`, without the copies.
pub(crate) fn distinct_len<F: FutureLike>(fs: &[F]) -> usize {
    if increasing(fs) {
        return fs.len();
    }
    let mut seen = std::collections::BTreeSet::new();
    fs.iter().filter(|f| seen.insert(f.key())).count()
}

/// Strictly increasing keys: no duplicate.
fn increasing<F: FutureLike>(fs: &[F]) -> bool {
    fs.windows(2).all(|w| w[0].key() < w[1].key())
}
