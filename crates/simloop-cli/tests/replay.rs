//! The replay round trip, through the binary: make `explore` fail (py311
//! breaks `cancel-balance`), take the replay command it prints, run it
//! twice, and check that both runs print the same bytes and the trace hash
//! of the failing run. Then the same for the shrunk scenario's commands.

mod common;

use common::*;

/// The value of the first `trace hash: 0x...` line (indented or not).
fn trace_hash(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim_start().strip_prefix("trace hash: "))
        .unwrap_or_else(|| panic!("no trace hash in\n{out}"))
        .to_owned()
}

#[test]
fn a_printed_replay_command_reproduces_the_failure_bit_for_bit() {
    let dir = workdir("replay");
    let explore = simloop(
        &dir,
        &[
            "explore",
            "--seeds",
            "100",
            "--profile",
            "py311",
            "--jobs",
            "2",
        ],
    );
    let out = stdout(&explore);
    assert_eq!(explore.status.code(), Some(1), "{out}");
    let cmds = notes(&out);
    let replay = cmds
        .iter()
        .find(|c| c[0] == "replay" && c.len() == 5)
        .unwrap_or_else(|| panic!("no replay note in\n{out}"));
    assert_eq!(replay[1], "--seed");
    assert_eq!(replay[3..], ["--profile", "py311"]);
    let seed = &replay[2];
    assert!(out.contains(&format!(
        "error: cancel-balance violated by seed {seed} under py311"
    )));

    let first = simloop(&dir, replay);
    let second = simloop(&dir, replay);
    assert_eq!(first.status.code(), Some(1));
    assert_eq!(first.stdout, second.stdout, "replays differ");
    let shown = stdout(&first);
    assert!(shown.starts_with(&format!("== seed {seed}, py311, max depth 4\nscenario: {{")));
    assert!(shown.contains("cancel-balance     VIOLATED: "), "{shown}");
    assert!(
        shown.contains("determinism        ok (1 checked)"),
        "{shown}"
    );
    assert_eq!(
        trace_hash(&shown),
        trace_hash(&out),
        "replay hash vs explore's"
    );

    // The shrunk scenario: `replay ... FILE` checks it, `run` runs it.
    let file = format!("simloop-failure-py311-{seed}.json");
    assert!(dir.join(&file).exists());
    let check = cmds
        .iter()
        .find(|c| c[0] == "replay" && c.last() == Some(&file))
        .expect("a replay of the shrunk file");
    let checked = simloop(&dir, check);
    assert_eq!(checked.status.code(), Some(1));
    assert!(stdout(&checked).contains("cancel-balance     VIOLATED: task_group of main"));
    assert_eq!(checked.stdout, simloop(&dir, check).stdout);
    let run = cmds
        .iter()
        .find(|c| c[0] == "run")
        .expect("a run of the shrunk file");
    let ran = simloop(&dir, run);
    assert_eq!(ran.status.code(), Some(0), "{}", stdout(&ran));
    assert!(stdout(&ran).contains("main cancel requested (cancelling=1)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_does_not_depend_on_jobs_or_shards() {
    let dir = workdir("replay-shard");
    let hash_of = |args: &[&str]| {
        let o = simloop(&dir, args);
        trace_hash(&stdout(&o))
    };
    // Seed 13 is py311's first failure; shard 1/2 of 0..30 runs it too.
    let whole = hash_of(&[
        "explore",
        "--seeds",
        "30",
        "--profile",
        "py311",
        "--jobs",
        "1",
    ]);
    let shard = hash_of(&[
        "explore",
        "--seeds",
        "30",
        "--profile",
        "py311",
        "--shard",
        "1/2",
        "--jobs",
        "2",
    ]);
    let replayed = hash_of(&["replay", "--seed", "13", "--profile", "py311"]);
    assert_eq!(whole, shard);
    assert_eq!(whole, replayed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_rejects_an_invalid_file() {
    let dir = workdir("replay-bad");
    std::fs::write(dir.join("bad.json"), r#"{"main": [{"sleep": -1}]}"#).unwrap();
    let o = simloop(&dir, &["replay", "--seed", "1", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("$.main[0].sleep"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_can_draw_the_run() {
    let dir = workdir("render");
    let o = simloop(
        &dir,
        &[
            "replay",
            "--seed",
            "13",
            "--profile",
            "py311",
            "--render",
            "seed13.svg",
        ],
    );
    let out = stdout(&o);
    assert!(out.ends_with("picture: seed13.svg\n"), "{out}");
    let svg = std::fs::read_to_string(dir.join("seed13.svg")).expect("the picture");
    assert!(svg.starts_with("<svg") && svg.contains("seed 13"), "{svg}");
    // A name that is neither .svg nor .html is bad input, before any run.
    let o = simloop(&dir, &["replay", "--seed", "13", "--render", "x.png"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("must end in .svg or .html"));
    let _ = std::fs::remove_dir_all(&dir);
}
