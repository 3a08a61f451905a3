//! [`Rand`]: our own sampling on top of the raw ChaCha stream.
//!
//! Separate because it is where the "a seed names one tree forever"
//! promise is kept: every draw of the sampler goes through these few
//! integer formulas, never through `rand`'s distributions.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// Our own sampling on top of the raw ChaCha stream, so that the
/// seed → scenario map does not depend on `rand`'s algorithms.
pub(super) struct Rand(pub(super) ChaCha8Rng);

impl Rand {
    /// Uniform in `0..n` (`0` when `n == 0`), by multiply-shift.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    pub(super) fn below_u64(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        let x = (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }

    /// An index drawn in proportion to `weights`; `None` if they sum to 0.
    pub(super) fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below_u64(total);
        weights.iter().position(|&w| {
            let hit = x < u64::from(w);
            x = x.saturating_sub(u64::from(w));
            hit
        })
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
