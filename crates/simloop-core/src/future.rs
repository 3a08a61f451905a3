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
use crate::trace::{Event, Outcome};

/// A done-callback. Waking a task is the common case and needs no box.
pub(crate) enum Callback {
    Wakeup(Rc<dyn Stepper>),
    Call(Box<dyn Call>),
}

/// A future's done-callbacks in registration order. Most futures get one
/// (the task awaiting it), which is kept without a `Vec`.
#[derive(Default)]
enum Callbacks {
    #[default]
    Empty,
    One(CallbackId, Callback),
    Many(Vec<(CallbackId, Callback)>),
}

/// Identifies a registered done-callback, for `remove_done_callback`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackId(u32);

pub(crate) enum State<T> {
    Pending,
    Done(Result<T, Exc>),
    Cancelled(Exc),
}

/// The state shared by futures and tasks.
pub(crate) struct FutureCore<T> {
    pub(crate) lp: Weak<LoopInner>,
    pub(crate) state: RefCell<State<T>>,
    /// A `Cell`, not a `RefCell`: taken out and put back, never borrowed,
    /// which saves the borrow flag in every task and future.
    callbacks: Cell<Callbacks>,
    next_callback: Cell<u32>,
}

impl<T: Clone> FutureCore<T> {
    pub(crate) fn new(lp: Weak<LoopInner>) -> FutureCore<T> {
        FutureCore {
            lp,
            state: RefCell::new(State::Pending),
            callbacks: Cell::new(Callbacks::Empty),
            next_callback: Cell::new(0),
        }
    }

    pub(crate) fn done(&self) -> bool {
        !matches!(*self.state.borrow(), State::Pending)
    }

    /// Drop the callbacks of a future that will never finish: they are the
    /// usual way a cycle (task -> callback -> group -> task) outlives a run.
    pub(crate) fn drop_callbacks(&self) {
        drop(self.callbacks.take());
    }

    pub(crate) fn cancelled(&self) -> bool {
        matches!(*self.state.borrow(), State::Cancelled(_))
    }

    pub(crate) fn result(&self) -> Option<Result<T, Exc>> {
        match &*self.state.borrow() {
            State::Pending => None,
            State::Done(r) => Some(r.clone()),
            State::Cancelled(e) => Some(Err(e.clone())),
        }
    }

    pub(crate) fn exception(&self) -> Option<Exc> {
        match &*self.state.borrow() {
            State::Done(Err(e)) | State::Cancelled(e) => Some(e.clone()),
            _ => None,
        }
    }

    pub(crate) fn outcome(&self) -> Option<Outcome> {
        match &*self.state.borrow() {
            State::Pending => None,
            State::Done(Ok(_)) => Some(Outcome::Ok),
            State::Done(Err(e)) => Some(Outcome::Error(e.clone())),
            State::Cancelled(_) => Some(Outcome::Cancelled),
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
            let cbs = match self.callbacks.take() {
                Callbacks::Empty => Callbacks::One(id, cb),
                Callbacks::One(i, c) => Callbacks::Many(vec![(i, c), (id, cb)]),
                Callbacks::Many(mut v) => {
                    v.push((id, cb));
                    Callbacks::Many(v)
                }
            };
            self.callbacks.set(cbs);
        }
        id
    }

    pub(crate) fn remove_callback(&self, id: CallbackId) -> bool {
        let mut cbs = self.callbacks.take();
        let removed = match &mut cbs {
            Callbacks::Empty => false,
            Callbacks::One(i, _) if *i == id => {
                cbs = Callbacks::Empty;
                true
            }
            Callbacks::One(..) => false,
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
        debug_assert!(!matches!(state, State::Pending));
        *self.state.borrow_mut() = state;
        match self.callbacks.take() {
            Callbacks::Empty => {}
            Callbacks::One(_, cb) => self.sim().schedule_callback(cb),
            Callbacks::Many(v) => {
                let sim = self.sim();
                for (_, cb) in v {
                    sim.schedule_callback(cb);
                }
            }
        }
    }
}

/// What a task can wait on: a future or another task. Cancelling the task
/// cancels what it waits on (asyncio's `_fut_waiter`), which for a task means
/// `Task.cancel`, with its counting.
pub(crate) trait Waitable {
    fn cancel(&self, msg: Option<Rc<str>>) -> bool;
    fn add_wakeup(&self, cb: Callback);
    /// The `CancelledError` it ended with, if it was cancelled.
    fn cancelled_exc(&self) -> Option<Exc>;
    fn describe(&self) -> String;
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
    fn add_wakeup(&self, cb: Callback) {
        self.core.add_callback(cb);
    }
    fn cancelled_exc(&self) -> Option<Exc> {
        match &*self.core.state.borrow() {
            State::Cancelled(e) => Some(e.clone()),
            _ => None,
        }
    }
    fn describe(&self) -> String {
        format!("future #{} ({})", self.id, self.label)
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
            self.0.describe()
        );
        self.0.core.finish(State::Done(Ok(value)));
        self.0.trace_done();
    }

    /// `set_exception`. Panics if already done.
    pub fn set_exception(&self, exc: Exc) {
        assert!(
            !self.done(),
            "InvalidStateError: {} is done",
            self.0.describe()
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
            return Poll::Ready(r);
        }
        task::yield_to_step(task::Yield::Wait(self.0.clone() as Rc<dyn Waitable>));
        Poll::Pending
    }
}
