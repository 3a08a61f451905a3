//! The defects an adversarial pass over the command line found (issue 16),
//! each reproduced as it was reported: hostile input, full disks, closed
//! pipes. `tests/fuzz.rs` keeps the classes closed.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;

/// `simloop ARGS...` in `dir`, with `stdin` as its input and its stdout
/// and stderr where given (captured otherwise).
fn simloop_io(
    dir: &Path,
    args: &[&str],
    stdin: &[u8],
    stdout: Option<File>,
    stderr: Option<File>,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(stdout.map_or_else(Stdio::piped, Stdio::from))
        .stderr(stderr.map_or_else(Stdio::piped, Stdio::from))
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("it ends");
    writer.join().expect("the writer");
    out
}

fn dev_full() -> File {
    File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write a scenario");
    p.display().to_string()
}

fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
}

const GHOST: &str = "scenarios/gather-ghost.json";

fn ghost() -> String {
    repo().join(GHOST).display().to_string()
}

// 2. Closed pipes and full disks.

#[test]
fn a_full_stdout_is_an_error_with_exit_2_for_every_command() {
    let dir = workdir("hostile-full-stdout");
    let g = ghost();
    for args in [
        vec!["run", g.as_str()],
        vec!["run", "--json", g.as_str()],
        vec!["replay", "--seed", "7"],
        vec!["pstree", "--at", "0", g.as_str()],
        vec!["render", "--out", "x.svg", g.as_str()],
        vec!["explore", "--seeds", "20"],
        vec!["check", "--seeds", "2", "--profile", "py313", g.as_str()],
    ] {
        let o = simloop_io(&dir, &args, b"", Some(dev_full()), None);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).lines().last(),
            Some("error: cannot write to stdout: No space left on device (os error 28)"),
            "{args:?}"
        );
    }
    // Batch mode too: it used to exit 0 and lose every line.
    let o = simloop_io(
        &dir,
        &["run", "--json", "-"],
        b"{\"main\":[]}\n",
        Some(dev_full()),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write to stdout"));
}

#[test]
fn a_full_stderr_does_not_stop_the_work() {
    let dir = workdir("hostile-full-stderr");
    let o = simloop_io(
        &dir,
        &["explore", "--seeds", "50"],
        b"",
        None,
        Some(dev_full()),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("50 seeds, 0 failing"), "{}", stdout(&o));
    let bad = write(&dir, "bad.json", "{\"main\": 5}");
    let o = simloop_io(&dir, &["run", &bad], b"", None, Some(dev_full()));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    let dir = workdir("hostile-pipe");
    let g = ghost();
    // Far more than a pipe holds, so that writes come after the close.
    let mut args = vec!["run", "--json"];
    args.extend(std::iter::repeat_n(g.as_str(), 400));
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(&args)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("10 bytes");
    let o = child.wait_with_output().expect("it ends");
    assert_eq!(&head, b"{\"main\":{\"");
    assert_eq!(stderr(&o), "", "quietly");
    use std::os::unix::process::ExitStatusExt;
    assert!(
        o.status.signal() == Some(13) || o.status.code() == Some(141),
        "{:?}",
        o.status
    );
}

// 1. Any u64 the command line accepts works or is refused with exit 2.

