//! The interpreter: each step performs the asyncio operations of the Python
//! program in `docs/scenario-semantics.md`, in the same order, so that the
//! run agrees with the CPython reference runner event for event.
//!
//! What the invariants need (scopes, cancel requests, semaphores, results)
//! the combinators record in the trace themselves, as for any program.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;

use serde_json::{json, Value};
use simloop_asyncio::as_completed::AsCompleted;
use simloop_asyncio::errors::ExceptStar;
use simloop_asyncio::gather::{gather, FutureLike};
use simloop_asyncio::locks::{BoundedSemaphore, Event, Semaphore};
use simloop_asyncio::shield::shield;
use simloop_asyncio::taskgroup::TaskGroup;
use simloop_asyncio::timeout::{timeout, Timeout};
use simloop_asyncio::wait::wait;
use simloop_core::scope::FutureRef;
use simloop_core::{
    current_task, get_running_loop, sleep, CallbackId, Exc, Future, RunError, Sim, Start, Task,
    TaskFactory, TaskId, TaskRef,
};

use crate::format::{Kind, ReturnWhen};
use crate::outcome::error_json;
use crate::plan::{ChildOp, ClauseOp, Op, Plan, ReprOp, Span};

/// A task's result: shared, so that awaiting it copies a pointer, not the
/// value.
pub(crate) type Val = Rc<Value>;
type Value_ = Result<Val, Exc>;
type BoxFut = Pin<Box<dyn StdFuture<Output = Value_>>>;

/// The state shared by every task of one scenario run.
pub(crate) struct Interp {
    sim: Sim,
    /// The scenario's steps, which every task's body walks.
    plan: Rc<Plan>,
    /// The semaphores, as [`Plan::semaphores`].
    semaphores: Vec<Sem>,
    /// The events, as [`Plan::events`].
    events: Vec<Event>,
    /// The futures, as [`Plan::futures`].
    futures: Vec<Future<Val>>,
    /// Tasks by name (what `await` and `cancel` look up).
    registry: RefCell<BTreeMap<Rc<str>, Task<Val>>>,
    /// Every task, by id: the typed handles the outcome reads values from.
    /// An eager task registers itself in its first step, before the
    /// `create_task` that makes it has returned (and after the tasks that
    /// step creates), hence the gaps until then.
    tasks: RefCell<Vec<Option<Task<Val>>>>,
    /// Tasks created so far by each task, by id (for `<parent>.<n>` names).
    created_by: RefCell<Vec<u32>>,
    /// The `await` step each task started last, by id, as an index of
    /// [`Plan`]'s ops: where a cancelled await cycle or too deep a chain
    /// is reported.
    awaiting: RefCell<Vec<u32>>,
    /// The timeouts and task groups entered, by slot ([`Plan::scopes`]);
    /// kept only if a step names one ([`Plan::names_scopes`]).
    scopes: RefCell<Vec<Option<OpenScope>>>,
    /// What each handler that ran handles, by slot ([`ClauseOp::slot`]);
    /// kept only if a step raises it again ([`Plan::reraises`]).
    handled: RefCell<Vec<Option<Exc>>>,
    /// `null`, shared by every step that returns it.
    null: Val,
}

/// A scope a step can name: `repr` prints it, `reschedule` moves a
/// timeout's deadline.
#[derive(Clone)]
enum OpenScope {
    Timeout(Timeout),
    TaskGroup(TaskGroup),
}

impl Interp {
    /// Runs the handler of `clause` on `exc`, which a `reraise` in it
    /// raises again.
    async fn handle(self: &Rc<Self>, clause: &ClauseOp, exc: &Exc) -> Value_ {
        if self.plan.reraises {
            self.handled.borrow_mut()[clause.slot] = Some(exc.clone());
        }
        block(self, clause.body).await
    }

    /// Keeps the scope of `slot`, entered, if a step may name it.
    fn entered(&self, slot: usize, scope: impl FnOnce() -> OpenScope) {
        if self.plan.names_scopes {
            self.scopes.borrow_mut()[slot] = Some(scope());
        }
    }

