//! The readable timeline: one line per event that matters to a reader.

use std::fmt::Write;

use simloop_core::{Event, Outcome as Done, Trace};

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
            Event::CancelRequested { task, by, count } => match by {
                Some(b) => format!(
                    "{} cancel requested by {} (cancelling={count})",
                    name(*task),
                    name(*b)
                ),
                None => format!("{} cancel requested (cancelling={count})", name(*task)),
            },
            Event::Uncancel { task, remaining } => {
                format!("{} uncancel (cancelling={remaining})", name(*task))
            }
            Event::Mark {
                label,
                task: Some(t),
            } => format!("{} {label}", name(*t)),
            Event::Mark { label, task: None } => label.to_string(),
            _ => continue,
        };
        let _ = writeln!(out, "{:>8}  {line}", r.tick);
    }
    let _ = writeln!(out, "{}", summary(outcome));
    out
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
        let _ = write!(
            s,
            "\n  scope escape: {} outlived its {} at {}",
            e.task, e.scope, e.at
        );
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
