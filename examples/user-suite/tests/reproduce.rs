//! The line a failure prints reproduces it: the same report, whether its
//! `SIMLOOP_*` assignments are given in process or to `cargo test` (here:
//! to this test binary, the way `cargo test NAME` runs it), as shuttle's
//! own tests check for its replay strings.

use std::process::Command;

use simloop::asyncio::runner::MainOutcome;
use simloop::check::harness::assignments;
use simloop::check::Check;
use user_suite::claim_slot;

/// The race of `claim_slot`, as a user's property.
fn race() -> Check<&'static str> {
    Check::new()
        .seeds(100)
        .jitter(0)
        .name("race_property")
        .property(|r| matches!(r.main, MainOutcome::Returned("writer-a")))
}

/// The user's test; run only through its reproduce line, below.
#[test]
#[ignore = "fails on purpose; run by the_printed_line_reproduces_the_identical_report"]
fn race_property() {
    race().run(claim_slot);
}

#[test]
fn the_printed_line_reproduces_the_identical_report() {
    let failure = race().try_run(claim_slot).unwrap_err();
    let seed = failure.seed.expect("a seed found it");
    assert!(seed < 100, "found within 100 seeds: {seed}");
    let report = failure.to_string();
    let line = failure.reproduce();
    assert!(
        line.starts_with("note: run with SIMLOOP_PROFILE=")
            && line.ends_with(" cargo test race_property to reproduce"),
        "{line}"
    );
    assert!(report.contains(&line), "{report}");

    // In process: the line's assignments give the identical report.
    let again = race()
        .env(assignments(&line))
        .try_run(claim_slot)
        .unwrap_err();
    assert_eq!(again.to_string(), report);

    // Out of process, as `cargo test race_property` with those variables.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "race_property", "--nocapture"])
        .envs(assignments(&line))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let printed = String::from_utf8_lossy(&out.stderr);
    assert!(printed.contains(&report), "{printed}");

    // The shrunk schedule replays the same failure too.
    let replay_line = report.lines().last().unwrap();
    let replayed = race()
        .env(assignments(replay_line))
        .try_run(claim_slot)
        .unwrap_err();
    assert_eq!(replayed.problems, failure.problems);
    assert_eq!(replayed.schedule, failure.schedule);
}