    /// The scope of `slot` (validation put the step that names it inside,
    /// so it was entered first).
    fn scope(&self, slot: Option<usize>) -> OpenScope {
        self.scopes.borrow()[slot.expect("validated")]
            .clone()
            .expect("a scope is entered before the steps inside it run")
    }

    pub(crate) fn new(sim: Sim, plan: Rc<Plan>) -> Rc<Interp> {
        let semaphores = plan
            .semaphores
            .iter()
            .map(|(name, n, bounded)| {
                if *bounded {
                    Sem::Bounded(BoundedSemaphore::named(name, *n as usize))
                } else {
                    Sem::Plain(Semaphore::named(name, *n as usize))
                }
            })
            .collect();
        let events = plan.events.iter().map(|name| Event::named(name)).collect();
        let futures = plan
            .futures
            .iter()
            .map(|_| sim.create_future("future"))
            .collect();
        // Each step runs at most once, so each child at most once: `main`
        // and the children are all the tasks a run can have.
        let most = plan.children.len() + 1;
        let scopes = if plan.names_scopes {
            vec![None; plan.scopes]
        } else {
            Vec::new()
        };
        let handled = if plan.reraises {
            vec![None; plan.handlers]
        } else {
            Vec::new()
        };
        Rc::new(Interp {
            sim,
            plan,
            semaphores,
            events,
            futures,
            registry: RefCell::new(BTreeMap::new()),
            tasks: RefCell::new(Vec::with_capacity(most)),
            created_by: RefCell::new(Vec::with_capacity(most)),
            awaiting: RefCell::new(Vec::with_capacity(most)),
            scopes: RefCell::new(scopes),
            handled: RefCell::new(handled),
            null: Rc::new(Value::Null),
        })
    }

    /// Set `sim` up for `plan` and create `main`: what the reference
    /// runner does before `run_until_complete(main)`. A profile whose
    /// CPython lacks what the plan needs refuses it, as CPython raises.
    pub(crate) fn start(sim: &Sim, plan: &Rc<Plan>) -> Result<(Rc<Interp>, Task<Val>), RunError> {
        if let Some(message) = plan.unsupported(sim.profile()) {
            return Err(RunError::Unsupported { message });
        }
        sim.set_task_factory(plan.task_factory);
        let ix = Interp::new(sim.clone(), plan.clone());
        let main = ix.spawn_main();
        Ok((ix, main))
    }

    /// Create `main`, the root task.
    fn spawn_main(self: &Rc<Self>) -> Task<Val> {
        let name: Rc<str> = Rc::from("main");
        let body = run_block(self.clone(), self.plan.main, true);
        let t = self.sim.spawn(name.clone(), body);
        self.register(name, t.clone());
        t
    }

    pub(crate) fn task(&self, id: TaskId) -> Task<Val> {
        self.tasks.borrow()[id.0 as usize]
            .clone()
            .expect("every task is the interpreter's")
    }

    /// `name` is `t`'s, shared rather than copied. Registering twice (an
    /// eager task, then its `create_task`) keeps the first.
    fn register(&self, name: Rc<str>, t: Task<Val>) {
        let id = t.id().0 as usize;
        let mut tasks = self.tasks.borrow_mut();
        if tasks.len() <= id {
            tasks.resize(id + 1, None);
        } else if tasks[id].is_some() {
            return;
        }
        self.registry.borrow_mut().insert(name, t.clone());
        tasks[id] = Some(t);
    }

    /// The running task registers itself: an eager first step, which may
    /// look itself up by name (the reference runner registers a task in
    /// its `__init__`, before `Task.__init__` runs that step).
    fn register_current(&self, name: Rc<str>) {
        let me = current_task().and_then(|t| t.typed::<Val>());
        self.register(name, me.expect("a scenario task runs its own body"));
    }

