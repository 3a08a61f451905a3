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
    let mut raises = 0;
    count_raises(&scenario.main, &mut raises);
    if raises > 0 {
        let mut target = rng.below(raises);
        replace_raise(&mut scenario.main, &mut target, &kind);
    } else {
        let mut blocks = 0;
        count_blocks(&scenario.main, &mut blocks);
        let mut target = rng.below(blocks + 1);
        if target == blocks {
            raise_at_end(&mut scenario.main, &kind);
        } else {
            in_block(&mut scenario.main, &mut target, &mut |b| {
                raise_at_end(b, &kind)
            });
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

/// How many `raise` steps the tree has.
fn count_raises(b: &Block, n: &mut usize) {
    for step in b {
        *n += usize::from(matches!(step, Step::Raise(_)));
        step.for_each_block(|inner| count_raises(inner, n));
    }
}

/// Make the `target`-th `raise` (in document order) raise `kind`.
fn replace_raise(b: &mut Block, target: &mut usize, kind: &Kind) {
    for step in b.iter_mut() {
        if let Step::Raise(k) = step {
            if *target == 0 {
                *k = kind.clone();
            }
            *target = target.wrapping_sub(1);
        }
        step.for_each_block_mut(|inner| replace_raise(inner, target, kind));
    }
}

/// How many blocks are nested in the tree (`main`'s not counted).
fn count_blocks(b: &Block, n: &mut usize) {
    for step in b {
        step.for_each_block(|inner| {
            *n += 1;
            count_blocks(inner, n);
        });
    }
}

/// Call `f` on the `target`-th nested block (in document order).
fn in_block(b: &mut Block, target: &mut usize, f: &mut dyn FnMut(&mut Block)) {
    for step in b.iter_mut() {
        step.for_each_block_mut(|inner| {
            if *target == 0 {
                f(inner);
            }
            *target = target.wrapping_sub(1);
            in_block(inner, target, f);
        });
    }
}
