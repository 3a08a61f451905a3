//! A seeded fuzzer over the command line (issue 16's "keep it closed"):
//! the bundled scenarios and generated trees, mutated (keys deleted,
//! duplicated and retyped, huge and negative numbers, deep nesting, long
//! names and names full of control characters, invalid UTF-8, cut text),
//! through the parser, `run` (file and batch mode), `render` and
//! `pstree`. Every case must hold:
//!
//! - no panic, and an exit code in {0, 1, 2};
//! - every exit 2 names a JSON path (`$...`);
//! - every SVG `render` writes parses as XML;
//! - batch mode's line for a scenario is what file mode prints for it.
//!
//! `cargo test --release -p simloop-cli --test fuzz` runs 4,800 cases (a
//! fifth also in file mode) in well under a minute. `SIMLOOP_FUZZ_SECONDS=N` runs rounds of new cases for N
//! seconds instead, `SIMLOOP_FUZZ_SEED=S` starts from another seed; a
//! failing case is kept in the temp directory and its path printed. Add
//! `-- --nocapture` to see how many cases ran:
//!
//! ```text
//! SIMLOOP_FUZZ_SECONDS=3600 cargo test --release -p simloop-cli --test fuzz -- --nocapture
//! ```

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use simloop::explore::{generate, GenConfig};

use common::*;

/// Cases per round: every one in batch mode, one in `FILE_EVERY` also in
/// file mode (a process per command: the slow part).
const BATCH: usize = 400;
const FILE_EVERY: usize = 5;
/// Rounds in a default run.
const ROUNDS: u64 = 12;
/// The longest case, in bytes of text: a little over the input bound.
const MAX_CASE: usize = 5 << 20;