    /// Does `create_task` take this child's first step at once?
    fn starts_eagerly(&self, child: &ChildOp) -> bool {
        match child.start {
            Start::Eager => true,
            Start::Lazy => false,
            Start::Factory => self.plan.task_factory == TaskFactory::Eager,
        }
    }

    /// The body of a child: an eager one registers itself first.
    fn child_body(self: &Rc<Self>, child: &ChildOp, name: &Rc<str>) -> BoxFut {
        let body = run_block(self.clone(), child.body, true);
        if !self.starts_eagerly(child) {
            return body;
        }
        let ix = self.clone();
        let name = name.clone();
        Box::pin(async move {
            ix.register_current(name);
            body.await
        })
    }

    /// The name `create_child` gives: explicit, or `<current>.<n>`.
    fn child_name(&self, child: &ChildOp) -> Rc<str> {
        let me = current_task().expect("steps run in tasks");
        let n = {
            let mut counts = self.created_by.borrow_mut();
            let id = me.id().0 as usize;
            if counts.len() <= id {
                counts.resize(id + 1, 0);
            }
            let c = &mut counts[id];
            *c += 1;
            *c - 1
        };
        match child.name {
            Some(name) => Rc::from(self.plan.text(name)),
            // Built by hand in the thread's scratch string, then copied
            // once: `format!` and a `String` of its own each cost more
            // than the rest of a spawn's bookkeeping.
            None => NAME.with_borrow_mut(|name| {
                name.clear();
                name.push_str(me.name());
                name.push('.');
                push_decimal(name, n);
                Rc::from(name.as_str())
            }),
        }
    }

    /// `asyncio.create_task(run_block(child.body), name=...)`, which
    /// raises what an eager first step raises out of the loop.
    fn create_child(self: &Rc<Self>, child: &ChildOp) -> Result<Task<Val>, Exc> {
        let name = self.child_name(child);
        let body = self.child_body(child, &name);
        let t = self.sim.try_spawn_with(name.clone(), child.start, body)?;
        self.register(name, t.clone());
        Ok(t)
    }

    /// `create_child` for each of a step's children, in order, up to the
    /// first that raises.
    fn create_children(self: &Rc<Self>, children: Span) -> Result<Vec<Task<Val>>, Exc> {
        self.plan
            .children(children)
            .iter()
            .map(|c| self.create_child(c))
            .collect()
    }

    /// `tg.create_task(run_block(child.body), name=...)`.
    fn create_in_group(self: &Rc<Self>, tg: &TaskGroup, child: &ChildOp) -> Result<Task<Val>, Exc> {
        let name = self.child_name(child);
        let body = self.child_body(child, &name);
        let t = tg.create_task_with(name.clone(), child.start, body)?;
        self.register(name, t.clone());
        Ok(t)
    }

    /// Each name of a `gather_tasks` or `wait_tasks`, in order: a declared
    /// future, else [`Interp::lookup`]'s task (the first not created yet
    /// raises).
    fn lookup_all(&self, names: Span) -> Result<Vec<Named>, Exc> {
        self.plan
            .names(names)
            .map(|n| match self.plan.future(n) {
                Some(i) => Ok(Named::Future(self.futures[i].clone())),
                None => self.lookup(n).map(Named::Task),
            })
            .collect()
    }

    /// The future of a future step, if it can still be resolved.
    fn unresolved(&self, fut: Option<usize>) -> Result<&Future<Val>, Exc> {
        let f = &self.futures[fut.expect("validated")];
        if f.done() {
            // asyncio.InvalidStateError
            return Err(Exc::with_message("InvalidStateError", "invalid state"));
        }
        Ok(f)
    }

    /// The running task starts the `await` step `op`.
    fn awaits(&self, op: usize) {
        let id = current_task().expect("steps run in tasks").id().0 as usize;
        let mut awaiting = self.awaiting.borrow_mut();
        if awaiting.len() <= id {
            awaiting.resize(id + 1, u32::MAX);
        }
        awaiting[id] = u32::try_from(op).unwrap_or(u32::MAX);
    }

