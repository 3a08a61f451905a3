//! `except*` handlers that raise the very group they handle: in a
//! `try_star` whose body starts with a task group, the group moves into a
//! child task `rN` that the body awaits, so the body raises the child's
//! exception group itself, and a handler starts by awaiting `rN` again,
//! raising that same group once more: the path where `except*` tells a
//! re-raise (projected back onto the original) from a new error (wrapped
//! in a new group).
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! this move.

use std::collections::BTreeSet;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Block, Child, Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::GenConfig;

/// Rewrite `scenario`'s `try_star` steps over a task group, each with
/// chance `cfg.reraise_rate`.
pub(super) fn await_failed_children(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // Most trees have no such step: they skip the names and the stream,
    // which would draw nothing.
    if walk::steps(&scenario.main, &candidate) == 0 {
        return;
    }
    let mut taken = BTreeSet::new();
    for step in scenario.steps() {
        for c in step.children() {
            taken.extend(c.name.clone());
        }
    }
    // "reraise" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x72_6572_6169_7365));
    let mut next = 0;
    let mut fresh = |taken: &mut BTreeSet<String>| loop {
        let name = format!("r{next}");
        next += 1;
        if taken.insert(name.clone()) {
            return name;
        }
    };
    block(&mut scenario.main, &mut |step| {
        if !candidate(step) || !rng.chance(cfg.reraise_rate) {
            return;
        }
        let Step::TryStar { body, excepts, .. } = step else {
            return;
        };
        let name = fresh(&mut taken);
        let group = body.remove(0);
        body.insert(0, Step::Spawn(Child::named(name.clone(), vec![group])));
        body.insert(1, Step::Await(name.clone()));
        let clause = rng.below(excepts.len());
        excepts[clause].body.insert(0, Step::Await(name));
    });
}

/// A `try_star` with handlers whose body starts with a task group.
fn candidate(step: &Step) -> bool {
    matches!(step, Step::TryStar { body, excepts, .. }
        if !excepts.is_empty() && matches!(body.first(), Some(Step::TaskGroup { .. })))
}

/// Call `f` on every step of `b`, inner blocks first.
fn block(b: &mut Block, f: &mut dyn FnMut(&mut Step)) {
    for step in b.iter_mut() {
        step.for_each_block_mut(|inner| block(inner, f));
        f(step);
    }
}
