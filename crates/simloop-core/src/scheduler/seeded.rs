//! [`Seeded`]: random answers from one seeded ChaCha8 RNG.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChoicePoint, Scheduler};
use crate::config::Tick;

/// Answers drawn from one ChaCha8 RNG seeded with `seed`: every order
/// uniformly at random, and up to `jitter` ticks of extra latency on every
/// non-zero sleep (no draw at all when `jitter` is 0). The same seed gives
/// the same answers forever.
#[derive(Clone, Debug)]
pub struct Seeded {
    rng: ChaCha8Rng,
    jitter: Tick,
}

impl Seeded {
    /// Seeded with `seed`, adding `0..=jitter` ticks to non-zero sleeps.
    pub fn new(seed: u64, jitter: Tick) -> Seeded {
        Seeded {
            rng: ChaCha8Rng::seed_from_u64(seed),
            jitter,
        }
    }
}

impl Scheduler for Seeded {
    fn choose(&mut self, point: ChoicePoint, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let drawn = self.rng.gen_range(0..=max);
        match point {
            // A Fisher-Yates step draws the index to swap with; the answer
            // is its distance back from the current position.
            ChoicePoint::TimerTie | ChoicePoint::SetOrder => max - drawn,
            ChoicePoint::Latency => drawn,
        }
    }

    fn max_latency(&self) -> Tick {
        self.jitter
    }
}
