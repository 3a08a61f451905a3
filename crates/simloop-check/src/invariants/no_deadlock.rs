//! [`Invariant::NoDeadlock`]: the run ends with every task done.
//!
//! Its own module as the one rule about liveness of the whole run: it
//! reads the run report's stall, not the scopes.

use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::NoDeadlock`].
pub(super) fn no_deadlock(obs: &Observations, r: &mut Report) {
    r.checked(Invariant::NoDeadlock);
    let Some((stall, main_running)) = &obs.stall else {
        return;
    };
    let when = if *main_running {
        "main never finished"
    } else {
        "main finished, but not every task did after the shutdown cancelled them"
    };
    let blocked: Vec<String> = stall
        .blocked
        .iter()
        .map(|b| match &b.waiting_on {
            Some(w) => format!("{} waits on {w}", b.name),
            None => format!("{} waits on nothing", b.name),
        })
        .collect();
    r.violation(
        Invariant::NoDeadlock,
        format!(
            "{when}: the loop stalled at {} (nothing ready, no timer left); {}",
            stall.at,
            blocked.join(", ")
        ),
    );
}
