//! What the picture shows, read from a run's trace and outcome: one lane per
//! task in tree order, and every event that gets a place on the time axis.
//!
//! An event shown in the picture (a task created or done, a cancel request,
//! an uncancel, a combinator's mark) gets a [`Pos`]: its tick and its rank
//! among the shown events of that tick, so that events of one tick can be
//! drawn side by side in the order they happened.

use std::collections::BTreeMap;

use simloop_asyncio::runner::RunReport;
use simloop_asyncio::timeline::Words;
use simloop_core::{Event, Outcome, ScopeEvent, ScopeId, TaskId, TaskRef, Tick, TraceMode};

/// What the picture knows of a task: its `TaskRef`'s facts, and the
/// program's short words for what it returned.
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    pub(crate) name: String,
    /// Its creator's name.
    pub(crate) parent: Option<String>,
    pub(crate) created: Tick,
    pub(crate) done: Option<Tick>,
    /// How it ended; `None`: stuck.
    pub(crate) outcome: Option<Outcome>,
    pub(crate) cancel_requests: u32,
    pub(crate) uncancels: u32,
    pub(crate) cancelling: u32,
    /// What it returned, in the program's words (`None`: nothing to say).
    pub(crate) value: Option<String>,
}

impl Facts {
    fn of(t: &TaskRef, all: &[TaskRef], words: &dyn Words) -> Facts {
        Facts {
            name: t.name().to_owned(),
            parent: t
                .parent()
                .and_then(|p| all.get(p.0 as usize))
                .map(|p| p.name().to_owned()),
            created: t.created(),
            done: t.done_at(),
            outcome: t.outcome(),
            cancel_requests: t.cancel_requests(),
            uncancels: t.uncancels(),
            cancelling: t.cancelling(),
            value: words.short_value(t.id()),
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        matches!(self.outcome, Some(Outcome::Cancelled))
    }
}

/// A place on the time axis: a tick, and the event's rank among the shown
/// events of that tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub(crate) tick: Tick,
    pub(crate) slot: u32,
}

/// How a task's life ended, as the picture colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Returned,
    Raised,
    Cancelled,
    /// Still pending when `main` finished: `asyncio.run` cancelled it.
    Orphaned,
    /// Never finished: the loop stalled.
    Stuck,
}

impl Fate {
    pub(crate) fn css(self) -> &'static str {
        match self {
            Fate::Returned => "ok",
            Fate::Raised => "error",
            Fate::Cancelled => "cancelled",
            Fate::Orphaned => "orphaned",
            Fate::Stuck => "stuck",
        }
    }
}

/// Something with a start and maybe an end on one task's lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanKind {
    /// `acquire()` queued on a semaphore.
    SemWait,
    /// Holding a semaphore unit, `acquire()` to `release()`.
    SemHold,
    /// `async with TaskGroup()`, `__aenter__` to the end of `__aexit__`.
    TaskGroup,
    /// `async with timeout()`, `__aenter__` to the end of `__aexit__`.
    Timeout,
}

#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub(crate) kind: SpanKind,
    /// The task group or timeout it is, for scope brackets.
    pub(crate) scope: Option<ScopeId>,
    pub(crate) from: Pos,
    /// `None`: still open when the task ended or the run stopped.
    pub(crate) to: Option<Pos>,
    /// For scopes: how many scopes of the same task were open at entry.
    pub(crate) depth: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MarkKind {
    /// `uncancel()`, and the count it left.
    Uncancel { remaining: u32 },
    /// `Timeout._on_timeout` ran for this task.
    TimeoutFired,
    /// The `KeyboardInterrupt` (or `SystemExit`) this task finished with
    /// left the loop: the run stops there.
    Interrupt { system_exit: bool },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    pub(crate) kind: MarkKind,
    pub(crate) at: Pos,
}