#[test]
fn the_largest_jitter_is_a_time_limit_not_a_panic() {
    let dir = workdir("hostile-jitter");
    let s = write(&dir, "s.json", r#"{"main":[{"sleep":5}]}"#);
    let max = u64::MAX.to_string();
    let limit = "time limit: the next timer is at tick";
    for args in [
        vec!["run", "--seed", "0", "--jitter", &max, &s],
        vec!["run", "--policy", "seeded", "--jitter", &max, &s],
        vec![
            "render", "--seed", "0", "--jitter", &max, "--out", "x.svg", &s,
        ],
        vec!["pstree", "--seed", "0", "--jitter", &max, "--at", &max, &s],
    ] {
        let o = simloop_io(&dir, &args, b"", None, None);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(limit), "{args:?}: {}", stderr(&o));
    }
    // Batch mode goes on after the line that hit the limit.
    let o = simloop_io(
        &dir,
        &["run", "--seed", "0", "--jitter", &max, "-"],
        b"{\"main\":[{\"sleep\":5}]}\n{\"main\":[{\"return\":1}]}\n",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("{\"limit\":\"time limit"), "{out}");
    assert!(lines[1].starts_with("{\"main\":{\"ok\":1}"), "{out}");
    // Sweeps count such runs as not finished or failed, and go on.
    for args in [
        vec!["explore", "--seeds", "20", "--jitter", &max],
        vec!["explore", "--seeds", "20", "--pct", &max, "--jitter", &max],
        vec!["check", "--seeds", "3", "--jitter", &max, &s],
        vec!["check", "--pct", &max, "--seeds", "3", &s],
        vec![
            "check",
            "--exhaustive",
            "--budget",
            &max,
            "--delays",
            &max,
            &s,
        ],
    ] {
        let o = simloop_io(&dir, &args, b"", None, None);
        no_panic(&o);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}");
    }
    for args in [
        vec!["replay", "--seed", &max, "--jitter", &max, "--pct", &max],
        vec!["replay", "--seed", "1", "--max-depth", &max],
        vec!["explore", "--seeds", "2", "--max-depth", &max],
    ] {
        let o = simloop_io(&dir, &args, b"", None, None);
        no_panic(&o);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}");
    }
}

#[test]
fn jitter_under_cpythons_order_is_refused() {
    let dir = workdir("hostile-jitter-alone");
    let s = write(&dir, "s.json", r#"{"main":[{"sleep":5}]}"#);
    for cmd in [
        vec!["run"],
        vec!["render", "--out", "x.svg"],
        vec!["pstree", "--at", "3"],
    ] {
        let mut args = cmd.clone();
        args.extend(["--jitter", "5", s.as_str()]);
        let o = simloop_io(&dir, &args, b"", None, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o),
            "error: --jitter applies to the seeded policy: give --seed N (or --policy seeded)\n"
        );
    }
    let o = simloop_io(
        &dir,
        &["run", "--seed", "3", "--jitter", "5", &s],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(0));
}

// 3. --jobs is bounded, and says what it got.

#[test]
fn jobs_are_bounded() {
    let dir = workdir("hostile-jobs");
    for jobs in ["0", "257", "20000"] {
        let o = simloop_io(&dir, &["explore", "--jobs", jobs], b"", None, None);
        assert_eq!(o.status.code(), Some(2), "--jobs {jobs}");
        assert!(
            stderr(&o).contains("expected a number of threads from 1 to 256"),
            "{}",
            stderr(&o)
        );
    }
    // Never more threads than seeds.
    let o = simloop_io(
        &dir,
        &["explore", "--jobs", "256", "--seeds", "3"],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("3 jobs"), "{}", stderr(&o));
}

// 13. The seeds of a sweep do not wrap past u64::MAX.

