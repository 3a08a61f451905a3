//! `gather_tasks` and `wait_tasks` in random trees: `main` spawns a named
//! task, goes on, then spawns a watcher that gathers or waits for one to
//! three tasks by name among it and the named tasks `main`'s own steps
//! created before, finished ones and the same name twice included.
//!
//! The watcher is a task of its own, not awaited, so that `main` runs on
//! the same timeline as without it.
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]): the seed's tree stays the same but for
//! these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Child, Kind, ReturnWhen, Scenario, Step};

use super::rng::Rand;
use super::{GenConfig, USER_KINDS};

/// With chance `cfg.by_name_rate`, add the spawn and the step to `main`.
pub(super) fn add_by_name(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "byname" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x6279_6e61_6d65));
    if !rng.chance(cfg.by_name_rate) {
        return;
    }
    let taken: Vec<String> = scenario
        .steps()
        .iter()
        .flat_map(|st| st.children().iter().filter_map(|c| c.name.clone()))
        .collect();
    let mut free = (0..)
        .map(|i| format!("n{i}"))
        .filter(|n| !taken.contains(n));
    let fresh = free.next().expect("a free name");
    let watcher = free.next().expect("a free name");
    // A short task that returns, or raises one of the tree's kinds.
    let mut body = Vec::new();
    if rng.chance(0.5) {
        body.push(Step::Sleep(rng.below_u64(cfg.max_delay + 1)));
    }
    body.push(if rng.chance(0.3) {
        let kinds = cfg.user_kinds.clamp(1, USER_KINDS.len());
        Step::Raise(Kind::from_name(USER_KINDS[rng.below(kinds)]))
    } else {
        Step::Return(rng.below(10).into())
    });
    let main = &mut scenario.main;
    let last = main.len() - usize::from(matches!(main.last(), Some(Step::Return(_))));
    let spawn_at = rng.below(last + 1);
    main.insert(spawn_at, Step::Spawn(Child::named(fresh.clone(), body)));
    let at = spawn_at + 1 + rng.below(last - spawn_at + 1);
    // The named tasks `main`'s own steps create before `at` (finished by
    // then if their step waited for them), and the futures.
    let mut pool: Vec<String> = main[..at]
        .iter()
        .flat_map(|st| st.children().iter().filter_map(|c| c.name.clone()))
        .collect();
    pool.extend(scenario.futures.iter().cloned());
    let n = 1 + rng.below(3);
    let names: Vec<String> = (0..n)
        .map(|_| pool[rng.below(pool.len())].clone())
        .collect();
    let step = if rng.chance(0.5) {
        Step::GatherTasks {
            names,
            return_exceptions: rng.chance(0.5),
        }
    } else {
        let whens = [
            ReturnWhen::AllCompleted,
            ReturnWhen::FirstCompleted,
            ReturnWhen::FirstException,
        ];
        Step::WaitTasks {
            names,
            return_when: whens[rng.below(3)],
            timeout: rng.chance(0.5).then(|| rng.below_u64(cfg.max_delay + 1)),
            cancel_pending: rng.chance(0.3),
        }
    };
    main.insert(at, Step::Spawn(Child::named(watcher, vec![step])));
}
