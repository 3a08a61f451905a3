//! Bare futures in random trees: a future `fut`, awaited at the start of
//! one or two children (or by `main` after it is resolved), and resolved
//! by `main` at some point of its block with `future_set`, `future_fail`
//! or `future_cancel`, sometimes twice (a second set or fail raises
//! `InvalidStateError`, caught half the time). A child cancelled while
//! awaiting it cancels it, as in asyncio.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Clause, Kind, Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::{GenConfig, USER_KINDS};

/// The future's name: no task of a generated tree has it.
const FUT: &str = "fut";

/// With chance `cfg.future_rate`, add the future to `scenario`.
pub(super) fn add_future(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "future" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x6675_7475_7265));
    if !rng.chance(cfg.future_rate) {
        return;
    }
    let bodies = walk::children(&scenario.main);
    let waiters = match bodies {
        0 => 0,
        _ => 1 + usize::from(bodies > 1 && rng.chance(0.3)),
    };
    for _ in 0..waiters {
        // Start the child by awaiting the future.
        walk::in_child(&mut scenario.main, rng.below(bodies), &mut |body| {
            body.insert(0, Step::AwaitFuture(FUT.to_owned()));
        });
    }
    let kinds = cfg.user_kinds.clamp(1, USER_KINDS.len());
    let resolve = |rng: &mut Rand| match rng.below(3) {
        0 => Step::FutureSet {
            name: FUT.to_owned(),
            value: rng.below(10).into(),
        },
        1 => Step::FutureFail {
            name: FUT.to_owned(),
            error: Kind::from_name(USER_KINDS[rng.below(kinds)]),
        },
        _ => Step::FutureCancel(FUT.to_owned()),
    };
    let main = &mut scenario.main;
    let last = main.len() - usize::from(matches!(main.last(), Some(Step::Return(_))));
    let mut at = rng.below(last + 1);
    main.insert(at, resolve(&mut rng));
    if rng.chance(0.25) {
        let mut again = resolve(&mut rng);
        if rng.chance(0.5) {
            again = Step::Try {
                body: vec![again],
                excepts: vec![Clause {
                    kinds: vec![Kind::from_name("InvalidStateError")],
                    body: Vec::new(),
                }],
                finally: Vec::new(),
            };
        }
        at += 1;
        main.insert(at, again);
    }
    if waiters == 0 || rng.chance(0.2) {
        main.insert(at + 1, Step::AwaitFuture(FUT.to_owned()));
    }
    scenario.futures.insert(FUT.to_owned());
}
