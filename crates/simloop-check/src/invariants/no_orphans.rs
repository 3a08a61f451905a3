//! [`Invariant::NoOrphans`]: a `TaskGroup` scope exits with no child still
//! running; a child outliving a `gather`, `wait` or `as_completed` is a
//! finding (a violation when findings are denied).
//!
//! Its own module as one of the rules of structured concurrency: it reads
//! only the children pending at a TaskGroup's exit and the run's escapes.

use super::observed::{exited, scope_name};
use super::{Finding, Invariant, Report};
use crate::observe::{Observations, ScopeKind};

/// [`Invariant::NoOrphans`]; escapes are violations if `deny_findings`.
pub(super) fn no_orphans(obs: &Observations, deny_findings: bool, r: &mut Report) {
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
                    obs.name(c)
                ),
            );
        }
    }
    for e in obs.escapes.iter().filter(|e| !e.kind.owns_children()) {
        if deny_findings {
            r.violation(
                Invariant::NoOrphans,
                format!(
                    "{e} (findings denied: a child must not outlive its {})",
                    e.kind
                ),
            );
        } else {
            r.findings.push(Finding {
                invariant: Invariant::NoOrphans,
                message: e.to_string(),
            });
        }
    }
}
