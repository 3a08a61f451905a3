//! The `simloop run` command as a user meets it: outputs, exit codes, and
//! bad input reported with its JSON path (exit 2, never a panic).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn simloop(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn file(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("simloop-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_bundled_scenario_prints_its_timeline_and_meets_its_expect() {
    let out = simloop(&["run", "scenarios/gather-ghost.json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("     500  main returned \"caught\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("orphans (cancelled at shutdown): main.0"),
        "{stdout}"
    );
    assert!(stdout.ends_with("expect: met under py313\n"), "{stdout}");
}

#[test]
fn bad_input_names_the_json_path_and_exits_2() {
    let cases = [
        (
            "{\"main\": [{\"sleep\": -5}]}",
            "$.main[0].sleep: expected a non-negative integer, got -5",
        ),
        (
            "{\"main\": [{\"sleeep\": 1}]}",
            "$.main[0]: unknown step \"sleeep\"",
        ),
        ("{\"main\": [{\"await\": \"nobody\"}]}", "$.main[0].await:"),
        (
            "{\"main\": [",
            "$: invalid JSON: EOF while parsing a list at line 1 column 10",
        ),
    ];
    for (i, (json, want)) in cases.iter().enumerate() {
        let path = file(&format!("bad{i}.json"), json);
        let out = simloop(&["run", &path], "");
        assert_eq!(out.status.code(), Some(2), "{json}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(want), "{json}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = simloop(&["run", "/nonexistent/x.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read /nonexistent/x.json"));
}

#[test]
fn an_unmet_expect_exits_1_and_says_where() {
    let path = file(
        "unmet.json",
        r#"{"main": [{"sleep": 5}], "expect": {"end_time": 6}}"#,
    );
    let out = simloop(&["run", &path], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("$.end_time: expected 6, got 5"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn batch_mode_prints_one_line_per_scenario_in_order() {
    let input = "{\"main\": [{\"sleep\": 3}]}\n{\"main\": 5}\n{\"main\": [{\"return\": 1}]}\n";
    let out = simloop(&["run", "-"], input);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an invalid line makes the exit code 2"
    );
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("{\"main\":{\"ok\":null},\"end_time\":3,"));
    assert_eq!(
        lines[1],
        r#"{"invalid":"$.main: expected a list of steps, got 5"}"#
    );
    assert!(lines[2].starts_with("{\"main\":{\"ok\":1},"));
}

#[test]
fn a_cancelled_await_cycle_is_reported_with_the_path_of_the_await() {
    // CPython recurses through Task.cancel until RecursionError; the
    // reference runner prints this line for it, without the path.
    let cycle = r#"{"main":[{"spawn":{"name":"a","body":[{"await":"b"}]}},{"spawn":{"name":"b","body":[{"await":"a"}]}},{"sleep":1}]}"#;
    let out = simloop(&["run", "-"], &format!("{cycle}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        "{\"invalid\":\"$.main[0].spawn.body[0].await: await cycle: cancelling a recurses forever (CPython raises RecursionError)\"}\n"
    );
}
