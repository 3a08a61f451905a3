//! [`Invariant::NoLostWakeup`]: a semaphore with a free unit, or a set
//! event, has no task left waiting once the loop has nothing to run.
//!
//! Its own module as the one rule about progress through a primitive: it
//! reads the idle moments the observations found, not the holders' bound.

use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::NoLostWakeup`].
pub(super) fn no_lost_wakeup(obs: &Observations, r: &mut Report) {
    for _ in 0..obs.semaphores.len() + obs.events {
        r.checked(Invariant::NoLostWakeup);
    }
    for l in &obs.lost_wakeups {
        let (task, called) = l.waiter;
        let who = task.map_or("a callback", |t| obs.name(t));
        r.violation(
            Invariant::NoLostWakeup,
            format!(
                "{} {} at {} with nothing left to run, while {who} still waited on it \
                 since {called}",
                l.primitive, l.open, l.at
            ),
        );
    }
}
