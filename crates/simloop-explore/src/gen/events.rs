//! `asyncio.Event` in random trees: an event `ev`, waited on at the start
//! of one or two children and set (sometimes cleared right after) at some
//! point of `main`'s block or of another child's, before or after the
//! waiters exist, or never reached.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Block, Scenario, Step};

use super::rng::Rand;
use super::walk;
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
    let bodies = walk::children(&scenario.main);
    if bodies == 0 {
        return;
    }
    let waiters = 1 + usize::from(bodies > 1 && rng.chance(0.4));
    let mut chosen = Vec::new();
    for _ in 0..waiters {
        let w = rng.below(bodies);
        chosen.push(w);
        walk::in_child(&mut scenario.main, w, &mut |b| {
            b.insert(0, Step::EventWait(EV.to_owned()));
        });
    }
    // `main` or another child sets it, before a final `return`.
    let setter = rng.below(bodies + 1);
    let (at, clear) = (rng.below(1 << 16), rng.chance(0.3));
    let mut set = |b: &mut Block| {
        let last = b.len() - usize::from(matches!(b.last(), Some(Step::Return(_))));
        let at = at % (last + 1);
        b.insert(at, Step::EventSet(EV.to_owned()));
        if clear {
            b.insert(at + 1, Step::EventClear(EV.to_owned()));
        }
    };
    if setter == bodies || chosen.contains(&setter) {
        set(&mut scenario.main);
    } else {
        walk::in_child(&mut scenario.main, setter, &mut set);
    }
    scenario.events.insert(EV.to_owned());
}
