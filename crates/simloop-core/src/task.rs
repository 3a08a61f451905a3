//! `asyncio.Task`: a future that drives a Rust `async` body step by step.
//!
//! A step polls the body once. The body's awaits ([`crate::Await`],
//! [`yield_now`]) tell the step what they wait on instead of using Rust
//! wakers: a pending future makes the step register the task's wakeup as
//! that future's done-callback and remember it as `_fut_waiter`; a bare
//! yield makes the step `call_soon` itself. A cancellation is thrown in by
//! handing it to the await the body is suspended at, which returns it as
//! `Err(CancelledError)`; the body may catch it, handle it, or propagate it
//! with `?`. This is `Task.__step` / `__wakeup` of `Lib/asyncio/tasks.py`.

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::awaited_by::AwaitedBy;
use crate::config::{Profile, Tick};
use crate::exc::Exc;
use crate::future::{Await, Callback, CallbackId, FutureCore, Source, State, Waitable};
use crate::handle;
use crate::runloop::Sim;
use crate::scope::ScopeId;
use crate::trace::{Event, Outcome, TaskId};
use crate::waiting::Waiting;

type Body<T> = Pin<Box<dyn StdFuture<Output = Result<T, Exc>>>>;

/// What a suspended body waits for.
pub(crate) enum Yield {
    Wait(Rc<dyn Waitable>),
    Bare,
}

/// What the running step shares with the await points of its body: the
/// task (asyncio's `_current_tasks`), the cancellation to throw in at the
/// await the body is suspended at, and what the body suspended on. Only the
/// running step needs the last two, so they live here, not in every task.
struct StepSlot {
    current: RefCell<Option<Rc<dyn AnyTask>>>,
    throw: Cell<Option<Exc>>,
    yielded: Cell<Option<Yield>>,
}

thread_local! {
    static STEP: StepSlot = const {
        StepSlot {
            current: RefCell::new(None),
            throw: Cell::new(None),
            yielded: Cell::new(None),
        }
    };
}

fn assert_in_step(s: &StepSlot) {
    assert!(
        s.current.borrow().is_some(),
        "awaited outside of a simloop task step"
    );
}

/// Called by an await point: the cancellation to deliver here, if any.
pub(crate) fn take_throw() -> Option<Exc> {
    STEP.with(|s| {
        assert_in_step(s);
        s.throw.take()
    })
}

/// Called by an await point that suspends the body.
pub(crate) fn yield_to_step(y: Yield) {
    STEP.with(|s| {
        assert_in_step(s);
        s.yielded.set(Some(y));
    })
}

/// The running task, if a task step is running.
pub fn current_task() -> Option<TaskRef> {
    STEP.with(|s| s.current.borrow().clone().map(TaskRef))
}

/// The id of the task running now: [`current_task`]'s, without sharing
/// the task itself.
pub fn current_task_id() -> Option<TaskId> {
    STEP.with(|s| s.current.borrow().as_ref().map(|t| t.header().id))
}

/// The message of a panic's payload (`panic!` with a literal or a format).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a payload that is not a string".to_owned()
    }
}

/// `Tick` and `u32` values meaning "not yet" in [`TaskHeader`].
const NOT_DONE: Tick = Tick::MAX;
const NO_INDEX: u32 = u32::MAX;

