//! `asyncio.BoundedSemaphore` in random trees: a new bounded semaphore of
//! 1 or 2 around one child's body, and one or two `release` steps without
//! an acquire, in a child or in `main`, sometimes inside that `acquire`
//! (so that the exit of `async with` is the release too many) and
//! sometimes under `try/except ValueError`.
//!
//! One acquirer only: a release that succeeds while a task holds the
//! semaphore lets one more task in than its initial value, which
//! `semaphore-bound` rightly reports; with a single acquirer that cannot
//! happen, so a correct run reports nothing.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Block, Clause, Kind, Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::GenConfig;

/// The name of the semaphore added when the tree has none.
const FRESH: &str = "bsem";

/// With chance `cfg.bounded_rate`, add the semaphore and its releases.
pub(super) fn add_bounded(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "bounded" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x62_6f75_6e64_6564));
    if !rng.chance(cfg.bounded_rate) {
        return;
    }
    let bodies = walk::children(&scenario.main);
    let mut sem = String::from(FRESH);
    while scenario.semaphores.contains_key(&sem) {
        sem.push('_');
    }
    scenario
        .semaphores
        .insert(sem.clone(), 1 + rng.below(2) as u64);
    scenario.bounded.insert(sem.clone());
    if bodies > 0 {
        let target = rng.below(bodies);
        walk::in_child(&mut scenario.main, target, &mut |body| {
            let inner = std::mem::take(body);
            body.push(Step::Acquire {
                sem: sem.clone(),
                body: inner,
            });
        });
    }
    let releases = 1 + usize::from(rng.chance(0.4));
    for _ in 0..releases {
        let mut step = Step::Release(sem.clone());
        if rng.chance(0.5) {
            step = Step::Try {
                body: vec![step],
                excepts: vec![Clause {
                    kinds: vec![Kind::from_name("ValueError")],
                    body: Vec::new(),
                }],
                finally: Vec::new(),
            };
        }
        if bodies > 0 && rng.chance(0.7) {
            let target = rng.below(bodies);
            walk::in_child(&mut scenario.main, target, &mut |b| {
                insert_somewhere(b, &sem, step.clone(), &mut rng);
            });
        } else {
            insert_somewhere(&mut scenario.main, &sem, step, &mut rng);
        }
    }
}

/// Put `step` in `body` at a random place before a final `return`, or
/// (half the time) inside the `acquire` of `sem` that starts it.
fn insert_somewhere(body: &mut Block, sem: &str, step: Step, rng: &mut Rand) {
    let body = match body.first_mut() {
        Some(Step::Acquire {
            sem: s,
            body: inner,
        }) if s == sem && rng.chance(0.5) => inner,
        _ => body,
    };
    let last = body.len() - usize::from(matches!(body.last(), Some(Step::Return(_))));
    body.insert(rng.below(last + 1), step);
}
