//! The cheaper ways to run a scenario give what the full run gives:
//! `run_report` its report, `run_hash` its trace hash, and the same error
//! at a run limit.

use simloop_core::{Config, Limits, Policy, Profile, RunError, TraceMode};
use simloop_scenario::{parse_scenario, run_hash, run_prepared, run_report, Prepared};

/// The bundled scenarios, compiled, with their file names.
fn bundled() -> Vec<(String, Prepared)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the bundled scenarios")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 40, "{} scenarios in {dir}", files.len());
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("readable");
            let scenario = parse_scenario(&text).expect("a valid scenario");
            (p.display().to_string(), Prepared::new(&scenario))
        })
        .collect()
}

/// CPython's order, and two seeded schedules with late timers.
fn configs(profile: Profile) -> [Config; 3] {
    let seeded = |seed| {
        Config::new(profile)
            .policy(Policy::Seeded { seed, jitter: 3 })
            .trace(TraceMode::HashOnly)
    };
    [
        Config::new(profile).trace(TraceMode::HashOnly),
        seeded(1),
        seeded(7),
    ]
}

#[test]
fn run_report_and_run_hash_agree_with_the_full_run() {
    let mut compared = 0;
    for (file, prepared) in bundled() {
        for profile in Profile::ALL {
            if prepared.unsupported(profile).is_some() {
                continue;
            }
            for config in configs(profile) {
                let full = run_prepared(&prepared, config.clone()).expect("within the limits");
                let lean = run_report(&prepared, config.clone()).expect("within the limits");
                let (f, l) = (&full.report, &lean);
                let at = format!("{file} under {profile:?}, {:?}", config.policy);
                assert_eq!(f.main, l.main, "{at}");
                assert_eq!(f.main_task, l.main_task, "{at}");
                assert_eq!(f.end_time, l.end_time, "{at}");
                assert_eq!(f.quiescent_time, l.quiescent_time, "{at}");
                assert_eq!(f.orphans, l.orphans, "{at}");
                assert_eq!(f.stuck, l.stuck, "{at}");
                assert_eq!(f.stall, l.stall, "{at}");
                assert_eq!(f.interrupts, l.interrupts, "{at}");
                assert_eq!(f.escapes, l.escapes, "{at}");
                let hash = f.sim.trace_ref().hash();
                assert_eq!(hash, l.sim.trace_ref().hash(), "{at}");
                assert_eq!(
                    f.sim.trace_ref().records(),
                    l.sim.trace_ref().records(),
                    "{at}"
                );
                assert_eq!(
                    run_hash(&prepared, config).expect("within the limits"),
                    hash,
                    "{at}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 400, "{compared} runs compared");
}

#[test]
fn a_run_limit_is_the_same_error_in_every_way_of_running() {
    let (file, prepared) = bundled()
        .into_iter()
        .find(|(f, _)| f.ends_with("gather-results-in-input-order.json"))
        .expect("a bundled gather");
    let config = Config::new(Profile::Py313).limits(Limits::default().max_steps(3));
    let err = |r: Result<u64, RunError>| r.expect_err("three steps are too few").to_string();
    let full = err(run_prepared(&prepared, config.clone()).map(|r| r.sim.steps()));
    let lean = err(run_report(&prepared, config.clone()).map(|r| r.sim.steps()));
    let hash = err(run_hash(&prepared, config));
    assert!(full.contains("3"), "{file}: {full}");
    assert_eq!(full, lean);
    assert_eq!(full, hash);
}
