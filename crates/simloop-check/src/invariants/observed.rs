//! What the checks share in reading the observations: the scopes that
//! exited, and for messages a scope's description and an exception's text.

use simloop_core::Exc;

use crate::observe::{Observations, ScopeObs};

/// `task_group of main (entered at 0)`.
pub(super) fn scope_name(obs: &Observations, s: &ScopeObs) -> String {
    format!(
        "{} of {} (entered at {})",
        s.kind_name(),
        obs.name(s.owner),
        s.entered_at
    )
}

/// Python's `repr`-like text: `ValueError`, `ExceptionGroup('m', [A, B])`.
pub(super) fn exc_text(e: &Exc) -> String {
    e.to_string()
}

/// The scopes that exited, with their exit tick.
pub(super) fn exited(obs: &Observations) -> impl Iterator<Item = (&ScopeObs, u64)> {
    obs.scopes
        .iter()
        .filter_map(|s| s.exited_at.map(|t| (s, t)))
}

/// `1 request`, `2 requests`.
pub(super) fn plural(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
