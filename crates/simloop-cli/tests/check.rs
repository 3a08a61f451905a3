//! `simloop check` through the binary: the bundled scenarios pass (with
//! the allowances they carry), the order-dependent bugs of
//! `examples/order-bugs` fail under every search, a printed replay line
//! gives the identical report, and exit codes, JSON lines and JUnit XML
//! are what CI expects.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use simloop::core::Profile;

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// The scenario files in a directory of the repository, sorted.
fn json_files(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join(dir))
        .expect(dir)
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| path(&p))
        .collect();
    v.sort();
    v
}

#[test]
fn the_bundled_scenarios_pass_with_their_allowances() {
    let dir = workdir("check-bundled");
    let scenarios = path(&repo().join("scenarios"));
    let o = simloop(
        &dir,
        &["check", "--seeds", "20", "--junit", "junit.xml", &scenarios],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let n = json_files("scenarios").len();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("PASS ")).count(),
        n,
        "{out}"
    );
    assert!(
        out.contains(&format!("{n} scenarios: {n} passed, 0 failed, 0 invalid")),
        "{out}"
    );
    // The rate, of wall time and per core.
    let summary = out
        .lines()
        .find(|l| l.contains(" runs in "))
        .expect("a summary");
    let per_core = summary
        .strip_suffix(" per core)")
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(per_core.is_some_and(|n| n > 0), "{summary}");
    // What the scenarios allow is said, with how often it occurred.
    assert!(
        out.contains("allowed: cancel-balance under py311, "),
        "{out}"
    );
    assert!(
        !out.contains("allowed: cancel-balance under py313"),
        "{out}"
    );

    let xml = std::fs::read_to_string(dir.join("junit.xml")).expect("junit.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let profiles = Profile::ALL.len();
    assert_eq!(cases.len(), profiles * n, "a case per scenario and profile");
    assert!(cases
        .iter()
        .any(|c| c.attribute("name") == Some("gather-ghost [py312]")));
    assert!(!doc.descendants().any(|n| n.has_tag_name("failure")));
}

/// The report block of each failure: from the line after `shrunk
/// scenario:` up to `written:`.
fn report_blocks(out: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        if line.starts_with("shrunk scenario: ") {
            current = Some(String::new());
        } else if line.starts_with("written: ") {
            blocks.push(current.take().expect("a block"));
        } else if let Some(b) = &mut current {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

#[test]
fn order_bugs_fail_and_the_printed_line_replays_the_identical_report() {
    let dir = workdir("check-order-bugs");
    let bugs = json_files("examples/order-bugs");
    assert!(bugs.len() >= 6);
    let bugs_dir = path(&repo().join("examples/order-bugs"));
    for strategy in [&["--seeds", "100"][..], &["--pct", "2"], &["--exhaustive"]] {
        let mut args = vec!["check", "--profile", "py313"];
        args.extend_from_slice(strategy);
        args.push(&bugs_dir);
        let o = simloop(&dir, &args);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{strategy:?}\n{out}");
        assert_eq!(
            out.lines().filter(|l| l.starts_with("FAIL ")).count(),
            bugs.len(),
            "every bug is found by {strategy:?}:\n{out}"
        );
        // Each holds in CPython's order: found by a later run than the first.
        assert!(!out.contains("found by run 1\n"), "{out}");
        assert!(!out.contains("schedule: none"), "{out}");
    }

    let o = simloop(
        &dir,
        &["check", "--profile", "py313", "--exhaustive", &bugs_dir],
    );
    let out = stdout(&o);
    let blocks = report_blocks(&out);
    let notes = notes(&out);
    assert_eq!(blocks.len(), bugs.len(), "{out}");
    assert_eq!(notes.len(), 2 * bugs.len(), "{out}");
    for (block, pair) in blocks.iter().zip(notes.chunks(2)) {
        assert!(block.starts_with("expect_always not met: $."), "{block}");
        let (shrunk, original) = (&pair[0], &pair[1]);
        assert_eq!(shrunk[..2], ["replay", "--schedule"]);
        let replayed = simloop(&dir, shrunk);
        assert_eq!(replayed.status.code(), Some(1), "{shrunk:?}");
        let text = stdout(&replayed);
        let (title, body) = text.split_once('\n').expect("a title line");
        assert!(title.starts_with("== simloop-check-"), "{title}");
        assert_eq!(body, block, "{shrunk:?} prints the report check printed");
        // On the original file, the same schedule breaks the same field.
        let again = simloop(&dir, original);
        assert_eq!(again.status.code(), Some(1), "{original:?}");
        let field = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("expect_always"))
                .map(str::to_owned)
        };
        assert!(field(&stdout(&again)).is_some(), "{}", stdout(&again));
        // The shrunk scenario and its picture were written.
        let file = dir.join(shrunk.last().expect("a file"));
        assert!(
            file.exists() && file.with_extension("svg").exists(),
            "{file:?}"
        );
    }
}

