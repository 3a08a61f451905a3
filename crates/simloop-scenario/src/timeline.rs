//! The readable timeline of a scenario run: the timeline of any run
//! ([`simloop_asyncio::timeline`]), in the words of the scenario format
//! (values and exceptions as outcome JSON).

use serde_json::Value;
use simloop_asyncio::timeline::{timeline, Words};
use simloop_core::{Exc, TaskId};

use crate::outcome::{error_json, TaskOutcome};
use crate::run::Run;

/// The scenario format's words: values and exceptions as outcome JSON.
pub struct JsonWords<'a>(&'a Run);

impl Words for JsonWords<'_> {
    fn value(&self, task: TaskId) -> Option<String> {
        match &self.0.outcome.tasks.get(task.0 as usize)?.outcome {
            TaskOutcome::Ok(v) => Some(v.to_string()),
            _ => None,
        }
    }

    /// The value, clipped to 28 characters; nothing for `null`.
    fn short_value(&self, task: TaskId) -> Option<String> {
        match &self.0.outcome.tasks.get(task.0 as usize)?.outcome {
            TaskOutcome::Ok(Value::Null) => None,
            TaskOutcome::Ok(v) => Some(clip(&v.to_string(), 28)),
            _ => None,
        }
    }

    fn exc(&self, e: &Exc) -> String {
        error_json(e).to_string()
    }
}

/// At most `max` characters, the last one `…` if cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Run {
    /// The scenario format's words for this run.
    pub fn words(&self) -> JsonWords<'_> {
        JsonWords(self)
    }

    /// The timeline of the run (a full trace shows every line; otherwise
    /// only the structure events), then the outcome summary.
    pub fn timeline(&self) -> String {
        let words = self.words();
        let mut out = timeline(&self.sim.trace_ref(), &words);
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// One paragraph: how main ended, orphans, escapes, stuck tasks.
    pub fn summary(&self) -> String {
        self.report.summary(&self.words())
    }
}
