//! The event loop: a FIFO ready queue, a timer heap, and virtual time.
//!
//! One pass is `BaseEventLoop._run_once`: purge cancelled timers as CPython
//! does; if nothing is ready, jump the clock to the next timer (or report a
//! stall: nothing can ever run again); move due timers to the *end* of the
//! ready queue; then run exactly the handles that were queued when the pass
//! began. The loop knows tasks, futures and handles, never a combinator.

use std::cell::{Cell, Ref, RefCell};
use std::collections::VecDeque;
use std::future::Future as StdFuture;
use std::rc::{Rc, Weak};

use crate::config::{Config, Profile, Start, TaskFactory, Tick};
use crate::error::{Blocked, Interrupt, RunError, StallReport};
use crate::exc::Exc;
use crate::future::{Callback, Future, FutureCore};
use crate::handle::{self, Handle, HandleCell, Ready, Timer, TimerEntry};
use crate::heapq;
use crate::scheduler::{Choice, ChoicePoint, Schedule, Scheduler};
use crate::scope::{ScopeEvent, ScopeId};
use crate::sleep::SleepCell;
use crate::task::{current_task_id, Stepper, Task, TaskCell, TaskHeader, TaskRef};
use crate::trace::{Event, TaskId, Trace};

/// CPython purges cancelled timers once there are more than this many timers
/// and more than half of them are cancelled (`_MIN_SCHEDULED_TIMER_HANDLES`).
const MIN_SCHEDULED_TIMER_HANDLES: usize = 100;

pub(crate) struct LoopInner {
    config: Config,
    me: Weak<LoopInner>,
    now: Cell<Tick>,
    ready: RefCell<VecDeque<Ready>>,
    timers: RefCell<Vec<TimerEntry>>,
    timer_cancelled: Rc<Cell<usize>>,
    stopping: Cell<bool>,
    tasks: RefCell<Vec<TaskRef>>,
    pending_tasks: Cell<usize>,
    steps: Cell<u64>,
    next_future: Cell<u64>,
    next_scope: Cell<u32>,
    scheduler: RefCell<Box<dyn Scheduler>>,
    /// The scheduler can answer other than 0: ask it at every choice point
    /// (else only count them).
    asks: bool,
    /// Its [`Scheduler::max_latency`], asked once.
    max_latency: Tick,
    choice_points: Cell<u64>,
    /// Every answer the scheduler gave, by choice point (empty when it is
    /// not asked).
    choices: RefCell<Vec<Choice>>,
    trace: RefCell<Trace>,
    limit_hit: RefCell<Option<RunError>>,
    /// `limit_hit` is set (checked after every handle without a borrow).
    limit_flag: Cell<bool>,
    /// `loop.set_task_factory`: starts as the config says.
    task_factory: Cell<TaskFactory>,
    /// Tasks the cancel being passed on has gone through.
    cancel_depth: Cell<u32>,
    /// Values counted by the program ([`Sim::count_values`]).
    values: Cell<u64>,
}

/// A handle to one simulated event loop. Cheap to clone; single-threaded.
#[derive(Clone)]
pub struct Sim(Rc<LoopInner>);

thread_local! {
    static RUNNING: RefCell<Option<Sim>> = const { RefCell::new(None) };
}

/// The loop running on this thread (asyncio's `get_running_loop`).
/// Panics outside a run, as asyncio raises `RuntimeError`.
pub fn get_running_loop() -> Sim {
    RUNNING
        .with(|r| r.borrow().clone())
        .expect("no running simloop loop")
}

/// Marks the loop as running for the duration of a `run_*` call.
struct Running(Option<Sim>);

impl Running {
    fn enter(sim: &Sim) -> Running {
        Running(RUNNING.with(|r| r.replace(Some(sim.clone()))))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| *r.borrow_mut() = self.0.take());
    }
}

