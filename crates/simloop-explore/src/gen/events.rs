//! `asyncio.Event` in random trees: an event `ev`, waited on at the start
//! of one or two children and set (sometimes cleared right after) by
//! `main` at some point of its block, before or after the children exist,
//! or never reached.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Block, Scenario, Step};

use super::rng::Rand;
use super::GenConfig;

/// The event's name.
const EV: &str = "ev";

/// With chance `cfg.event_rate`, add the event to `scenario`.
pub(super) fn add_event(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "event" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x65_7665_6e74));
    if !rng.chance(cfg.event_rate) {
        return;
    }
    let mut bodies = 0;
    count(&scenario.main, &mut bodies);
    if bodies == 0 {
        return;
    }
    let waiters = 1 + usize::from(bodies > 1 && rng.chance(0.3));
    for _ in 0..waiters {
        let mut target = rng.below(bodies);
        wait_in(&mut scenario.main, &mut target);
    }
    // `main` sets it, before a final `return` if there is one.
    let main = &mut scenario.main;
    let last = main.len() - usize::from(matches!(main.last(), Some(Step::Return(_))));
    let at = rng.below(last + 1);
    main.insert(at, Step::EventSet(EV.to_owned()));
    if rng.chance(0.3) {
        main.insert(at + 1, Step::EventClear(EV.to_owned()));
    }
    scenario.events.insert(EV.to_owned());
}

/// How many children the tree has.
fn count(b: &Block, n: &mut usize) {
    for step in b {
        *n += step.children().len();
        step.for_each_block(|inner| count(inner, n));
    }
}

/// Start the `target`-th child (in document order) with a wait.
fn wait_in(b: &mut Block, target: &mut usize) {
    for step in b.iter_mut() {
        for child in step.children_mut() {
            if *target == 0 {
                child.body.insert(0, Step::EventWait(EV.to_owned()));
            }
            *target = target.wrapping_sub(1);
        }
        // Then the blocks inside, as `count` walks them.
        step.for_each_block_mut(|inner| wait_in(inner, target));
    }
}
