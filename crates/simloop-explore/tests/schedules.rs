//! A run's recorded choices replay it exactly: the schedule of a seeded run
//! (jitter included), printed and parsed back, gives the same trace, byte
//! for byte, for 10,000 generated trees.

use simloop_core::{Config, Policy, Profile, Schedule, TraceMode};
use simloop_explore::{generate, GenConfig};
use simloop_scenario::run;

#[test]
fn recorded_schedules_replay_10000_generated_trees_byte_for_byte() {
    let gen = GenConfig::default();
    let mut deviating = 0;
    for seed in 0..10_000u64 {
        let profile = Profile::ALL[(seed % 3) as usize];
        let scenario = generate(seed, &gen);
        let config = |policy| Config::new(profile).policy(policy).trace(TraceMode::Full);
        let seeded = run(&scenario, config(Policy::Seeded { seed, jitter: 5 })).unwrap();
        let printed = seeded.sim.schedule().to_string();
        let schedule: Schedule = printed.parse().unwrap();
        deviating += usize::from(!schedule.is_empty());
        let replayed = run(&scenario, config(Policy::Replay(schedule))).unwrap();
        let (a, b) = (seeded.sim.trace_ref(), replayed.sim.trace_ref());
        assert_eq!(a.hash(), b.hash(), "seed {seed} under {profile}: {printed}");
        assert_eq!(a.to_string(), b.to_string(), "seed {seed} under {profile}");
        assert_eq!(seeded.sim.choice_points(), replayed.sim.choice_points());
    }
    // Most seeded runs make choices CPython would not.
    assert!(deviating > 8_000, "{deviating}");
}