#[test]
fn hostile_scenarios_never_crash_the_command_line() {
    // The mutator's walks recurse as deep as the cases nest (thousands).
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(fuzz)
        .expect("a thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn fuzz() {
    let seconds: Option<u64> = std::env::var("SIMLOOP_FUZZ_SECONDS").ok().map(|s| {
        s.parse()
            .expect("SIMLOOP_FUZZ_SECONDS: a number of seconds")
    });
    let seed: u64 = std::env::var("SIMLOOP_FUZZ_SEED")
        .ok()
        .map_or(0x5eed, |s| s.parse().expect("SIMLOOP_FUZZ_SEED: a number"));
    let corpus = corpus();
    let dir = workdir("fuzz");
    let t0 = Instant::now();
    let (mut cases, mut file_cases, mut rounds) = (0u64, 0u64, 0u64);
    let mut codes = [0u64; 3];
    loop {
        let done = match seconds {
            Some(s) => t0.elapsed() >= Duration::from_secs(s),
            None => rounds == ROUNDS,
        };
        if done {
            break;
        }
        let stats = round(seed.wrapping_add(rounds), &corpus, &dir);
        cases += stats.cases;
        file_cases += stats.file_cases;
        for (c, n) in codes.iter_mut().zip(stats.codes) {
            *c += n;
        }
        rounds += 1;
    }
    println!(
        "fuzz: {cases} cases ({file_cases} also in file mode, run/render/pstree), {rounds} rounds \
         from seed {seed} in {:.1} s; batch outcomes: {} ran, {} hit a limit, {} invalid",
        t0.elapsed().as_secs_f64(),
        codes[0],
        codes[1],
        codes[2]
    );
    // Honest: the mutations reach every kind of outcome (a short timed
    // run may not).
    if cases >= 4000 {
        assert!(codes.iter().all(|&n| n > 0), "{codes:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scenarios mutated: the bundled ones and generated trees, as JSON.
fn corpus() -> Vec<Value> {
    let mut all = Vec::new();
    let dir = repo().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        all.push(serde_json::from_str(&text).expect("a bundled scenario is JSON"));
    }
    assert!(all.len() > 20, "the bundled scenarios: {}", all.len());
    let gen = GenConfig::default();
    for seed in 0..200 {
        let s = generate(seed, &gen);
        all.push(serde_json::from_str(&s.to_json_string()).expect("JSON"));
    }
    all
}

struct Stats {
    cases: u64,
    file_cases: u64,
    /// Batch lines that ran, hit a limit, were invalid.
    codes: [u64; 3],
}

/// One round: `BATCH` cases under one configuration, in one batch process,
/// some of them also in file mode.
fn round(seed: u64, corpus: &[Value], dir: &Path) -> Stats {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let config = run_config(&mut rng);
    let cases: Vec<Vec<u8>> = (0..BATCH)
        .map(|_| {
            let mut v = corpus.choose(&mut rng).expect("a corpus").clone();
            // Mostly one change: enough cases stay valid to run far.
            let n = *[0, 1, 1, 1, 1, 1, 2, 2, 3, 4]
                .choose(&mut rng)
                .expect("a count");
            for _ in 0..n {
                mutate(&mut rng, &mut v);
            }
            let mut text = serialize(&v).into_bytes();
            // Copies of copies can grow past what is worth sending.
            text.truncate(2 * MAX_CASE);
            if rng.gen_bool(0.05) {
                mutate_bytes(&mut rng, &mut text);
            }
            text
        })
        .collect();
    let context = |i: usize| {
        let file = dir.join(format!("failing-{seed}-{i}.json"));
        std::fs::write(&file, &cases[i]).expect("keep the case");
        format!(
            "round seed {seed}, case {i}, {config:?}: kept in {}",
            file.display()
        )
    };
    // Batch mode: one line per case, in order.
    let mut input = Vec::new();
    for c in &cases {
        input.extend_from_slice(c);
        input.push(b'\n');
    }
    let mut args: Vec<String> = vec!["run".into(), "--json".into()];
    args.extend(config.iter().cloned());
    args.push("-".into());
    let batch = run_simloop(dir, &args, &input);
    sane(&batch, "batch mode", &|| context(0));
    let text = String::from_utf8(batch.stdout.clone()).expect("UTF-8 lines");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        cases.len(),
        "a line per case: {}",
        stderr(&batch)
    );
    let mut stats = Stats {
        cases: cases.len() as u64,
        file_cases: 0,
        codes: [0; 3],
    };
    for (i, line) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let code = if v.get("invalid").is_some() {
            2
        } else if v.get("limit").is_some() {
            1
        } else {
            0
        };
        stats.codes[code] += 1;
        if code == 2 {
            let m = v["invalid"].as_str().expect("a message");
            assert!(m.starts_with('$'), "no JSON path: {m} ({})", context(i));
        }
        if i % FILE_EVERY == 0 {
            file_mode(dir, &config, &cases[i], line, &|| context(i));
            stats.file_cases += 1;
        }
    }
    stats
}

/// The arguments every command of a round takes: a profile, and a policy.
fn run_config(rng: &mut ChaCha8Rng) -> Vec<String> {
    let profile = *["py311", "py312", "py313", "py314"]
        .choose(rng)
        .expect("a profile");
    let mut args = vec!["--profile".to_owned(), profile.to_owned()];
    if rng.gen_bool(0.5) {
        let seed: u64 = if rng.gen_bool(0.2) {
            u64::MAX
        } else {
            rng.gen_range(0..1000)
        };
        let jitter: u64 = *[0, 1, 10, 1_000_000_007, u64::MAX]
            .choose(rng)
            .expect("a jitter");
        args.extend(["--seed".into(), seed.to_string()]);
        args.extend(["--jitter".into(), jitter.to_string()]);
    }
    args
}

/// One case in file mode: `run --json`, `render` and `pstree`, each sane,
/// `run`'s line the batch's.
fn file_mode(
    dir: &Path,
    config: &[String],
    case: &[u8],
    batch_line: &str,
    ctx: &dyn Fn() -> String,
) {
    let file = dir.join("case.json");
    std::fs::write(&file, case).expect("written");
    let f = file.display().to_string();
    let with = |cmd: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = cmd.iter().map(|s| (*s).to_owned()).collect();
        a.splice(1..1, config.iter().cloned());
        a.push(f.clone());
        a
    };
    let o = run_simloop(dir, &with(&["run", "--json"]), b"");
    sane(&o, "run", ctx);
    let prefix = format!("error: {f}: ");
    let message = |o: &Output| -> String {
        let err = stderr(o);
        let line = err
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no error line: {err} ({})", ctx()));
        line[prefix.len()..].to_owned()
    };
    let batch: Value = serde_json::from_str(batch_line).expect("JSON");
    // What batch mode prints for what file mode printed: the outcome, or
    // the message on stderr (whose control characters are escaped there).
    let shown = |v: &Value| {
        v.as_str()
            .map(|s| simloop::core::escape_controls_but(s, |c| c == '\n').into_owned())
    };
    match o.status.code() {
        Some(2) => {
            let m = message(&o);
            assert!(
                m.starts_with('$'),
                "exit 2 without a JSON path: {m} ({})",
                ctx()
            );
            assert_eq!(
                Some(m),
                shown(&batch["invalid"]),
                "batch and file mode ({})",
                ctx()
            );
        }
        Some(1) if o.stdout.is_empty() => {
            assert_eq!(Some(message(&o)), shown(&batch["limit"]), "({})", ctx());
        }
        _ => assert_eq!(
            stdout(&o).trim_end(),
            batch_line,
            "batch and file mode ({})",
            ctx()
        ),
    }
    // The picture: XML whenever it is written.
    let svg = dir.join("case.svg");
    let _ = std::fs::remove_file(&svg);
    let o = run_simloop(dir, &with(&["render", "--out", "case.svg"]), b"");
    sane(&o, "render", ctx);
    if o.status.code() == Some(0) {
        let text = std::fs::read_to_string(&svg).expect("an SVG, in UTF-8");
        if let Err(e) = roxmltree::Document::parse(&text) {
            panic!("the SVG is not XML: {e} ({})", ctx());
        }
    } else {
        assert!(
            !svg.exists(),
            "a failed render leaves no picture ({})",
            ctx()
        );
    }
    let o = run_simloop(dir, &with(&["pstree", "--at", "3"]), b"");
    sane(&o, "pstree", ctx);
}

