//! `asyncio.TaskGroup` (`Lib/asyncio/taskgroups.py`), per CPython version.
//!
//! `async with TaskGroup() as g: BODY` is, step by step:
//!
//! ```
//! use simloop_asyncio::taskgroup::TaskGroup;
//! use simloop_core::{sleep, Config, Profile, Sim};
//!
//! let sim = Sim::new(Config::new(Profile::Py313));
//! let r = sim.run_main("main", async {
//!     let g = TaskGroup::new();
//!     g.enter().await?;                                 // __aenter__
//!     let body = async {
//!         let t = g.create_task("child", async { sleep(5).await?; Ok(7) })?;
//!         Ok(t)
//!     }
//!     .await;
//!     g.exit(body.as_ref().err().cloned()).await?;      // __aexit__
//!     let t = body?;                                    // the body's own error
//!     t.result().unwrap()
//! });
//! assert_eq!(r.unwrap().unwrap(), 7);
//! ```
//!
//! or, the same with [`task_group`]. The three profiles differ only in
//! `__aexit__` (where the parent is uncancelled, and 3.13's re-cancel of a
//! parent that is being cancelled from outside) and in details of
//! `create_task` that change no loop operation here; see the comments at
//! each branch on [`Profile`].
//!
//! The group records its scope in the trace ([`ScopeEvent::TaskGroupEnter`],
//! a [`ScopeEvent::TaskGroupChild`] per child, [`ScopeEvent::TaskGroupExit`]),
//! and its own cancel requests and `uncancel()` calls carry its
//! [`ScopeId`]; recording schedules nothing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use simloop_core::scope::{ScopeEvent, ScopeExit, ScopeId};
use simloop_core::{
    current_task, get_running_loop, Exc, Future, Profile, Sim, Start, Task, TaskId, TaskRef,
};

use crate::planted::{self, Bug};
use crate::task_set::TaskSet;

/// `asyncio.TaskGroup`. Cloning gives another handle to the same group (a
/// child that creates siblings holds one).
///
/// Its set of tasks keeps insertion order; `_abort` visits it in the order
/// [`Sim::set_order`] gives, which under the `asyncio` policy is creation
/// order (the reference runner pins CPython's set to that order too).
#[derive(Clone, Default)]
#[must_use = "a TaskGroup does nothing until entered"]
pub struct TaskGroup(Rc<State>);

/// The fields of CPython's `TaskGroup`.
#[derive(Default)]
struct State {
    entered: Cell<bool>,
    exiting: Cell<bool>,
    aborting: Cell<bool>,
    lp: RefCell<Option<Sim>>,
    /// Its scope id in the trace, once entered.
    scope: Cell<Option<ScopeId>>,
    parent_task: RefCell<Option<TaskRef>>,
    parent_cancel_requested: Cell<bool>,
    /// `_tasks`.
    tasks: RefCell<TaskSet>,
    errors: RefCell<Vec<Exc>>,
    base_error: RefCell<Option<Exc>>,
    on_completed_fut: RefCell<Option<Future<bool>>>,
}

fn runtime_error(msg: String) -> Exc {
    Exc::with_message("RuntimeError", &msg)
}

impl TaskGroup {
    /// `TaskGroup()`: not entered, no tasks.
    pub fn new() -> TaskGroup {
        TaskGroup::default()
    }

    /// `__aenter__`: the running task becomes the parent.
    ///
    /// Errors as CPython's: `RuntimeError("TaskGroup <TaskGroup...> has
    /// already been entered")`, and `RuntimeError("... cannot determine the
    /// parent task")` outside a task (outside a running loop CPython's
    /// `get_running_loop()` raises first; here the loop is only looked up
    /// once there is a task).
    pub async fn enter(&self) -> Result<(), Exc> {
        let s = &self.0;
        if s.entered.get() {
            return Err(runtime_error(format!(
                "TaskGroup {self} has already been entered"
            )));
        }
        let Some(parent) = current_task() else {
            return Err(runtime_error(format!(
                "TaskGroup {self} cannot determine the parent task"
            )));
        };
        let sim =
            s.lp.borrow_mut()
                .get_or_insert_with(get_running_loop)
                .clone();
        let group = sim.new_scope();
        s.scope.set(Some(group));
        sim.trace_scope(|| ScopeEvent::TaskGroupEnter {
            group,
            owner: parent.id(),
            cancelling: parent.cancelling(),
        });
        *s.parent_task.borrow_mut() = Some(parent);
        s.entered.set(true);
        Ok(())
    }

