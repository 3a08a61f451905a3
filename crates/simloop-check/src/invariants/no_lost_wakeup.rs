//! [`Invariant::NoLostWakeup`]: a semaphore with a free unit has no task
//! left waiting once the loop has nothing to run.
//!
//! Its own module as the one rule about progress through a primitive: it
//! reads the idle moments the observations found, not the holders' bound.

use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::NoLostWakeup`].
pub(super) fn no_lost_wakeup(obs: &Observations, r: &mut Report) {
    for _ in &obs.semaphores {
        r.checked(Invariant::NoLostWakeup);
    }
    for l in &obs.lost_wakeups {
        let (task, called) = l.waiter;
        let who = task.map_or("a callback", |t| obs.name(t));
        r.violation(
            Invariant::NoLostWakeup,
            format!(
                "semaphore {} had {} free unit{} at {} with nothing left to run, while {who} \
                 still waited in the acquire() it called at {called}",
                l.sem,
                l.free,
                if l.free == 1 { "" } else { "s" },
                l.at
            ),
        );
    }
}
