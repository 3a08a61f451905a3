//! The self-test: every bug planted in the combinators is caught by its
//! intended invariant within 10,000 seeds and shrinks to at most 8 steps,
//! under every profile; with no bug the py313 sweep is clean; and
//! `simloop selftest` prints that table and exits 0.

use std::process::Command;

use simloop::asyncio::planted::{self, Bug};
use simloop::core::Profile;
use simloop::explore::explore::{check_scenario, ExploreConfig, SeedRules};
use simloop::explore::selftest::{control, hunt, intended, MAX_STEPS};

const MAX_SEEDS: u64 = 10_000;

fn cfg(profile: Profile) -> ExploreConfig {
    ExploreConfig::new(profile).seeds(MAX_SEEDS).jobs(4)
}

#[test]
fn every_planted_bug_is_caught_by_its_invariant_and_shrinks_to_8_steps() {
    for profile in Profile::ALL {
        for bug in Bug::ALL {
            let row = hunt(bug, &cfg(profile));
            let what = format!("{bug} under {profile}");
            let c = row
                .caught
                .as_ref()
                .unwrap_or_else(|| panic!("{what}: not caught in {MAX_SEEDS} seeds"));
            assert!(c.seeds_needed <= MAX_SEEDS, "{what}");
            assert_eq!(
                c.invariant,
                intended(bug),
                "{what}: caught first by {:?}",
                c.invariants
            );
            assert!(
                c.steps <= MAX_STEPS,
                "{what}: {} steps: {}",
                c.steps,
                c.shrunk.to_json_string()
            );
            assert!(row.passes(), "{what}");

            // The shrunk tree breaks the invariant with the bug only.
            let (_, without, _) =
                check_scenario(&c.shrunk, c.seed, &SeedRules::new(profile)).expect("it runs");
            assert!(!without.violates(c.invariant), "{what}");
            let _bug = planted::enable(bug);
            let (_, with, _) =
                check_scenario(&c.shrunk, c.seed, &SeedRules::new(profile)).expect("it runs");
            assert!(with.violates(c.invariant), "{what}");
        }
        assert_eq!(planted::active(), None, "hunting leaves the bugs off");
    }
}

#[test]
fn the_py313_control_sweep_is_clean() {
    let ctl = control(&cfg(Profile::Py313));
    assert_eq!(ctl.summary.seeds, MAX_SEEDS);
    assert!(ctl.is_clean(), "{:?}", ctl.violated());
}

#[test]
fn rows_do_not_depend_on_the_number_of_threads() {
    for bug in [Bug::TaskGroupAbortOrderLeak, Bug::SemaphoreWakesNewest] {
        let one = hunt(bug, &cfg(Profile::Py313).jobs(1));
        let three = hunt(bug, &cfg(Profile::Py313).jobs(3));
        let key = |r: &simloop::explore::selftest::BugRow| {
            r.caught
                .as_ref()
                .map(|c| (c.seed, c.invariants.clone(), c.shrunk.clone()))
        };
        assert_eq!(key(&one), key(&three), "{bug}");
    }
}

#[test]
fn simloop_selftest_prints_a_table_per_profile_and_exits_0() {
    let out = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(["selftest", "--jobs", "4"])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].split_whitespace().next() == Some("bug"))
        .collect();
    // `--profile all` by default: one table per profile, in order.
    assert_eq!(headers.len(), Profile::ALL.len(), "{stdout}");
    for (profile, header) in Profile::ALL.into_iter().zip(headers) {
        assert!(
            lines[header - 2].contains(&format!(" under {profile},")),
            "{stdout}"
        );
        let rows: Vec<Vec<&str>> = lines[header + 1..]
            .iter()
            .take(Bug::ALL.len())
            .map(|l| l.split_whitespace().collect())
            .collect();
        for (bug, row) in Bug::ALL.into_iter().zip(&rows) {
            // bug, invariant, seeds, steps, time, "s"
            assert_eq!(row.len(), 6, "{row:?}");
            assert_eq!(row[0], bug.name());
            assert_eq!(row[1], intended(bug).name(), "{row:?}");
            let seeds: u64 = row[2].parse().expect("seeds");
            let steps: usize = row[3].parse().expect("steps");
            assert!((1..=MAX_SEEDS).contains(&seeds), "{row:?}");
            assert!((1..=MAX_STEPS).contains(&steps), "{row:?}");
            assert!(row[4].parse::<f64>().is_ok() && row[5] == "s", "{row:?}");
        }
        let control = lines[header + 1 + Bug::ALL.len()];
        assert!(control.starts_with("control (no bug)"), "{control}");
        assert!(control.contains(&format!(" {MAX_SEEDS} ")), "{control}");
        // 3.11 and 3.12 leak a cancel on their own: allowed, and said so.
        let allowance = lines[header + 2 + Bug::ALL.len()];
        if profile < Profile::Py313 {
            assert!(control.contains(" nothing new "), "{control}");
            assert!(
                allowance.starts_with("  allowed as CPython's own: cancel-balance allowed "),
                "{allowance}"
            );
        } else {
            assert!(control.contains(" nothing "), "{control}");
            assert!(allowance.is_empty(), "{allowance}");
        }
    }
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("ok: all {} planted bugs", Bug::ALL.len())),
        "{stdout}"
    );
}
