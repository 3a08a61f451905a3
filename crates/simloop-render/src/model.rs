//! What the picture shows, read from a run's trace and outcome: one lane per
//! task in tree order, and every event that gets a place on the time axis.
//!
//! An event shown in the picture (a task created or done, a cancel request,
//! an uncancel, a combinator's mark) gets a [`Pos`]: its tick and its rank
//! among the shown events of that tick, so that events of one tick can be
//! drawn side by side in the order they happened.

use std::collections::BTreeMap;

use simloop_core::{Event, Tick, TraceMode};
use simloop_scenario::{Run, TaskOutcome, TaskRecord};

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
    /// A mark the picture has no symbol for.
    Other(&'static str),
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
    /// A callback, e.g. `TaskGroup._on_task_done`, `Timeout._on_timeout`.
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
    /// The task that most recently ended with an error: for a cancel by
    /// `TaskGroup._on_task_done`, the failure the group reacts to (its
    /// creator owns the group).
    pub(crate) cause: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Lane {
    pub(crate) name: String,
    pub(crate) depth: usize,
    /// The lane of its creator.
    pub(crate) parent: Option<usize>,
    pub(crate) record: TaskRecord,
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

/// The events the model reads, from the trace or, when the trace was not
/// kept, made up from the task records (creations and ends only).
fn events(run: &Run) -> (Vec<(Tick, Event)>, bool) {
    let trace = run.sim.trace_ref();
    let hash_only = run.sim.config().trace == TraceMode::HashOnly || trace.records().is_empty();
    if !hash_only {
        let events = trace
            .records()
            .iter()
            .map(|r| (r.tick, r.event.clone()))
            .collect();
        return (events, false);
    }
    let ids: BTreeMap<&str, u32> = run
        .outcome
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i as u32))
        .collect();
    // (tick, 0 = created / 1 = done, id)
    let mut keyed = Vec::new();
    for (i, t) in run.outcome.tasks.iter().enumerate() {
        let id = simloop_core::TaskId(i as u32);
        let parent = t
            .parent
            .as_deref()
            .and_then(|p| ids.get(p))
            .map(|&p| simloop_core::TaskId(p));
        keyed.push((t.created, 0, i, Event::TaskCreated { task: id, parent }));
        if let Some(done) = t.done {
            let outcome = match &t.outcome {
                TaskOutcome::Error(e) => simloop_core::Outcome::Error(e.clone()),
                TaskOutcome::Cancelled => simloop_core::Outcome::Cancelled,
                _ => simloop_core::Outcome::Ok,
            };
            keyed.push((done, 1, i, Event::TaskDone { task: id, outcome }));
        }
    }
    keyed.sort_by_key(|(tick, order, id, _)| (*tick, *order, *id));
    (keyed.into_iter().map(|(t, _, _, e)| (t, e)).collect(), true)
}

impl Model {
    pub(crate) fn new(run: &Run) -> Model {
        let tasks = &run.outcome.tasks;
        let n = tasks.len();
        let (events, hash_only) = events(run);

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
        let mut last_error = None;
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
                Event::TaskDone { task, outcome } if in_range(task.0) => {
                    let t = task.0 as usize;
                    if matches!(outcome, simloop_core::Outcome::Error(_)) {
                        last_error = Some(t);
                    }
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    done[t] = Some(at);
                    if t == 0 && !run.outcome.orphans.is_empty() {
                        shutdown = Some(at);
                    }
                }
                Event::CancelRequested { task, by, count } if in_range(task.0) => {
                    let t = task.0 as usize;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    let by = match (by, last_callback) {
                        (Some(b), _) if in_range(b.0) => Requester::Task(b.0 as usize),
                        (Some(_), _) => Requester::Outside,
                        (None, Some("_run_until_complete_cb")) => Requester::Shutdown,
                        (None, Some(label)) => Requester::Callback(label),
                        (None, None) => Requester::Outside,
                    };
                    cancels.push(Cancel {
                        target: t,
                        by,
                        count: *count,
                        at,
                        cause: last_error,
                    });
                }
                Event::Uncancel { task, remaining } if in_range(task.0) => {
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
                Event::Mark {
                    label,
                    task: Some(task),
                } if in_range(task.0) => {
                    let t = task.0 as usize;
                    let at = slots.next(tick);
                    end_wait(&mut spans[t], &mut interrupted[t], at);
                    mark(&mut spans[t], &mut marks[t], label, at);
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
                    TaskOutcome::Stuck => Fate::Stuck,
                    _ if run.outcome.orphans.contains(&record.name) => Fate::Orphaned,
                    TaskOutcome::Ok(_) => Fate::Returned,
                    TaskOutcome::Error(_) => Fate::Raised,
                    TaskOutcome::Cancelled => Fate::Cancelled,
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

/// A combinator's mark on task `t`'s lane.
fn mark(spans: &mut Vec<Span>, marks: &mut Vec<Mark>, label: &'static str, at: Pos) {
    let start = |spans: &mut Vec<Span>, kind| {
        let depth = spans
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::TaskGroup | SpanKind::Timeout) && s.to.is_none())
            .count();
        spans.push(Span {
            kind,
            from: at,
            to: None,
            depth,
        });
    };
    let end = |spans: &mut Vec<Span>, kind| {
        if let Some(i) = open(spans, kind) {
            spans[i].to = Some(at);
        }
    };
    match label {
        "semaphore.wait" => {
            // A wait still open was given up (cancelled) before this one.
            end(spans, SpanKind::SemWait);
            spans.push(Span {
                kind: SpanKind::SemWait,
                from: at,
                to: None,
                depth: 0,
            });
        }
        "semaphore.acquire" => {
            end(spans, SpanKind::SemWait);
            spans.push(Span {
                kind: SpanKind::SemHold,
                from: at,
                to: None,
                depth: 0,
            });
        }
        "semaphore.release" => end(spans, SpanKind::SemHold),
        "taskgroup.enter" => start(spans, SpanKind::TaskGroup),
        "taskgroup.exit" => end(spans, SpanKind::TaskGroup),
        "timeout.enter" => start(spans, SpanKind::Timeout),
        "timeout.exit" => end(spans, SpanKind::Timeout),
        "timeout.expired" => marks.push(Mark {
            kind: MarkKind::TimeoutFired,
            at,
        }),
        other => marks.push(Mark {
            kind: MarkKind::Other(other),
            at,
        }),
    }
}

/// Task ids with their depth, each task after its creator, siblings in
/// creation order; a task whose creator is unknown is a root.
fn tree_order(tasks: &[TaskRecord]) -> Vec<(usize, usize)> {
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
