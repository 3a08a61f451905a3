//! `asyncio.timeout` / `asyncio.timeout_at` (`Lib/asyncio/timeouts.py`).
//!
//! `async with asyncio.timeout(N): BODY` is, step by step:
//!
//! ```
//! use simloop_asyncio::timeout::timeout;
//! use simloop_core::{sleep, Config, Profile, Sim};
//!
//! let sim = Sim::new(Config::new(Profile::Py311));
//! let r = sim.run_main("main", async {
//!     let cm = timeout(10);
//!     cm.enter().await?;                              // __aenter__
//!     let body = sleep(100).await;                    // cancelled at tick 10
//!     cm.exit(body.as_ref().err().cloned()).await?;   // CancelledError -> TimeoutError
//!     body
//! });
//! assert_eq!(r.unwrap().unwrap_err().class_name(), "TimeoutError");
//! assert_eq!(sim.time(), 10);
//! ```
//!
//! or, the same with [`with_timeout`]. When the deadline comes, the timer
//! callback `_on_timeout` cancels the task; `__aexit__` then uncancels it
//! and turns the `CancelledError` into `TimeoutError` if no other
//! cancellation is pending. Only the outermost of nested timeouts sharing a
//! deadline converts: the inner ones see the outer's cancellation still
//! counted. The timeout records its scope in the trace
//! ([`ScopeEvent::TimeoutEnter`], `TimeoutReschedule`, `TimeoutFired`,
//! `TimeoutExit`), and its cancel request and `uncancel()` carry its
//! [`ScopeId`]; recording schedules nothing.
//!
//! Profiles: 3.13 also handles a *non*-cancellation exception leaving an
//! expired timeout, by inserting a `TimeoutError` into its `__context__`
//! chain. Exceptions here have no context chain, so that changes nothing
//! observable: the exception propagates as on 3.11/3.12, after the same
//! single `uncancel()`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use simloop_core::scope::{ScopeEvent, ScopeExit, ScopeId};
use simloop_core::{current_task, get_running_loop, Exc, Handle, Profile, TaskRef, Tick};

use crate::planted::{self, Bug};

/// `timeouts._State`: where a [`Timeout`] is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutState {
    /// Constructed, not entered.
    Created,
    /// Entered, deadline not reached (`"active"`).
    Entered,
    /// The deadline came: the task was cancelled, `__aexit__` not run yet.
    Expiring,
    /// Exited after the deadline came.
    Expired,
    /// Exited before the deadline (`"finished"`).
    Exited,
}

impl TimeoutState {
    /// CPython's `_State` value: `created`, `active`, `expiring`,
    /// `expired`, `finished`.
    pub fn value(self) -> &'static str {
        match self {
            TimeoutState::Created => "created",
            TimeoutState::Entered => "active",
            TimeoutState::Expiring => "expiring",
            TimeoutState::Expired => "expired",
            TimeoutState::Exited => "finished",
        }
    }
}

/// `asyncio.Timeout`: an async context manager that cancels the task that
/// entered it at a deadline. Cloning gives another handle to the same one.
#[derive(Clone)]
#[must_use = "a Timeout does nothing until entered"]
pub struct Timeout(Rc<Inner>);

/// The fields of CPython's `Timeout`.
struct Inner {
    state: Cell<TimeoutState>,
    timeout_handler: RefCell<Option<Handle>>,
    task: RefCell<Option<TaskRef>>,
    when: Cell<Option<Tick>>,
    /// `task.cancelling()` at entry.
    cancelling: Cell<u32>,
    /// When `_on_timeout` ran, and whether its `task.cancel()` returned
    /// true (not CPython fields: see [`Timeout::fired_at`]).
    fired_at: Cell<Option<Tick>>,
    cancel_requested: Cell<bool>,
    /// Its scope id in the trace, once entered.
    scope: Cell<Option<ScopeId>>,
}

fn runtime_error(msg: &str) -> Exc {
    Exc::with_message("RuntimeError", msg)
}

/// `asyncio.timeout(delay)`: a deadline `delay` ticks from now (read when
/// called, as CPython does), or none for `None`: `timeout(10)`,
/// `timeout(None)`.
///
/// # Panics
/// Outside a running loop (CPython raises `RuntimeError`).
pub fn timeout(delay: impl Into<Option<Tick>>) -> Timeout {
    let now = get_running_loop().time();
    Timeout::new(delay.into().map(|d| now + d))
}

/// `asyncio.timeout_at(when)`: a deadline at loop time `when`, or none.
pub fn timeout_at(when: impl Into<Option<Tick>>) -> Timeout {
    Timeout::new(when)
}

