//! `asyncio.Semaphore`, `asyncio.BoundedSemaphore` and `asyncio.Event`
//! (`Lib/asyncio/locks.py`).
//!
//! 3.11 and 3.12 have the same code. 3.13 (GH-111693) changes what a waiter
//! does when its `acquire()` ends:
//!
//! | | 3.11 / 3.12 | 3.13 |
//! |---|---|---|
//! | cancelled after being woken | give the unit back, wake the next | give it back (`fut.done() and not fut.cancelled()`) |
//! | cancelled while still waiting | nothing | nothing |
//! | acquired | wake one more if `_value > 0` | wake as many as `_value` allows |
//! | (any exit) | | `finally`: wake as many as `_value` allows |
//!
//! `locked()` is the same in all three: `_value == 0` or some waiter not
//! cancelled (no barging past a FIFO queue).
//!
//! Every method that may touch the loop or its trace (`acquire`,
//! `release`, and every method of `Event` but `is_set`) must run while the
//! loop runs, in a task or a callback, as
//! [`simloop_core::spawn`] must. A semaphore records itself in the trace
//! when first used ([`ScopeEvent::SemaphoreNew`]), then every `acquire()`
//! call (and whether it queues), acquisition and `release()`; an event
//! records itself when first used ([`ScopeEvent::EventNew`]), then every
//! `set()`, `clear()`, and `wait()` that suspends and resumes.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use simloop_core::scope::{ScopeEvent, ScopeId};
use simloop_core::{current_task_id, get_running_loop, Exc, Future, Profile, Sim};

use crate::planted::{self, Bug};

struct SemaphoreState {
    /// `_value`. Never negative in practice; an `i64` as Python's int.
    value: Cell<i64>,
    /// `_waiters`: one future per blocked `acquire()`, oldest first.
    waiters: RefCell<VecDeque<Future<bool>>>,
    /// The value it was made with (not a CPython field: the trace's bound).
    initial: u64,
    /// A name for reports, if given.
    name: Option<Rc<str>>,
    /// Its scope id in the trace, given when it is first used in a loop.
    scope: Cell<Option<ScopeId>>,
}

impl SemaphoreState {
    /// Its scope id on `sim`; the first use records the semaphore.
    fn scope(&self, sim: &Sim) -> ScopeId {
        if let Some(id) = self.scope.get() {
            return id;
        }
        let sem = sim.new_scope();
        self.scope.set(Some(sem));
        sim.trace_scope(|| ScopeEvent::SemaphoreNew {
            sem,
            value: self.initial,
            name: self.name.clone(),
        });
        sem
    }

    /// `locked()`.
    fn locked(&self) -> bool {
        self.value.get() == 0 || self.waiters.borrow().iter().any(|w| !w.cancelled())
    }

    /// `release()`.
    fn release(&self) {
        let sim = get_running_loop();
        sim.trace_scope(|| ScopeEvent::SemaphoreReleased {
            sem: self.scope(&sim),
            task: current_task_id(),
        });
        let units = if planted::on(Bug::SemaphoreReleaseTwice) {
            2
        } else {
            1
        };
        self.value.set(self.value.get() + units);
        if !planted::on(Bug::SemaphoreReleaseWakesNobody) {
            self.wake_up_next();
        }
    }

    /// `_wake_up_next()`: hand one unit to the first waiter not done. Returns
    /// whether it woke one (3.13 uses the answer; 3.11/3.12 return `None`).
    fn wake_up_next(&self) -> bool {
        let waiters = self.waiters.borrow();
        let first = if planted::on(Bug::SemaphoreWakesNewest) {
            waiters.iter().rev().find(|f| !f.done()).cloned()
        } else {
            waiters.iter().find(|f| !f.done()).cloned()
        };
        drop(waiters);
        match first {
            Some(fut) => {
                self.value.set(self.value.get() - 1);
                fut.set_result(true);
                true
            }
            None => false,
        }
    }

