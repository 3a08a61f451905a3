//! Differential conformance: generated scenarios run through simloop (asyncio
//! policy) and through the CPython reference runner on each interpreter
//! found must give the same outcome JSON, field by field (exception-group
//! members compared as a multiset). Fails on the first difference, printing
//! the scenario and both outcomes; fails if no CPython 3.11+ is found.
//!
//! `SIMLOOP_DIFF_SCENARIOS` sets how many scenarios (default 5,000; about
//! 1.5 s per 1,000 per interpreter in release).

mod support;

use serde_json::Value;
use simloop::core::{Config, Profile, TaskFactory};
use simloop::explore::gen::mixed;
use simloop::scenario::{normalize, run, Scenario};
use support::Interpreter;

/// The generator's mix of small and deep trees, with the eager tasks
/// `profile` has (the eager task factory from 3.12, `eager_start` from
/// 3.14).
fn scenarios(n: u64, profile: Profile) -> Vec<Scenario> {
    (0..n).map(|seed| mixed(seed, profile)).collect()
}

fn reference(interpreter: &Interpreter, lines: &str) -> Vec<Value> {
    interpreter
        .batch(interpreter.reference_runner(&["-"]), lines.to_owned())
        .iter()
        .map(|l| serde_json::from_str(l).expect("reference output is JSON"))
        .collect()
}

/// The first path at which two JSON values differ.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<_> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => first_difference(&format!("{path}.{k}"), u, v),
                _ => Some(format!("{path}.{k}: present on one side only")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(&format!("{path}[{i}]"), u, v)),
        _ if a == b => None,
        _ => Some(format!("{path}: simloop {a}, CPython {b}")),
    }
}

fn check(profile: Profile, python: &Interpreter, scenarios: &[Scenario]) {
    let lines: String = scenarios
        .iter()
        .map(|s| s.to_json().to_string() + "\n")
        .collect();
    let expected = reference(python, &lines);
    assert_eq!(expected.len(), scenarios.len(), "one outcome per scenario");
    for (i, (s, cpython)) in scenarios.iter().zip(&expected).enumerate() {
        let ours = run(s, Config::new(profile))
            .unwrap_or_else(|e| panic!("scenario {i} hit a run limit under {profile}: {e}"))
            .outcome
            .to_json();
        let (a, b) = (normalize(&ours), normalize(cpython));
        if a != b {
            panic!(
                "scenario {i} (seed {i}) differs under {profile} (CPython {}):\n{}\n\nscenario:\n{}\n\nsimloop:\n{}\n\nCPython:\n{}",
                python.describe(),
                first_difference("$", &a, &b).unwrap_or_default(),
                serde_json::to_string_pretty(&s.to_json()).unwrap(),
                serde_json::to_string_pretty(&ours).unwrap(),
                serde_json::to_string_pretty(cpython).unwrap(),
            );
        }
    }
}

#[test]
fn simloop_agrees_with_cpython_on_generated_scenarios() {
    let n = std::env::var("SIMLOOP_DIFF_SCENARIOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    for (profile, python) in support::interpreters() {
        let scenarios = scenarios(n, profile);
        check(profile, &python, &scenarios);
        eprintln!("{n} scenarios agree with CPython {}", profile.cpython());
    }
}

/// Hand-written trees (`tests/trees/*.jsonl`, one scenario per line, `#`
/// comments): what the generator reaches too rarely for the default count
/// (an `except*` handler re-raising its group, a semaphore waiter woken and
/// cancelled in one tick, declared futures by name) and the interrupts of
/// every combinator. `tools/mutation.py` runs them too. A tree under the
/// eager task factory runs from py312.
#[test]
fn simloop_agrees_with_cpython_on_the_hand_written_trees() {
    let trees = hand_written_trees();
    assert!(trees.len() >= 20, "the trees are where they belong");
    for (profile, python) in support::interpreters() {
        let scenarios: Vec<Scenario> = trees
            .iter()
            .filter(|s| profile >= Profile::Py312 || s.task_factory != TaskFactory::Eager)
            .cloned()
            .collect();
        check(profile, &python, &scenarios);
    }
}

fn hand_written_trees() -> Vec<Scenario> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/trees");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/trees")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("a readable file");
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let s = simloop::scenario::parse_scenario(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", f.display(), i + 1));
            out.push(s);
        }
    }
    out
}
