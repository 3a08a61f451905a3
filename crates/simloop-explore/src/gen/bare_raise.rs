//! Bare `raise` in random trees: one or two `except` or `except*`
//! handlers end with `reraise`, in place of a final `return` or `raise`
//! or after their last step, so that the exception they handle (for
//! `except*`, the part they matched) goes on as it came.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::GenConfig;

/// With chance `cfg.bare_raise_rate`, end one or two handlers of
/// `scenario` with `reraise`.
pub(super) fn add_bare_raises(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "raise" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x72_6169_7365));
    if !rng.chance(cfg.bare_raise_rate) {
        return;
    }
    let handled = |s: &Step| match s {
        Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => !excepts.is_empty(),
        _ => false,
    };
    let steps = walk::steps(&scenario.main, &handled);
    if steps == 0 {
        return;
    }
    for _ in 0..1 + usize::from(rng.chance(0.3)) {
        let (target, clause) = (rng.below(steps), rng.below(1 << 16));
        walk::in_step(&mut scenario.main, target, &handled, &mut |s| {
            let (Step::Try { excepts, .. } | Step::TryStar { excepts, .. }) = s else {
                return;
            };
            let n = excepts.len();
            let body = &mut excepts[clause % n].body;
            if matches!(body.last(), Some(Step::Return(_) | Step::Raise(_))) {
                body.pop();
            }
            if !matches!(body.last(), Some(Step::Reraise | Step::Hang)) {
                body.push(Step::Reraise);
            }
        });
    }
}
