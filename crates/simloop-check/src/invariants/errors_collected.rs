//! [`Invariant::ErrorsCollected`]: a `task_group` raises each
//! non-cancellation error of its children and body exactly once, by
//! identity, in an exception group.
//!
//! Its own module because it is the largest rule: it compares multisets of
//! exceptions and describes each one lost, duplicated or invented.

use simloop_core::{Exc, Outcome, TaskId};

use super::observed::{exc_text, exited, scope_name};
use super::{Invariant, Report};
use crate::observe::{Observations, ScopeKind};

/// [`Invariant::ErrorsCollected`].
pub(super) fn errors_collected(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::TaskGroup { children, .. } = &s.kind else {
            continue;
        };
        r.checked(Invariant::ErrorsCollected);
        // `SystemExit` or `KeyboardInterrupt`, which a TaskGroup raises alone.
        if s.raised().is_some_and(Exc::is_interrupt) {
            continue;
        }
        // Each error with the child that raised it (`None`: the body).
        // Described only for a violation: most scopes have none.
        let mut expected: Vec<(&Exc, Option<TaskId>)> = Vec::new();
        for &c in children {
            if let Some(Some(Outcome::Error(e))) = obs.tasks.get(c.0 as usize).map(|t| &t.outcome) {
                expected.push((e, Some(c)));
            }
        }
        if let Some(e) = s.body_error.as_ref().filter(|e| !e.is_cancelled()) {
            expected.push((e, None));
        }
        let desc = |&(e, from): &(&Exc, Option<TaskId>)| match from {
            Some(c) => format!("{} from child {}", exc_text(e), obs.name(c)),
            None => format!("{} from the body", exc_text(e)),
        };
        let group = s.exit_error.as_ref().filter(|e| e.members().is_some());
        let what = || scope_name(obs, s);
        match group {
            None if expected.is_empty() => {}
            None => {
                let lost: Vec<String> = expected.iter().map(desc).collect();
                let raised = s.raised().map_or_else(|| "nothing".to_owned(), exc_text);
                r.violation(
                    Invariant::ErrorsCollected,
                    format!(
                        "{} exited at {at} raising {raised} instead of a group: lost {}",
                        what(),
                        lost.join(", ")
                    ),
                );
            }
            Some(g) => {
                let members = g.members().expect("a group");
                if expected.is_empty() {
                    r.violation(
                        Invariant::ErrorsCollected,
                        format!(
                            "{} exited at {at} raising {} although nothing raised",
                            what(),
                            exc_text(g)
                        ),
                    );
                    continue;
                }
                let mut problems = Vec::new();
                for (i, item) in expected.iter().enumerate() {
                    let e = item.0;
                    if expected[..i].iter().any(|(x, _)| x.same(e)) {
                        continue;
                    }
                    let want = expected.iter().filter(|(x, _)| x.same(e)).count();
                    let got = members.iter().filter(|x| x.same(e)).count();
                    if got < want {
                        problems.push(format!("lost {}", desc(item)));
                    } else if got > want {
                        problems.push(format!("{} {got} times", desc(item)));
                    }
                }
                for m in members {
                    if !expected.iter().any(|(x, _)| x.same(m)) {
                        problems.push(format!("{} that no child nor the body raised", exc_text(m)));
                    }
                }
                if !problems.is_empty() {
                    r.violation(
                        Invariant::ErrorsCollected,
                        format!(
                            "{} exited at {at} raising {}: {}",
                            what(),
                            exc_text(g),
                            problems.join("; ")
                        ),
                    );
                }
            }
        }
    }
}
