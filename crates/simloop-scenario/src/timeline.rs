//! The readable timeline: one line per event that matters to a reader.

use std::fmt::Write;

use simloop_core::{Event, Outcome as Done, ScopeEvent, TaskId, Trace};

use crate::outcome::{error_json, MainOutcome, Outcome, TaskOutcome};

/// The timeline of a run: task creations and ends, cancel requests,
/// uncancels and combinator marks from the trace, then the outcome summary.
pub fn timeline(trace: &Trace, outcome: &Outcome) -> String {
    let mut out = String::new();
    for r in trace.records() {
        let name = |t| trace.task_name(t);
        let line = match &r.event {
            Event::TaskCreated {
                task,
                parent: Some(p),
            } => {
                format!("{} created by {}", name(*task), name(*p))
            }
            Event::TaskCreated { task, parent: None } => format!("{} created", name(*task)),
            Event::TaskDone { task, outcome: o } => {
                let what = match (o, outcome.task(name(*task)).map(|t| &t.outcome)) {
                    (_, Some(TaskOutcome::Ok(v))) => format!("returned {v}"),
                    (Done::Error(e), _) => format!("raised {}", error_json(e)),
                    (Done::Cancelled, _) => "cancelled".to_owned(),
                    (Done::Ok, _) => "returned".to_owned(),
                };
                format!("{} {what}", name(*task))
            }
            Event::CancelRequested {
                task, by, count, ..
            } => match by {
                Some(b) => format!(
                    "{} cancel requested by {} (cancelling={count})",
                    name(*task),
                    name(*b)
                ),
                None => format!("{} cancel requested (cancelling={count})", name(*task)),
            },
            Event::Uncancel {
                task, remaining, ..
            } => {
                format!("{} uncancel (cancelling={remaining})", name(*task))
            }
            Event::Scope(e) => match scope_line(e) {
                Some((task, what)) => format!("{} {what}", name(task)),
                None => continue,
            },
            _ => continue,
        };
        let _ = writeln!(out, "{:>8}  {line}", r.tick);
    }
    let _ = writeln!(out, "{}", summary(outcome));
    out
}

/// A scope event as the timeline shows it: on whose line, and what.
fn scope_line(e: &ScopeEvent) -> Option<(TaskId, &'static str)> {
    Some(match e {
        ScopeEvent::TaskGroupEnter { owner, .. } => (*owner, "taskgroup.enter"),
        ScopeEvent::TaskGroupExit(x) => (x.owner, "taskgroup.exit"),
        ScopeEvent::TimeoutEnter { owner, .. } => (*owner, "timeout.enter"),
        ScopeEvent::TimeoutFired { task, .. } => (*task, "timeout.expired"),
        ScopeEvent::TimeoutExit(x) => (x.owner, "timeout.exit"),
        ScopeEvent::SemaphoreCall {
            task: Some(t),
            waits: true,
            ..
        } => (*t, "semaphore.wait"),
        ScopeEvent::SemaphoreAcquired { task: Some(t), .. } => (*t, "semaphore.acquire"),
        ScopeEvent::SemaphoreReleased { task: Some(t), .. } => (*t, "semaphore.release"),
        _ => return None,
    })
}

/// One paragraph: how main ended, orphans, escapes, stuck tasks.
pub fn summary(o: &Outcome) -> String {
    let main = match &o.main {
        MainOutcome::Ok(v) => format!("main returned {v} at {}", o.end_time),
        MainOutcome::Error(e) => format!("main raised {} at {}", error_json(e), o.end_time),
        MainOutcome::Cancelled => format!("main was cancelled at {}", o.end_time),
        MainOutcome::Stalled => format!(
            "main stalled at {}: nothing could ever run again",
            o.end_time
        ),
    };
    let mut s = format!("outcome: {main}; quiescent at {}", o.quiescent_time);
    if !o.orphans.is_empty() {
        let _ = write!(
            s,
            "\n  orphans (cancelled at shutdown): {}",
            o.orphans.join(", ")
        );
    }
    for e in &o.scope_escapes {
        let _ = write!(s, "\n  scope escape: {e}");
    }
    let stuck: Vec<&str> = o
        .tasks
        .iter()
        .filter(|t| t.outcome == TaskOutcome::Stuck)
        .map(|t| t.name.as_str())
        .collect();
    if !stuck.is_empty() {
        let _ = write!(s, "\n  stuck: {}", stuck.join(", "));
    }
    s
}