    /// `async def acquire()`.
    async fn acquire(self: Rc<Self>) -> Result<(), Exc> {
        let sim = get_running_loop();
        let sem = self.scope(&sim);
        let task = current_task_id();
        if !self.locked() {
            // Maintain FIFO: only take a unit if nobody is queued.
            self.value.set(self.value.get() - 1);
            sim.trace_scope(|| ScopeEvent::SemaphoreCall {
                sem,
                task,
                waits: false,
            });
            return Ok(());
        }
        let acquired = || sim.trace_scope(|| ScopeEvent::SemaphoreAcquired { sem, task });
        let fut = sim.create_future::<bool>("Semaphore.acquire");
        self.waiters.borrow_mut().push_back(fut.clone());
        sim.trace_scope(|| ScopeEvent::SemaphoreCall {
            sem,
            task,
            waits: true,
        });
        let awaited = (&fut).await;
        // finally: self._waiters.remove(fut)
        {
            let mut waiters = self.waiters.borrow_mut();
            let i = waiters
                .iter()
                .position(|w| w.same(&fut))
                .expect("a waiter removes itself once");
            waiters.remove(i);
        }
        if awaited.is_err() {
            sim.trace_scope(|| ScopeEvent::SemaphoreGaveUp { sem, task });
        }
        let result = if sim.profile() >= Profile::Py313 {
            let result = match awaited {
                Err(exc) if exc.is_cancelled() => {
                    if fut.done() && !fut.cancelled() {
                        // Woken by _wake_up_next() but not acquiring after
                        // all: undo its bookkeeping.
                        self.value.set(self.value.get() + 1);
                    }
                    Err(exc)
                }
                Err(exc) => Err(exc),
                Ok(_) => Ok(()),
            };
            // finally: new waiters may have queued behind us due to FIFO;
            // wake as many as are allowed.
            while self.value.get() > 0 {
                if !self.wake_up_next() {
                    break; // There was no-one to wake up.
                }
            }
            result
        } else {
            match awaited {
                Err(exc) if exc.is_cancelled() => {
                    if !fut.cancelled() {
                        self.value.set(self.value.get() + 1);
                        self.wake_up_next();
                    }
                    return Err(exc);
                }
                Err(exc) => return Err(exc),
                Ok(_) => {}
            }
            if self.value.get() > 0 {
                self.wake_up_next();
            }
            Ok(())
        };
        if result.is_ok() {
            acquired();
        }
        result
    }
}

/// `asyncio.Semaphore(value)`. Cloning gives another handle to the same
/// semaphore. A negative initial value (`ValueError` in Python) cannot be
/// expressed.
#[derive(Clone)]
pub struct Semaphore(Rc<SemaphoreState>);

impl Semaphore {
    /// `Semaphore(value)`.
    pub fn new(value: usize) -> Semaphore {
        Semaphore::with_name(value, None)
    }

    /// `Semaphore(value)` that reports and pictures call `name`.
    pub fn named(name: &str, value: usize) -> Semaphore {
        Semaphore::with_name(value, Some(name.into()))
    }

    fn with_name(value: usize, name: Option<Rc<str>>) -> Semaphore {
        Semaphore(Rc::new(SemaphoreState {
            value: Cell::new(value as i64),
            waiters: RefCell::new(VecDeque::new()),
            initial: value as u64,
            name,
            scope: Cell::new(None),
        }))
    }

    /// `_value`: units available and not yet handed to a woken waiter.
    pub fn value(&self) -> i64 {
        self.0.value.get()
    }

