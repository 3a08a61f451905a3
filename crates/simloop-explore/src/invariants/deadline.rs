//! [`Invariant::Deadline`]: a `timeout` fires exactly at its deadline, and
//! raises its own `TimeoutError` only if it fired.
//!
//! Its own module as the one rule about virtual time: it reads only the
//! timeout scopes' deadline, firing tick and exceptions.

use simloop_scenario::{Observations, ScopeKind};

use super::observed::{exited, scope_name};
use super::{Invariant, Report};

/// [`Invariant::Deadline`].
pub(super) fn deadline(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::Timeout { deadline, fired_at } = s.kind else {
            continue;
        };
        r.checked(Invariant::Deadline);
        let what = || scope_name(obs, s);
        if let Some(f) = fired_at.filter(|&f| f != deadline) {
            r.violation(
                Invariant::Deadline,
                format!("{} fired at {f}, its deadline is {deadline}", what()),
            );
        }
        let own_timeout_error = s.raised.as_ref().is_some_and(|e| {
            e.members().is_none()
                && e.class_name() == "TimeoutError"
                && !s.body_error.as_ref().is_some_and(|b| b.same(e))
        });
        if own_timeout_error && fired_at.is_none() {
            r.violation(
                Invariant::Deadline,
                format!(
                    "{} raised TimeoutError at {at} but never fired (deadline {deadline})",
                    what()
                ),
            );
        }
    }
}
