//! [`CPythonOrder`]: the scheduler that always picks CPython's own order.

use super::{ChoicePoint, Scheduler};

/// CPython's own order, exactly: timer ties in `heapq` order, sets in
/// creation order, no latency. The loop does not ask it (it
/// [`deviates`](Scheduler::deviates) never) but counts the choice points it
/// would have been asked about.
#[derive(Clone, Copy, Debug, Default)]
pub struct CPythonOrder;

impl Scheduler for CPythonOrder {
    fn choose(&mut self, _point: ChoicePoint, _max: u64) -> u64 {
        0
    }

    fn deviates(&self) -> bool {
        false
    }
}