    /// `create_task(body, name=name)`: a child task in this group.
    ///
    /// Fails, in this order, with `RuntimeError("TaskGroup <repr> has not
    /// been entered")`, `"... is finished"` (exiting and no task left) and
    /// `"... is shutting down"` (aborting); the body is then dropped without
    /// running (3.13's `coro.close()`). Tasks may still be added while
    /// [`exit`](TaskGroup::exit) waits, unless the group is aborting.
    ///
    /// Under the eager task factory the child takes its first step inside
    /// this call (see [`create_task_with`](TaskGroup::create_task_with)).
    pub fn create_task<T, F>(&self, name: impl Into<Rc<str>>, body: F) -> Result<Task<T>, Exc>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        self.create_task_with(name, Start::Factory, body)
    }

    /// `create_task(body, name=name, eager_start=...)` (3.14; see
    /// [`Sim::spawn_with`](simloop_core::Sim::spawn_with)). A child that
    /// finishes in an eager first step is handled as CPython does: 3.12 and
    /// 3.13 call `_on_task_done` at once, inside this call (so a failure
    /// aborts the group before the next `create_task`, which then fails
    /// with "shutting down"); 3.14 always adds it to the group and waits
    /// for its done-callback, like any other child. A `KeyboardInterrupt`
    /// or `SystemExit` raised by that eager step is returned as the `Err`,
    /// as CPython's `create_task` raises it, before the group knows the
    /// task ([`Sim::try_spawn_with`](simloop_core::Sim::try_spawn_with)).
    ///
    /// # Panics
    /// With [`Start::Eager`] or [`Start::Lazy`] before py314.
    pub fn create_task_with<T, F>(
        &self,
        name: impl Into<Rc<str>>,
        start: Start,
        body: F,
    ) -> Result<Task<T>, Exc>
    where
        T: Clone + 'static,
        F: StdFuture<Output = Result<T, Exc>> + 'static,
    {
        let s = &self.0;
        if !s.entered.get() {
            return Err(runtime_error(format!(
                "TaskGroup {self} has not been entered"
            )));
        }
        if s.exiting.get() && s.tasks.borrow().is_empty() {
            return Err(runtime_error(format!("TaskGroup {self} is finished")));
        }
        if s.aborting.get() {
            return Err(runtime_error(format!("TaskGroup {self} is shutting down")));
        }
        let sim = self.sim();
        // An interrupt raised by an eager first step goes to the caller
        // before the group knows the task.
        let task = sim.try_spawn_with(name, start, body)?;
        sim.trace_scope(|| ScopeEvent::TaskGroupChild {
            group: self.scope(),
            task: task.id(),
        });
        // 3.14's `future_add_to_awaited_by(task, self._parent_task)`, kept
        // on every profile for the call graph.
        task.add_awaited_by(self.parent().id());
        let profile = sim.profile();
        if task.done() && (Profile::Py312..Profile::Py314).contains(&profile) {
            // Finished in its eager first step: "optimization: immediately
            // call the done callback", never in the set.
            self.task_done(task.any());
            return Ok(task);
        }
        // The callback names the task by id, not by a handle: a task holding
        // a handle to itself in its own callbacks would never be freed if
        // it never finishes. It is in the set until this callback runs.
        let weak = Rc::downgrade(s);
        let id = task.id();
        let on_done = move || {
            if let Some(s) = weak.upgrade() {
                TaskGroup(s).on_task_done(id);
            }
        };
        if profile >= Profile::Py312 {
            s.tasks.borrow_mut().insert(task.any().clone());
            task.add_done_callback("TaskGroup._on_task_done", on_done);
        } else {
            task.add_done_callback("TaskGroup._on_task_done", on_done);
            s.tasks.borrow_mut().insert(task.any().clone());
        }
        Ok(task)
    }

    /// `__aexit__(et, exc, tb)` with the body's exception, if it raised.
    ///
    /// `Err(e)`: `__aexit__` raised `e` (the group's `BaseExceptionGroup`
    /// `'unhandled errors in a TaskGroup'`, a base error, or a
    /// `CancelledError`), which replaces the body's exception. `Ok(())`:
    /// `__aexit__` returned `None`, so the `async with` ends as its body
    /// did: the body's exception, if any, propagates unchanged (a task group
    /// never suppresses one).
    ///
    /// # Panics
    /// If the group was never entered (`async with` cannot do that).
    pub async fn exit(&self, exc: Option<Exc>) -> Result<(), Exc> {
        let r = self.aexit(exc.clone()).await;
        let parent = self.parent();
        let pending = self
            .0
            .tasks
            .borrow()
            .iter()
            .filter(|t| !t.done())
            .map(TaskRef::id)
            .collect();
        self.sim().trace_scope(|| {
            ScopeEvent::TaskGroupExit(Box::new(ScopeExit {
                scope: self.scope(),
                owner: parent.id(),
                cancelling: parent.cancelling(),
                body_error: exc,
                exit_error: r.as_ref().err().cloned(),
                pending,
            }))
        });
        r
    }

    /// The body of [`exit`](TaskGroup::exit), which records where it ends.
    async fn aexit(&self, exc: Option<Exc>) -> Result<(), Exc> {
        let s = &self.0;
        let sim = self.sim();
        let profile = sim.profile();
        let parent = self.parent();
        s.exiting.set(true);

        if let Some(e) = &exc {
            // `TaskGroup._is_base_error`: the exceptions a task lets out of the
            // loop; other `BaseException`-only classes are ordinary errors here.
            if e.is_interrupt() && s.base_error.borrow().is_none() {
                *s.base_error.borrow_mut() = Some(e.clone());
            }
        }

        // 3.11/3.12: `exc if et is CancelledError`; 3.13: `issubclass(et,
        // CancelledError)`. There are no subclasses here: the same test.
        let body_cancelled = exc.as_ref().is_some_and(Exc::is_cancelled);
        let mut propagate_cancellation_error = if body_cancelled { exc.clone() } else { None };

        // 3.11/3.12 uncancel the parent before waiting for the children.
        if profile < Profile::Py313
            && s.parent_cancel_requested.get()
            && self.uncancel_parent(&parent) == 0
        {
            propagate_cancellation_error = None;
        }

        if exc.is_some() && !s.aborting.get() {
            // The parent is being cancelled, or the body raised.
            self.abort();
        }

        // `_on_completed_fut` is created afresh on each round: the parent
        // may be cancelled repeatedly while it waits.
        while !s.tasks.borrow().is_empty() {
            if planted::on(Bug::TaskGroupNoWait) && s.aborting.get() {
                break;
            }
            let fut = s
                .on_completed_fut
                .borrow_mut()
                .get_or_insert_with(|| sim.create_future("TaskGroup._on_completed_fut"))
                .clone();
            if let Err(ex) = (&fut).await {
                // Only a CancelledError can come out of this future.
                debug_assert!(ex.is_cancelled());
                if !s.aborting.get() {
                    // The parent was cancelled while the children still run.
                    propagate_cancellation_error = Some(ex);
                    self.abort();
                }
            }
            *s.on_completed_fut.borrow_mut() = None;
        }

        let base_error = s.base_error.borrow().clone();
        if let Some(b) = base_error {
            return Err(b);
        }

        // 3.13 uncancels after waiting (and after a base error was raised).
        if profile >= Profile::Py313
            && s.parent_cancel_requested.get()
            && self.uncancel_parent(&parent) == 0
        {
            propagate_cancellation_error = None;
        }

        // A CancelledError propagates unless there are errors: those win.
        if let Some(c) = propagate_cancellation_error {
            if s.errors.borrow().is_empty() {
                return Err(c);
            }
        }

        if let Some(e) = exc.filter(|e| !e.is_cancelled()) {
            s.errors.borrow_mut().push(e);
        }

        if !s.errors.borrow().is_empty() {
            // 3.13: a parent being cancelled from outside is uncancelled and
            // cancelled again, which keeps the count and re-arms the cancel.
            if profile >= Profile::Py313 && parent.cancelling() > 0 {
                parent.uncancel_by(self.scope());
                parent.cancel_by(self.scope());
            }
            let errors = std::mem::take(&mut *s.errors.borrow_mut());
            return Err(Exc::group("unhandled errors in a TaskGroup", errors));
        }
        Ok(())
    }

    /// `len(self._tasks)`: children not yet done (their done-callback has
    /// not run yet).
    pub fn pending(&self) -> usize {
        self.0.tasks.borrow().len()
    }

    /// Its scope id, once entered.
    fn scope(&self) -> ScopeId {
        self.0
            .scope
            .get()
            .expect("an entered TaskGroup has its scope")
    }

    /// `parent.uncancel()` in `__aexit__`: the count left.
    fn uncancel_parent(&self, parent: &TaskRef) -> u32 {
        if planted::on(Bug::TaskGroupNoUncancel) {
            return parent.cancelling();
        }
        parent.uncancel_by(self.scope())
    }

    /// The loop, once entered.
    fn sim(&self) -> Sim {
        self.0
            .lp
            .borrow()
            .clone()
            .expect("an entered TaskGroup has its loop")
    }

    fn parent(&self) -> TaskRef {
        self.0
            .parent_task
            .borrow()
            .clone()
            .expect("an entered TaskGroup has its parent task")
    }

    /// `_abort`: cancel every child not done, in set order.
    fn abort(&self) {
        let s = &self.0;
        s.aborting.set(true);
        let mut tasks: Vec<TaskRef> = s.tasks.borrow().iter().cloned().collect();
        self.sim().set_order(&mut tasks);
        if planted::on(Bug::TaskGroupAbortOrderLeak) {
            tasks.retain(|t| !t.done());
            if !tasks.is_empty() {
                let n = planted::leaked_counter() % tasks.len() as u64;
                tasks.rotate_left(n as usize);
            }
        }
        let scope = self.scope();
        for t in tasks {
            if !t.done() {
                t.cancel_by(scope);
            }
        }
    }

    /// `_on_task_done`, a done-callback of every child (named by id).
    fn on_task_done(&self, id: TaskId) {
        // `self._tasks.discard(task)`.
        let task = self
            .0
            .tasks
            .borrow_mut()
            .remove(id)
            .expect("a child is in the set until its callback runs");
        self.task_done(&task);
    }

    /// The rest of `_on_task_done(task)`, `task` out of the set.
    fn task_done(&self, task: &TaskRef) {
        task.discard_awaited_by(self.parent().id());
        let s = &self.0;
        let fut = s.on_completed_fut.borrow().clone();
        if let Some(fut) = fut {
            if s.tasks.borrow().is_empty() && !fut.done() {
                fut.set_result(true);
            }
        }

        if task.cancelled() {
            return;
        }
        let Some(exc) = task.exception() else {
            return;
        };
        let dropped = planted::on(Bug::TaskGroupDropsSecondError) && !s.errors.borrow().is_empty();
        if !dropped {
            s.errors.borrow_mut().push(exc.clone());
        }
        if exc.is_interrupt() && s.base_error.borrow().is_none() {
            *s.base_error.borrow_mut() = Some(exc);
        }

        let parent = self.parent();
        if parent.done() {
            // CPython reports it with loop.call_exception_handler (a log
            // line, no loop operation) and returns.
            return;
        }

        if !s.aborting.get() && !s.parent_cancel_requested.get() {
            // Cancel the parent to interrupt its body; __aexit__ will
            // uncancel it.
            self.abort();
            s.parent_cancel_requested.set(true);
            parent.cancel_by(self.scope());
        }
    }
}

