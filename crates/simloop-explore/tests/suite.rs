//! The report `simloop check` prints for a run (and `simloop replay
//! --schedule`): its timeline is the run's own, in the scenario's words
//! and with its summary, under CPython's order and under any schedule.

use simloop_core::{Config, Policy, Profile, Schedule, TraceMode};
use simloop_explore::suite::{report, SuiteConfig};
use simloop_scenario::{parse_scenario, run, Scenario};

fn bundled(name: &str) -> Scenario {
    let path = format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_scenario(&std::fs::read_to_string(&path).expect(&path)).expect("a valid scenario")
}

#[test]
fn a_report_shows_the_runs_own_timeline_under_every_schedule() {
    let scenario = bundled("gather-failure-does-not-cancel-siblings.json");
    let profile = Profile::Py313;
    let full = |policy| Config::new(profile).policy(policy).trace(TraceMode::Full);
    let seeded = run(&scenario, full(Policy::Seeded { seed: 3, jitter: 5 })).expect("it runs");
    let deviating = seeded.sim.schedule();
    assert!(!deviating.is_empty(), "seed 3 keeps CPython's order");
    for schedule in [Schedule::default(), deviating] {
        let (text, _) = report(&scenario, &SuiteConfig::new(), profile, &schedule)
            .expect("no unknown invariant");
        let expected = run(&scenario, full(Policy::Replay(schedule.clone()))).expect("it runs");
        let summary = expected.summary();
        assert!(!summary.is_empty());
        for line in expected.timeline().lines() {
            assert!(
                text.contains(&format!("  {line}\n")),
                "schedule {schedule}: {line:?} is missing from\n{text}"
            );
        }
    }
}