/// No panic, an exit code of 0, 1 or 2, and no control character but the
/// line ends in what a terminal would show.
fn sane(o: &Output, what: &str, ctx: &dyn Fn() -> String) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("panicked"),
        "{what} panicked: {err} ({})",
        ctx()
    );
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{what}: exit {:?}: {err} ({})",
        o.status,
        ctx()
    );
    let escaped = |c: char| simloop::core::is_escaped(c) && c != '\n';
    assert!(
        !err.chars().any(escaped),
        "{what}: a control character on stderr ({})",
        ctx()
    );
}

/// `simloop ARGS` in `dir`, `stdin` as its input.
fn run_simloop(dir: &Path, args: &[String], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().expect("it ends");
    writer.join().expect("the writer");
    out
}

/// A duplicated key is written as this key, with its number, then put back.
const DUP: &str = "\u{0}dup";

/// `v` as one line of JSON, duplicated keys written twice.
fn serialize(v: &Value) -> String {
    let text = serde_json::to_string(v).expect("JSON");
    if !text.contains("\\u0000dup") {
        return text;
    }
    // `"\u0000dup:KEY"` stands for a second `"KEY"`.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"\\u0000dup:") {
        out.push_str(&rest[..i + 1]);
        rest = &rest[i + "\"\\u0000dup:".len()..];
    }
    out.push_str(rest);
    out
}

