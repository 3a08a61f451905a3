//! `simloop explore` over 2,000 seeds per profile, through the binary.
//!
//! - py311 and py312 exit 1 with `cancel-balance` (and nothing else), shrunk
//!   to the smallest tree: a task group whose only child raises.
//! - py313 keeps every invariant (exit 0). The generated trees in which a
//!   task `uncancel`s a cancellation it did not request (seed 272 among
//!   the first 2,000) lose a cancellation even on 3.13: the user's
//!   `uncancel()` withdraws a timeout's own request, so the timeout's
//!   `__aexit__` withdraws an outside one and turns it into `TimeoutError`.
//!   That breaks `uncancel()`'s contract, so it is reported as a
//!   `cancel-balance` finding, pinned here, not hidden.
//! - `--profile all` sweeps each profile in turn, allowing 3.11 and 3.12's
//!   own cancel-balance leak there, and exits 0.
//! - Four shards' reports, merged, are the whole sweep's, byte for byte.

mod common;

use common::*;

use simloop::core::Profile;
use simloop::explore::explore::{sweep_with, ExploreConfig};
use simloop::explore::shrink::size;
use simloop::explore::{GenConfig, StepWeights};
use simloop::scenario::{parse_scenario, Scenario, Step};

/// The table's row for `invariant`: (checked, violations, findings).
fn row(out: &str, invariant: &str) -> (u64, u64, u64) {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(invariant))
        .unwrap_or_else(|| panic!("no row {invariant} in\n{out}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().expect("a number"))
        .collect();
    (n[0], n[1], n[2])
}

/// The shrunk scenario printed after `shrunk scenario ...:`.
fn shrunk(out: &str) -> Scenario {
    let mut lines = out.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("shrunk scenario"))
        .expect("a shrunk scenario");
    parse_scenario(lines.next().expect("its JSON")).expect("valid")
}

const OTHERS: [&str; 8] = [
    "no-orphans",
    "errors-collected",
    "deadline",
    "semaphore-bound",
    "result-order",
    "no-lost-wakeup",
    "timers-cancelled",
    "determinism",
];