impl Timeout {
    /// `Timeout(when)`: created, not entered.
    pub fn new(when: impl Into<Option<Tick>>) -> Timeout {
        Timeout(Rc::new(Inner {
            state: Cell::new(TimeoutState::Created),
            timeout_handler: RefCell::new(None),
            task: RefCell::new(None),
            when: Cell::new(when.into()),
            cancelling: Cell::new(0),
            fired_at: Cell::new(None),
            cancel_requested: Cell::new(false),
            scope: Cell::new(None),
        }))
    }

    /// `when()`: the current deadline.
    pub fn when(&self) -> Option<Tick> {
        self.0.when.get()
    }

    /// `expired()`: did the deadline come while it was entered?
    pub fn expired(&self) -> bool {
        matches!(
            self.0.state.get(),
            TimeoutState::Expiring | TimeoutState::Expired
        )
    }

    /// The tick at which the deadline came (`_on_timeout` ran and
    /// cancelled the task), if it did. Not a CPython attribute: it lets a
    /// checker compare the firing with [`when`](Timeout::when). Reading it
    /// changes nothing.
    pub fn fired_at(&self) -> Option<Tick> {
        self.0.fired_at.get()
    }

    /// The cancel requests this timeout made on its task: 1 if
    /// `_on_timeout`'s `task.cancel()` returned true, else 0. `__aexit__`
    /// withdraws it with `uncancel()`; a checker uses this to tell it from
    /// requests made by anyone else. Not a CPython attribute.
    pub fn cancel_requests(&self) -> u32 {
        u32::from(self.0.cancel_requested.get())
    }

    /// Where it is in its life (`self._state`).
    pub fn state(&self) -> TimeoutState {
        self.0.state.get()
    }

    /// `reschedule(when)`: move the deadline (cancelling the pending timer);
    /// a deadline already due runs `_on_timeout` with `call_soon`.
    ///
    /// Fails unless entered and not expiring: `RuntimeError("Timeout has
    /// not been entered")`, or `RuntimeError("Cannot change state of
    /// {expiring|expired|finished} Timeout")`.
    pub fn reschedule(&self, when: impl Into<Option<Tick>>) -> Result<(), Exc> {
        let when = when.into();
        let s = &self.0;
        match s.state.get() {
            TimeoutState::Entered => {}
            TimeoutState::Created => return Err(runtime_error("Timeout has not been entered")),
            other => {
                return Err(runtime_error(&format!(
                    "Cannot change state of {} Timeout",
                    other.value()
                )))
            }
        }
        get_running_loop().trace_scope(|| ScopeEvent::TimeoutReschedule {
            timeout: self.scope(),
            deadline: when,
        });
        self.schedule(when);
        Ok(())
    }

    /// Its scope id, once entered.
    fn scope(&self) -> ScopeId {
        self.0
            .scope
            .get()
            .expect("an entered Timeout has its scope")
    }

    /// The body of `reschedule` once the state is checked: the new deadline
    /// and its timer.
    fn schedule(&self, when: Option<Tick>) {
        let s = &self.0;
        s.when.set(when);
        if let Some(h) = s.timeout_handler.borrow_mut().take() {
            h.cancel();
        }
        if let Some(when) = when {
            let sim = get_running_loop();
            let weak = Rc::downgrade(&self.0);
            let on_timeout = move || {
                if let Some(s) = weak.upgrade() {
                    Timeout(s).on_timeout();
                }
            };
            let handle = if when <= sim.time() {
                sim.call_soon_handle("Timeout._on_timeout", on_timeout)
            } else {
                let when = when + u64::from(planted::on(Bug::TimeoutFiresLate));
                sim.call_at(when, "Timeout._on_timeout", on_timeout)
            };
            *s.timeout_handler.borrow_mut() = Some(handle);
        }
    }

    /// `__aenter__`: remember the running task and its `cancelling()`, and
    /// schedule the deadline.
    ///
    /// Errors: `RuntimeError("Timeout has already been entered")`, and
    /// `RuntimeError("Timeout should be used inside a task")`.
    pub async fn enter(&self) -> Result<(), Exc> {
        let s = &self.0;
        if s.state.get() != TimeoutState::Created {
            return Err(runtime_error("Timeout has already been entered"));
        }
        let Some(task) = current_task() else {
            return Err(runtime_error("Timeout should be used inside a task"));
        };
        s.state.set(TimeoutState::Entered);
        s.cancelling.set(task.cancelling());
        let sim = get_running_loop();
        let timeout = sim.new_scope();
        s.scope.set(Some(timeout));
        sim.trace_scope(|| ScopeEvent::TimeoutEnter {
            timeout,
            owner: task.id(),
            deadline: s.when.get(),
            cancelling: task.cancelling(),
        });
        *s.task.borrow_mut() = Some(task);
        self.schedule(s.when.get());
        Ok(())
    }