/// Task state beyond the future's (the fields of CPython's `Task`), packed:
/// the size of a task is most of the memory of a run with many of them.
pub(crate) struct TaskHeader {
    pub(crate) id: TaskId,
    /// Position among finished tasks (completion order; ties in a tick
    /// broken), or `NO_INDEX`.
    done_index: Cell<u32>,
    num_cancels_requested: Cell<u32>,
    must_cancel: Cell<bool>,
    started: Cell<bool>,
    /// Inside this task's `cancel()`, passing it on to what it waits on: a
    /// second entry means an await cycle (see `cancel_task`).
    cancelling_waiter: Cell<bool>,
    pub(crate) parent: Option<TaskId>,
    pub(crate) created: Tick,
    /// When it finished, or `NOT_DONE`.
    done_at: Cell<Tick>,
    pub(crate) name: Rc<str>,
    /// Most tasks are never cancelled: what only cancelling needs is
    /// allocated on the first `cancel()` or `uncancel()`.
    cancels: OnceCell<Box<Cancels>>,
    /// `_fut_waiter`: what the task is suspended on.
    fut_waiter: Cell<Option<Rc<dyn Waitable>>>,
    /// The tasks awaiting this one (3.14's call graph).
    awaited_by: AwaitedBy,
}

/// A task's cancellation record, apart from `cancelling()` itself.
#[derive(Default)]
struct Cancels {
    /// Calls to `cancel()` that returned true.
    requests: Cell<u32>,
    /// Calls to `uncancel()`.
    uncancels: Cell<u32>,
    /// The message of the last `cancel(msg)` not passed on to `_fut_waiter`.
    msg: Cell<Option<Rc<str>>>,
}

impl TaskHeader {
    pub(crate) fn new(id: TaskId, name: Rc<str>, parent: Option<TaskId>, created: Tick) -> Self {
        TaskHeader {
            id,
            done_index: Cell::new(NO_INDEX),
            num_cancels_requested: Cell::new(0),
            must_cancel: Cell::new(false),
            started: Cell::new(false),
            cancelling_waiter: Cell::new(false),
            parent,
            created,
            done_at: Cell::new(NOT_DONE),
            name,
            cancels: OnceCell::new(),
            fut_waiter: Cell::new(None),
            awaited_by: AwaitedBy::default(),
        }
    }

    fn cancels(&self) -> &Cancels {
        self.cancels.get_or_init(Box::default)
    }

    fn cancel_msg(&self) -> Option<Rc<str>> {
        let c = self.cancels.get()?;
        let msg = c.msg.take();
        c.msg.set(msg.clone());
        msg
    }

    fn fut_waiter(&self) -> Option<Rc<dyn Waitable>> {
        let w = self.fut_waiter.take();
        self.fut_waiter.set(w.clone());
        w
    }
}

pub(crate) trait Stepper {
    fn step(self: Rc<Self>);
    /// The task's loop.
    fn sim(&self) -> Sim;
}

/// A task with its result type erased.
pub(crate) trait AnyTask: Waitable + Stepper {
    fn header(&self) -> &TaskHeader;
    fn done(&self) -> bool;
    fn cancelled(&self) -> bool;
    fn outcome(&self) -> Option<Outcome>;
    fn exception(&self) -> Option<Exc>;
    fn add_callback(&self, cb: Callback) -> CallbackId;
    fn remove_callback(&self, id: CallbackId) -> bool;
    fn cancel_by(&self, scope: ScopeId) -> bool;
    fn uncancel(&self, scope: Option<ScopeId>) -> u32;
    fn drop_body(&self);
    /// Itself, for [`TaskRef::typed`].
    fn as_any(self: Rc<Self>) -> Rc<dyn std::any::Any>;
}

pub(crate) struct TaskCell<T> {
    pub(crate) core: FutureCore<T>,
    pub(crate) hdr: TaskHeader,
    /// Taken out while it is polled, and for good once it returns.
    pub(crate) body: Cell<Option<Body<T>>>,
}

