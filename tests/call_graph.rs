//! The await graph behind `simloop pstree` against CPython 3.14's own
//! (`asyncio.capture_call_graph`, read by `tools/call_graph.py`): for every
//! bundled scenario that 3.14 runs and for generated trees, at every tick
//! where a task starts or ends and the tick before it, each pending task
//! must be awaited by the same tasks, finished ones included.
//!
//! `SIMLOOP_CALL_GRAPH_TREES` sets how many generated trees (default 300).
//! Skipped with a note when no CPython 3.14 is found, except in CI.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use simloop::core::{Config, Profile};
use simloop::explore::{generate, GenConfig};
use simloop::scenario::{parse_scenario, run, run_until, Prepared, Scenario};

/// Ticks where a task is created or finishes, and the tick before each.
fn ticks(scenario: &Scenario) -> Option<Vec<u64>> {
    let full = run(scenario, Config::new(Profile::Py314)).ok()?;
    let mut at: Vec<u64> = full
        .outcome
        .tasks
        .iter()
        .flat_map(|t| [Some(t.created), t.done])
        .flatten()
        .flat_map(|t| [t.saturating_sub(1), t])
        .collect();
    at.sort_unstable();
    at.dedup();
    Some(at)
}

/// What `tools/call_graph.py` prints for one tick, from simloop's run.
fn simloop_graph(scenario: &Scenario, at: u64) -> Value {
    let paused = run_until(scenario, Config::new(Profile::Py314), at).expect("runs");
    let tasks = paused.tasks();
    let graph: Vec<Value> = tasks
        .iter()
        .filter(|t| !t.done())
        .map(|t| {
            let mut waiters = t.awaited_by();
            waiters.sort();
            let names: Vec<&str> = waiters.iter().map(|w| tasks[w.0 as usize].name()).collect();
            json!({"task": t.name(), "awaited_by": names})
        })
        .collect();
    Value::Array(graph)
}

fn bundled() -> Vec<(String, Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let s = parse_scenario(&std::fs::read_to_string(&f).unwrap()).unwrap();
            (f.file_name().unwrap().to_string_lossy().into_owned(), s)
        })
        .filter(|(_, s)| Prepared::new(s).unsupported(Profile::Py314).is_none())
        .collect()
}

#[test]
fn pstree_awaits_agree_with_cpython_3_14_call_graph() {
    let Some(python) = support::required(Profile::Py314) else {
        return;
    };
    let n: u64 = std::env::var("SIMLOOP_CALL_GRAPH_TREES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let config = GenConfig::default().for_profile(Profile::Py314);
    let mut cases = bundled();
    cases.extend((0..n).map(|seed| (format!("tree of seed {seed}"), generate(seed, &config))));
    let cases: Vec<(String, Scenario, Vec<u64>)> = cases
        .into_iter()
        .filter_map(|(name, s)| ticks(&s).map(|t| (name, s, t)))
        .collect();
    let input: String = cases
        .iter()
        .map(|(_, s, at)| json!({"scenario": s.to_json(), "at": at}).to_string() + "\n")
        .collect();
    let lines = python.batch(python.tool("call_graph.py", &["-"]), input);
    assert_eq!(lines.len(), cases.len(), "one answer per scenario");
    let mut compared = 0;
    for ((name, scenario, at), line) in cases.iter().zip(&lines) {
        let answer: Value = serde_json::from_str(line).unwrap();
        let graphs = answer["at"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: CPython says {answer}"));
        for (&t, cpython) in at.iter().zip(graphs) {
            let ours = simloop_graph(scenario, t);
            assert_eq!(
                &ours,
                cpython,
                "{name} at tick {t}: simloop's awaited_by differs from CPython 3.14's\n\
                 scenario: {}",
                scenario.to_json()
            );
            compared += 1;
        }
    }
    eprintln!(
        "{} scenarios, {compared} ticks: every pending task awaited by the same tasks as on \
         CPython 3.14",
        cases.len()
    );
}