/// Who asked for a cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Requester {
    /// A task's step, by task id.
    Task(usize),
    /// A scope's machinery, in a callback: a task group's
    /// `_on_task_done` or a timeout's `_on_timeout` (the callback's label).
    Scope(ScopeId, &'static str),
    /// Another callback, by its label.
    Callback(&'static str),
    /// `asyncio.run` cancelling what is left once `main` is done.
    Shutdown,
    /// Code outside the loop.
    Outside,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Cancel {
    pub(crate) target: usize,
    pub(crate) by: Requester,
    /// `cancelling()` after the request.
    pub(crate) count: u32,
    pub(crate) at: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct Lane {
    pub(crate) name: String,
    pub(crate) depth: usize,
    /// The lane of its creator.
    pub(crate) parent: Option<usize>,
    pub(crate) record: Facts,
    pub(crate) fate: Fate,
    pub(crate) created: Pos,
    pub(crate) done: Option<Pos>,
    pub(crate) spans: Vec<Span>,
    pub(crate) marks: Vec<Mark>,
}

impl Lane {
    /// Rows of scope brackets under the bar.
    pub(crate) fn scope_rows(&self) -> usize {
        self.spans
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::TaskGroup | SpanKind::Timeout))
            .map(|s| s.depth + 1)
            .max()
            .unwrap_or(0)
    }

    /// Does it use a semaphore?
    pub(crate) fn has_semaphore(&self) -> bool {
        self.spans
            .iter()
            .any(|s| matches!(s.kind, SpanKind::SemWait | SpanKind::SemHold))
    }
}

pub(crate) struct Model {
    /// Tasks in tree order: each after its creator, siblings by creation.
    pub(crate) lanes: Vec<Lane>,
    /// Lane index by task id.
    pub(crate) lane_of: Vec<usize>,
    /// Every tick with a shown event, ascending, with its number of events.
    pub(crate) columns: Vec<(Tick, u32)>,
    pub(crate) cancels: Vec<Cancel>,
    /// Where `main` ended, if `asyncio.run` then cancelled orphans.
    pub(crate) shutdown: Option<Pos>,
    /// The trace was not kept: only lifetimes are known.
    pub(crate) hash_only: bool,
}

/// Positions handed out in trace order.
#[derive(Default)]
struct Slots {
    columns: Vec<(Tick, u32)>,
}

impl Slots {
    fn next(&mut self, tick: Tick) -> Pos {
        match self.columns.last_mut() {
            Some((t, n)) if *t == tick => {
                *n += 1;
                Pos { tick, slot: *n - 1 }
            }
            _ => {
                self.columns.push((tick, 1));
                Pos { tick, slot: 0 }
            }
        }
    }
}

/// The events the model reads, from the trace or, when the trace did not
/// keep the scheduling events, made up from the tasks (creations and ends
/// only).
fn events(sim: &simloop_core::Sim, tasks: &[Facts]) -> (Vec<(Tick, Event)>, bool) {
    let trace = sim.trace_ref();
    if sim.config().trace == TraceMode::Full {
        let events = trace
            .records()
            .iter()
            .map(|r| (r.tick, r.event.clone()))
            .collect();
        return (events, false);
    }
    let all = sim.all_tasks();
    // (tick, 0 = created / 1 = done, id)
    let mut keyed = Vec::new();
    for (i, (t, f)) in all.iter().zip(tasks).enumerate() {
        let id = TaskId(i as u32);
        keyed.push((
            f.created,
            0,
            i,
            Event::TaskCreated {
                task: id,
                parent: t.parent(),
            },
        ));
        if let (Some(done), Some(outcome)) = (f.done, &f.outcome) {
            let outcome = outcome.clone();
            keyed.push((done, 1, i, Event::TaskDone { task: id, outcome }));
        }
    }
    keyed.sort_by_key(|(tick, order, id, _)| (*tick, *order, *id));
    (keyed.into_iter().map(|(t, _, _, e)| (t, e)).collect(), true)
}

impl Model {
    pub(crate) fn new<T>(report: &RunReport<T>, words: &dyn Words) -> Model {
        let all = report.tasks();
        let tasks: Vec<Facts> = all.iter().map(|t| Facts::of(t, &all, words)).collect();
        let tasks = &tasks;
        let n = tasks.len();
        let (events, hash_only) = events(&report.sim, tasks);
        let has_orphans = !report.orphans.is_empty();

        let mut slots = Slots::default();
        let mut created = vec![None; n];
        let mut done = vec![None; n];
        let mut spans: Vec<Vec<Span>> = vec![Vec::new(); n];
        let mut marks: Vec<Vec<Mark>> = vec![Vec::new(); n];
        // A task whose semaphore wait was interrupted by a cancellation: the
        // wait ends at its next shown event.
        let mut interrupted = vec![false; n];
        let mut cancels = Vec::new();
        let mut last_callback: Option<&'static str> = None;
        let mut shutdown = None;
        let mut main_done = false;
        let in_range = |t: u32| (t as usize) < n;

        for (tick, event) in &events {
            let tick = *tick;
            match event {
                Event::TaskStep { task, throw } => {
                    last_callback = None;
                    let t = task.0 as usize;
                    if *throw && in_range(task.0) && open(&spans[t], SpanKind::SemWait).is_some() {
                        interrupted[t] = true;
                    }
                }
                Event::Callback { label } => last_callback = Some(label),
                Event::TaskCreated { task, .. } if in_range(task.0) => {
                    created[task.0 as usize] = Some(slots.next(tick));
                }
                Event::TaskDone { task, .. } if in_range(task.0) => {
                    let t = task.0 as usize;
                    main_done |= TaskId(t as u32) == report.main_task;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    done[t] = Some(at);
                    if TaskId(t as u32) == report.main_task && has_orphans {
                        shutdown = Some(at);
                    }
                }
                Event::CancelRequested {
                    task,
                    by,
                    count,
                    scope,
                } if in_range(task.0) => {
                    let t = task.0 as usize;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    let by = match (by, scope, last_callback) {
                        (Some(b), _, _) if in_range(b.0) => Requester::Task(b.0 as usize),
                        (Some(_), _, _) => Requester::Outside,
                        (None, Some(s), label) => Requester::Scope(*s, label.unwrap_or("")),
                        // Nothing runs a handle after main is done but the
                        // shutdown's cancels and what they cause.
                        (None, None, _) if main_done => Requester::Shutdown,
                        (None, None, Some(label)) => Requester::Callback(label),
                        (None, None, None) => Requester::Outside,
                    };
                    cancels.push(Cancel {
                        target: t,
                        by,
                        count: *count,
                        at,
                    });
                }
                Event::Uncancel {
                    task, remaining, ..
                } if in_range(task.0) => {
                    let t = task.0 as usize;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    marks[t].push(Mark {
                        kind: MarkKind::Uncancel {
                            remaining: *remaining,
                        },
                        at,
                    });
                }
                Event::Interrupted { task } if in_range(task.0) => {
                    let system_exit = report
                        .interrupts
                        .iter()
                        .any(|i| i.task == *task && i.at == tick && i.kind == "SystemExit");
                    marks[task.0 as usize].push(Mark {
                        kind: MarkKind::Interrupt { system_exit },
                        at: slots.next(tick),
                    });
                }
                Event::Scope(e) => {
                    let Some((task, shown)) = shown(e).filter(|(t, _)| in_range(t.0)) else {
                        continue;
                    };
                    let t = task.0 as usize;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    mark(&mut spans[t], &mut marks[t], shown, at);
                }
                _ => {}
            }
        }

        let lanes_order = tree_order(tasks);
        let mut lane_of = vec![0; n];
        for (lane, &(task, _)) in lanes_order.iter().enumerate() {
            lane_of[task] = lane;
        }
        let lanes = lanes_order
            .iter()
            .map(|&(task, depth)| {
                let record = tasks[task].clone();
                let fate = match &record.outcome {
                    None => Fate::Stuck,
                    _ if report.orphans.contains(&TaskId(task as u32)) => Fate::Orphaned,
                    Some(Outcome::Ok) => Fate::Returned,
                    Some(Outcome::Error(_)) => Fate::Raised,
                    Some(Outcome::Cancelled) => Fate::Cancelled,
                };
                let parent = record
                    .parent
                    .as_deref()
                    .and_then(|p| tasks.iter().position(|t| t.name == p))
                    .map(|p| lane_of[p]);
                Lane {
                    name: record.name.clone(),
                    depth,
                    parent,
                    fate,
                    created: created[task].unwrap_or(Pos {
                        tick: record.created,
                        slot: 0,
                    }),
                    done: done[task],
                    spans: std::mem::take(&mut spans[task]),
                    marks: std::mem::take(&mut marks[task]),
                    record,
                }
            })
            .collect();
        Model {
            lanes,
            lane_of,
            columns: slots.columns,
            cancels,
            shutdown,
            hash_only,
        }
    }
}

/// The innermost open span of `kind`.
fn open(spans: &[Span], kind: SpanKind) -> Option<usize> {
    spans.iter().rposition(|s| s.kind == kind && s.to.is_none())
}

fn end_wait(spans: &mut [Span], interrupted: &mut bool, at: Pos) {
    if std::mem::take(interrupted) {
        if let Some(i) = open(spans, SpanKind::SemWait) {
            spans[i].to = Some(at);
        }
    }
}

/// What a scope event shows on a lane.
#[derive(Clone, Copy)]
enum Shown {
    SemWait,
    SemAcquire,
    SemRelease,
    Enter(SpanKind, ScopeId),
    Exit(SpanKind),
    TimeoutFired,
}

/// The lane a scope event is drawn on and what it shows there, if anything.
fn shown(e: &ScopeEvent) -> Option<(TaskId, Shown)> {
    if let Some(t) = e.acquirer() {
        return Some((t, Shown::SemAcquire));
    }
    Some(match e {
        ScopeEvent::TaskGroupEnter { group, owner, .. } => {
            (*owner, Shown::Enter(SpanKind::TaskGroup, *group))
        }
        ScopeEvent::TaskGroupExit(x) => (x.owner, Shown::Exit(SpanKind::TaskGroup)),
        ScopeEvent::TimeoutEnter { timeout, owner, .. } => {
            (*owner, Shown::Enter(SpanKind::Timeout, *timeout))
        }
        ScopeEvent::TimeoutExit(x) => (x.owner, Shown::Exit(SpanKind::Timeout)),
        ScopeEvent::TimeoutFired { task, .. } => (*task, Shown::TimeoutFired),
        ScopeEvent::SemaphoreCall {
            task: Some(t),
            waits: true,
            ..
        } => (*t, Shown::SemWait),
        ScopeEvent::SemaphoreReleased { task: Some(t), .. } => (*t, Shown::SemRelease),
        _ => return None,
    })
}

/// A scope event's mark on task `t`'s lane.
fn mark(spans: &mut Vec<Span>, marks: &mut Vec<Mark>, shown: Shown, at: Pos) {
    let end = |spans: &mut Vec<Span>, kind| {
        if let Some(i) = open(spans, kind) {
            spans[i].to = Some(at);
        }
    };
    let span = |kind, scope, depth| Span {
        kind,
        scope,
        from: at,
        to: None,
        depth,
    };
    match shown {
        Shown::SemWait => {
            // A wait still open was given up (cancelled) before this one.
            end(spans, SpanKind::SemWait);
            spans.push(span(SpanKind::SemWait, None, 0));
        }
        Shown::SemAcquire => {
            end(spans, SpanKind::SemWait);
            spans.push(span(SpanKind::SemHold, None, 0));
        }
        Shown::SemRelease => end(spans, SpanKind::SemHold),
        Shown::Enter(kind, scope) => {
            let depth = spans
                .iter()
                .filter(|s| {
                    matches!(s.kind, SpanKind::TaskGroup | SpanKind::Timeout) && s.to.is_none()
                })
                .count();
            spans.push(span(kind, Some(scope), depth));
        }
        Shown::Exit(kind) => end(spans, kind),
        Shown::TimeoutFired => marks.push(Mark {
            kind: MarkKind::TimeoutFired,
            at,
        }),
    }
}

/// Task ids with their depth, each task after its creator, siblings in
/// creation order; a task whose creator is unknown is a root.
fn tree_order(tasks: &[Facts]) -> Vec<(usize, usize)> {
    let index: BTreeMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    let mut roots = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        match t.parent.as_deref().and_then(|p| index.get(p)) {
            Some(&p) if p < i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(tasks.len());
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((t, depth)) = stack.pop() {
        order.push((t, depth));
        for &c in children[t].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    order
}
