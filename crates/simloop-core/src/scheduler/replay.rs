//! [`Replay`]: the answers of a recorded [`Schedule`].

use super::{ChoicePoint, Schedule, Scheduler};

/// Answers choice point `i` with the [`Schedule`]'s value at `i` (0 where
/// it has none, so past its end the run follows CPython's order). Replaying
/// a run's own schedule on the same program gives the same run, byte for
/// byte. Latency answers are taken as recorded, whatever their size.
#[derive(Clone, Debug)]
pub struct Replay {
    schedule: Schedule,
    next: u64,
}

impl Replay {
    /// Replay `schedule` from its first choice point.
    pub fn new(schedule: Schedule) -> Replay {
        Replay { schedule, next: 0 }
    }
}

impl Scheduler for Replay {
    fn choose(&mut self, _point: ChoicePoint, _max: u64) -> u64 {
        let i = self.next;
        self.next += 1;
        self.schedule.value_at(i)
    }

    fn max_latency(&self) -> u64 {
        u64::MAX
    }
}
