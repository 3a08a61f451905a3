//! [`Invariant::SemaphoreBound`]: a semaphore never has more holders than
//! its initial value, and acquisitions happen in call order (FIFO).
//!
//! Its own module as the one rule about semaphores: it reads the recorded
//! holders and calls, not the scopes.

use simloop_scenario::Observations;

use super::observed::name;
use super::{Invariant, Report};

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
            format!("call #{i} by {} at {}", name(obs, c.task), c.at)
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
