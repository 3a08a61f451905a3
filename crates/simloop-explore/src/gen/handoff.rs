//! A semaphore handed to a waiter that is cancelled in the same tick: in
//! `gather(..., return_exceptions=True)`, `a` holds a semaphore of 1 for D
//! ticks, `hN` waits for it, a sibling sleeps D ticks then cancels `hN`,
//! and `c` waits behind `hN`. When `a`'s release reaches `hN` just before
//! the cancel (the two timers tie, so either can run first), `acquire()`
//! must give the unit back and wake `c`: the path where 3.13 and 3.11/3.12
//! differ, which free trees almost never reach (no tree in 10,000 per
//! profile did).
//!
//! Drawn after the tree, from a stream of its own, as the eager tasks are
//! ([`GenConfig::for_profile`]).

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Child, Scenario, Step};

use super::rng::Rand;
use super::GenConfig;

/// With chance `cfg.handoff_rate`, add the race to `main`.
pub(super) fn add_handoff(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "handoff" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x68_616e_646f_6666));
    if !rng.chance(cfg.handoff_rate) {
        return;
    }
    let mut sem = String::from("handoff");
    while scenario.semaphores.contains_key(&sem) {
        sem.push('_');
    }
    let d = cfg.max_delay.max(4) / 4 * (1 + rng.below(4) as u64);
    let acquire = |body: Vec<Step>| Step::Acquire {
        sem: sem.clone(),
        body,
    };
    let names: Vec<String> = scenario
        .steps()
        .iter()
        .flat_map(|st| st.children().iter().filter_map(|c| c.name.clone()))
        .collect();
    let victim = (0..)
        .map(|i| format!("h{i}"))
        .find(|n| !names.contains(n))
        .expect("a free name");
    let race = Step::Gather {
        children: vec![
            Child::new(vec![acquire(vec![Step::Sleep(d)])]),
            Child::named(victim.clone(), vec![acquire(Vec::new())]),
            Child::new(vec![Step::Sleep(d), Step::Cancel(victim)]),
            Child::new(vec![acquire(Vec::new())]),
        ],
        return_exceptions: true,
    };
    let main = &mut scenario.main;
    let last = main.len() - usize::from(matches!(main.last(), Some(Step::Return(_))));
    main.insert(rng.below(last + 1), race);
    scenario.semaphores.insert(sem, 1);
}