impl<T: Clone + 'static> TaskCell<T> {
    /// `Task.cancel(msg)`, on behalf of `scope`'s machinery if given.
    fn cancel_task(&self, msg: Option<Rc<str>>, scope: Option<ScopeId>) -> bool {
        if self.core.done() {
            return false;
        }
        let h = &self.hdr;
        h.num_cancels_requested
            .set(h.num_cancels_requested.get() + 1);
        let c = h.cancels();
        c.requests.set(c.requests.get() + 1);
        self.core.sim().trace(Event::CancelRequested {
            task: h.id,
            by: current_task_id(),
            count: h.num_cancels_requested.get(),
            scope,
        });
        let sim = self.core.sim();
        // A run that is ending passes no cancel on: an orphan of a chain
        // too deep would otherwise walk the rest of it again.
        if let Some(w) = h.fut_waiter().filter(|_| !sim.is_ending()) {
            if h.cancelling_waiter.replace(true) {
                // Tasks awaiting each other in a cycle: CPython passes the
                // cancel round the cycle until RecursionError, which no
                // outcome can describe. Stop here and end the run.
                sim.await_cycle(&h.name);
                return false;
            }
            // A chain too deep: as the cycle, CPython's RecursionError.
            if !sim.enter_cancel(&h.name) {
                h.cancelling_waiter.set(false);
                return false;
            }
            let passed_on = w.cancel(msg.clone());
            sim.leave_cancel();
            h.cancelling_waiter.set(false);
            if passed_on {
                // The wakeup will deliver the CancelledError.
                return true;
            }
        }
        h.must_cancel.set(true);
        h.cancels().msg.set(msg);
        true
    }

    fn make_cancelled_error(&self) -> Exc {
        Exc::cancelled(self.hdr.cancel_msg())
    }

    /// The end of `__step`: how the body's return becomes the task's state.
    fn finish(&self, r: Result<T, Exc>) {
        let state = match r {
            // Cancelled right before the body returned: the value is dropped.
            Ok(_) if self.hdr.must_cancel.replace(false) => {
                State::Cancelled(self.make_cancelled_error())
            }
            Ok(v) => State::Done(Ok(v)),
            Err(e) if e.is_cancelled() => State::Cancelled(e),
            Err(e) => State::Done(Err(e)),
        };
        let sim = self.core.sim();
        self.hdr.done_at.set(sim.time());
        self.hdr.done_index.set(sim.task_finished());
        drop(self.body.take());
        self.core.finish(state);
        sim.trace(Event::TaskDone {
            task: self.hdr.id,
            outcome: self.core.outcome().expect("done"),
        });
    }
}

impl<T: Clone + 'static> Stepper for TaskCell<T> {
    fn sim(&self) -> Sim {
        self.core.sim()
    }

    /// `Task.__step` (and `__wakeup`, which only steps again: the await point
    /// reads the awaited future's result itself).
    fn step(self: Rc<Self>) {
        assert!(
            !self.core.done(),
            "InvalidStateError: step of done task {}",
            self.hdr.name
        );
        let h = &self.hdr;
        let waiter = h.fut_waiter.take();
        if let Some(w) = &waiter {
            // `__wakeup`: no longer awaiting it.
            w.discard_awaiter(h.id);
        }
        let throw = if h.must_cancel.replace(false) {
            // Keep the awaited future's own CancelledError if it has one.
            Some(
                waiter
                    .and_then(|w| w.cancelled_exc())
                    .unwrap_or_else(|| self.make_cancelled_error()),
            )
        } else {
            None
        };
        let sim = self.core.sim();
        sim.trace(Event::TaskStep {
            task: h.id,
            throw: throw.is_some(),
        });
        if !h.started.replace(true) {
            if let Some(exc) = throw {
                // Throwing into a coroutine that never ran ends it at once.
                self.finish(Err(exc));
                return;
            }
        }
        let mut body = self.body.take().expect("a pending task has its body");
        // One look-up of the thread's slot for the whole poll: the
        // previous step's state (an eager task's first step runs inside
        // its creator's) is saved, then put back.
        let (poll, left, yielded) = STEP.with(|s| {
            let me = Some(self.clone() as Rc<dyn AnyTask>);
            let prev = s.current.replace(me);
            let prev_throw = s.throw.replace(throw);
            let prev_yielded = s.yielded.take();
            // A panic in the body ends the run with an error naming the
            // task (not an unwind through the loop, whose state it would
            // leave half-changed); the task never finishes.
            let poll = panic::catch_unwind(AssertUnwindSafe(|| {
                body.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            }));
            *s.current.borrow_mut() = prev;
            (
                poll,
                s.throw.replace(prev_throw),
                s.yielded.replace(prev_yielded),
            )
        });
        let poll = match poll {
            Ok(poll) => poll,
            Err(payload) => {
                sim.task_panicked(&h.name, panic_message(payload.as_ref()));
                return;
            }
        };
        // Back in place: `finish` drops it where it always has.
        self.body.set(Some(body));
        if left.is_some() {
            sim.task_panicked(
                &h.name,
                "it got a cancellation but is not suspended at a simloop await \
                 (a simloop task can only await simloop futures)"
                    .to_owned(),
            );
            return;
        }
        match poll {
            Poll::Ready(Err(e)) if e.is_interrupt() => {
                // `Task.__step`: `super().set_exception(exc); raise`.
                self.finish(Err(e.clone()));
                sim.interrupt(h.id, &h.name, &e);
            }
            Poll::Ready(r) => self.finish(r),
            Poll::Pending => match yielded {
                Some(Yield::Wait(fut)) => {
                    fut.add_awaiter(h.id);
                    fut.add_wakeup(self.clone());
                    h.fut_waiter.set(Some(fut.clone()));
                    // Cancelled during this step: pass it on to what we wait on.
                    if h.must_cancel.get() && fut.cancel(h.cancel_msg()) {
                        h.must_cancel.set(false);
                    }
                }
                Some(Yield::Bare) => sim.schedule_step(self.clone()),
                None => sim.task_panicked(
                    &h.name,
                    "it is pending on something that is not a simloop future \
                     (a simloop task can only await simloop futures)"
                        .to_owned(),
                ),
            },
        }
    }
}