/// Names a scenario may use, and worse.
fn hostile_string(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..8) {
        0 => "x\u{1b}]0;pwned\u{7}\u{1b}[2J".to_owned(),
        1 => {
            let n = *[100, 5_000, 70_000].choose(rng).expect("a length");
            "n".repeat(n)
        }
        2 => String::new(),
        3 => "main".to_owned(),
        4 => format!("main.{}", rng.gen_range(0..12)),
        5 => "<&\"'>]]>".to_owned(),
        _ => (0..rng.gen_range(1..12))
            .map(|_| {
                *[
                    '\u{0}', '\u{1}', '\u{7}', '\u{1b}', '\n', '\t', '\u{7f}', '\u{85}', '\u{9b}',
                    '\u{fffe}', '\u{ffff}', 'a', 'é', '✓', '\u{202e}', '.', '$', '[',
                ]
                .choose(rng)
                .expect("a char")
            })
            .collect(),
    }
}

/// Numbers at every edge.
fn hostile_number(rng: &mut ChaCha8Rng) -> Value {
    let n: Value = match rng.gen_range(0..13) {
        0 => (-1).into(),
        1 => 0.into(),
        2 => i64::MIN.into(),
        3 => i64::MAX.into(),
        4 => u64::MAX.into(),
        5 => (1u64 << 53).into(),
        6 => ((1u64 << 53) + 1).into(),
        7 => 1.5.into(),
        8 => (-0.0).into(),
        9 => 1e300.into(),
        10 => rng.gen_range(0..2000).into(),
        // Valid, and past the run's time limit.
        11 => 2_000_000_000_000u64.into(),
        _ => u64::from(u32::MAX).into(),
    };
    n
}

/// Any JSON value, small.
fn any_value(rng: &mut ChaCha8Rng) -> Value {
    match rng.gen_range(0..7) {
        0 => Value::Null,
        1 => rng.gen_bool(0.5).into(),
        2 => hostile_number(rng),
        3 => hostile_string(rng).into(),
        4 => Value::Array(vec![]),
        5 => Value::Object(Map::new()),
        _ => serde_json::json!([{"sleep": 1}, {"hang": null}]),
    }
}

/// A step of a path into a JSON value.
#[derive(Clone, Debug)]
enum Step {
    Index(usize),
    Key(String),
}

/// The nodes of `v`.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// The path to node `k` of `v` (depth first, `v` itself is 0); true once
/// found.
fn pick(v: &Value, k: &mut usize, path: &mut Vec<Step>) -> bool {
    if *k == 0 {
        return true;
    }
    *k -= 1;
    let found = |x: &Value, step: Step, k: &mut usize, path: &mut Vec<Step>| {
        path.push(step);
        if pick(x, k, path) {
            return true;
        }
        path.pop();
        false
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .any(|(i, x)| found(x, Step::Index(i), k, path)),
        Value::Object(m) => m
            .iter()
            .any(|(key, x)| found(x, Step::Key(key.clone()), k, path)),
        _ => false,
    }
}

/// A node of `v` drawn at random.
fn random_path(rng: &mut ChaCha8Rng, v: &Value) -> Vec<Step> {
    let mut k = rng.gen_range(0..count(v));
    let mut path = Vec::new();
    assert!(pick(v, &mut k, &mut path), "node {k} is there");
    path
}

fn node<'v>(v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Index(i) => &mut v[*i],
        Step::Key(k) => &mut v[k.as_str()],
    })
}