    /// `__aexit__` with the body's exception, if it raised.
    ///
    /// `Err(TimeoutError)` when the deadline came, the body ended with
    /// `CancelledError` and no other cancellation is pending (`uncancel()`
    /// is back to the count at entry). `Ok(())`: `__aexit__` returned
    /// `None`, so the body's exception, if any, propagates unchanged.
    /// Exiting a timeout that is not entered is CPython's failed `assert`:
    /// `Err(AssertionError)`.
    pub async fn exit(&self, exc: Option<Exc>) -> Result<(), Exc> {
        let state = self.0.state.get();
        if !matches!(state, TimeoutState::Entered | TimeoutState::Expiring) {
            return Err(Exc::new("AssertionError"));
        }
        let r = self.aexit(state, exc.clone());
        let task = self.task();
        get_running_loop().trace_scope(|| {
            ScopeEvent::TimeoutExit(Box::new(ScopeExit {
                scope: self.scope(),
                owner: task.id(),
                cancelling: task.cancelling(),
                body_error: exc,
                exit_error: r.as_ref().err().cloned(),
                pending: Vec::new(),
            }))
        });
        r
    }

    fn task(&self) -> TaskRef {
        self.0
            .task
            .borrow()
            .clone()
            .expect("an entered Timeout has its task")
    }

    /// The body of [`exit`](Timeout::exit) for an entered timeout, which
    /// records where it ends.
    fn aexit(&self, state: TimeoutState, exc: Option<Exc>) -> Result<(), Exc> {
        let s = &self.0;
        if let Some(h) = s.timeout_handler.borrow_mut().take() {
            h.cancel();
        }
        if state == TimeoutState::Expiring {
            s.state.set(TimeoutState::Expired);
            let task = self.task();
            let profile = get_running_loop().profile();
            // `uncancel()` runs whatever the exception: it is evaluated first.
            let back_to_entry = task.uncancel_by(self.scope()) <= s.cancelling.get();
            if profile >= Profile::Py313 {
                // `... and exc_type is not None`
                if let Some(e) = exc.filter(|_| back_to_entry) {
                    if e.is_cancelled() {
                        // raise TimeoutError from exc_val
                        return Err(Exc::timeout());
                    }
                    // `_insert_timeout_error(exc_val)`: puts a TimeoutError
                    // into the __context__ chain, which is not modelled; the
                    // exception propagates.
                }
            } else if back_to_entry && exc.as_ref().is_some_and(Exc::is_cancelled) {
                // `... and exc_type is CancelledError`: raise TimeoutError
                return Err(Exc::timeout());
            }
        } else {
            s.state.set(TimeoutState::Exited);
        }
        Ok(())
    }

    /// `_on_timeout`, the timer callback: cancel the task.
    fn on_timeout(&self) {
        let s = &self.0;
        assert_eq!(s.state.get(), TimeoutState::Entered, "Timeout._on_timeout");
        let task = self.task();
        let sim = get_running_loop();
        sim.trace_scope(|| ScopeEvent::TimeoutFired {
            timeout: self.scope(),
            task: task.id(),
        });
        s.fired_at.set(Some(sim.time()));
        s.cancel_requested.set(task.cancel_by(self.scope()));
        s.state.set(TimeoutState::Expiring);
        // drop the reference early
        s.timeout_handler.borrow_mut().take();
    }
}

/// CPython's `Timeout.__repr__`: `<Timeout [active] when=10>`,
/// `<Timeout [active] when=None>`, `<Timeout [expired]>`.
impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        write!(f, "<Timeout [{}]", state.value())?;
        if state == TimeoutState::Entered {
            match self.when() {
                Some(w) => write!(f, " when={w}")?,
                None => f.write_str(" when=None")?,
            }
        }
        f.write_str(">")
    }
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `async with cm: return await body`: enter `cm`, run `body`, exit with
/// its exception. The result is the body's, unless `__aexit__` raised
/// (`TimeoutError`).
pub async fn with_timeout<T, Fut>(cm: &Timeout, body: Fut) -> Result<T, Exc>
where
    Fut: StdFuture<Output = Result<T, Exc>>,
{
    cm.enter().await?;
    let r = body.await;
    cm.exit(r.as_ref().err().cloned()).await?;
    r
}