impl Sim {
    /// A new loop at tick 0, with the scheduler `config.policy` describes.
    pub fn new(config: Config) -> Sim {
        let scheduler = config.policy.scheduler();
        Sim::with_scheduler(config, scheduler)
    }

    /// A new loop at tick 0 that asks `scheduler` at every choice point
    /// (`config.policy` is then only a description, for reports).
    pub fn with_scheduler(config: Config, scheduler: Box<dyn Scheduler>) -> Sim {
        assert!(
            config.task_factory == TaskFactory::Lazy || config.profile >= Profile::Py312,
            "asyncio.eager_task_factory is new in Python 3.12; this run reproduces {}",
            config.profile.cpython()
        );
        let config_factory = config.task_factory;
        let asks = scheduler.deviates();
        let max_latency = scheduler.max_latency();
        let trace = config.trace;
        Sim(Rc::new_cyclic(|me| LoopInner {
            config,
            me: me.clone(),
            now: Cell::new(0),
            // Sized for a small program's run, which a sweep makes
            // thousands of: growing from empty reallocates three times.
            ready: RefCell::new(VecDeque::with_capacity(16)),
            timers: RefCell::new(Vec::with_capacity(8)),
            timer_cancelled: Rc::new(Cell::new(0)),
            stopping: Cell::new(false),
            tasks: RefCell::new(Vec::with_capacity(8)),
            pending_tasks: Cell::new(0),
            steps: Cell::new(0),
            next_future: Cell::new(0),
            next_scope: Cell::new(0),
            scheduler: RefCell::new(scheduler),
            asks,
            max_latency,
            choice_points: Cell::new(0),
            choices: RefCell::new(if asks {
                Vec::with_capacity(16)
            } else {
                Vec::new()
            }),
            trace: RefCell::new(Trace::new(trace)),
            limit_hit: RefCell::new(None),
            limit_flag: Cell::new(false),
            task_factory: Cell::new(config_factory),
            cancel_depth: Cell::new(0),
            values: Cell::new(0),
        }))
    }

    pub(crate) fn from_inner(inner: Rc<LoopInner>) -> Sim {
        Sim(inner)
    }

    /// The run's configuration.
    #[inline]
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The CPython profile.
    pub fn profile(&self) -> Profile {
        self.0.config.profile
    }

    /// `loop.time()`: the virtual clock.
    #[inline]
    pub fn time(&self) -> Tick {
        self.0.now.get()
    }

    /// Handles run so far.
    pub fn steps(&self) -> u64 {
        self.0.steps.get()
    }