#[test]
fn seeds_past_the_largest_are_refused() {
    let dir = workdir("hostile-start");
    let o = simloop_io(
        &dir,
        &["explore", "--start", "18446744073709551615", "--seeds", "3"],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --start 18446744073709551615 --seeds 3: the seeds would go past 18446744073709551615\n"
    );
    let o = simloop_io(
        &dir,
        &["explore", "--start", "18446744073709551613", "--seeds", "3"],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// 12. The same input gives the same exit code in every command.

#[test]
fn a_limit_hit_before_the_tick_fails_pstree() {
    let dir = workdir("hostile-pstree-limit");
    let s = write(&dir, "s.json", r#"{"main":[{"sleep":1000000000001}]}"#);
    let o = simloop_io(
        &dir,
        &["pstree", "--at", "2000000000000", &s],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "time limit: the next timer is at tick 1000000000001, past the limit of 1000000000000 ticks"
        ),
        "{}",
        stderr(&o)
    );
    // Up to the limit, the tree is there.
    let o = simloop_io(
        &dir,
        &["pstree", "--at", "1000000000000", &s],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("main  awaits sleep"), "{}", stdout(&o));
}

#[test]
fn an_await_cycle_is_bad_input_for_every_command() {
    let dir = workdir("hostile-cycle");
    let s = write(
        &dir,
        "cycle.json",
        r#"{"main":[{"spawn":{"name":"a","body":[{"await":"b"}]}},{"spawn":{"name":"b","body":[{"await":"a"}]}},{"sleep":1}]}"#,
    );
    for args in [
        vec!["run", s.as_str()],
        vec!["render", "--out", "c.svg", s.as_str()],
        vec!["pstree", "--at", "5", s.as_str()],
        vec!["replay", "--seed", "1", s.as_str()],
    ] {
        let o = simloop_io(&dir, &args, b"", None, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        // With the JSON path of the await, as every other error.
        assert!(
            stderr(&o).contains(
                "$.main[0].spawn.body[0].await: await cycle: cancelling a recurses forever"
            ),
            "{}",
            stderr(&o)
        );
    }
}

// 6. Input size is bounded before parsing.

#[test]
fn input_is_bounded_before_it_is_parsed() {
    let dir = workdir("hostile-input-size");
    let too_long = "$: the text is longer than 4194304 bytes (--max-input-bytes raises the bound)";
    // /dev/zero used to be read until memory ran out.
    let o = simloop_io(&dir, &["run", "/dev/zero"], b"", None, None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), format!("error: /dev/zero: {too_long}\n"));
    // 5 MB of steps: refused at once, not after parsing.
    let big = format!(
        "{{\"main\":[{}{{\"sleep\":1}}]}}",
        "{\"sleep\":1},".repeat((5 << 20) / 12)
    );
    let path = write(&dir, "big.json", &big);
    for cmd in [
        vec!["run"],
        vec!["render", "--out", "x.svg"],
        vec!["pstree", "--at", "1"],
        vec!["replay", "--seed", "1"],
        vec!["check", "--seeds", "1"],
    ] {
        let mut args = cmd.clone();
        args.push(&path);
        let o = simloop_io(&dir, &args, b"", None, None);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        let text = stderr(&o) + &stdout(&o);
        assert!(text.contains(too_long), "{cmd:?}: {text}");
    }
    // The flag raises the bound (to the next one: max_steps).
    let o = simloop_io(
        &dir,
        &["run", "--max-input-bytes", "8000000", &path],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("more than 100000 steps in the tree (Limits::max_steps)"),
        "{}",
        stderr(&o)
    );
    // In batch mode a long line is one invalid line.
    let mut input = big.into_bytes();
    input.extend_from_slice(b"\n{\"main\":[{\"return\":1}]}\n");
    let o = simloop_io(&dir, &["run", "-"], &input, None, None);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], format!("{{\"invalid\":\"{too_long}\"}}"));
    assert!(lines[1].starts_with("{\"main\":{\"ok\":1}"), "{out}");
}

// 9. A line that is not UTF-8 is one invalid line.

#[test]
fn a_line_that_is_not_utf8_does_not_end_the_batch() {
    let dir = workdir("hostile-utf8");
    let o = simloop_io(
        &dir,
        &["run", "--json", "-"],
        b"{\"main\":[]}\n\xff\n{\"main\":[]}\n",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[1],
        r#"{"invalid":"$: not UTF-8 (byte 0 of the text)"}"#
    );
    assert_eq!(lines[0], lines[2]);
    // A file likewise, with the path.
    let path = dir.join("latin1.json");
    std::fs::write(&path, b"{\"main\":[{\"return\":\"caf\xe9\"}]}").expect("write");
    let o = simloop_io(
        &dir,
        &["run", path.to_str().expect("utf-8")],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with("latin1.json: $: not UTF-8 (byte 23 of the text)\n"),
        "{}",
        stderr(&o)
    );
}

// 13. A byte order mark is ignored; a duplicate key is reported at its path.