    /// `e` with the JSON path of the `await` it is about, if it is a
    /// cancelled await cycle or too deep a chain.
    pub(crate) fn locate(&self, e: RunError) -> RunError {
        let (RunError::AwaitCycle { task, .. } | RunError::CancelDepth { task, .. }) = &e else {
            return e;
        };
        let at = self.registry.borrow().get(task.as_str()).and_then(|t| {
            let op = *self.awaiting.borrow().get(t.id().0 as usize)?;
            self.plan.op_path(op as usize)
        });
        e.at(at.map(|p| format!("{p}.await")))
    }

    /// Count a task's result against the run's value limit (counting stops
    /// at the limit).
    fn count(&self, v: &Value) {
        let left = self.sim.values_left();
        self.sim
            .count_values(count_values(v, left.saturating_add(1)));
    }

    fn lookup(&self, name: &str) -> Result<Task<Val>, Exc> {
        self.registry
            .borrow()
            .get(name)
            .cloned()
            .ok_or_else(|| Exc::new("KeyError"))
    }
}

/// What a name of `gather_tasks` or `wait_tasks` is: a task or a declared
/// future, which gather and wait take alike.
#[derive(Clone)]
enum Named {
    Task(Task<Val>),
    Future(Future<Val>),
}

/// The same method of the task or of the future.
macro_rules! either {
    ($self:ident, $x:ident => $e:expr) => {
        match $self {
            Named::Task($x) => $e,
            Named::Future($x) => $e,
        }
    };
}

impl FutureLike for Named {
    type Output = Val;
    fn done(&self) -> bool {
        either!(self, x => FutureLike::done(x))
    }
    fn cancelled(&self) -> bool {
        either!(self, x => FutureLike::cancelled(x))
    }
    fn result(&self) -> Option<Result<Val, Exc>> {
        either!(self, x => FutureLike::result(x))
    }
    fn cancel(&self, msg: Option<&str>) -> bool {
        either!(self, x => FutureLike::cancel(x, msg))
    }
    fn add_done_callback(&self, label: &'static str, f: impl FnOnce() + 'static) -> CallbackId {
        either!(self, x => FutureLike::add_done_callback(x, label, f))
    }
    fn remove_done_callback(&self, id: CallbackId) -> bool {
        either!(self, x => FutureLike::remove_done_callback(x, id))
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Named::Task(a), Named::Task(b)) => FutureLike::same(a, b),
            (Named::Future(a), Named::Future(b)) => FutureLike::same(a, b),
            _ => false,
        }
    }
    fn key(&self) -> u64 {
        match self {
            // Tasks and futures are numbered apart; the top bit keeps
            // their keys apart.
            Named::Task(t) => FutureLike::key(t) | 1 << 63,
            Named::Future(f) => FutureLike::key(f),
        }
    }
    fn cancel_message(&self) -> Option<Rc<str>> {
        either!(self, x => FutureLike::cancel_message(x))
    }
    fn make_cancelled_error(&self) -> Exc {
        either!(self, x => FutureLike::make_cancelled_error(x))
    }
    fn future_ref(&self) -> FutureRef {
        either!(self, x => FutureLike::future_ref(x))
    }
    fn task(&self) -> Option<TaskRef> {
        either!(self, x => FutureLike::task(x))
    }
}

/// A declared semaphore: `asyncio.Semaphore` or `asyncio.BoundedSemaphore`.
enum Sem {
    Plain(Semaphore),
    Bounded(BoundedSemaphore),
}

impl std::fmt::Display for Sem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sem::Plain(s) => s.fmt(f),
            Sem::Bounded(s) => s.fmt(f),
        }
    }
}

impl Sem {
    async fn acquire(&self) -> Result<(), Exc> {
        match self {
            Sem::Plain(s) => s.acquire().await,
            Sem::Bounded(s) => s.acquire().await,
        }
    }

