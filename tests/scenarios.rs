//! The example scenarios of `scenarios/*.json`, under every CPython profile.
//!
//! - `scenarios_meet_their_expectations`: each scenario runs under every
//!   profile whose CPython can run it (the others must refuse it: eager
//!   tasks need 3.12 or 3.14) with the `asyncio` policy, and its outcome must match
//!   `expect` and that profile's `expect_by_profile` entry (both recorded from
//!   real CPython with `tools/simloop_ref.py`). A failure names the file, the
//!   profile and the first difference.
//! - `scenario_snapshots`: each scenario's timeline followed by its outcome
//!   JSON, as an insta snapshot in `tests/snapshots/`: one snapshot
//!   (`scenarios__<stem>.snap`) when every profile gives the same text, else
//!   one per profile (`scenarios__<stem>@py311.snap`, ...). Review changes
//!   with `cargo insta review`, or `INSTA_UPDATE=always cargo test --test
//!   scenarios` and `git diff tests/snapshots`.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use simloop::core::{Config, Profile, RunError};
use simloop::scenario::{check_expect, parse_scenario, run, Prepared, Scenario};

/// `scenarios/*.json`, sorted by file name.
fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in {}", dir.display());
    files
}

/// The file name without `.json`: the snapshot name.
fn stem(file: &Path) -> String {
    file.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

fn load(file: &Path) -> Scenario {
    let text =
        fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    parse_scenario(&text).unwrap_or_else(|e| panic!("{}: invalid scenario: {e}", file.display()))
}

/// The profiles whose CPython can run `scenario` (an eager task factory
/// needs 3.12, `eager_start` 3.14); the others must refuse it.
fn profiles(scenario: &Scenario) -> Vec<Profile> {
    let prepared = Prepared::new(scenario);
    Profile::ALL
        .into_iter()
        .filter(|&p| prepared.unsupported(p).is_none())
        .collect()
}

/// The outcome JSON of one run under `profile`, asyncio policy.
fn outcome(file: &Path, scenario: &Scenario, profile: Profile) -> serde_json::Value {
    run(scenario, Config::new(profile))
        .unwrap_or_else(|e| panic!("{} under {profile}: run error: {e}", file.display()))
        .outcome
        .to_json()
}

/// What a snapshot holds: the then the pretty-printed outcome.
fn snapshot_text(file: &Path, scenario: &Scenario, profile: Profile) -> String {
    let r = run(scenario, Config::new(profile))
        .unwrap_or_else(|e| panic!("{} under {profile}: run error: {e}", file.display()));
    let json = serde_json::to_string_pretty(&r.outcome.to_json()).expect("outcome serializes");
    let tl = r.timeline();
    format!("{tl}\n{json}\n")
}

#[test]
fn scenarios_meet_their_expectations() {
    let mut failures = Vec::new();
    for file in scenario_files() {
        let scenario = load(&file);
        let name = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&file);
        if scenario.expect.is_none() {
            failures.push(format!("{}: no `expect`", name.display()));
            continue;
        }
        let runs_under = profiles(&scenario);
        for profile in Profile::ALL {
            if !runs_under.contains(&profile) {
                // Refused as CPython refuses it, before anything runs.
                match run(&scenario, Config::new(profile)) {
                    Err(RunError::Unsupported { .. }) => {}
                    _ => failures.push(format!("{} ran under {profile}", name.display())),
                }
                continue;
            }
            let actual = outcome(&file, &scenario, profile);
            // The first expectation that fails, with its first difference.
            if let Some(diff) = scenario
                .expectations(profile.name())
                .find_map(|e| check_expect(e, &actual).err())
            {
                failures.push(format!("{} under {profile}: {diff}", name.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} expectation(s) not met:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn scenario_snapshots() {
    let mut failed = Vec::new();
    for file in scenario_files() {
        let scenario = load(&file);
        let stem = stem(&file);
        let runs_under = profiles(&scenario);
        let texts: Vec<(Profile, String)> = runs_under
            .iter()
            .copied()
            .map(|p| {
                let text = snapshot_text(&file, &scenario, p);
                // A run is a pure function of scenario and config.
                assert_eq!(
                    text,
                    snapshot_text(&file, &scenario, p),
                    "{stem} under {p}: two runs differ"
                );
                (p, text)
            })
            .collect();
        let snapshots: Vec<(String, String, &str)> = if texts.iter().all(|(_, t)| *t == texts[0].1)
        {
            let names: Vec<&str> = runs_under.iter().map(|p| p.name()).collect();
            vec![(
                stem.clone(),
                format!("{} (identical)", names.join(", ")),
                &texts[0].1,
            )]
        } else {
            texts
                .iter()
                .map(|(p, t)| {
                    (
                        format!("{stem}@{p}"),
                        format!("{p} (CPython {})", p.cpython()),
                        t.as_str(),
                    )
                })
                .collect()
        };
        for (name, profiles, text) in snapshots {
            let mut settings = insta::Settings::clone_current();
            settings.set_description(format!(
                "{}, under {profiles}",
                scenario.name.as_deref().unwrap_or(&stem)
            ));
            settings.set_input_file(&file);
            settings.set_omit_expression(true);
            // Check every snapshot, even after a mismatch, so that one run
            // writes every `.snap.new` to review.
            let result = settings.bind(|| {
                panic::catch_unwind(AssertUnwindSafe(|| {
                    insta::assert_snapshot!(name.as_str(), text);
                }))
            });
            if result.is_err() {
                failed.push(name);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} snapshot(s) do not match: {}",
        failed.len(),
        failed.join(", ")
    );
}