    /// The trace so far.
    #[inline]
    pub fn trace_ref(&self) -> Ref<'_, Trace> {
        self.0.trace.borrow()
    }

    /// Record an event.
    #[inline(always)]
    pub fn trace(&self, event: Event) {
        let mut trace = self.0.trace.borrow_mut();
        trace.push(self.time(), event);
        // One compare per event; the rest is out of line.
        if trace.records().len() > self.0.config.limits.max_trace_records {
            drop(trace);
            self.trace_full();
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_full(&self) {
        let limit = self.0.config.limits.max_trace_records;
        self.limit(RunError::TraceLimit { limit });
    }

    /// Count `n` values the program made (a scenario counts the JSON
    /// values of each task's result): past [`Limits::max_values`](crate::Limits)
    /// the run ends with [`RunError::ValueLimit`] after the current handle.
    pub fn count_values(&self, n: u64) {
        let total = self.0.values.get().saturating_add(n);
        self.0.values.set(total);
        let limit = self.0.config.limits.max_values;
        if total > limit {
            self.limit(RunError::ValueLimit { limit });
        }
    }

    /// How many more values [`Sim::count_values`] takes before the limit:
    /// a program counting a large value can stop there.
    pub fn values_left(&self) -> u64 {
        let limit = self.0.config.limits.max_values;
        limit.saturating_sub(self.0.values.get())
    }

    /// A new scope id, for a combinator's object (see [`crate::scope`]).
    pub fn new_scope(&self) -> ScopeId {
        let id = self.0.next_scope.get();
        self.0.next_scope.set(id + 1);
        ScopeId(id)
    }

    /// Record what a combinator did with one of its scopes, if the trace
    /// keeps scope events ([`TraceMode::keeps_scopes`](crate::TraceMode::keeps_scopes));
    /// `event` is only called then, so that a hash-only run builds nothing.
    pub fn trace_scope(&self, event: impl FnOnce() -> ScopeEvent) {
        if self.keeps_scopes() {
            self.0.trace.borrow_mut().push_scope(self.time(), event());
        }
    }

    /// Does the trace keep scope events? Combinators skip work that only
    /// feeds them when it does not.
    pub fn keeps_scopes(&self) -> bool {
        self.0.config.trace.keeps_scopes()
    }

    /// Every task created so far, in creation order, without copying the
    /// list; no task can be created while it is held.
    #[inline]
    pub fn tasks(&self) -> Ref<'_, [TaskRef]> {
        Ref::map(self.0.tasks.borrow(), Vec::as_slice)
    }

    /// Every task created so far, in creation order.
    pub fn all_tasks(&self) -> Vec<TaskRef> {
        self.0.tasks.borrow().clone()
    }

    /// Tasks not yet done.
    pub fn pending_tasks(&self) -> usize {
        self.0.pending_tasks.get()
    }

    /// A timer still in the heap was cancelled (`_timer_cancelled_count`).
    pub(crate) fn timer_cancelled(&self) {
        let count = &self.0.timer_cancelled;
        count.set(count.get() + 1);
    }

    /// `call_soon`: run `f` on a later pass, after what is already queued.
    pub fn call_soon(&self, label: &'static str, f: impl FnOnce() + 'static) {
        self.0
            .ready
            .borrow_mut()
            .push_back(Ready::Call(handle::call(label, f)));
    }

    /// `call_soon` returning a [`Handle`] that can cancel it.
    pub fn call_soon_handle(&self, label: &'static str, f: impl FnOnce() + 'static) -> Handle {
        let h = Rc::new(HandleCell::new(label, self.time(), Box::new(f), None));
        self.0
            .ready
            .borrow_mut()
            .push_back(Ready::Handle(h.clone()));
        Handle(h)
    }

    /// `call_at`: run `f` once the clock reaches `when`.
    pub fn call_at(&self, when: Tick, label: &'static str, f: impl FnOnce() + 'static) -> Handle {
        let cell = HandleCell::new(
            label,
            when,
            Box::new(f),
            Some(self.0.timer_cancelled.clone()),
        );
        cell.scheduled.set(true);
        let h = Rc::new(cell);
        self.push_timer(when, Timer::Handle(h.clone()));
        Handle(h)
    }

    fn push_timer(&self, when: Tick, timer: Timer) {
        heapq::push(&mut self.0.timers.borrow_mut(), TimerEntry { when, timer });
    }

    /// `sleep`'s future and its `call_later(delay)` timer, in the order
    /// CPython makes them: the future (its id), the delay (the seeded
    /// policy's jitter draw), the timer.
    pub(crate) fn sleep_timer(&self, delay: Tick) -> Rc<SleepCell> {
        let id = self.0.next_future.get();
        self.0.next_future.set(id + 1);
        let delay = self.latency(delay);
        let cell = Rc::new(SleepCell::new(id));
        self.push_timer(
            self.time().saturating_add(delay),
            Timer::Sleep(cell.clone()),
        );
        cell
    }

    /// `call_later`: `call_at(time() + delay)`.
    pub fn call_later(
        &self,
        delay: Tick,
        label: &'static str,
        f: impl FnOnce() + 'static,
    ) -> Handle {
        self.call_at(self.time() + delay, label, f)
    }

    /// `create_future()`; `label` names it in traces and stall reports.
    pub fn create_future<T: Clone + 'static>(&self, label: &'static str) -> Future<T> {
        let id = self.0.next_future.get();
        self.0.next_future.set(id + 1);
        Future::new(self.0.me.clone(), id, label)
    }

    /// `create_task(body, name=name)`: its first step is scheduled with
    /// `call_soon`, or taken at once under the eager [`TaskFactory`]; its
    /// parent is the running task.
    pub fn spawn<T, F>(&self, name: impl Into<Rc<str>>, body: F) -> Task<T>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        self.spawn_with(name, Start::Factory, body)
    }

    /// `create_task(body, name=name, eager_start=...)`. An eager start
    /// (3.12's eager task factory, 3.14's `eager_start=True`) takes the
    /// task's first step now, inside this call, as the current task, if
    /// the loop is running (as CPython, which starts `main` lazily): a body
    /// that never suspends is done when this returns, with its
    /// done-callbacks scheduled. Otherwise the first step is scheduled
    /// with `call_soon`.
    ///
    /// An eager first step that raises `KeyboardInterrupt` or `SystemExit`
    /// finishes the task with it; CPython then raises it out of
    /// `create_task` into the caller, which this function cannot do: the
    /// loop stops once the caller's step is over
    /// ([`RunError::Interrupted`]). [`Sim::try_spawn_with`] raises it.
    ///
    /// # Panics
    /// With [`Start::Eager`] or [`Start::Lazy`] under a profile before
    /// py314: `create_task()` has no `eager_start` parameter there.
    pub fn spawn_with<T, F>(&self, name: impl Into<Rc<str>>, start: Start, body: F) -> Task<T>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        assert!(
            start == Start::Factory || self.profile() >= Profile::Py314,
            "create_task() has no eager_start parameter before Python 3.14; this run reproduces {}",
            self.profile().cpython()
        );
        let eager = match start {
            Start::Factory => self.0.task_factory.get() == TaskFactory::Eager,
            Start::Eager => true,
            Start::Lazy => false,
        } && self.is_running();
        let name = name.into();
        let id = TaskId(self.0.tasks.borrow().len() as u32);
        let parent = current_task_id();
        let cell = Rc::new(TaskCell {
            core: FutureCore::new(self.0.me.clone()),
            hdr: TaskHeader::new(id, name.clone(), parent, self.time()),
            body: Cell::new(Some(Box::pin(body))),
        });
        let task = Task::new(cell.clone());
        self.0.tasks.borrow_mut().push(task.any().clone());
        self.0.pending_tasks.set(self.0.pending_tasks.get() + 1);
        let limit = self.0.config.limits.max_tasks;
        if self.0.tasks.borrow().len() > limit {
            self.limit(RunError::TaskLimit { limit });
        }
        self.0.trace.borrow_mut().name_task(name);
        self.trace(Event::TaskCreated { task: id, parent });
        if eager {
            cell.step();
        } else {
            self.schedule_step(cell);
        }
        task
    }

    /// [`Sim::spawn_with`], raising as CPython's `create_task` does: `Err`
    /// with the `KeyboardInterrupt` or `SystemExit` an eager first step
    /// raised (the task is finished with it, and the loop no longer stops
    /// for it: the caller has it now).
    ///
    /// # Panics
    /// As [`Sim::spawn_with`].
    pub fn try_spawn_with<T, F>(
        &self,
        name: impl Into<Rc<str>>,
        start: Start,
        body: F,
    ) -> Result<Task<T>, Exc>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let task = self.spawn_with(name, start, body);
        let raised = self.0.limit_flag.get()
            && matches!(&*self.0.limit_hit.borrow(),
                        Some(RunError::Interrupted(i)) if i.task == task.id());
        if raised {
            self.take_limit();
            return Err(task
                .result()
                .and_then(Result::err)
                .expect("an interrupted task is finished with the interrupt"));
        }
        Ok(task)
    }

    /// `loop.set_task_factory(...)`: how tasks created from now on start
    /// (see [`Config::task_factory`]).
    ///
    /// # Panics
    /// An eager factory under py311 (`asyncio.eager_task_factory` is new
    /// in Python 3.12).
    pub fn set_task_factory(&self, factory: TaskFactory) {
        assert!(
            factory == TaskFactory::Lazy || self.profile() >= Profile::Py312,
            "asyncio.eager_task_factory is new in Python 3.12; this run reproduces {}",
            self.profile().cpython()
        );
        self.0.task_factory.set(factory);
    }

    /// Is this loop the one running on this thread?
    pub fn is_running(&self) -> bool {
        RUNNING.with(|r| {
            r.borrow()
                .as_ref()
                .is_some_and(|s| Rc::ptr_eq(&s.0, &self.0))
        })
    }

    /// `delay`, plus the latency the scheduler adds to a non-zero sleep.
    fn latency(&self, delay: Tick) -> Tick {
        if delay == 0 {
            return 0;
        }
        delay.saturating_add(self.choose(ChoicePoint::Latency, self.0.max_latency))
    }

    /// Put a set's members in the order asyncio iterates them: creation
    /// order under CPython's order, else as the scheduler answers.
    pub fn set_order<T>(&self, items: &mut [T]) {
        self.shuffle(ChoicePoint::SetOrder, items);
    }

    /// A Fisher-Yates shuffle whose steps are choice points (see
    /// [`crate::scheduler`]); answer 0 everywhere keeps the order.
    fn shuffle<T>(&self, point: ChoicePoint, items: &mut [T]) {
        if !self.0.asks {
            self.count_choice_points(items.len().saturating_sub(1) as u64);
            return;
        }
        for i in (1..items.len()).rev() {
            let c = self.choose(point, i as u64) as usize;
            items.swap(i, i - c);
        }
    }

    fn count_choice_points(&self, n: u64) {
        let points = &self.0.choice_points;
        points.set(points.get() + n);
    }

    /// Ask the scheduler at the next choice point; record and trace the
    /// answer (0 unless it [`deviates`](Scheduler::deviates)).
    fn choose(&self, point: ChoicePoint, max: u64) -> u64 {
        let index = self.0.choice_points.get();
        self.count_choice_points(1);
        if !self.0.asks {
            return 0;
        }
        let mut chosen = self.0.scheduler.borrow_mut().choose(point, max);
        if chosen > max {
            self.limit(RunError::ScheduleMismatch {
                index,
                point,
                max,
                chosen,
            });
            chosen = 0;
        }
        self.0
            .choices
            .borrow_mut()
            .push(Choice { point, max, chosen });
        if chosen != 0 {
            self.trace(Event::Choice {
                index,
                point,
                chosen,
            });
        }
        chosen
    }

    /// How many choice points the run has met so far: the timer-tie and
    /// set-order shuffle steps and the non-zero sleeps, whichever scheduler
    /// it has.
    pub fn choice_points(&self) -> u64 {
        self.0.choice_points.get()
    }

    /// Every answer the scheduler gave so far, by choice point; empty under
    /// CPython's order, which is never asked.
    pub fn choices(&self) -> Vec<Choice> {
        self.0.choices.borrow().clone()
    }

    /// The run's schedule so far: its non-zero answers by choice point,
    /// which [`Policy::Replay`](crate::Policy::Replay) replays exactly.
    pub fn schedule(&self) -> Schedule {
        Schedule::from_answers(self.0.choices.borrow().iter().map(|c| c.chosen))
    }

    pub(crate) fn schedule_step(&self, task: Rc<dyn Stepper>) {
        self.0.ready.borrow_mut().push_back(Ready::Step(task));
    }

    pub(crate) fn schedule_callback(&self, cb: Callback) {
        let entry = match cb {
            Callback::Wakeup(t) => Ready::Step(t),
            Callback::Call(c) => Ready::Call(c),
        };
        self.0.ready.borrow_mut().push_back(entry);
    }

    /// A task finished: returns its completion index.
    pub(crate) fn task_finished(&self) -> u32 {
        self.0.pending_tasks.set(self.0.pending_tasks.get() - 1);
        (self.0.tasks.borrow().len() - self.0.pending_tasks.get() - 1) as u32
    }

    /// A task's body panicked (or misused the loop): the run ends with
    /// that error after the current handle.
    pub(crate) fn task_panicked(&self, task: &str, message: String) {
        self.limit(RunError::TaskPanicked {
            task: task.to_owned(),
            message,
        });
    }

    pub(crate) fn await_cycle(&self, task: &str) {
        self.limit(RunError::AwaitCycle {
            task: task.to_owned(),
            at: None,
        });
    }

    /// `task` passes a cancel on to what it awaits: false, with the run
    /// ending, if that is once too deep (see [`Limits::max_cancel_depth`](crate::Limits)).
    pub(crate) fn enter_cancel(&self, task: &str) -> bool {
        let depth = self.0.cancel_depth.get() + 1;
        let limit = self.0.config.limits.max_cancel_depth;
        if depth > limit {
            self.limit(RunError::CancelDepth {
                task: task.to_owned(),
                limit,
                at: None,
            });
            return false;
        }
        self.0.cancel_depth.set(depth);
        true
    }

    /// The cancel passed on by [`Sim::enter_cancel`] came back.
    pub(crate) fn leave_cancel(&self) {
        self.0.cancel_depth.set(self.0.cancel_depth.get() - 1);
    }

    /// A run error is waiting to end the run: what is left to do in this
    /// handle can be cut short.
    pub(crate) fn is_ending(&self) -> bool {
        // An interrupt ends the run only once its handle is over: the rest
        // of the handle runs as in CPython (an eager child's interrupt
        // raised by `spawn_with` into a caller that goes on).
        self.0.limit_flag.get()
            && !matches!(*self.0.limit_hit.borrow(), Some(RunError::Interrupted(_)))
    }

    /// A task's step raised `KeyboardInterrupt` or `SystemExit`: the loop
    /// stops once the running handle is over.
    pub(crate) fn interrupt(&self, task: TaskId, name: &str, exc: &Exc) {
        self.limit(RunError::Interrupted(Interrupt {
            task,
            name: name.to_owned(),
            kind: exc.class_name().to_owned(),
            at: self.time(),
        }));
    }

    fn limit(&self, e: RunError) {
        self.0.limit_hit.borrow_mut().get_or_insert(e);
        self.0.limit_flag.set(true);
    }

    fn take_limit(&self) -> Option<RunError> {
        if !self.0.limit_flag.replace(false) {
            return None;
        }
        self.0.limit_hit.borrow_mut().take()
    }

    /// `stop()`: the loop stops at the end of the current pass.
    pub fn stop(&self) {
        self.0.stopping.set(true);
    }

    /// One pass of `_run_once`.
    pub fn run_once(&self) -> Result<(), RunError> {
        let _running = Running::enter(self);
        // An error raised outside a handle (an await cycle hit by a cancel
        // made between passes) ends the run at the next pass.
        if let Some(e) = self.take_limit() {
            return Err(e);
        }
        self.purge_cancelled_timers();
        if self.0.ready.borrow().is_empty() && !self.0.stopping.get() {
            let next = self.0.timers.borrow().first().map(|t| t.when);
            match next {
                None => return Err(RunError::Stalled(self.stall_report())),
                Some(when) if when > self.time() => {
                    let limit = self.0.config.limits.max_time;
                    if when > limit {
                        return Err(RunError::TimeLimit { limit, next: when });
                    }
                    self.0.now.set(when);
                }
                Some(_) => {}
            }
        }
        self.move_due_timers();
        let ntodo = self.0.ready.borrow().len();
        for _ in 0..ntodo {
            let handle = self.0.ready.borrow_mut().pop_front().expect("counted");
            match handle {
                Ready::Step(task) => task.step(),
                Ready::Call(c) => {
                    self.trace(Event::Callback { label: c.label() });
                    c.call();
                }
                Ready::Handle(h) => {
                    let Some(f) = h.take_callback().filter(|_| !h.is_cancelled()) else {
                        continue;
                    };
                    self.trace(Event::Callback { label: h.label });
                    f();
                }
                Ready::Sleep(s) => {
                    if !s.take_callback() {
                        continue;
                    }
                    self.trace(Event::Callback {
                        label: SleepCell::LABEL,
                    });
                    s.set_result_unless_cancelled(self);
                }
            }
            let steps = self.0.steps.get() + 1;
            self.0.steps.set(steps);
            let limit = self.0.config.limits.max_steps;
            if steps > limit {
                return Err(RunError::StepLimit {
                    limit,
                    at: self.time(),
                });
            }
            if let Some(e) = self.take_limit() {
                if let RunError::Interrupted(i) = &e {
                    self.trace(Event::Interrupted { task: i.task });
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// CPython's two ways of dropping cancelled timers: rebuild the heap when
    /// most of a large heap is cancelled, else pop cancelled ones off the top.
    fn purge_cancelled_timers(&self) {
        let mut timers = self.0.timers.borrow_mut();
        let cancelled = &self.0.timer_cancelled;
        let n = timers.len();
        if n > MIN_SCHEDULED_TIMER_HANDLES && 2 * cancelled.get() > n {
            timers.retain(|t| {
                if t.is_cancelled() {
                    t.unschedule();
                }
                !t.is_cancelled()
            });
            heapq::heapify(&mut timers);
            cancelled.set(0);
        } else {
            while timers.first().is_some_and(TimerEntry::is_cancelled) {
                cancelled.set(cancelled.get() - 1);
                let t = heapq::pop(&mut timers).expect("non-empty");
                t.unschedule();
            }
        }
    }

    /// Move due timers, in heap order, to the end of the ready queue; the
    /// scheduler may permute timers with equal deadlines.
    fn move_due_timers(&self) {
        let now = self.time();
        if !self.0.asks {
            // CPython's order: straight from the heap to the queue, counting
            // the tie-breaking choice points passed by.
            let mut last = None;
            loop {
                let t = {
                    let mut timers = self.0.timers.borrow_mut();
                    if timers.first().is_none_or(|t| t.when > now) {
                        return;
                    }
                    heapq::pop(&mut timers).expect("non-empty")
                };
                if last.replace(t.when) == Some(t.when) {
                    self.count_choice_points(1);
                }
                self.fire(t);
            }
        }
        let mut due = {
            let mut timers = self.0.timers.borrow_mut();
            let is_due = |t: &TimerEntry| t.when <= now;
            if !timers.first().is_some_and(is_due) {
                return;
            }
            let first = heapq::pop(&mut timers).expect("non-empty");
            if !timers.first().is_some_and(is_due) {
                // One due timer, the usual case: no tie, no list.
                drop(timers);
                self.fire(first);
                return;
            }
            let mut due = vec![first];
            while timers.first().is_some_and(is_due) {
                due.push(heapq::pop(&mut timers).expect("non-empty"));
            }
            due
        };
        for tie in due.chunk_by_mut(|a, b| a.when == b.when) {
            self.shuffle(ChoicePoint::TimerTie, tie);
        }
        for t in due {
            self.fire(t);
        }
    }

    /// A due timer, out of the heap, to the end of the ready queue.
    fn fire(&self, t: TimerEntry) {
        t.unschedule();
        self.trace(Event::TimerFired {
            label: t.label(),
            when: t.when,
        });
        self.0.ready.borrow_mut().push_back(t.into_ready());
    }

    fn stall_report(&self) -> StallReport {
        let blocked = self
            .0
            .tasks
            .borrow()
            .iter()
            .filter(|t| !t.done())
            .map(|t| Blocked {
                task: t.id(),
                name: t.name().to_owned(),
                waiting_on: t.waiting_on(),
            })
            .collect();
        StallReport {
            at: self.time(),
            blocked,
        }
    }

    /// `run_until_complete(task)`: run passes until the pass in which the
    /// task's done-callback stops the loop, exactly as asyncio does.
    pub fn run_until_complete(&self, task: &TaskRef) -> Result<(), RunError> {
        let me = self.clone();
        let t = task.clone();
        let cb = task.add_done_callback("_run_until_complete_cb", move || {
            // bpo-22429: an interrupt already ended that run; stopping
            // now would end the next one.
            if !t.exception().is_some_and(|e| e.is_interrupt()) {
                me.stop();
            }
        });
        loop {
            let r = self.run_once();
            if r.is_err() || self.0.stopping.get() {
                self.0.stopping.set(false);
                // As CPython's `finally`: a run cut short (an interrupt)
                // must not leave the callback to stop a later run.
                task.remove_done_callback(cb);
                return r;
            }
        }
    }

    /// Run passes until every task, including ones created meanwhile, is
    /// done, or until a pass calls [`Sim::stop`], as `run_forever` stops
    /// (a `main` that finished in the pass an interrupt cut short left its
    /// `_run_until_complete_cb` in the queue: CPython's shutdown then stops
    /// early too, and raises `RuntimeError`).
    pub fn run_until_tasks_done(&self) -> Result<(), RunError> {
        while self.pending_tasks() > 0 {
            self.run_once()?;
            if self.0.stopping.replace(false) {
                break;
            }
        }
        Ok(())
    }

    /// `asyncio.run(main)` without the shutdown: spawn `main`, run until it is
    /// done, return its result.
    pub fn run_main<T, F>(&self, name: &str, body: F) -> Result<Result<T, Exc>, RunError>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let main = self.spawn(name, body);
        self.run_until_complete(main.any())?;
        Ok(main.result().expect("main is done"))
    }

    /// `loop.close()`: drop every pending handle and timer with its
    /// callback, every task body and every pending task's done-callbacks,
    /// which breaks the reference cycles between tasks, the combinators'
    /// state and the loop (a stalled run, or one that leaves a timer
    /// pending, would otherwise leak them).
    pub fn close(&self) {
        // A pending handle's callback can hold whoever holds the handle
        // (as_completed's timeout does): drop the callbacks, not only the
        // queue's references to the handles.
        let ready = std::mem::take(&mut *self.0.ready.borrow_mut());
        for r in ready {
            if let Ready::Handle(h) = r {
                drop(h.take_callback());
            }
        }
        let timers = std::mem::take(&mut *self.0.timers.borrow_mut());
        for t in timers {
            if let Timer::Handle(h) = t.timer {
                drop(h.take_callback());
            }
        }
        for t in self.0.tasks.borrow().iter() {
            t.drop_body();
        }
    }
}

/// `asyncio.create_task` on the running loop.
pub fn spawn<T, F>(name: impl Into<Rc<str>>, body: F) -> Task<T>
where
    T: Clone + 'static,
    F: StdFuture<Output = Result<T, Exc>> + 'static,
{
    get_running_loop().spawn(name, body)
}

/// `asyncio.create_task(..., eager_start=...)` on the running loop; see
/// [`Sim::spawn_with`].
pub fn spawn_with<T, F>(name: impl Into<Rc<str>>, start: Start, body: F) -> Task<T>
where
    T: Clone + 'static,
    F: StdFuture<Output = Result<T, Exc>> + 'static,
{
    get_running_loop().spawn_with(name, start, body)
}