    /// `len(_waiters)`: blocked `acquire()` calls, woken or not, that have
    /// not resumed yet.
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }

    /// `locked()`: `acquire()` would block (no unit, or someone is queued).
    pub fn locked(&self) -> bool {
        self.0.locked()
    }

    /// `await acquire()`: take a unit, waiting in FIFO order if needed. A
    /// cancellation arrives as `Err(CancelledError)`; Python's `True` is `()`.
    /// Nothing happens until the returned future is awaited, as with a
    /// coroutine.
    pub fn acquire(&self) -> impl StdFuture<Output = Result<(), Exc>> + 'static {
        self.0.clone().acquire()
    }

    /// `release()`: add a unit and hand it to the first waiter, if any.
    pub fn release(&self) {
        self.0.release();
    }

    /// `async with sem: body`: acquire, await `body`, release on every way
    /// out of it (its value, its error, a cancellation thrown into it). A
    /// cancellation while still waiting to acquire ends here, as
    /// `acquire()` does, with nothing to release.
    ///
    /// ```
    /// use simloop_asyncio::locks::Semaphore;
    /// use simloop_core::{sleep, Config, Profile, Sim};
    ///
    /// let sim = Sim::new(Config::new(Profile::Py313));
    /// let r = sim.run_main("main", async {
    ///     let sem = Semaphore::new(1);
    ///     sem.with(async { sleep(5).await.map(|_| 7) }).await
    /// });
    /// assert_eq!(r.unwrap().unwrap(), 7);
    /// ```
    pub async fn with<T>(&self, body: impl StdFuture<Output = Result<T, Exc>>) -> Result<T, Exc> {
        self.acquire().await?;
        let r = body.await;
        self.release();
        r
    }
}

impl Semaphore {
    /// What CPython's `__repr__` puts in brackets: `locked` or
    /// `unlocked, value:N`, then `, waiters:N` if any.
    fn repr_state(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.locked() {
            f.write_str("locked")?;
        } else {
            write!(f, "unlocked, value:{}", self.value())?;
        }
        match self.waiters() {
            0 => Ok(()),
            n => write!(f, ", waiters:{n}"),
        }
    }
}

/// CPython's `repr()` without the module and the address:
/// `<Semaphore [unlocked, value:1]>`, `<Semaphore [locked, waiters:2]>`.
impl fmt::Display for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<Semaphore [")?;
        self.repr_state(f)?;
        f.write_str("]>")
    }
}

/// `asyncio.BoundedSemaphore(value)`: a [`Semaphore`] whose `release()`
/// refuses to go above the initial value.
#[derive(Clone)]
pub struct BoundedSemaphore {
    sem: Semaphore,
    /// `_bound_value`.
    bound: i64,
}

impl BoundedSemaphore {
    /// `BoundedSemaphore(value)`.
    pub fn new(value: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::new(value),
            bound: value as i64,
        }
    }

    /// `BoundedSemaphore(value)` that reports and pictures call `name`.
    pub fn named(name: &str, value: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::named(name, value),
            bound: value as i64,
        }
    }

    /// The semaphore itself (`BoundedSemaphore` is a subclass).
    pub fn semaphore(&self) -> &Semaphore {
        &self.sem
    }

    /// `_value`.
    pub fn value(&self) -> i64 {
        self.sem.value()
    }

    /// `locked()`.
    pub fn locked(&self) -> bool {
        self.sem.locked()
    }

    /// `await acquire()`, as [`Semaphore::acquire`].
    pub fn acquire(&self) -> impl StdFuture<Output = Result<(), Exc>> + 'static {
        self.sem.acquire()
    }

    /// `release()`: `Err(ValueError('BoundedSemaphore released too many
    /// times'))` if the value is already at its bound.
    pub fn release(&self) -> Result<(), Exc> {
        if self.sem.value() >= self.bound {
            return Err(Exc::with_message(
                "ValueError",
                "BoundedSemaphore released too many times",
            ));
        }
        self.sem.release();
        Ok(())
    }
}

/// As [`Semaphore`]'s: `<BoundedSemaphore [unlocked, value:2]>`.
impl fmt::Display for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<BoundedSemaphore [")?;
        self.sem.repr_state(f)?;
        f.write_str("]>")
    }
}

