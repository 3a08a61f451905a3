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
use simloop::core::{Config, Profile};
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

/// Trees the generator reaches too rarely for the default count: an
/// `except*` handler that awaits the failed task again raises the very
/// group it is handling, which gives that object a new traceback in
/// CPython, so the unhandled rest split off it before is a new exception
/// (seed 5178 of the mix, one tree in 20,000).
#[test]
fn simloop_agrees_with_cpython_on_an_except_star_that_raises_its_group_again() {
    let texts = [
        r#"{"main": [{"spawn": {"name": "r", "body": [{"task_group": [[{"raise": "Boom"}], [{"raise": "Oops"}]]}]}},
                     {"try_star": [{"await": "r"}], "except_star": [{"kinds": ["Boom"], "do": [{"await": "r"}]}]}]}"#,
        r#"{"main": [{"spawn": {"name": "r", "body": [{"task_group": [[{"raise": "Boom"}], [{"raise": "Oops"}]]}]}},
                     {"try_star": [{"await": "r"}], "except_star": [{"kinds": ["Oops"], "do": []}, {"kinds": ["Boom"], "do": [{"await": "r"}]}]}]}"#,
    ];
    let scenarios: Vec<Scenario> = texts
        .iter()
        .map(|t| simloop::scenario::parse_scenario(t).expect("a valid scenario"))
        .collect();
    for (profile, python) in support::interpreters() {
        check(profile, &python, &scenarios);
    }
}

/// `KeyboardInterrupt` and `SystemExit` leave the loop from the task that
/// raises them (`Task.__step` re-raises them), which ends the phase of
/// `asyncio.run` at once: where they come from (`main`, a child of each
/// combinator, an eager first step, which raises them out of
/// `create_task` into the caller, a future), what catches them, and the
/// second one a TaskGroup raises again during the shutdown.
#[test]
fn simloop_agrees_with_cpython_when_keyboard_interrupt_or_system_exit_leaves_the_loop() {
    let lazy = [
        r#"{"main": [{"spawn": {"name": "bg", "body": [{"sleep": 10}]}}, {"sleep": 1}, {"raise": "KeyboardInterrupt"}]}"#,
        r#"{"main": [{"task_group": [{"name": "a", "body": [{"sleep": 2}, {"raise": "KeyboardInterrupt"}]}, {"name": "b", "body": [{"sleep": 5}]}]}]}"#,
        r#"{"main": [{"task_group": [{"name": "a", "body": [{"sleep": 2}, {"raise": "SystemExit"}]}, {"name": "b", "body": [{"sleep": 2}, {"raise": "Boom"}]}]}]}"#,
        r#"{"main": [{"gather": [{"name": "a", "body": [{"sleep": 2}, {"raise": "SystemExit"}]}, {"name": "b", "body": [{"sleep": 5}]}], "return_exceptions": true}]}"#,
        r#"{"main": [{"wait": [{"name": "a", "body": [{"sleep": 2}, {"raise": "KeyboardInterrupt"}]}, [{"sleep": 5}]], "return_when": "FIRST_COMPLETED"}]}"#,
        r#"{"main": [{"as_completed": [{"name": "a", "body": [{"raise": "KeyboardInterrupt"}]}, [{"sleep": 1}]]}]}"#,
        r#"{"main": [{"shield": {"name": "a", "body": [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]}}]}"#,
        r#"{"main": [{"timeout": 5, "body": [{"raise": "SystemExit"}]}]}"#,
        r#"{"main": [{"try": [{"raise": "KeyboardInterrupt"}], "except": [{"kinds": ["Exception"], "do": [{"return": 1}]}, {"kinds": ["KeyboardInterrupt"], "do": [{"return": 2}]}]}]}"#,
        r#"{"main": [{"spawn": {"name": "a", "body": [{"sleep": 2}, {"raise": "KeyboardInterrupt"}]}}, {"try": [{"await": "a"}], "except": [{"kinds": ["BaseException"], "do": [{"return": 7}]}]}]}"#,
        r#"{"main": [{"spawn": {"name": "w", "body": [{"try": [{"sleep": 10}], "finally": [{"raise": "SystemExit"}]}]}}, {"sleep": 1}, {"raise": "KeyboardInterrupt"}]}"#,
        r#"{"main": [{"task_group": [{"name": "a", "body": [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]}, {"name": "b", "body": [{"try": [{"sleep": 10}], "finally": [{"sleep": 3}]}]}]}]}"#,
        r#"{"main": [{"try_star": [{"task_group": [[{"sleep": 1}, {"raise": "Boom"}], [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]]}], "except_star": [{"kinds": ["Boom"], "do": [{"return": 3}]}]}]}"#,
        r#"{"futures": ["f"], "main": [{"spawn": {"name": "s", "body": [{"sleep": 1}, {"future_fail": "f", "error": "KeyboardInterrupt"}]}}, {"await_future": "f"}]}"#,
        r#"{"main": [{"spawn": {"name": "a", "body": [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]}}, {"spawn": {"name": "b", "body": [{"sleep": 1}, {"raise": "SystemExit"}]}}, {"sleep": 5}]}"#,
        // main finishes in the pass the interrupt cuts short: its
        // _run_until_complete_cb stops the shutdown after one pass.
        r#"{"main": [{"spawn": {"name": "a", "body": [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]}}, {"spawn": {"name": "bg", "body": [{"try": [{"sleep": 10}], "except": [{"kinds": ["CancelledError"], "do": [{"sleep": 2}, {"return": 5}]}]}]}}, {"sleep": 1}, {"return": 1}]}"#,
    ];
    let eager = [
        r#"{"task_factory": "eager", "main": [{"task_group": [{"name": "a", "body": [{"raise": "KeyboardInterrupt"}]}, {"name": "b", "body": [{"sleep": 5}]}]}]}"#,
        r#"{"task_factory": "eager", "main": [{"try": [{"gather": [[{"sleep": 1}], {"name": "a", "body": [{"raise": "SystemExit"}]}, [{"sleep": 2}]]}], "except": [{"kinds": ["SystemExit"], "do": [{"sleep": 3}, {"return": 1}]}]}]}"#,
    ];
    let parse = |t: &&str| simloop::scenario::parse_scenario(t).expect("a valid scenario");
    for (profile, python) in support::interpreters() {
        let mut scenarios: Vec<Scenario> = lazy.iter().map(parse).collect();
        if profile >= Profile::Py312 {
            scenarios.extend(eager.iter().map(parse));
        }
        check(profile, &python, &scenarios);
    }
}