impl<T: Clone + 'static> Waitable for TaskCell<T> {
    fn cancel(&self, msg: Option<Rc<str>>) -> bool {
        self.cancel_task(msg, None)
    }
    fn add_wakeup(&self, task: Rc<dyn Stepper>) {
        self.core.add_callback(Callback::Wakeup(task));
    }
    fn cancelled_exc(&self) -> Option<Exc> {
        self.core.cancelled_exc()
    }
    fn waiting(&self) -> Waiting {
        Waiting::Task {
            id: self.hdr.id,
            name: self.hdr.name.to_string(),
        }
    }
    fn add_awaiter(&self, waiter: TaskId) {
        self.hdr.awaited_by.add(waiter);
    }
    fn discard_awaiter(&self, waiter: TaskId) {
        self.hdr.awaited_by.discard(waiter);
    }
}

impl<T: Clone + 'static> Source for TaskCell<T> {
    type Value = T;
    fn try_result(&self) -> Option<Result<T, Exc>> {
        self.core.result()
    }
}

impl<T: Clone + 'static> AnyTask for TaskCell<T> {
    fn header(&self) -> &TaskHeader {
        &self.hdr
    }
    fn done(&self) -> bool {
        self.core.done()
    }
    fn cancelled(&self) -> bool {
        self.core.cancelled()
    }
    fn outcome(&self) -> Option<Outcome> {
        self.core.outcome()
    }
    fn exception(&self) -> Option<Exc> {
        self.core.exception()
    }
    fn add_callback(&self, cb: Callback) -> CallbackId {
        self.core.add_callback(cb)
    }
    fn remove_callback(&self, id: CallbackId) -> bool {
        self.core.remove_callback(id)
    }
    fn cancel_by(&self, scope: ScopeId) -> bool {
        self.cancel_task(None, Some(scope))
    }
    /// `Task.uncancel()`; 3.13 also withdraws an undelivered cancel at 0.
    fn uncancel(&self, scope: Option<ScopeId>) -> u32 {
        let h = &self.hdr;
        let c = h.cancels();
        c.uncancels.set(c.uncancels.get() + 1);
        let sim = self.core.sim();
        let mut n = h.num_cancels_requested.get();
        if n > 0 {
            n -= 1;
            h.num_cancels_requested.set(n);
            if n == 0 && sim.profile() >= Profile::Py313 {
                h.must_cancel.set(false);
            }
        }
        sim.trace(Event::Uncancel {
            task: h.id,
            remaining: n,
            scope,
        });
        n
    }
    fn drop_body(&self) {
        drop(self.body.take());
        drop(self.hdr.fut_waiter.take());
        self.core.drop_callbacks();
    }
    fn as_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}