struct EventState {
    /// `_value`.
    value: Cell<bool>,
    /// `_waiters`.
    waiters: RefCell<VecDeque<Future<bool>>>,
    /// A name for reports, if given.
    name: Option<Rc<str>>,
    /// Its id in the trace, given when it is first used in a loop.
    scope: Cell<Option<ScopeId>>,
}

impl EventState {
    /// Record `event(id)` in the running loop's trace; the first use
    /// records the event itself.
    fn trace(&self, event: impl FnOnce(ScopeId) -> ScopeEvent) {
        let sim = get_running_loop();
        // Numbered whatever the trace keeps, as every scope is: ids reach
        // the hash through other scopes' cancel requests.
        let id = match self.scope.get() {
            Some(id) => id,
            None => {
                let id = sim.new_scope();
                self.scope.set(Some(id));
                sim.trace_scope(|| ScopeEvent::EventNew {
                    event: id,
                    name: self.name.clone(),
                });
                id
            }
        };
        sim.trace_scope(|| event(id));
    }
}

/// `asyncio.Event()`: a flag that tasks can wait for. Cloning gives another
/// handle to the same event.
#[derive(Clone)]
pub struct Event(Rc<EventState>);

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl Event {
    /// `Event()`: initially not set.
    pub fn new() -> Event {
        Event::with_name(None)
    }

    /// `Event()` that reports call `name`.
    pub fn named(name: &str) -> Event {
        Event::with_name(Some(name.into()))
    }

    fn with_name(name: Option<Rc<str>>) -> Event {
        Event(Rc::new(EventState {
            value: Cell::new(false),
            waiters: RefCell::new(VecDeque::new()),
            name,
            scope: Cell::new(None),
        }))
    }

    /// `is_set()`.
    pub fn is_set(&self) -> bool {
        self.0.value.get()
    }

    /// `len(_waiters)`: `wait()` calls that have not resumed yet.
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }

    /// `set()`: resolve every waiter's future, in the order they came.
    pub fn set(&self) {
        self.0
            .trace(|event| ScopeEvent::EventFlag { event, set: true });
        if !self.0.value.replace(true) {
            let waiters: Vec<_> = self.0.waiters.borrow().iter().cloned().collect();
            for fut in waiters {
                if !fut.done() {
                    fut.set_result(true);
                    if planted::on(Bug::EventSetWakesOne) {
                        break;
                    }
                }
            }
        }
    }

    /// `clear()`.
    pub fn clear(&self) {
        self.0
            .trace(|event| ScopeEvent::EventFlag { event, set: false });
        self.0.value.set(false);
    }

    /// `await wait()`: return at once if set, else wait for `set()`. Python's
    /// `True` is `()`.
    pub fn wait(&self) -> impl StdFuture<Output = Result<(), Exc>> + 'static {
        let ev = self.0.clone();
        async move {
            if ev.value.get() {
                return Ok(());
            }
            let fut = get_running_loop().create_future::<bool>("Event.wait");
            ev.waiters.borrow_mut().push_back(fut.clone());
            let task = current_task_id();
            ev.trace(|event| ScopeEvent::EventWait {
                event,
                task,
                waits: true,
            });
            let r = (&fut).await;
            ev.trace(|event| ScopeEvent::EventWait {
                event,
                task,
                waits: false,
            });
            // finally: self._waiters.remove(fut)
            let mut waiters = ev.waiters.borrow_mut();
            let i = waiters
                .iter()
                .position(|w| w.same(&fut))
                .expect("a waiter removes itself once");
            waiters.remove(i);
            r.map(|_| ())
        }
    }
}

/// CPython's `repr()` without the module and the address: `<Event [set]>`,
/// `<Event [unset, waiters:1]>` (a woken waiter counts until it resumes).
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() {
            "<Event [set"
        } else {
            "<Event [unset"
        })?;
        match self.waiters() {
            0 => f.write_str("]>"),
            n => write!(f, ", waiters:{n}]>"),
        }
    }
}
