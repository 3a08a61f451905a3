//! The leaves of the tree and the numbers in it: `sleep`, `return`,
//! `raise` and `hang` steps, delays on the coarse grid that makes timers
//! tie, returned values, user kinds and semaphores.
//!
//! Separate from the sampler because these draws pick values, not shapes:
//! none of them holds a block.

use serde_json::Value;
use simloop_scenario::{Kind, Step};

use super::config::USER_KINDS;
use super::sampler::Gen;

impl Gen<'_> {
    pub(super) fn leaf(&mut self, step: Step) -> Step {
        self.spend();
        step
    }

    pub(super) fn sleep(&mut self) -> Step {
        let d = self.delay();
        self.leaf(Step::Sleep(d))
    }

    pub(super) fn ret(&mut self) -> Step {
        let v = self.value();
        self.leaf(Step::Return(v))
    }

    pub(super) fn raise(&mut self) -> Step {
        let kind = match self.rng.below(100) {
            0..=9 => Kind::CancelledError,
            10..=17 => Kind::TimeoutError,
            18..=24 => Kind::Exception,
            _ => self.user_kind(),
        };
        self.raised.push(kind.clone());
        self.leaf(Step::Raise(kind))
    }

    pub(super) fn user_kind(&mut self) -> Kind {
        let n = self.cfg.user_kinds.clamp(1, USER_KINDS.len());
        Kind::from_name(USER_KINDS[self.rng.below(n)])
    }

    /// Ticks, mostly on a grid of quarters of `max_delay` so that they tie.
    pub(super) fn delay(&mut self) -> u64 {
        let max = self.cfg.max_delay;
        let grid = (max / 4).max(1);
        if self.rng.chance(0.7) {
            grid * self.rng.below_u64(max / grid + 1)
        } else {
            self.rng.below_u64(max + 1)
        }
    }

    /// Ticks in the upper half of `0..=max_delay`: outlives most deadlines.
    pub(super) fn long_delay(&mut self) -> u64 {
        let max = self.cfg.max_delay;
        max / 2 + self.rng.below_u64(max - max / 2 + 1)
    }

    fn value(&mut self) -> Value {
        match self.rng.below(20) {
            0..=9 => Value::from(self.rng.below(10) as i64),
            10..=14 => Value::from(*self.rng.pick(&["ok", "done", "x"])),
            15..=16 => Value::Null,
            _ => Value::Array(vec![Value::from(self.rng.below(10) as i64), "ok".into()]),
        }
    }

    pub(super) fn semaphore(&mut self) -> String {
        let name = if self.rng.chance(0.8) { "sem" } else { "sem2" };
        if !self.semaphores.contains_key(name) {
            let n = 1 + self.rng.below_u64(2);
            self.semaphores.insert(name.to_owned(), n);
        }
        name.to_owned()
    }

    pub(super) fn small_sleep(&mut self) -> Step {
        let d = self.rng.below_u64(3);
        self.leaf(Step::Sleep(d))
    }
}
