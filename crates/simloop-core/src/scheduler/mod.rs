//! Who decides what asyncio leaves open: the [`Scheduler`] the loop asks.
//!
//! Real asyncio runs the same program in more than one order: timers due at
//! the same tick may fire in any order (the heap's order is an accident of
//! insertion), a `set` of tasks iterates in address order, and a sleep may
//! end late. The loop reaches each of these as a *choice point* and asks its
//! scheduler, which answers with a number in `0..=max`; `0` is always
//! CPython's own choice. The loop never knows which scheduler it has:
//!
//! - [`CPythonOrder`]: always `0`, CPython's order exactly (the loop does
//!   not even ask it, but still counts the choice points).
//! - [`Seeded`]: answers from one ChaCha8 RNG, with up to `jitter` ticks of
//!   extra latency on every non-zero sleep.
//! - [`Replay`]: answers from a recorded [`Schedule`], `0` past its end.
//! - [`Pct`]: CPython's order but at a few random choice points, for bugs
//!   that need a few specific choices.
//!
//! Every choice point has an index (its position among the choice points of
//! the run, from 0), the same for every scheduler: a run's
//! [`Schedule`] lists the non-zero answers by index, prints as a short
//! string (`3:1,17:2`), and replays the run exactly. Each non-zero answer is
//! also an [`Event::Choice`](crate::Event::Choice) of the trace.
//!
//! What a choice means at each [`ChoicePoint`]:
//! - [`ChoicePoint::TimerTie`], [`ChoicePoint::SetOrder`]: one step of a
//!   Fisher-Yates shuffle of the timers due at the same tick (in heap order)
//!   or of a set's members (in creation order). The step at position `i`
//!   (from the last down to 1) has `max = i`; answer `c` swaps item `i` with
//!   item `i - c`, so `0` leaves the order alone. A group of `n` items has
//!   `n - 1` steps and `n!` orders.
//! - [`ChoicePoint::Latency`]: extra ticks added to a non-zero sleep;
//!   `max` is the scheduler's [`Scheduler::max_latency`].

mod cpython;
mod pct;
mod replay;
mod schedule;
mod seeded;

use std::fmt;

pub use cpython::CPythonOrder;
pub use pct::Pct;
pub use replay::Replay;
pub use schedule::Schedule;
pub use seeded::Seeded;

use crate::config::Tick;

/// What the loop asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChoicePoint {
    /// The order of timers due at the same tick.
    TimerTie,
    /// The order in which a set of tasks or futures is iterated.
    SetOrder,
    /// Extra latency on a non-zero sleep.
    Latency,
}

impl ChoicePoint {
    /// Its name in traces: `timer-ties`, `set-order`, `latency`.
    pub fn name(self) -> &'static str {
        match self {
            ChoicePoint::TimerTie => "timer-ties",
            ChoicePoint::SetOrder => "set-order",
            ChoicePoint::Latency => "latency",
        }
    }
}

impl fmt::Display for ChoicePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One choice a run made: where, among how many options, and which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    /// What was decided.
    pub point: ChoicePoint,
    /// The largest answer allowed (`0..=max`).
    pub max: u64,
    /// The answer.
    pub chosen: u64,
}

/// Decides, at each choice point of a run, what asyncio leaves open.
///
/// A scheduler only answers; the loop asks, applies the answer, counts the
/// choice points and records the non-zero answers. One scheduler serves one
/// run. Implement it to explore schedules your own way (a PCT-style
/// priority scheduler, say) and hand it to [`Sim::with_scheduler`].
///
/// [`Sim::with_scheduler`]: crate::Sim::with_scheduler
pub trait Scheduler {
    /// The answer at a choice point: a number in `0..=max`, where `0` is
    /// CPython's own choice. An answer above `max` ends the run with
    /// [`RunError::ScheduleMismatch`](crate::RunError::ScheduleMismatch).
    fn choose(&mut self, point: ChoicePoint, max: u64) -> u64;

    /// The most extra latency this scheduler may add to a sleep (the `max`
    /// of [`ChoicePoint::Latency`]), asked once when the loop is made.
    /// Default 0.
    fn max_latency(&self) -> Tick {
        0
    }

    /// Can it answer anything but 0? A scheduler that cannot is CPython's
    /// order: the loop then counts the choice points without asking.
    /// Default true.
    fn deviates(&self) -> bool {
        true
    }
}
