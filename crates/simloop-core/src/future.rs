//! `asyncio.Future`: a result that will exist later, with done-callbacks.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::exc::Exc;
use crate::handle::{self, Call};
use crate::runloop::{LoopInner, Sim};
use crate::task::{self, Stepper};
use crate::trace::{Event, Outcome, TaskId};
use crate::waiting::Waiting;

/// A done-callback. Waking a task is the common case and needs no box.
pub(crate) enum Callback {
    Wakeup(Rc<dyn Stepper>),
    Call(Box<dyn Call>),
}

/// A future's done-callbacks in registration order. Most futures get one
/// (the task awaiting it), kept inline; a second moves them all to a boxed
/// `Vec`, so that the list stays 24 bytes (one pointer less than a `Vec`
/// beside an inline callback).
#[derive(Default)]
enum Callbacks {
    #[default]
    Empty,
    Wakeup(CallbackId, Rc<dyn Stepper>),
    Call(CallbackId, Box<dyn Call>),
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps the list, and so every task, 8 bytes smaller"
    )]
    Many(Box<Vec<(CallbackId, Callback)>>),
}

impl Callbacks {
    fn one(id: CallbackId, cb: Callback) -> Callbacks {
        match cb {
            Callback::Wakeup(t) => Callbacks::Wakeup(id, t),
            Callback::Call(c) => Callbacks::Call(id, c),
        }
    }

    /// The only callback, if there is exactly one.
    fn take_one(self) -> Result<(CallbackId, Callback), Callbacks> {
        match self {
            Callbacks::Wakeup(id, t) => Ok((id, Callback::Wakeup(t))),
            Callbacks::Call(id, c) => Ok((id, Callback::Call(c))),
            other => Err(other),
        }
    }
}

/// Identifies a registered done-callback, for `remove_done_callback`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackId(u32);

#[derive(Default)]
pub(crate) enum State<T> {
    #[default]
    Pending,
    Done(Result<T, Exc>),
    Cancelled(Exc),
}

/// The state shared by futures and tasks.
pub(crate) struct FutureCore<T> {
    pub(crate) lp: Weak<LoopInner>,
    /// `Cell`s, not `RefCell`s: the state and the callbacks are only read
    /// or replaced in place, never borrowed across a call, so they need no
    /// borrow flag (16 bytes less in every task and future).
    state: Cell<State<T>>,
    callbacks: Cell<Callbacks>,
    next_callback: Cell<u32>,
    /// Which variant `state` holds, so that `done()` and `cancelled()`, the
    /// most frequent questions, read a byte instead of taking the state
    /// out and putting it back (it fits in the padding after
    /// `next_callback`).
    status: Cell<Status>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    /// Done with a result.
    Done,
    /// Done with an exception.
    Failed,
    Cancelled,
}

impl<T: Clone> FutureCore<T> {
    pub(crate) fn new(lp: Weak<LoopInner>) -> FutureCore<T> {
        FutureCore {
            lp,
            state: Cell::new(State::Pending),
            callbacks: Cell::new(Callbacks::Empty),
            next_callback: Cell::new(0),
            status: Cell::new(Status::Pending),
        }
    }

    /// Look at the state (taken out of its cell and put back).
    fn peek<R>(&self, f: impl FnOnce(&State<T>) -> R) -> R {
        let state = self.state.take();
        let r = f(&state);
        self.state.set(state);
        r
    }

    pub(crate) fn done(&self) -> bool {
        self.status.get() != Status::Pending
    }

    /// Drop the callbacks of a future that will never finish: they are the
    /// usual way a cycle (task -> callback -> group -> task) outlives a run.
    pub(crate) fn drop_callbacks(&self) {
        drop(self.callbacks.take());
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.status.get() == Status::Cancelled
    }

    /// The `CancelledError` it ended with, if it was cancelled.
    pub(crate) fn cancelled_exc(&self) -> Option<Exc> {
        self.peek(|s| match s {
            State::Cancelled(e) => Some(e.clone()),
            _ => None,
        })
    }

    pub(crate) fn result(&self) -> Option<Result<T, Exc>> {
        self.peek(|s| match s {
            State::Pending => None,
            State::Done(r) => Some(r.clone()),
            State::Cancelled(e) => Some(Err(e.clone())),
        })
    }

    pub(crate) fn exception(&self) -> Option<Exc> {
        self.peek(|s| match s {
            State::Done(Err(e)) | State::Cancelled(e) => Some(e.clone()),
            _ => None,
        })
    }

    pub(crate) fn outcome(&self) -> Option<Outcome> {
        match self.status.get() {
            Status::Pending => None,
            Status::Done => Some(Outcome::Ok),
            Status::Cancelled => Some(Outcome::Cancelled),
            Status::Failed => self.peek(|s| match s {
                State::Done(Err(e)) => Some(Outcome::Error(e.clone())),
                _ => unreachable!("the status says it failed"),
            }),
        }
    }

    pub(crate) fn sim(&self) -> Sim {
        Sim::from_inner(self.lp.upgrade().expect("the loop was dropped"))
    }