#[test]
fn py311_and_py312_break_cancel_balance_and_shrink_to_the_smallest_tree() {
    for profile in ["py311", "py312"] {
        let dir = workdir(profile);
        let o = simloop(
            &dir,
            &[
                "explore",
                "--seeds",
                "2000",
                "--profile",
                profile,
                "--jobs",
                "2",
            ],
        );
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        let (checked, violations, _) = row(&out, "cancel-balance");
        assert!(checked > 1000 && violations > 100, "{out}");
        for inv in OTHERS {
            assert_eq!(row(&out, inv).1, 0, "{inv} under {profile}:\n{out}");
        }
        assert!(
            out.contains("error: cancel-balance violated by seed "),
            "{out}"
        );
        // `[{"task_group": [[{"raise": K}]]}]`: the kind is whatever the
        // shrinker finds smallest (a builtin one costs a unit less).
        let s = shrunk(&out);
        match s.main.as_slice() {
            [Step::TaskGroup { children, then }] => {
                assert!(then.is_empty());
                assert_eq!(children.len(), 1);
                assert!(
                    matches!(children[0].body.as_slice(), [Step::Raise(_)]),
                    "{out}"
                );
            }
            _ => panic!("not the smallest tree:\n{out}"),
        }
        assert!(size(&s) <= 4);
        // The file named in the output holds the same scenario.
        let file = out
            .lines()
            .find_map(|l| l.split("written to ").nth(1))
            .expect("a file name")
            .trim_end_matches(':');
        let text = std::fs::read_to_string(dir.join(file)).expect("the failure file");
        assert_eq!(parse_scenario(&text).expect("valid"), s);
        // And its picture, named in the output, beside it.
        let svg = out
            .lines()
            .find_map(|l| l.strip_prefix("picture of the shrunk failure: "))
            .expect("a picture named");
        assert_eq!(svg, file.replace(".json", ".svg"));
        let picture = std::fs::read_to_string(dir.join(svg)).expect("the picture");
        assert!(
            picture.starts_with("<svg") && picture.contains("class=\"lane"),
            "{picture}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn py313_is_clean_and_reports_uncancel_misuse_as_a_finding() {
    let dir = workdir("py313");
    let o = simloop(&dir, &["explore", "--seeds", "2000", "--profile", "py313"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for inv in OTHERS {
        assert_eq!(row(&out, inv).1, 0, "{inv}:\n{out}");
    }
    let (_, violations, findings) = row(&out, "cancel-balance");
    assert_eq!((violations, findings), (0, 1), "{out}");
    assert!(out.contains("2000 seeds, 0 failing"), "{out}");
    // The finding is seed 272's, with the reason.
    let cfg = ExploreConfig::new(Profile::Py313).start(272).seeds(1);
    let mut findings = Vec::new();
    sweep_with(&cfg, &|_| {}, &mut |r| {
        findings.extend(
            r.report
                .findings
                .into_iter()
                .filter(|f| f.invariant.name() == "cancel-balance")
                .map(|f| f.message),
        );
    });
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].ends_with("an uncancel step withdrew a request the task did not make"),
        "{findings:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_profile_is_clean_once_cpython_s_own_leak_is_allowed() {
    let dir = workdir("all");
    let o = simloop(&dir, &["explore", "--seeds", "2000", "--profile", "all"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("simloop explore:"))
        .collect();
    assert_eq!(
        headers,
        [
            "simloop explore: 2000 seeds from 0 under py311, max depth 4 --allow cancel-balance@py311",
            "simloop explore: 2000 seeds from 0 under py312, max depth 4 --allow cancel-balance@py312",
            "simloop explore: 2000 seeds from 0 under py313, max depth 4",
            "simloop explore: 2000 seeds from 0 under py314, max depth 4",
        ]
    );
    assert_eq!(out.matches("2000 seeds, 0 failing").count(), 4, "{out}");
    // The leak is counted, not hidden: the allowed column of py311's table.
    let leak = out
        .lines()
        .find(|l| l.starts_with("cancel-balance"))
        .expect("a row");
    let allowed: u64 = leak.split_whitespace().last().unwrap().parse().unwrap();
    assert!(allowed > 0, "{leak}");
    // A report is one sweep's.
    let o = simloop(
        &dir,
        &[
            "explore",
            "--seeds",
            "10",
            "--profile",
            "all",
            "--report",
            "r",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn py313_is_clean_on_trees_without_user_uncancel() {
    let mut weights = StepWeights::default();
    weights.uncancel = 0;
    let gen = GenConfig::default().uncancel_rate(0.0).weights(weights);
    let cfg = ExploreConfig::new(Profile::Py313)
        .seeds(2000)
        .jobs(2)
        .gen(gen);
    let mut failing = Vec::new();
    let summary = sweep_with(&cfg, &|_| {}, &mut |r| {
        if !r.report.is_clean() {
            failing.push((r.seed, r.report.violations));
        }
    });
    assert_eq!(summary.seeds, 2000);
    assert!(failing.is_empty(), "{failing:#?}");
    assert!(summary.is_clean());
}

#[test]
fn four_shards_merged_are_one_run() {
    let dir = workdir("shards");
    let explore = |extra: &[&str], report: &str| {
        let mut args = vec![
            "explore",
            "--seeds",
            "300",
            "--start",
            "1000",
            "--profile",
            "py312",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--report", report]);
        let o = simloop(&dir, &args);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        stdout(&o)
    };
    let whole = explore(&["--jobs", "2"], "whole.jsonl");
    for k in 0..4 {
        let shard = format!("{k}/4");
        let out = explore(&["--shard", &shard, "--jobs", "1"], &format!("s{k}.jsonl"));
        assert!(
            out.starts_with(&format!(
                "simloop explore: 75 seeds from 1000 under py312, shard {shard}"
            )),
            "{out}"
        );
    }
    let merge = simloop(
        &dir,
        &[
            "merge",
            "s2.jsonl",
            "s0.jsonl",
            "s3.jsonl",
            "s1.jsonl",
            "--report",
            "merged.jsonl",
        ],
    );
    assert_eq!(merge.status.code(), Some(1));
    // What a single sweep prints and writes, byte for byte: the table, each
    // invariant's first failing seed shrunk, the report with its totals.
    assert_eq!(stdout(&merge), whole);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("a report");
    let report = read("whole.jsonl");
    assert_eq!(read("merged.jsonl"), report);
    assert!(
        whole.contains("error: cancel-balance violated by seed 1000 under py312"),
        "{whole}"
    );
    let last: serde_json::Value =
        serde_json::from_str(report.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["summary"]["ran"], 300);
    assert_eq!(last["summary"]["shard"], "0/1");
    // Only the first failing seed's line carries the shrunk failure.
    assert_eq!(
        report
            .matches(r#""shrunk":[{"invariant":"cancel-balance""#)
            .count(),
        1
    );
    assert!(report.matches(r#""seed":"#).count() > 50);

    // Shards that do not make one run are refused, saying why.
    let refused = |reports: &[&str], why: &str| {
        let mut args = vec!["merge"];
        args.extend_from_slice(reports);
        let o = simloop(&dir, &args);
        assert_eq!(o.status.code(), Some(2), "{reports:?}");
        assert!(stderr(&o).contains(why), "{reports:?}: {}", stderr(&o));
    };
    refused(&["s0.jsonl", "s1.jsonl", "s3.jsonl"], "missing shard: 2/4");
    refused(
        &["s0.jsonl", "s0.jsonl", "s1.jsonl", "s2.jsonl", "s3.jsonl"],
        "shard 0/4 does not fit",
    );
    refused(&["s0.jsonl", "whole.jsonl"], "does not fit");
    explore(&["--shard", "1/4", "--jitter", "3"], "j1.jsonl");
    refused(
        &["s0.jsonl", "j1.jsonl", "s2.jsonl", "s3.jsonl"],
        "their settings differ",
    );
    std::fs::write(
        dir.join("cut.jsonl"),
        report.lines().next().expect("a line"),
    )
    .expect("write");
    refused(
        &["cut.jsonl"],
        "the last line is not a {\"summary\": ...} line",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
