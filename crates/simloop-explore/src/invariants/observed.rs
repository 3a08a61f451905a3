//! What the checks share in reading the observations: the scopes that
//! exited, and for messages a task's name, a scope's description and an
//! exception's JSON text.
//!
//! Separate from the checks because the scope invariants all walk the
//! exited scopes, and every message names tasks and scopes the same way.

use simloop_core::{Exc, TaskId};
use simloop_scenario::{error_json, Observations, ScopeObs};

pub(super) fn name(obs: &Observations, id: TaskId) -> &str {
    obs.tasks
        .get(id.0 as usize)
        .map_or("?", |t| t.name.as_str())
}

/// `task_group of main (entered at 0)`.
pub(super) fn scope_name(obs: &Observations, s: &ScopeObs) -> String {
    format!(
        "{} of {} (entered at {})",
        s.kind_name(),
        name(obs, s.owner),
        s.entered_at
    )
}

pub(super) fn exc_text(e: &Exc) -> String {
    error_json(e).to_string()
}

/// The scopes that exited, with their exit tick.
pub(super) fn exited(obs: &Observations) -> impl Iterator<Item = (&ScopeObs, u64)> {
    obs.scopes
        .iter()
        .filter_map(|s| s.exited_at.map(|t| (s, t)))
}