    /// `add_done_callback`: on a done future the callback is scheduled at once.
    pub(crate) fn add_callback(&self, cb: Callback) -> CallbackId {
        let id = CallbackId(self.next_callback.get());
        self.next_callback.set(id.0 + 1);
        if self.done() {
            self.sim().schedule_callback(cb);
        } else {
            let cbs = match self.callbacks.take().take_one() {
                Ok(first) => Callbacks::Many(Box::new(vec![first, (id, cb)])),
                Err(Callbacks::Empty) => Callbacks::one(id, cb),
                Err(Callbacks::Many(mut v)) => {
                    v.push((id, cb));
                    Callbacks::Many(v)
                }
                Err(_) => unreachable!("take_one took the single callback"),
            };
            self.callbacks.set(cbs);
        }
        id
    }

    pub(crate) fn remove_callback(&self, id: CallbackId) -> bool {
        let mut cbs = self.callbacks.take();
        let removed = match &mut cbs {
            Callbacks::Empty => false,
            Callbacks::Wakeup(i, _) | Callbacks::Call(i, _) if *i == id => {
                cbs = Callbacks::Empty;
                true
            }
            Callbacks::Wakeup(..) | Callbacks::Call(..) => false,
            Callbacks::Many(v) => {
                let before = v.len();
                v.retain(|(i, _)| *i != id);
                v.len() != before
            }
        };
        self.callbacks.set(cbs);
        removed
    }

    /// Set the final state and schedule every callback, in registration order.
    pub(crate) fn finish(&self, state: State<T>) {
        self.status.set(match state {
            State::Pending => unreachable!("finish sets a final state"),
            State::Done(Ok(_)) => Status::Done,
            State::Done(Err(_)) => Status::Failed,
            State::Cancelled(_) => Status::Cancelled,
        });
        self.state.set(state);
        match self.callbacks.take().take_one() {
            Ok((_, cb)) => self.sim().schedule_callback(cb),
            Err(Callbacks::Many(v)) => {
                let sim = self.sim();
                for (_, cb) in *v {
                    sim.schedule_callback(cb);
                }
            }
            Err(_) => {}
        }
    }
}

/// What a task can wait on: a future or another task. Cancelling the task
/// cancels what it waits on (asyncio's `_fut_waiter`), which for a task means
/// `Task.cancel`, with its counting.
pub(crate) trait Waitable {
    fn cancel(&self, msg: Option<Rc<str>>) -> bool;
    /// Register `task`'s wakeup (`__wakeup`) as a done-callback.
    fn add_wakeup(&self, task: Rc<dyn Stepper>);
    /// The `CancelledError` it ended with, if it was cancelled.
    fn cancelled_exc(&self) -> Option<Exc>;
    /// What a task suspended on it waits on.
    fn waiting(&self) -> Waiting;
    /// A task suspends on it (`future_add_to_awaited_by`); only tasks keep
    /// the record.
    fn add_awaiter(&self, _waiter: TaskId) {}
    /// That task's wakeup ran (`future_discard_from_awaited_by`).
    fn discard_awaiter(&self, _waiter: TaskId) {}
}

/// A `cancel` that replaces `Future.cancel`, as a subclass overriding it.
type CancelOverride = Box<dyn Fn(Option<&str>) -> bool>;

pub(crate) struct FutureCell<T> {
    pub(crate) core: FutureCore<T>,
    id: u64,
    label: &'static str,
    cancel_override: RefCell<Option<Rc<CancelOverride>>>,
}

impl<T: Clone + 'static> FutureCell<T> {
    fn trace_done(&self) {
        let outcome = self.core.outcome().expect("done");
        self.core.sim().trace(Event::FutureDone {
            future: self.id,
            label: self.label,
            outcome,
        });
    }

    fn cancel(&self, msg: Option<Rc<str>>) -> bool {
        let hook = self.cancel_override.borrow().clone();
        match hook {
            Some(hook) => hook(msg.as_deref()),
            None => self.cancel_base(msg),
        }
    }

    /// `Future.cancel` itself, whatever the override.
    fn cancel_base(&self, msg: Option<Rc<str>>) -> bool {
        if self.core.done() {
            return false;
        }
        self.core.finish(State::Cancelled(Exc::cancelled(msg)));
        self.trace_done();
        true
    }
}

impl<T: Clone + 'static> Waitable for FutureCell<T> {
    fn cancel(&self, msg: Option<Rc<str>>) -> bool {
        FutureCell::cancel(self, msg)
    }
    fn add_wakeup(&self, task: Rc<dyn Stepper>) {
        self.core.add_callback(Callback::Wakeup(task));
    }
    fn cancelled_exc(&self) -> Option<Exc> {
        self.core.cancelled_exc()
    }
    fn waiting(&self) -> Waiting {
        Waiting::Future {
            id: self.id,
            label: self.label,
        }
    }
}

/// `asyncio.Future`. Cloning gives another handle to the same future.
pub struct Future<T>(pub(crate) Rc<FutureCell<T>>);

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future(self.0.clone())
    }
}

