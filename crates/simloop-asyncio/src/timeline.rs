//! A run for a reader: one line per event that matters (tasks created and
//! done, cancel requests, uncancels, scopes entered and left, timeouts
//! firing, semaphore waits), and a summary of how it ended.
//!
//! The words for what tasks returned only the program knows (a scenario's
//! JSON values, a Rust test's types): a [`Words`] supplies them, and how to
//! print an exception. [`Plain`] says "returned" and prints exceptions
//! Python's way.
//!
//! ```text
//!        0  main created
//!        0  main.0 created by main
//!      500  main.1 raised ValueError
//!      500  main.0 cancel requested (cancelling=1)
//! outcome: main returned at 500; quiescent at 500
//!   orphans (cancelled at shutdown): main.0
//! ```

use std::fmt::Write;

use simloop_core::{escape_controls, Event, Exc, Outcome, ScopeEvent, TaskId, TaskRef, Trace};

use crate::runner::{MainOutcome, RunReport};

/// The program's words for its values and exceptions.
pub trait Words {
    /// What task `task` returned, if there is something to say
    /// (`None`: just "returned").
    fn value(&self, task: TaskId) -> Option<String> {
        let _ = task;
        None
    }

    /// What task `task` returned, for a tight place such as a picture's
    /// label (`None`: nothing worth saying). Default: [`Words::value`].
    fn short_value(&self, task: TaskId) -> Option<String> {
        self.value(task)
    }

    /// An exception, as the reader should see it.
    fn exc(&self, e: &Exc) -> String {
        e.to_string()
    }
}

/// No values; exceptions printed Python's way (`ExceptionGroup('m', [A])`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Plain;

impl Words for Plain {}

/// The timeline's lines for the events of `trace` (a full trace: a
/// [`TraceMode::Structure`](simloop_core::TraceMode::Structure) one has no
/// task creations or ends), `tick  what` each.
pub fn timeline(trace: &Trace, words: &dyn Words) -> String {
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
            Event::TaskDone { task, outcome } => {
                let what = match (outcome, words.value(*task)) {
                    (Outcome::Ok, Some(v)) => format!("returned {v}"),
                    (Outcome::Ok, None) => "returned".to_owned(),
                    (Outcome::Error(e), _) => format!("raised {}", words.exc(e)),
                    (Outcome::Cancelled, _) => "cancelled".to_owned(),
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
            Event::Interrupted { task } => {
                format!(
                    "{} interrupted the run: the error left the loop",
                    name(*task)
                )
            }
            Event::Scope(e) => match scope_line(e) {
                Some((task, what)) => format!("{} {what}", name(task)),
                None => continue,
            },
            Event::Choice {
                index,
                point,
                chosen,
            } => format!("(schedule: choice #{index}, {point}, took {chosen}; CPython's takes 0)"),
            _ => continue,
        };
        // Names and values are the program's: no control character of
        // theirs reaches a terminal.
        let _ = writeln!(out, "{:>8}  {}", r.tick, escape_controls(&line));
    }
    out
}

/// A scope event as the timeline shows it: on whose line, and what.
fn scope_line(e: &ScopeEvent) -> Option<(TaskId, &'static str)> {
    if let Some(t) = e.acquirer() {
        return Some((t, "semaphore.acquire"));
    }
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
        ScopeEvent::SemaphoreReleased { task: Some(t), .. } => (*t, "semaphore.release"),
        _ => return None,
    })
}

impl<T> RunReport<T> {
    /// One paragraph: how `main` ended, when the run went quiet, the
    /// orphans, the scope escapes and the stuck tasks.
    pub fn summary(&self, words: &dyn Words) -> String {
        // `main` ends at `end_time` unless an interrupt ended that phase
        // first; then it ends in the shutdown.
        let at = self
            .sim
            .tasks()
            .get(self.main_task.0 as usize)
            .and_then(TaskRef::done_at)
            .unwrap_or(self.end_time);
        let main = match &self.main {
            MainOutcome::Returned(_) => match words.value(self.main_task) {
                Some(v) => format!("main returned {v} at {at}"),
                None => format!("main returned at {at}"),
            },
            MainOutcome::Raised(e) => format!("main raised {} at {at}", words.exc(e)),
            MainOutcome::Cancelled => format!("main was cancelled at {at}"),
            MainOutcome::Stalled => format!(
                "main stalled at {}: nothing could ever run again",
                self.end_time
            ),
            MainOutcome::Interrupted => format!(
                "main never finished: the shutdown was interrupted at {}",
                self.quiescent_time
            ),
        };
        let mut s = format!(
            "outcome: {}; quiescent at {}",
            escape_controls(&main),
            self.quiescent_time
        );
        for i in &self.interrupts {
            let _ = write!(s, "\n  interrupted: {}", escape_controls(&i.to_string()));
        }
        if !self.orphans.is_empty() {
            let _ = write!(
                s,
                "\n  orphans (cancelled at shutdown): {}",
                escape_controls(&self.names(&self.orphans).join(", "))
            );
        }
        for e in &self.escapes {
            let _ = write!(s, "\n  scope escape: {}", escape_controls(&e.to_string()));
        }
        if !self.stuck.is_empty() {
            let names = self.names(&self.stuck).join(", ");
            let _ = write!(s, "\n  stuck: {}", escape_controls(&names));
        }
        s
    }

    /// The timeline of the run ([`timeline`]) followed by its
    /// [`summary`](RunReport::summary).
    pub fn timeline(&self, words: &dyn Words) -> String {
        let mut out = timeline(&self.sim.trace_ref(), words);
        out.push_str(&self.summary(words));
        out.push('\n');
        out
    }
}