#[test]
fn a_bom_is_ignored_and_a_duplicate_key_has_its_path() {
    let dir = workdir("hostile-bom");
    let bom = write(&dir, "bom.json", "\u{feff}{\"main\":[{\"return\":1}]}");
    let o = simloop_io(&dir, &["run", "--json", &bom], b"", None, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dup = write(
        &dir,
        "dup.json",
        r#"{"main":[{"spawn":{"name":"a","name":"b","body":[]}}]}"#,
    );
    let o = simloop_io(&dir, &["run", &dup], b"", None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with(
            "dup.json: $.main[0].spawn.name: invalid JSON: duplicate key \"name\" at line 1 column 36\n"
        ),
        "{}",
        stderr(&o)
    );
}

// 7. Name validation is not quadratic.

#[test]
fn many_awaits_of_a_default_name_validate_as_fast_as_of_an_explicit_one() {
    use std::time::Instant;
    let scenario = |first: &str, target: &str| {
        let mut steps = vec![first.to_owned()];
        steps.extend(std::iter::repeat_n("{\"spawn\":[]}".to_owned(), 9_999));
        steps.extend(std::iter::repeat_n(
            format!("{{\"await\":\"{target}\"}}"),
            89_990,
        ));
        format!("{{\"main\":[{}]}}", steps.join(","))
    };
    let time = |text: &str| {
        let t0 = Instant::now();
        simloop::scenario::parse_scenario(text).expect("valid");
        t0.elapsed().as_secs_f64()
    };
    let unnamed = scenario("{\"spawn\":[]}", "main.9999");
    let named = scenario("{\"spawn\":{\"name\":\"x\",\"body\":[]}}", "x");
    // Best of three, each: the machine may be busy.
    let best = |text: &str| (0..3).map(|_| time(text)).fold(f64::MAX, f64::min);
    let (u, n) = (best(&unnamed), best(&named));
    // It took 2.05 s against 0.18 s.
    assert!(
        u < 3.0 * n + 0.05,
        "unnamed target {u:.3} s, named {n:.3} s"
    );
}

/// `t0` awaits `t1`, ..., the last one hangs: `main` spawns them and
/// sleeps, then `asyncio.run` cancels the orphans.
fn await_chain(n: usize) -> String {
    let spawns: Vec<String> = (0..n)
        .map(|i| {
            let body = if i + 1 < n {
                format!("{{\"await\":\"t{}\"}}", i + 1)
            } else {
                "{\"hang\":null}".to_owned()
            };
            format!("{{\"spawn\":{{\"name\":\"t{i}\",\"body\":[{body}]}}}}")
        })
        .collect();
    format!("{{\"main\":[{},{{\"sleep\":1}}]}}", spawns.join(","))
}

// 4. A long await chain is refused as CPython's recursion fails on it, at
// once: not n(n+1)/2 cancel requests.

#[test]
fn a_cancel_down_a_long_await_chain_is_refused_like_an_await_cycle() {
    let dir = workdir("hostile-chain");
    let path = write(&dir, "chain.json", &await_chain(9_999));
    let t0 = std::time::Instant::now();
    let o = simloop_io(&dir, &["run", &path], b"", None, None);
    // It took 18.6 s and 4.6 GB.
    assert!(t0.elapsed().as_secs_f64() < 5.0, "{:?}", t0.elapsed());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with(
            "chain.json: $.main[985].spawn.body[0].await: cancel chain too deep: the cancel \
             reached t985 after passing through 985 awaiting tasks (Limits::max_cancel_depth); \
             CPython raises RecursionError\n"
        ),
        "{}",
        stderr(&o)
    );
    // What every CPython cancels, simloop runs.
    let path = write(&dir, "ok.json", &await_chain(985));
    let o = simloop_io(&dir, &["run", "--json", &path], b"", None, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn cancels_down_many_chains_stop_at_the_trace_limit() {
    // Ten chains of 900, each cancelled 250 times: 2.25 million requests.
    let dir = workdir("hostile-chains");
    let mut steps = Vec::new();
    for c in 0..10 {
        for i in 0..900 {
            let body = if i + 1 < 900 {
                format!("{{\"await\":\"c{c}t{}\"}}", i + 1)
            } else {
                "{\"hang\":null}".to_owned()
            };
            steps.push(format!(
                "{{\"spawn\":{{\"name\":\"c{c}t{i}\",\"body\":[{body}]}}}}"
            ));
        }
    }
    steps.push("{\"sleep\":1}".to_owned());
    for c in 0..10 {
        steps.extend(std::iter::repeat_n(
            format!("{{\"cancel\":\"c{c}t0\"}}"),
            250,
        ));
    }
    let path = write(
        &dir,
        "chains.json",
        &format!("{{\"main\":[{}]}}", steps.join(",")),
    );
    let o = simloop_io(&dir, &["run", &path], b"", None, None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with(
            "chains.json: trace limit: more than 2000000 trace records (Limits::max_trace_records)\n"
        ),
        "{}",
        stderr(&o)
    );
}

// 5. Values are shared, not copied per await, and bounded.

#[test]
fn return_values_are_bounded_and_shared() {
    let dir = workdir("hostile-values");
    let list = |n: usize| format!("[{}]", vec!["1"; n].join(","));
    // A 1 MB list: 524,288 values.
    let big = write(
        &dir,
        "big.json",
        &format!("{{\"main\":[{{\"return\":{}}}]}}", list(1 << 19)),
    );
    let o = simloop_io(&dir, &["run", "--json", &big], b"", None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with(
            "big.json: $.main[0].return: more than 100000 JSON values in the return steps of \
             the tree (Limits::max_values)\n"
        ),
        "{}",
        stderr(&o)
    );
    // 9,000 awaits of a task returning 99,990 values: one value, shared.
    let spawn = format!(
        "{{\"spawn\":{{\"name\":\"a\",\"body\":[{{\"return\":{}}}]}}}}",
        list(99_989)
    );
    let awaits = vec!["{\"await\":\"a\"}"; 9_000].join(",");
    let shared = write(
        &dir,
        "shared.json",
        &format!("{{\"main\":[{spawn},{awaits}]}}"),
    );
    let t0 = std::time::Instant::now();
    let o = simloop_io(&dir, &["run", "--json", &shared], b"", None, None);
    // It took 14 s, each await a copy.
    assert!(t0.elapsed().as_secs_f64() < 5.0, "{:?}", t0.elapsed());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Twenty tasks that each return it hold 2 million values: a run limit.
    let holders = (0..20)
        .map(|_| "{\"spawn\":[{\"await\":\"a\"}]}")
        .collect::<Vec<_>>()
        .join(",");
    let many = write(
        &dir,
        "many.json",
        &format!("{{\"main\":[{spawn},{holders},{{\"sleep\":1}}]}}"),
    );
    let o = simloop_io(&dir, &["run", "--json", &many], b"", None, None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with(
            "many.json: value limit: the tasks' results hold more than 1000000 values \
             (Limits::max_values)\n"
        ),
        "{}",
        stderr(&o)
    );
}

// 8. A name's control characters are shown escaped: no escape sequence
// reaches a terminal, and every SVG is XML.

/// The issue's name: it would set the terminal's title and clear it.
const PWNED: &str = "x\u{1b}]0;pwned\u{7}\u{1b}[2J";
const PWNED_SHOWN: &str = "x\\u{1b}]0;pwned\\u{7}\\u{1b}[2J";

/// No control character but the line ends.
fn no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| simloop::core::is_escaped(c) && c != '\n')
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {text}");
}