#[test]
fn json_lines_and_junit_describe_each_scenario_and_profile() {
    let dir = workdir("check-json");
    let race = path(&repo().join("examples/order-bugs/cancel-race-on-a-timer-tie.json"));
    let ghost = path(&repo().join("scenarios/gather-ghost.json"));
    let o = simloop(
        &dir,
        &[
            "check", "--seeds", "30", "--json", "--junit", "j.xml", &race, &ghost,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], race.as_str());
    assert_eq!(lines[0]["result"], "failed");
    assert_eq!(lines[1]["result"], "passed");
    for p in Profile::ALL.map(Profile::name) {
        let f = &lines[0]["profiles"][p]["failure"];
        let kind = f["kind"].as_str().expect("a kind");
        assert!(
            kind.starts_with("expect:expect_always:$.tasks[1].outcome"),
            "{f}"
        );
        assert_ne!(f["schedule"], "none");
        assert!(lines[1]["profiles"][p]["runs"].as_u64() == Some(31));
        assert!(lines[1]["profiles"][p]["findings"].as_u64() > Some(0));
    }
    let xml = std::fs::read_to_string(dir.join("j.xml")).expect("j.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), Profile::ALL.len());
    let text = failures[0].text().unwrap_or_default();
    assert!(text.contains("timeline (py311, schedule "), "{text}");
}

#[test]
fn deny_findings_fails_a_gather_that_leaves_a_child_behind() {
    let dir = workdir("check-deny");
    let ghost = path(&repo().join("scenarios/gather-ghost.json"));
    let o = simloop(
        &dir,
        &["check", "--seeds", "5", "--profile", "py313", &ghost],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = simloop(
        &dir,
        &[
            "check",
            "--seeds",
            "5",
            "--profile",
            "py313",
            "--deny",
            "findings",
            &ghost,
        ],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("no-orphans violated: main.0 outlived its gather"),
        "{out}"
    );
    // The replay line carries the rule, so that the replay fails the same.
    let replay = notes(&out).remove(0);
    assert!(
        replay.windows(2).any(|w| w == ["--deny", "findings"]),
        "{replay:?}"
    );
    assert_eq!(simloop(&dir, &replay).status.code(), Some(1));
}

#[test]
fn bad_input_exits_2_and_says_where() {
    let dir = workdir("check-bad");
    std::fs::write(dir.join("typo.json"), r#"{"name": "t", "mian": []}"#).expect("write");
    std::fs::write(
        dir.join("allow.json"),
        r#"{"name": "a", "main": [], "allow": [{"invariant": "cancel-balanse", "reason": "r"}]}"#,
    )
    .expect("write");
    let o = simloop(&dir, &["check", "typo.json", "allow.json", "missing.json"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains(r#"ERROR typo: $.mian: unknown key "mian""#),
        "{out}"
    );
    assert!(out.contains("ERROR allow: $.allow[0].invariant"), "{out}");
    assert!(
        out.contains("ERROR missing: cannot read missing.json"),
        "{out}"
    );
    assert!(
        out.contains("3 scenarios: 0 passed, 0 failed, 3 invalid"),
        "{out}"
    );

    let o = simloop(&dir, &["check", "--allow", "cancel-balanse", "typo.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(r#"--allow cancel-balanse: unknown invariant"#),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shards_merged_are_one_run_but_for_the_times() {
    let dir = workdir("check-shards");
    let scenarios = path(&repo().join("scenarios"));
    let bugs = path(&repo().join("examples/order-bugs"));
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--seeds", "10", "--profile", "all"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[&scenarios, &bugs]);
        let o = simloop(&dir, &args);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        stdout(&o)
    };
    let n = json_files("scenarios").len() + json_files("examples/order-bugs").len();
    let whole = check(&["--report", "whole.jsonl", "--junit", "whole.xml"]);
    for k in 0..4 {
        let out = check(&[
            "--shard",
            &format!("{k}/4"),
            "--report",
            &format!("s{k}.jsonl"),
        ]);
        assert!(
            out.contains(&format!(" of {n} (shard {k}/4) under")),
            "{out}"
        );
    }
    let merge = simloop(
        &dir,
        &[
            "merge",
            "s3.jsonl",
            "s1.jsonl",
            "s0.jsonl",
            "s2.jsonl",
            "--report",
            "merged.jsonl",
            "--junit",
            "merged.xml",
        ],
    );
    assert_eq!(merge.status.code(), Some(1));
    // Seconds are the one thing that differs: a scenario line's, and the
    // summary's time and rate.
    let untimed = |s: &str| -> String {
        s.lines()
            .map(|l| {
                let l = l.split(" runs in ").next().unwrap_or(l);
                l.strip_suffix(" s").map_or(l, |l| {
                    l.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
                })
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(untimed(&stdout(&merge)), untimed(&whole));
    let lines = |f: &str| -> Vec<Value> {
        std::fs::read_to_string(dir.join(f))
            .expect("a report")
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).expect("JSON");
                let m = v.as_object_mut().expect("an object");
                m.remove("time_ms");
                if let Some(ps) = m.get_mut("profiles").and_then(Value::as_object_mut) {
                    for p in ps.values_mut() {
                        p.as_object_mut().expect("an object").remove("busy_us");
                    }
                }
                if let Some(s) = m.get_mut("summary") {
                    s.as_object_mut().expect("an object").remove("time_ms");
                }
                v
            })
            .collect()
    };
    assert_eq!(lines("merged.jsonl"), lines("whole.jsonl"));
    assert_eq!(lines("whole.jsonl").len(), n + 1);
    let cases = |f: &str| -> Vec<String> {
        let xml = std::fs::read_to_string(dir.join(f)).expect("JUnit");
        let doc = roxmltree::Document::parse(&xml).expect("XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| {
                format!(
                    "{:?} {}",
                    n.attribute("name"),
                    n.children().any(|c| c.has_tag_name("failure"))
                )
            })
            .collect()
    };
    assert_eq!(cases("merged.xml"), cases("whole.xml"));
}

#[test]
fn expect_and_expect_by_profile_are_compared_in_cpythons_order() {
    let dir = workdir("check-expect");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect(name);
    write(
        "wrong.json",
        r#"{"main": [{"return": 1}], "expect": {"main": {"ok": 2}}}"#,
    );
    write(
        "wrong313.json",
        r#"{"main": [{"return": 1}], "expect": {"main": {"ok": 1}},
            "expect_by_profile": {"py313": {"main": {"ok": 3}}}}"#,
    );
    write(
        "right.json",
        r#"{"main": [{"return": 1}], "expect": {"main": {"ok": 1}}}"#,
    );
    let o = simloop(
        &dir,
        &[
            "check",
            "--seeds",
            "5",
            "wrong.json",
            "wrong313.json",
            "right.json",
        ],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for p in Profile::ALL.map(Profile::name) {
        assert!(
            out.contains(&format!(
                "        {p}: expect not met: $.main.ok: expected 2, got 1 (run 1)\n"
            )),
            "{out}"
        );
    }
    let by_profile = out
        .lines()
        .filter(|l| l.starts_with("        ") && l.contains("expect_by_profile not met"))
        .collect::<Vec<_>>();
    assert_eq!(
        by_profile,
        ["        py313: expect_by_profile not met: $.main.ok: expected 3, got 1 (run 1)"],
        "{out}"
    );
    assert!(out.contains("\nPASS  right "), "{out}");
    assert!(
        out.contains("3 scenarios: 1 passed, 2 failed, 0 invalid"),
        "{out}"
    );
}