/// CPython's `TaskGroup.__repr__`, which has no address in it:
/// `<TaskGroup tasks=2 errors=1 cancelling>`, `<TaskGroup entered>`,
/// `<TaskGroup>`.
impl fmt::Display for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        f.write_str("<TaskGroup")?;
        let tasks = s.tasks.borrow().len();
        if tasks > 0 {
            write!(f, " tasks={tasks}")?;
        }
        let errors = s.errors.borrow().len();
        if errors > 0 {
            write!(f, " errors={errors}")?;
        }
        if s.aborting.get() {
            f.write_str(" cancelling")?;
        } else if s.entered.get() {
            f.write_str(" entered")?;
        }
        f.write_str(">")
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `async with TaskGroup() as g: return await body(g)`: enter a new group,
/// run `body` with it, exit with the body's exception. The result is the
/// body's, unless `__aexit__` raised (then that exception).
pub async fn task_group<T, F, Fut>(body: F) -> Result<T, Exc>
where
    F: FnOnce(TaskGroup) -> Fut,
    Fut: StdFuture<Output = Result<T, Exc>>,
{
    let g = TaskGroup::new();
    g.enter().await?;
    let r = body(g.clone()).await;
    g.exit(r.as_ref().err().cloned()).await?;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use simloop_core::{Config, Sim};

    /// 3.14's eager first step runs inside `create_task`, before the group
    /// adds the task: a sibling it creates in that step joins first.
    #[test]
    fn a_sibling_made_in_an_eager_first_step_joins_before_its_maker() {
        let sim = Sim::new(Config::new(Profile::Py314));
        let done = sim
            .run_main("main", async {
                task_group(|g| async move {
                    let g2 = g.clone();
                    g.create_task_with("maker", Start::Eager, async move {
                        g2.create_task("sibling", async { Ok(1) })?;
                        Ok(0)
                    })?;
                    assert_eq!(g.pending(), 2);
                    Ok(())
                })
                .await?;
                Ok(get_running_loop()
                    .all_tasks()
                    .iter()
                    .map(|t| (t.name().to_owned(), t.done()))
                    .collect::<Vec<_>>())
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            done,
            [
                ("main".to_owned(), false),
                ("maker".to_owned(), true),
                ("sibling".to_owned(), true)
            ]
        );
    }
}
