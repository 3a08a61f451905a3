//! [`Invariant::SemaphoreBound`]: a semaphore never has more holders than
//! its initial value, and acquisitions happen in call order (FIFO).
//!
//! Its own module as the one rule about semaphores: it reads the recorded
//! holders and calls, not the scopes.

use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::SemaphoreBound`].
pub(super) fn semaphore_bound(obs: &Observations, r: &mut Report) {
    for s in &obs.semaphores {
        r.checked(Invariant::SemaphoreBound);
        if let Some(&(t, n)) = s.holders.iter().find(|&&(_, n)| n > s.limit) {
            r.violation(
                Invariant::SemaphoreBound,
                format!(
                    "semaphore {} had {n} holders at {t}, its limit is {}",
                    s.name, s.limit
                ),
            );
        }
        let call = |i: usize| {
            let c = &s.calls[i];
            let who = c.task.map_or("a callback", |t| obs.name(t));
            format!("call #{i} by {who} at {}", c.at)
        };
        if let Some(w) = s.acquired.windows(2).find(|w| w[0] > w[1]) {
            r.violation(
                Invariant::SemaphoreBound,
                format!(
                    "semaphore {}: {} acquired before {}, which also acquired (not FIFO)",
                    s.name,
                    call(w[0]),
                    call(w[1])
                ),
            );
        }
    }
}
