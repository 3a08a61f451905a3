//! `KeyboardInterrupt` and `SystemExit` in random trees: one `raise` of
//! the tree becomes one of them (in a tree without a `raise`, one task
//! raises it at the end of its body), and sometimes `main`'s block runs
//! under `try/except` of it. Uncaught, it leaves the loop from the task
//! that raises it, and the shutdown cancels the rest; a task group's owner
//! raises it again there.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use simloop_scenario::{Block, Clause, Kind, Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::GenConfig;

/// With chance `cfg.interrupt_rate`, make one task raise an interrupt.
pub(super) fn add_interrupt(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "interrupt" in ASCII (its first eight letters), to part this stream
    // from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x696e_7465_7272_7570));
    if !rng.chance(cfg.interrupt_rate) {
        return;
    }
    let kind = if rng.chance(0.5) {
        Kind::KeyboardInterrupt
    } else {
        Kind::SystemExit
    };
    let is_raise = |s: &Step| matches!(s, Step::Raise(_));
    let raises = walk::steps(&scenario.main, &is_raise);
    if raises > 0 {
        let target = rng.below(raises);
        walk::in_step(&mut scenario.main, target, &is_raise, &mut |s| {
            *s = Step::Raise(kind.clone());
        });
    } else {
        let blocks = walk::blocks(&scenario.main);
        let target = rng.below(blocks + 1);
        if target == blocks {
            raise_at_end(&mut scenario.main, &kind);
        } else {
            walk::in_block(&mut scenario.main, target, &mut |b| raise_at_end(b, &kind));
        }
    }
    if rng.chance(0.25) {
        let caught = if rng.chance(0.5) {
            kind
        } else {
            Kind::BaseException
        };
        let body = std::mem::take(&mut scenario.main);
        scenario.main.push(Step::Try {
            body,
            excepts: vec![Clause {
                kinds: vec![caught],
                body: vec![Step::Return(Value::from("interrupted"))],
            }],
            finally: Vec::new(),
        });
    }
}

/// `raise kind` as the last step of `b`, or before its final `return`.
fn raise_at_end(b: &mut Block, kind: &Kind) {
    let last = b.len() - usize::from(matches!(b.last(), Some(Step::Return(_))));
    b.insert(last, Step::Raise(kind.clone()));
}
