//! [`Invariant::CancelBalance`]: at a `task_group` or `timeout` scope's exit,
//! the owner's `cancelling()` equals its value at entry plus the outside
//! requests minus its own withdrawing `uncancel` steps.
//!
//! Its own module because it replays the running total of requests and
//! uncancels, and tells a violation (CPython 3.11/3.12's leak) from a
//! finding (an `uncancel()` that took back the machinery's request).

use super::observed::{exited, plural, scope_name};
use super::{Finding, Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::CancelBalance`].
pub(super) fn cancel_balance(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let Some(actual) = s.cancelling_at_exit else {
            continue;
        };
        r.checked(Invariant::CancelBalance);
        let outside = s.requests.saturating_sub(s.machinery_requests);
        // The running total: entry + outside requests so far - uncancels,
        // never below 0.
        let mut expected = s.cancelling_at_entry;
        let mut counted = 0;
        // An uncancel step with nothing outside left to withdraw took back
        // a request of the scope machinery: uncancel() misused.
        let mut misused = false;
        for u in &s.user_uncancels {
            expected += u.outside_before.saturating_sub(counted);
            counted = counted.max(u.outside_before);
            misused |= expected == 0;
            expected = expected.saturating_sub(1);
        }
        expected += outside.saturating_sub(counted);
        if actual != expected {
            let message = format!(
                "{} exited at {at} with cancelling()={actual}, expected {expected}: \
                 entry {} + {} - {} (the scope machinery's own {} not counted)",
                scope_name(obs, s),
                s.cancelling_at_entry,
                plural(outside, "outside request"),
                plural(s.user_uncancels.len() as u32, "uncancel step"),
                plural(s.machinery_requests, "request"),
            );
            if misused {
                r.findings.push(Finding {
                    invariant: Invariant::CancelBalance,
                    message: format!(
                        "{message}; an uncancel step withdrew a request the task did not make"
                    ),
                });
            } else {
                r.violation(Invariant::CancelBalance, message);
            }
        }
    }
}
