//! [`Invariant::NoOrphans`]: a `task_group` scope exits with no child still
//! running; a child outliving a `gather`, `wait` or `as_completed` is a
//! finding.
//!
//! Its own module as one of the rules of structured concurrency: it reads
//! only the children pending at a TaskGroup's exit and the recorded
//! escapes.

use simloop_scenario::{Observations, ScopeKind};

use super::observed::{exited, name, scope_name};
use super::{Finding, Invariant, Report};

/// [`Invariant::NoOrphans`].
pub(super) fn no_orphans(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::TaskGroup {
            pending_at_exit, ..
        } = &s.kind
        else {
            continue;
        };
        r.checked(Invariant::NoOrphans);
        for &c in pending_at_exit {
            r.violation(
                Invariant::NoOrphans,
                format!(
                    "{} exited at {at} while its child {} was still running",
                    scope_name(obs, s),
                    name(obs, c)
                ),
            );
        }
    }
    for e in obs.escapes.iter().filter(|e| !e.kind.owns_children()) {
        r.findings.push(Finding {
            invariant: Invariant::NoOrphans,
            message: e.to_string(),
        });
    }
}
