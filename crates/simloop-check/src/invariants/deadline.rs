//! [`Invariant::Deadline`]: a `timeout` fires exactly when its deadline is
//! due, and raises its own `TimeoutError` only if it fired.
//!
//! Its own module as the one rule about virtual time: it reads only the
//! timeout scopes' deadline, firing tick and exceptions.

use super::observed::{exited, scope_name};
use super::{Invariant, Report};
use crate::observe::{Observations, ScopeKind};

/// [`Invariant::Deadline`].
pub(super) fn deadline(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::Timeout {
            deadline, fired, ..
        } = s.kind
        else {
            continue;
        };
        r.checked(Invariant::Deadline);
        let what = || scope_name(obs, s);
        let shown = |d: Option<u64>| d.map_or_else(|| "none".to_owned(), |d| d.to_string());
        if let Some((f, due)) = fired.filter(|&(f, due)| Some(f) != due) {
            r.violation(
                Invariant::Deadline,
                format!("{} fired at {f}, its deadline is {}", what(), shown(due)),
            );
        }
        let own_timeout_error = s.raised().is_some_and(|e| {
            e.members().is_none()
                && e.class_name() == "TimeoutError"
                && !s.body_error.as_ref().is_some_and(|b| b.same(e))
        });
        if own_timeout_error && fired.is_none() {
            r.violation(
                Invariant::Deadline,
                format!(
                    "{} raised TimeoutError at {at} but never fired (deadline {})",
                    what(),
                    shown(deadline)
                ),
            );
        }
    }
}