/// `asyncio.Task` with result type `T`. Cloning gives another handle. It
/// derefs to [`TaskRef`] for everything that does not need the type.
pub struct Task<T> {
    cell: Rc<TaskCell<T>>,
    any: TaskRef,
}

impl<T> Clone for Task<T> {
    fn clone(&self) -> Self {
        Task {
            cell: self.cell.clone(),
            any: self.any.clone(),
        }
    }
}

impl<T: Clone + 'static> Task<T> {
    pub(crate) fn new(cell: Rc<TaskCell<T>>) -> Task<T> {
        let any = TaskRef(cell.clone());
        Task { cell, any }
    }

    /// The task with its result type erased.
    pub fn any(&self) -> &TaskRef {
        &self.any
    }

    /// Its result once done; a cancelled task gives `Err(CancelledError)`.
    pub fn result(&self) -> Option<Result<T, Exc>> {
        self.cell.core.result()
    }
}

impl<T> std::ops::Deref for Task<T> {
    type Target = TaskRef;
    fn deref(&self) -> &TaskRef {
        &self.any
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.any, f)
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for Task<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Self::IntoFuture {
        Await::new(self.cell)
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for &Task<T> {
    type Output = Result<T, Exc>;
    type IntoFuture = Await<T>;
    fn into_future(self) -> Self::IntoFuture {
        Await::new(self.cell.clone())
    }
}

/// A task of any result type: identity, state, cancellation, callbacks.
#[derive(Clone)]
pub struct TaskRef(pub(crate) Rc<dyn AnyTask>);

impl TaskRef {
    /// The task with its result type back, if it is `T`: what the running
    /// task's own body can get from [`current_task`] (an eager task's
    /// first step runs before `spawn` has returned its handle).
    pub fn typed<T: Clone + 'static>(&self) -> Option<Task<T>> {
        let cell = self.0.clone().as_any().downcast::<TaskCell<T>>().ok()?;
        Some(Task {
            cell,
            any: self.clone(),
        })
    }

    /// Its id (creation order).
    #[inline]
    pub fn id(&self) -> TaskId {
        self.0.header().id
    }

    /// Its name, shared.
    #[inline]
    pub fn name_rc(&self) -> Rc<str> {
        self.0.header().name.clone()
    }

    /// Its name.
    #[inline]
    pub fn name(&self) -> &str {
        &self.0.header().name
    }

    /// The task that created it.
    #[inline]
    pub fn parent(&self) -> Option<TaskId> {
        self.0.header().parent
    }

    /// When it was created.
    pub fn created(&self) -> Tick {
        self.0.header().created
    }

    /// When it finished.
    pub fn done_at(&self) -> Option<Tick> {
        Some(self.0.header().done_at.get()).filter(|&t| t != NOT_DONE)
    }

    /// Its position in the order tasks finished (0 for the first), which
    /// also orders tasks that finished in the same tick.
    #[inline]
    pub fn done_index(&self) -> Option<u32> {
        Some(self.0.header().done_index.get()).filter(|&i| i != NO_INDEX)
    }

    /// Is it done?
    #[inline]
    pub fn done(&self) -> bool {
        self.0.done()
    }

    /// Did it end cancelled?
    pub fn cancelled(&self) -> bool {
        self.0.cancelled()
    }

    /// How it ended, `None` while pending.
    #[inline]
    pub fn outcome(&self) -> Option<Outcome> {
        self.0.outcome()
    }

    /// The exception it ended with (`CancelledError` if cancelled).
    pub fn exception(&self) -> Option<Exc> {
        self.0.exception()
    }

    /// `cancel(msg)`: false if already done.
    pub fn cancel(&self, msg: Option<&str>) -> bool {
        self.0.cancel(msg.map(Rc::from))
    }

    /// `cancelling()`: cancellation requests not yet withdrawn by `uncancel`.
    pub fn cancelling(&self) -> u32 {
        self.0.header().num_cancels_requested.get()
    }

    /// `uncancel()`: returns the remaining count.
    pub fn uncancel(&self) -> u32 {
        self.0.uncancel(None)
    }

    /// `cancel()` made by a combinator's scope machinery (a task group
    /// cancelling its parent or children, a timeout its task): the same
    /// call, with the request attributed to `scope` in the trace.
    pub fn cancel_by(&self, scope: ScopeId) -> bool {
        self.0.cancel_by(scope)
    }

    /// `uncancel()` made by `scope`'s machinery to withdraw its own request:
    /// the same call, attributed to `scope` in the trace.
    pub fn uncancel_by(&self, scope: ScopeId) -> u32 {
        self.0.uncancel(Some(scope))
    }

    /// Calls to `cancel()` that returned true.
    pub fn cancel_requests(&self) -> u32 {
        self.0
            .header()
            .cancels
            .get()
            .map_or(0, |c| c.requests.get())
    }

    /// Calls to `uncancel()`.
    pub fn uncancels(&self) -> u32 {
        self.0
            .header()
            .cancels
            .get()
            .map_or(0, |c| c.uncancels.get())
    }

    /// What it waits on (`_fut_waiter`), if suspended on a future or task.
    pub fn waiting_on(&self) -> Option<Waiting> {
        self.0.header().fut_waiter().map(|w| w.waiting())
    }

    /// The tasks recorded as awaiting this one, first recorded first:
    /// 3.14's `_asyncio_awaited_by`, which `asyncio.capture_call_graph` and
    /// `python -m asyncio pstree` read. A task suspended on this one is in
    /// it, and so is the caller of a `gather`, `wait` or `shield` and the
    /// parent of a `TaskGroup` this task belongs to, until the point where
    /// CPython discards it (a waiter may have finished since).
    pub fn awaited_by(&self) -> Vec<TaskId> {
        self.0.header().awaited_by.list()
    }

    /// `futures.future_add_to_awaited_by(self, waiter)`: what a combinator
    /// calls when `waiter` starts waiting for this task.
    pub fn add_awaited_by(&self, waiter: TaskId) {
        self.0.header().awaited_by.add(waiter);
    }

    /// `futures.future_discard_from_awaited_by(self, waiter)`.
    pub fn discard_awaited_by(&self, waiter: TaskId) {
        self.0.header().awaited_by.discard(waiter);
    }

    /// `add_done_callback`; runs via `call_soon` once the task is done.
    pub fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        self.0.add_callback(Callback::Call(handle::call(label, f)))
    }

    /// `remove_done_callback`.
    pub fn remove_done_callback(&self, id: CallbackId) -> bool {
        self.0.remove_callback(id)
    }

    /// Same task?
    pub fn same(&self, other: &TaskRef) -> bool {
        self.id() == other.id() && Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn drop_body(&self) {
        self.0.drop_body()
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Task {}>", self.name())
    }
}

/// `await asyncio.sleep(0)`: give up the loop for one pass.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[must_use = "yield_now does nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl StdFuture for YieldNow {
    type Output = Result<(), Exc>;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(exc) = take_throw() {
            return Poll::Ready(Err(exc));
        }
        if self.yielded {
            return Poll::Ready(Ok(()));
        }
        self.yielded = true;
        yield_to_step(Yield::Bare);
        Poll::Pending
    }
}