#[test]
fn control_characters_in_names_are_shown_escaped() {
    let dir = workdir("hostile-names");
    let name = |s: &str| serde_json::to_string(s).expect("a string");
    // Every control character the issue names, in a task's name and the
    // scenario's; ESC and BEL in a returned value and a kind's name.
    let odd = format!("{PWNED}\u{0}\u{1}\u{7f}\u{85}\u{9b}\u{fffe}\u{ffff}\n");
    let text = format!(
        "{{\"name\":{},\"main\":[{{\"spawn\":{{\"name\":{},\"body\":[{{\"sleep\":5}},{{\"return\":{}}}]}}}},\
         {{\"spawn\":{{\"name\":\"h\",\"body\":[{{\"hang\":null}}]}}}},{{\"sleep\":10}}]}}",
        name(&odd),
        name(&odd),
        name(PWNED)
    );
    let path = write(&dir, "names.json", &text);
    let o = simloop_io(&dir, &["run", &path], b"", None, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    no_controls("run", &out);
    assert!(out.starts_with(&format!("== {PWNED_SHOWN}")), "{out}");
    assert!(
        out.contains(&format!("{PWNED_SHOWN}\\u{{0}}\\u{{1}}\\u{{7f}}\\u{{85}}\\u{{9b}}\\u{{fffe}}\\u{{ffff}}\\u{{a}} created by main")),
        "{out}"
    );
    // The value is JSON in the timeline: JSON's own escapes.
    assert!(
        out.contains("returned \"x\\u001b]0;pwned\\u0007\\u001b[2J\""),
        "{out}"
    );
    // pstree, at a tick where the task is pending and after it is done.
    for at in ["2", "9"] {
        let o = simloop_io(&dir, &["pstree", "--at", at, &path], b"", None, None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        no_controls("pstree", &stdout(&o));
        assert!(stdout(&o).contains(PWNED_SHOWN), "{}", stdout(&o));
    }
    // The pictures: XML, the name shown escaped.
    for out in ["names.svg", "names.html"] {
        let o = simloop_io(&dir, &["render", "--out", out, &path], b"", None, None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        no_controls("render's line", &stdout(&o));
        let picture = std::fs::read_to_string(dir.join(out)).expect("written");
        no_controls(out, &picture);
        assert!(picture.contains(PWNED_SHOWN), "{out}");
    }
    let svg = std::fs::read_to_string(dir.join("names.svg")).expect("written");
    roxmltree::Document::parse(&svg).expect("the SVG is XML");
    // An error message that quotes a name.
    let cycle = format!(
        "{{\"main\":[{{\"spawn\":{{\"name\":{n},\"body\":[{{\"await\":\"b\"}}]}}}},\
         {{\"spawn\":{{\"name\":\"b\",\"body\":[{{\"await\":{n}}}]}}}},{{\"sleep\":1}}]}}",
        n = name(PWNED)
    );
    let path = write(&dir, "cycle.json", &cycle);
    let o = simloop_io(&dir, &["run", &path], b"", None, None);
    assert_eq!(o.status.code(), Some(2));
    no_controls("stderr", &stderr(&o));
    assert!(stderr(&o).contains(PWNED_SHOWN), "{}", stderr(&o));
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("a directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

/// A sweep with a failure: seed 1000 under py312 breaks cancel-balance.
const FAILING: [&str; 7] = [
    "explore",
    "--seeds",
    "3",
    "--start",
    "1000",
    "--profile",
    "py312",
];

// 10. Files are written whole or not at all (a temporary file renamed;
// tests/../src/files.rs fails a write half way).

#[test]
fn a_failed_render_leaves_the_old_picture_and_no_other_file() {
    let dir = workdir("hostile-whole");
    std::fs::write(dir.join("x.svg"), "old").expect("written");
    // A run that hits a limit writes no picture.
    let path = write(&dir, "long.json", "{\"main\":[{\"sleep\":1000000000001}]}");
    let o = simloop_io(&dir, &["render", "--out", "x.svg", &path], b"", None, None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("x.svg")).expect("there"),
        "old"
    );
    assert_eq!(files_in(&dir), ["long.json", "x.svg"]);
    // A full device is written in place, and fails: nothing else is left.
    std::os::unix::fs::symlink("/dev/full", dir.join("full.svg")).expect("a link");
    let o = simloop_io(
        &dir,
        &["render", "--out", "full.svg", &ghost()],
        b"",
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: cannot write full.svg: No space left on device (os error 28)\n"
    );
    assert_eq!(files_in(&dir), ["full.svg", "long.json", "x.svg"]);
    // A report is whole, and its temporary file gone.
    let mut args = FAILING.to_vec();
    args.extend(["--report", "r.jsonl"]);
    let o = simloop_io(&dir, &args, b"", None, None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = std::fs::read_to_string(dir.join("r.jsonl")).expect("written");
    let last: serde_json::Value =
        serde_json::from_str(report.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["summary"]["ran"], 3);
    assert!(
        files_in(&dir).iter().all(|f| !f.ends_with(".tmp")),
        "{:?}",
        files_in(&dir)
    );
}

/// `simloop ARGS` in `dir` as on a disk that is full after `blocks` of
/// 512 bytes: a file size limit, its signal ignored, so that a write past
/// it fails (EFBIG) as on a full disk.
fn simloop_on_a_full_disk(dir: &Path, blocks: u32, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_simloop");
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f {blocks}; trap '' XFSZ; exec \"$0\" \"$@\""
        ))
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("sh runs")
}

#[test]
fn a_write_that_fails_half_way_leaves_no_half_file() {
    let dir = workdir("hostile-full-disk");
    std::fs::write(dir.join("x.svg"), "old").expect("written");
    // A picture of several KB, on a disk full after 512 bytes: it used to
    // leave a truncated SVG, and an empty HTML.
    for out in ["x.svg", "y.html"] {
        let o = simloop_on_a_full_disk(&dir, 1, &["render", "--out", out, &ghost()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).starts_with(&format!("error: cannot write {out}: File too large")),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("x.svg")).expect("there"),
        "old"
    );
    assert_eq!(files_in(&dir), ["x.svg"]);
    // A report: it used to end mid-line. Now absent, and each failure file
    // there is whole.
    let mut args = FAILING.to_vec();
    args.extend(["--report", "r.jsonl"]);
    let o = simloop_on_a_full_disk(&dir, 1, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: cannot write r.jsonl: File too large"),
        "{}",
        stderr(&o)
    );
    let files = files_in(&dir);
    assert!(!files.contains(&"r.jsonl".to_owned()), "{files:?}");
    assert!(files.iter().all(|f| !f.ends_with(".tmp")), "{files:?}");
    for f in files.iter().filter(|f| f.starts_with("simloop-failure-")) {
        let text = std::fs::read_to_string(dir.join(f)).expect("readable");
        if f.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(&text).expect("whole JSON");
        } else {
            roxmltree::Document::parse(&text).expect("whole XML");
        }
    }
}

// 11. Output paths are checked before the work; a report on stdout comes
// after what was printed; failure files go to the working directory or
// --out-dir.

#[test]
fn a_report_on_stdout_keeps_what_was_printed_before_it() {
    let dir = workdir("hostile-report-stdout");
    let mut args = FAILING.to_vec();
    args.extend(["--report", "/dev/stdout"]);
    // Stdout a file (`> out.txt`), then a pipe.
    let out = File::create(dir.join("out.txt")).expect("created");
    let o = simloop_io(&dir, &args, b"", Some(out), None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let piped = simloop_io(&dir, &args, b"", None, None);
    assert_eq!(piped.status.code(), Some(1), "{}", stderr(&piped));
    for text in [
        std::fs::read_to_string(dir.join("out.txt")).expect("written"),
        stdout(&piped),
    ] {
        assert!(
            text.starts_with("simloop explore: 3 seeds from 1000"),
            "{text}"
        );
        assert!(
            text.contains("error: cancel-balance violated by seed 1000 under py312"),
            "{text}"
        );
        // The table, then the report's lines: the seeds', the totals.
        let (_, report) = text.split_once("3 seeds, ").expect("the table");
        let lines: Vec<&str> = report.lines().skip(1).collect();
        assert!(lines[0].starts_with("{\"seed\":1000,"), "{text}");
        assert!(
            lines.last().expect("a line").starts_with("{\"summary\":"),
            "{text}"
        );
    }
    // The failure's files are in the working directory, not in /dev.
    assert!(
        files_in(&dir).contains(&"simloop-failure-py312-1000.json".to_owned()),
        "{:?}",
        files_in(&dir)
    );
    assert!(files_in(&dir).contains(&"simloop-failure-py312-1000.svg".to_owned()));
    assert!(!Path::new("/dev/simloop-failure-py312-1000.json").exists());
    // A full report device: exit 2, the failure files still where they go.
    let dir = workdir("hostile-report-full");
    let mut args = FAILING.to_vec();
    args.extend(["--report", "/dev/full"]);
    let o = simloop_io(&dir, &args, b"", None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error: cannot write /dev/full: No space left on device"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        files_in(&dir),
        [
            "simloop-failure-py312-1000.json",
            "simloop-failure-py312-1000.svg"
        ]
    );
}

#[test]
fn failure_files_go_to_out_dir() {
    let dir = workdir("hostile-out-dir");
    std::fs::create_dir(dir.join("failures")).expect("made");
    let mut args = FAILING.to_vec();
    args.extend(["--out-dir", "failures", "--report", "r.jsonl"]);
    let o = simloop_io(&dir, &args, b"", None, None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("written to failures/simloop-failure-py312-1000.json"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        files_in(&dir.join("failures")),
        [
            "simloop-failure-py312-1000.json",
            "simloop-failure-py312-1000.svg"
        ]
    );
    assert_eq!(files_in(&dir), ["failures", "r.jsonl"]);
}

#[test]
fn bad_output_paths_fail_before_the_work() {
    let dir = workdir("hostile-bad-paths");
    let g = ghost();
    let invalid = write(&dir, "invalid.json", "{\"main\": 5}");
    for (args, what) in [
        // A sweep that would take minutes.
        (
            vec!["explore", "--seeds", "100000000", "--report", "no/r.jsonl"],
            "error: cannot write no/r.jsonl: No such file or directory",
        ),
        (
            vec!["explore", "--seeds", "100000000", "--out-dir", "no"],
            "error: --out-dir no: cannot write files there: No such file or directory",
        ),
        (
            vec!["explore", "--seeds", "100000000", "--report", "."],
            "error: cannot write .: is a directory",
        ),
        (
            vec![
                "check",
                "--seeds",
                "100000",
                "--report",
                "no/r.jsonl",
                g.as_str(),
            ],
            "error: cannot write no/r.jsonl",
        ),
        (
            vec![
                "check",
                "--seeds",
                "100000",
                "--junit",
                "no/j.xml",
                g.as_str(),
            ],
            "error: cannot write no/j.xml",
        ),
        (
            vec!["check", "--seeds", "100000", "--out-dir", "no", g.as_str()],
            "error: --out-dir no",
        ),
        // Before the scenario is even read.
        (
            vec!["render", "--out", "no/x.svg", invalid.as_str()],
            "error: cannot write no/x.svg",
        ),
        (
            vec!["replay", "--seed", "1", "--render", "no/x.svg"],
            "error: cannot write no/x.svg",
        ),
        (
            vec!["merge", "--report", "no/m.jsonl", "whatever.jsonl"],
            "error: cannot write no/m.jsonl",
        ),
    ] {
        let t0 = std::time::Instant::now();
        let o = simloop_io(&dir, &args, b"", None, None);
        assert!(
            t0.elapsed().as_secs_f64() < 3.0,
            "{args:?}: {:?}",
            t0.elapsed()
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(what), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    assert_eq!(files_in(&dir), ["invalid.json"]);
}

// 13. A picture's extension in any case.

#[test]
fn a_picture_extension_in_capitals_is_accepted() {
    let dir = workdir("hostile-ext");
    for out in ["x.SVG", "x.Html"] {
        let o = simloop_io(&dir, &["render", "--out", out, &ghost()], b"", None, None);
        assert_eq!(o.status.code(), Some(0), "{out}: {}", stderr(&o));
    }
    let svg = std::fs::read_to_string(dir.join("x.SVG")).expect("written");
    roxmltree::Document::parse(&svg).expect("XML");
    assert!(std::fs::read_to_string(dir.join("x.Html"))
        .expect("written")
        .starts_with("<!DOCTYPE html>"));
}
