//! [`Invariant::TimersCancelled`]: a combinator's timer does not outlive
//! the call that set it.
//!
//! Its own module as the one rule about the loop's timers: it reads the
//! timers the observations followed, not what the calls returned.

use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::TimersCancelled`].
pub(super) fn timers_cancelled(obs: &Observations, r: &mut Report) {
    for t in &obs.timers {
        r.checked(Invariant::TimersCancelled);
        let Some((at, how)) = t.outlived else {
            continue;
        };
        let who = t.owner.map_or("a callback", |o| obs.name(o));
        let due = t.due.map_or_else(String::new, |d| format!(" (due at {d})"));
        r.violation(
            Invariant::TimersCancelled,
            format!(
                "the timer of {}'s {}{due} was still live at {at}, when {how}",
                who, t.call
            ),
        );
    }
}