/// One structural change somewhere in `v`.
fn mutate(rng: &mut ChaCha8Rng, v: &mut Value) {
    let at = random_path(rng, v);
    // A node from elsewhere in the tree, to copy here.
    let from = random_path(rng, v);
    let other = node(v, &from).clone();
    let target = node(v, &at);
    match rng.gen_range(0..12) {
        // Delete a key, or an item.
        0 | 1 => match target {
            Value::Object(m) if !m.is_empty() => {
                let k = m
                    .keys()
                    .nth(rng.gen_range(0..m.len()))
                    .cloned()
                    .expect("a key");
                m.shift_remove(&k);
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.gen_range(0..items.len()));
            }
            _ => *target = Value::Null,
        },
        // Duplicate a key (with another value, half the time).
        2 => {
            if let Value::Object(m) = target {
                if let Some((k, x)) = m.iter().nth(rng.gen_range(0..m.len().max(1))) {
                    let x = if rng.gen_bool(0.5) {
                        x.clone()
                    } else {
                        any_value(rng)
                    };
                    m.insert(format!("{DUP}:{k}"), x);
                }
            }
        }
        // Retype.
        3 | 4 => *target = any_value(rng),
        // A number at an edge.
        5 => *target = hostile_number(rng),
        // A hostile string: a name, a key, a kind.
        6 => match target {
            Value::Object(m) if !m.is_empty() && rng.gen_bool(0.3) => {
                let k = m
                    .keys()
                    .nth(rng.gen_range(0..m.len()))
                    .cloned()
                    .expect("a key");
                let x = m.shift_remove(&k).expect("there");
                m.insert(hostile_string(rng), x);
            }
            _ => *target = hostile_string(rng).into(),
        },
        // Deep nesting: of lists, or of spawned children.
        7 => {
            let depth = *[10, 70, 300, 2_000].choose(rng).expect("a depth");
            let mut x = target.take();
            for _ in 0..depth {
                // Built by hand: `json!` would copy `x` at every level.
                x = if rng.gen_bool(0.5) {
                    Value::Array(vec![x])
                } else {
                    let mut step = Map::new();
                    step.insert("spawn".to_owned(), Value::Array(vec![x]));
                    Value::Array(vec![Value::Object(step)])
                };
            }
            *target = x;
        }
        // Copy a subtree here; repeat an item many times.
        8 | 9 => *target = other,
        10 => {
            if let Value::Array(items) = target {
                if let Some(x) = items.choose(rng).cloned() {
                    // Up to a few MB of text: past the input bound, sometimes.
                    let len = serde_json::to_string(&x).expect("JSON").len() + 1;
                    let n = *[2, 100, 2_000, 20_000].choose(rng).expect("a count");
                    items.extend(std::iter::repeat_n(x, n.min(MAX_CASE / len)));
                }
            }
        }
        // A step: an await or cancel of a name of the tree (cycles, chains),
        // a sleep of any length.
        _ => {
            let name = format!("main.{}", rng.gen_range(0..6));
            match target {
                Value::Array(items) => {
                    let step = match rng.gen_range(0..3) {
                        0 => serde_json::json!({ "await": name }),
                        1 => serde_json::json!({ "cancel": name }),
                        _ => serde_json::json!({ "sleep": hostile_number(rng) }),
                    };
                    items.insert(rng.gen_range(0..=items.len()), step);
                }
                Value::Object(m) => {
                    let key = *["await", "cancel"].choose(rng).expect("a key");
                    m.insert(key.to_owned(), name.into());
                }
                _ => {}
            }
        }
    }
}

/// Damage the text itself: invalid UTF-8, a cut, a stray character.
fn mutate_bytes(rng: &mut ChaCha8Rng, text: &mut Vec<u8>) {
    let at = rng.gen_range(0..=text.len());
    match rng.gen_range(0..4) {
        0 => text.insert(at, *[0xff, 0xc3, 0x80, 0xed].choose(rng).expect("a byte")),
        1 => text.truncate(at),
        2 => text.insert(at, *b"{}[],:\"\\0".choose(rng).expect("a byte")),
        _ => {
            // A byte order mark, or a lone UTF-16 surrogate in CESU form.
            let bytes: &[u8] = if rng.gen_bool(0.5) {
                b"\xef\xbb\xbf"
            } else {
                b"\xed\xa0\x80"
            };
            text.splice(at..at, bytes.iter().copied());
        }
    }
    // A newline would split the case in batch mode; a blank case is none.
    text.retain(|&b| b != b'\n' && b != b'\r');
    if text.iter().all(u8::is_ascii_whitespace) {
        text.push(b'x');
    }
}
