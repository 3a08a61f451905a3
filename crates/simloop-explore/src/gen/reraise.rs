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
    if !walk::any_step(&scenario.main, &candidate) {
        return;
    }
    // Only a name `r<n>` can clash with a fresh one: its `n` is enough.
    let mut taken: BTreeSet<u64> = scenario
        .steps()
        .into_iter()
        .flat_map(|step| {
            step.children()
                .iter()
                .filter_map(|c| r_number(c.name.as_deref()?))
        })
        .collect();
    // "reraise" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x72_6572_6169_7365));
    let mut next = 0;
    let mut fresh = |taken: &mut BTreeSet<u64>| loop {
        let n = next;
        next += 1;
        if taken.insert(n) {
            return format!("r{n}");
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

/// `n` if `name` is `format!("r{n}")`.
fn r_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix('r')?;
    let canonical = digits == "0" || !digits.starts_with('0');
    let n: u64 = digits.parse().ok().filter(|_| canonical)?;
    // `parse` takes a leading `+`, which `format!` never writes.
    digits.bytes().all(|b| b.is_ascii_digit()).then_some(n)
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

#[cfg(test)]
mod tests {
    use super::r_number;

    #[test]
    fn r_number_reads_only_what_format_writes() {
        for n in [0, 1, 9, 10, 42, u64::MAX] {
            assert_eq!(r_number(&format!("r{n}")), Some(n));
        }
        for name in [
            "r",
            "r01",
            "r00",
            "r+1",
            "r-1",
            "rx",
            "R1",
            "r1x",
            "x1",
            "r18446744073709551616",
        ] {
            assert_eq!(r_number(name), None, "{name}");
        }
    }
}