impl<T: Clone + 'static> Future<T> {
    pub(crate) fn new(lp: Weak<LoopInner>, id: u64, label: &'static str) -> Future<T> {
        Future(Rc::new(FutureCell {
            core: FutureCore::new(lp),
            id,
            label,
            cancel_override: RefCell::new(None),
        }))
    }

    /// Is it done (result, exception or cancelled)?
    pub fn done(&self) -> bool {
        self.0.core.done()
    }

    /// Was it cancelled?
    pub fn cancelled(&self) -> bool {
        self.0.core.cancelled()
    }

    /// Its result, or `None` while pending. A cancelled future gives
    /// `Err(CancelledError)`.
    pub fn result(&self) -> Option<Result<T, Exc>> {
        self.0.core.result()
    }

    /// `set_result`. Panics if already done (asyncio's `InvalidStateError`).
    pub fn set_result(&self, value: T) {
        assert!(
            !self.done(),
            "InvalidStateError: {} is done",
            self.0.waiting()
        );
        self.0.core.finish(State::Done(Ok(value)));
        self.0.trace_done();
    }

    /// `set_exception`. Panics if already done.
    pub fn set_exception(&self, exc: Exc) {
        assert!(
            !self.done(),
            "InvalidStateError: {} is done",
            self.0.waiting()
        );
        self.0.core.finish(State::Done(Err(exc)));
        self.0.trace_done();
    }

    /// `cancel(msg)`: true if it was pending.
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        self.0.cancel(msg.map(Rc::from))
    }

    /// `add_done_callback`; runs via `call_soon` once the future is done.
    pub fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        self.0
            .core
            .add_callback(Callback::Call(handle::call(label, f)))
    }

    /// Replace this future's `cancel()`, as a subclass of `asyncio.Future`
    /// that overrides it does (gather's `_GatheringFuture`). Every cancel goes
    /// through it, including a waiting task's `_fut_waiter.cancel()`. Keep
    /// only a weak reference to the future in `f` to avoid a cycle.
    pub fn override_cancel(&self, f: impl Fn(Option<&str>) -> bool + 'static) {
        *self.0.cancel_override.borrow_mut() = Some(Rc::new(Box::new(f)));
    }

    /// `super().cancel(msg)`: `Future.cancel` without the override.
    pub fn cancel_base(&self, msg: Option<&str>) -> bool {
        self.0.cancel_base(msg.map(Rc::from))
    }

    /// A weak handle, for callbacks stored on the future itself.
    pub fn downgrade(&self) -> WeakFuture<T> {
        WeakFuture(Rc::downgrade(&self.0))
    }

    /// `remove_done_callback`: true if it was registered and not yet scheduled.
    pub fn remove_done_callback(&self, id: CallbackId) -> bool {
        self.0.core.remove_callback(id)
    }

    /// Same future?
    pub fn same(&self, other: &Future<T>) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Its id: creation order among the loop's futures (the `#N` of traces).
    pub fn id(&self) -> u64 {
        self.0.id
    }
}

/// A [`Future`] that does not keep it alive.
pub struct WeakFuture<T>(Weak<FutureCell<T>>);

impl<T> Clone for WeakFuture<T> {
    fn clone(&self) -> Self {
        WeakFuture(self.0.clone())
    }
}

impl<T> WeakFuture<T> {
    /// The future, if it still exists.
    pub fn upgrade(&self) -> Option<Future<T>> {
        self.0.upgrade().map(Future)
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Future #{} ({})", self.0.id, self.0.label)
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for Future<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Self::IntoFuture {
        Await(self.0)
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for &Future<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Self::IntoFuture {
        Await(self.0.clone())
    }
}

/// Something with a result that a task can await.
pub(crate) trait Source: Waitable {
    type Value;
    fn try_result(&self) -> Option<Result<Self::Value, Exc>>;
}

impl<T: Clone + 'static> Source for FutureCell<T> {
    type Value = T;
    fn try_result(&self) -> Option<Result<T, Exc>> {
        self.core.result()
    }
}

/// `await fut` inside a task body: if the future is pending the task yields
/// it to its step, which registers the wakeup and sets `_fut_waiter`; a
/// cancellation thrown into the task arrives here as `Err(CancelledError)`.
#[must_use = "an Await does nothing unless awaited"]
pub struct Await<T>(Rc<dyn Source<Value = T>>);

impl<T> Await<T> {
    pub(crate) fn new(src: Rc<dyn Source<Value = T>>) -> Await<T> {
        Await(src)
    }
}

impl<T> StdFuture for Await<T> {
    type Output = Result<T, Exc>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(exc) = task::take_throw() {
            return Poll::Ready(Err(exc));
        }
        if let Some(r) = self.0.try_result() {
            if let Err(e) = &r {
                e.raised_again();
            }
            return Poll::Ready(r);
        }
        task::yield_to_step(task::Yield::Wait(self.0.clone() as Rc<dyn Waitable>));
        Poll::Pending
    }
}
