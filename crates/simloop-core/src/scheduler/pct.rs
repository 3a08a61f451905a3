//! [`Pct`]: a few deviations from CPython's order at random places, in the
//! spirit of PCT (probabilistic concurrency testing, Burckhardt et al.,
//! ASPLOS 2010).
//!
//! PCT finds a bug that needs `d` specific ordering decisions with a
//! probability that depends on `d`, not on how many decisions a run makes
//! in all: it changes the schedule at `d - 1` random points and otherwise
//! follows a fixed priority order. Here the fixed order is CPython's own
//! (answer 0 everywhere), and a run deviates at exactly `depth` choice
//! points drawn uniformly among the `points` a run of the program meets
//! (known from its run in CPython's order), each time with a uniformly
//! drawn non-zero answer. A bug needing `depth` particular answers at
//! `depth` particular points among `k` is found in one run with a
//! probability of about `1 / (C(k, depth) * options^depth)`; random
//! seeded schedules, which deviate at about every point, rarely keep the
//! rest of the run in CPython's order.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChoicePoint, Scheduler};
use crate::config::Tick;

/// Deviate from CPython's order at `depth` random choice points of `points`.
#[derive(Clone, Debug)]
pub struct Pct {
    rng: ChaCha8Rng,
    /// The choice points that deviate, ascending.
    change_points: Vec<u64>,
    next: u64,
    jitter: Tick,
}

impl Pct {
    /// Seeded with `seed`; `depth` of the `points` choice points (indexes
    /// `0..points`) deviate; a deviating sleep is `1..=jitter` ticks late.
    pub fn new(seed: u64, depth: u64, points: u64, jitter: Tick) -> Pct {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut change_points = Vec::new();
        // Floyd's sampling: `depth` distinct indexes, uniformly.
        let depth = depth.min(points);
        for j in points - depth..points {
            let t = rng.gen_range(0..=j);
            let pick = if change_points.contains(&t) { j } else { t };
            change_points.push(pick);
        }
        change_points.sort_unstable();
        Pct {
            rng,
            change_points,
            next: 0,
            jitter,
        }
    }

    /// The choice points that deviate.
    pub fn change_points(&self) -> &[u64] {
        &self.change_points
    }
}

impl Scheduler for Pct {
    fn choose(&mut self, _point: ChoicePoint, max: u64) -> u64 {
        let i = self.next;
        self.next += 1;
        if max == 0 || self.change_points.binary_search(&i).is_err() {
            return 0;
        }
        self.rng.gen_range(1..=max)
    }

    fn max_latency(&self) -> Tick {
        self.jitter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deviates_at_exactly_depth_distinct_points() {
        for seed in 0..200 {
            let p = Pct::new(seed, 3, 10, 5);
            let cp = p.change_points();
            assert_eq!(cp.len(), 3);
            assert!(cp.windows(2).all(|w| w[0] < w[1]), "{cp:?}");
            assert!(cp.iter().all(|&i| i < 10));
        }
        assert_eq!(Pct::new(1, 5, 2, 0).change_points(), [0, 1]);
        let mut p = Pct::new(7, 2, 6, 0);
        let answers: Vec<u64> = (0..6).map(|_| p.choose(ChoicePoint::TimerTie, 3)).collect();
        assert_eq!(
            answers.iter().filter(|&&a| a != 0).count(),
            2,
            "{answers:?}"
        );
    }
}