    /// `release()`: only a bounded one can refuse.
    fn release(&self) -> Result<(), Exc> {
        match self {
            Sem::Plain(s) => {
                s.release();
                Ok(())
            }
            Sem::Bounded(s) => s.release(),
        }
    }
}

thread_local! {
    /// Where [`Interp::child_name`] builds a name.
    static NAME: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `n` in decimal, as `format!("{n}")` writes it.
fn push_decimal(s: &mut String, n: u32) {
    if n >= 10 {
        push_decimal(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

/// The exception `{"raise": K}` raises (validation rejects the kinds that
/// cannot be raised).
fn raise(kind: &Kind) -> Exc {
    kind.instance().expect("validated: a raisable kind")
}

/// The JSON values in `v` (a list and each of its items), counting no
/// further than `cap`. Every task's result is counted: a value that is not
/// a list costs one compare. Recursion is as deep as the value's lists,
/// which the scenario's depth limit bounds.
fn count_values(v: &Value, cap: u64) -> u64 {
    let Value::Array(items) = v else { return 1 };
    let mut n = 1;
    for x in items {
        if n >= cap {
            break;
        }
        n += count_values(x, cap - n);
    }
    n
}

/// A child's result as an item of a list value.
fn item(r: Result<Val, Exc>) -> Value {
    match r {
        Ok(v) => Rc::unwrap_or_clone(v),
        Err(e) if e.is_cancelled() => json!({ "cancelled": true }),
        Err(e) => json!({ "error": error_json(&e) }),
    }
}

/// The steps of `body` in order; the value of the last (`null` if none).
/// A task's whole body (`task`) counts its result against the run's value
/// limit.
fn run_block(ix: Rc<Interp>, body: Span, task: bool) -> BoxFut {
    Box::pin(async move {
        let mut value = ix.null.clone();
        for (i, op) in body.range().zip(ix.plan.block(body)) {
            value = run_step(&ix, i, op).await?;
        }
        if task {
            ix.count(&value);
        }
        Ok(value)
    })
}

fn block(ix: &Rc<Interp>, body: Span) -> BoxFut {
    run_block(ix.clone(), body, false)
}

/// Op `op`, at index `i` of the plan's ops.
async fn run_step(ix: &Rc<Interp>, i: usize, op: &Op) -> Value_ {
    match op {
        Op::Sleep(n) => sleep(*n).await.map(|_| ix.null.clone()),
        Op::Return(v) => Ok(ix.plan.value(*v).clone()),
        Op::Raise(kind) => Err(raise(kind)),
        Op::Hang => get_running_loop().create_future::<Val>("hang").await,
        Op::Spawn(child) => {
            ix.create_child(&ix.plan.children[*child])?;
            Ok(ix.null.clone())
        }
        Op::Await(name) => {
            let t = ix.lookup(ix.plan.text(*name))?;
            ix.awaits(i);
            t.await
        }
        Op::Cancel(name) => {
            ix.lookup(ix.plan.text(*name))?.cancel(None);
            Ok(ix.null.clone())
        }
        Op::Uncancel => {
            current_task().expect("in a task").uncancel();
            Ok(ix.null.clone())
        }
        Op::Gather {
            children,
            return_exceptions,
        } => {
            let ts = ix.create_children(*children)?;
            let r = gather(ts, *return_exceptions).await;
            Ok(Rc::new(Value::Array(r?.into_iter().map(item).collect())))
        }
        Op::TaskGroup {
            children,
            then,
            slot,
        } => task_group(ix, *children, *then, *slot).await,
        Op::Wait {
            children,
            return_when,
            timeout,
            cancel_pending,
        } => {
            let ts = ix.create_children(*children)?;
            wait_value(ts, *return_when, *timeout, *cancel_pending).await
        }
        Op::FutureSet { fut, value } => {
            ix.unresolved(*fut)?
                .set_result(ix.plan.value(*value).clone());
            Ok(ix.null.clone())
        }
        Op::FutureFail { fut, error } => {
            ix.unresolved(*fut)?.set_exception(raise(error));
            Ok(ix.null.clone())
        }
        Op::FutureCancel(fut) => {
            ix.futures[fut.expect("validated")].cancel(None);
            Ok(ix.null.clone())
        }
        Op::AwaitFuture(fut) => ix.futures[fut.expect("validated")].clone().await,
        Op::GatherTasks {
            names,
            return_exceptions,
        } => {
            let ts = ix.lookup_all(*names)?;
            let r = gather(ts, *return_exceptions).await;
            Ok(Rc::new(Value::Array(r?.into_iter().map(item).collect())))
        }
        Op::WaitTasks {
            names,
            return_when,
            timeout,
            cancel_pending,
        } => {
            let ts = ix.lookup_all(*names)?;
            wait_value(ts, *return_when, *timeout, *cancel_pending).await
        }
        Op::AsCompleted {
            children,
            take,
            timeout,
            skip_errors,
            cancel_rest,
        } => {
            let ts = ix.create_children(*children)?;
            let r = as_completed(
                &ts,
                take.unwrap_or(ts.len()),
                *timeout,
                *skip_errors,
                *cancel_rest,
            )
            .await;
            r
        }
        Op::Timeout { delay, body, slot } => {
            let cm = timeout(*delay);
            cm.enter().await?;
            ix.entered(*slot, || OpenScope::Timeout(cm.clone()));
            let r = block(ix, *body).await;
            let exit = cm.exit(r.as_ref().err().cloned()).await;
            exit_with(exit, r)
        }
        Op::Repr(of) => {
            let text = match *of {
                ReprOp::Semaphore(sem) => ix.semaphores[sem.expect("validated")].to_string(),
                ReprOp::Event(e) => ix.events[e.expect("validated")].to_string(),
                ReprOp::Scope(slot) => match ix.scope(slot) {
                    OpenScope::Timeout(cm) => cm.to_string(),
                    OpenScope::TaskGroup(tg) => tg.to_string(),
                },
            };
            Ok(Rc::new(Value::String(text)))
        }
        Op::Reraise(slot) => Err(ix.handled.borrow()[slot.expect("validated")]
            .clone()
            .expect("a handler keeps its exception before its steps run")),
        Op::Reschedule { slot, delay } => {
            let OpenScope::Timeout(cm) = ix.scope(*slot) else {
                unreachable!("a reschedule's slot is a timeout's")
            };
            cm.reschedule(delay.map(|d| ix.sim.time() + d))?;
            Ok(ix.null.clone())
        }
        Op::Shield(child) => {
            let t = ix.create_child(&ix.plan.children[*child])?;
            shield(&t).await
        }
        Op::Acquire { sem, body } => {
            let i = sem.expect("validated");
            let sem = &ix.semaphores[i];
            sem.acquire().await?;
            let r = block(ix, *body).await;
            // `__aexit__`'s release: its `ValueError` (a bounded semaphore
            // released once too often inside the body) replaces the
            // body's outcome.
            exit_with(sem.release(), r)
        }
        Op::Try {
            body,
            excepts,
            finally,
        } => {
            let r = match block(ix, *body).await {
                Err(e) => match ix
                    .plan
                    .clauses(*excepts)
                    .iter()
                    .find(|c| ix.plan.matcher(c).matches(&e))
                {
                    Some(c) => ix.handle(c, &e).await,
                    None => Err(e),
                },
                ok => ok,
            };
            finally_then(ix, *finally, r).await
        }
        Op::EventSet(e) => {
            ix.events[e.expect("validated")].set();
            Ok(ix.null.clone())
        }
        Op::EventWait(e) => {
            ix.events[e.expect("validated")].wait().await?;
            Ok(ix.null.clone())
        }
        Op::EventClear(e) => {
            ix.events[e.expect("validated")].clear();
            Ok(ix.null.clone())
        }
        Op::Release(sem) => {
            ix.semaphores[sem.expect("validated")].release()?;
            Ok(ix.null.clone())
        }
        Op::TryStar {
            body,
            excepts,
            finally,
        } => {
            let r = match block(ix, *body).await {
                Err(e) => except_star(ix, e, ix.plan.clauses(*excepts)).await,
                ok => ok,
            };
            finally_then(ix, *finally, r).await
        }
    }
}

/// `asyncio.wait(ts, ...)`, then with `cancel_pending` `cancel()` each
/// pending task once, in `ts` order (`pending` is in input order, without
/// duplicates); value: the sorted indexes into `ts` of the done tasks.
async fn wait_value<F: FutureLike<Output = Val>>(
    ts: Vec<F>,
    return_when: ReturnWhen,
    timeout: Option<u64>,
    cancel_pending: bool,
) -> Value_ {
    let (done, pending) = wait(ts.clone(), return_when, timeout).await?;
    if cancel_pending {
        for t in &pending {
            t.cancel(None);
        }
    }
    let idx: Vec<usize> = (0..ts.len())
        .filter(|&i| done.iter().any(|d| d.same(&ts[i])))
        .collect();
    Ok(Rc::new(Value::from(idx)))
}

/// `async with X: body` where `X.__aexit__` returns falsy or raises: its
/// exception wins, else the body's exception propagates, else its value.
fn exit_with(exit: Result<(), Exc>, body: Value_) -> Value_ {
    exit?;
    body
}

/// `finally:` runs whatever happened; its own error replaces the result.
async fn finally_then(ix: &Rc<Interp>, finally: Span, r: Value_) -> Value_ {
    if finally.range().is_empty() {
        return r;
    }
    block(ix, finally).await?;
    r
}

async fn task_group(ix: &Rc<Interp>, children: Span, then: Span, slot: usize) -> Value_ {
    let tg = TaskGroup::new();
    tg.enter().await?;
    ix.entered(slot, || OpenScope::TaskGroup(tg.clone()));
    let mut ts = Vec::new();
    let mut body = Ok(ix.null.clone());
    for c in ix.plan.children(children) {
        match ix.create_in_group(&tg, c) {
            Ok(t) => ts.push(t),
            Err(e) => {
                body = Err(e);
                break;
            }
        }
    }
    if body.is_ok() {
        body = block(ix, then).await;
    }
    let exit = tg.exit(body.as_ref().err().cloned()).await;
    let r = exit_with(exit, body);
    r?;
    Ok(Rc::new(Value::Array(
        ts.iter()
            .map(|t| item(t.result().expect("a group's children are done")))
            .collect(),
    )))
}

async fn as_completed(
    ts: &[Task<Val>],
    take: usize,
    timeout: Option<u64>,
    skip_errors: bool,
    cancel_rest: bool,
) -> Value_ {
    let mut values = Vec::new();
    for next in AsCompleted::new(ts.to_vec(), timeout) {
        if values.len() >= take {
            break;
        }
        match next.await {
            Ok(v) => values.push(Rc::unwrap_or_clone(v)),
            Err(e) if skip_errors && e.is_exception() => continue,
            Err(e) => return Err(e),
        }
    }
    if cancel_rest {
        for t in ts.iter().filter(|t| !t.done()) {
            t.cancel(None);
        }
    }
    Ok(Rc::new(Value::Array(values)))
}

/// `except*` clauses: each takes its part of the group in turn; what no
/// clause handled, and what handlers raised, is raised at the end.
async fn except_star(ix: &Rc<Interp>, exc: Exc, clauses: &[ClauseOp]) -> Value_ {
    let mut plan = ExceptStar::new(exc);
    let mut value = ix.null.clone();
    for c in clauses {
        if let Some(part) = plan.next_clause(&ix.plan.matcher(c)) {
            match ix.handle(c, &part).await {
                Ok(v) => value = v,
                Err(raised) => plan.handler_raised(raised),
            }
        }
    }
    match plan.finish() {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn decimal_is_what_format_writes() {
        for n in [0, 7, 10, 42, 99, 100, 12_345, u32::MAX] {
            let mut s = String::from("x.");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x.{n}"));
        }
    }
}
