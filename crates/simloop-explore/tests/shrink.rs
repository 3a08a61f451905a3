//! `shrink`: candidates are valid and smaller; greedy shrinking reaches
//! the minimal trees and is deterministic.

use serde_json::json;
use simloop_explore::shrink::{candidates, shrink_with, size};
use simloop_explore::{generate, shrink, GenConfig};
use simloop_scenario::{parse_scenario, validate, Block, Kind, Limits, Scenario, Step};

/// Every block reachable from `b` (through any step), `b` first, each with
/// whether it is the body of a task-group child.
fn blocks<'a>(b: &'a Block, in_tg_child: bool, f: &mut dyn FnMut(&'a Block, bool)) {
    f(b, in_tg_child);
    for step in b {
        let children = step.children().len();
        let tg = matches!(step, Step::TaskGroup { .. });
        for (i, inner) in step.blocks().into_iter().enumerate() {
            // Children's bodies come first; a task group's `then` runs in
            // the enclosing task, as do the other blocks.
            blocks(inner, in_tg_child || (i < children && tg), f);
        }
    }
}

/// "A `raise` of `kind` somewhere inside a child of a task group."
fn raises_in_task_group(s: &Scenario, kind: &str) -> bool {
    let mut found = false;
    blocks(&s.main, false, &mut |b, in_tg| {
        found |= in_tg
            && b.iter()
                .any(|s| matches!(s, Step::Raise(k) if k.name() == kind));
    });
    found
}

fn scenario(v: serde_json::Value) -> Scenario {
    parse_scenario(&v.to_string()).unwrap()
}

#[test]
fn candidates_are_valid_distinct_and_smaller() {
    let cfg = GenConfig::default();
    const SEEDS: u64 = 100;
    let mut total = 0;
    for seed in 0..SEEDS {
        let s = generate(seed, &cfg);
        let n = size(&s);
        let cs = candidates(&s);
        for (i, c) in cs.iter().enumerate() {
            assert!(validate(c, &Limits::default()).is_ok(), "seed {seed}");
            assert!(size(c) < n, "seed {seed}: {} !< {n}", size(c));
            assert!(!cs[..i].contains(c), "seed {seed}: duplicate");
        }
        total += cs.len();
    }
    println!(
        "mean candidates per generated scenario: {:.1}",
        total as f64 / SEEDS as f64
    );
}

#[test]
fn a_minimal_scenario_has_no_candidates() {
    let s = scenario(json!({"main": [{"task_group": [[{"raise": "Boom"}]]}]}));
    let cs = candidates(&s);
    // Only the edits that lose the raise or the task group are left.
    assert!(cs.iter().all(|c| !raises_in_task_group(c, "Boom")));
}

#[test]
fn boom_in_a_task_group_shrinks_to_the_minimal_tree() {
    let cfg = GenConfig::default();
    let minimal = json!({"main": [{"task_group": [[{"raise": "Boom"}]]}]});
    let mut tried = Vec::new();
    for seed in 0..1_000 {
        let s = generate(seed, &cfg);
        if !raises_in_task_group(&s, "Boom") {
            continue;
        }
        let before = size(&s);
        let out = shrink_with(s, 5_000, |c| raises_in_task_group(c, "Boom"));
        assert!(out.fixpoint, "seed {seed}: budget exhausted");
        assert_eq!(out.scenario.to_json(), minimal, "seed {seed}");
        tried.push((seed, before, out.calls, out.accepted));
    }
    assert!(tried.len() >= 50, "only {} seeds", tried.len());
    let mean = |f: fn(&(u64, usize, usize, usize)) -> usize| {
        tried.iter().map(f).sum::<usize>() as f64 / tried.len() as f64
    };
    let worst = tried.iter().max_by_key(|t| t.2).unwrap();
    println!(
        "{} seeds shrunk to the minimal tree: size {:.1} -> 3, mean {:.1} predicate calls, {:.1} moves; worst seed {} (size {}): {} calls",
        tried.len(),
        mean(|t| t.1),
        mean(|t| t.2),
        mean(|t| t.3),
        worst.0,
        worst.1,
        worst.2,
    );
}

#[test]
fn shrinking_is_deterministic() {
    let cfg = GenConfig::default();
    for seed in 0..50 {
        let s = generate(seed, &cfg);
        // A predicate that holds on many trees and shrinks in several ways.
        let p = |c: &Scenario| {
            let mut tasks = 0;
            blocks(&c.main, false, &mut |_, _| tasks += 1);
            tasks >= 3
        };
        if !p(&s) {
            continue;
        }
        let a = shrink_with(s.clone(), 5_000, p);
        let b = shrink_with(s, 5_000, p);
        assert_eq!(a, b, "seed {seed}");
    }
}

#[test]
fn the_budget_of_calls_is_respected() {
    let s = generate(0, &GenConfig::default());
    let n = candidates(&s).len();
    assert!(n > 7);
    let mut calls = 0;
    let out = shrink_with(s.clone(), 7, |_| {
        calls += 1;
        false
    });
    assert_eq!((calls, out.calls, out.fixpoint), (7, 7, false));
    assert_eq!(out.scenario, s);
    // With room for all: each candidate once, then a fixpoint.
    let out = shrink_with(s.clone(), n + 1, |_| false);
    assert_eq!((out.calls, out.fixpoint, out.accepted), (n, true, 0));
    // A budget that runs out mid-way still returns a failing scenario.
    let p = |c: &Scenario| size(c) >= 5;
    let out = shrink_with(s.clone(), 20, p);
    assert!(p(&out.scenario) && size(&out.scenario) < size(&s));
}

#[test]
fn numbers_shrink_to_the_boundary() {
    // Fails while the sleep outlives the timeout: the tie is the boundary.
    let s = scenario(json!({"main": [
        {"timeout": 13, "body": [{"sleep": 20}, {"return": 1}]}
    ]}));
    let out = shrink(s, |c| match c.main.as_slice() {
        [Step::Timeout { delay, body }] => {
            matches!(body.first(), Some(Step::Sleep(d)) if d >= delay && *delay >= 5)
        }
        _ => false,
    });
    assert_eq!(
        out.to_json(),
        json!({"main": [{"timeout": 5, "body": [{"sleep": 5}]}]})
    );
}

#[test]
fn options_names_and_semaphores_go() {
    let s = scenario(json!({
        "semaphores": {"a": 2, "b": 3, "unused": 1},
        "main": [{"gather": [
            {"name": "x", "body": [{"acquire": "b", "body": [{"sleep": 3}]}]},
            [{"acquire": "a", "body": [{"raise": "Oops"}]}]
        ], "return_exceptions": true}]
    }));
    let out = shrink(s, |c| {
        let mut acquires = 0;
        blocks(&c.main, false, &mut |b, _| {
            acquires += b
                .iter()
                .filter(|s| matches!(s, Step::Acquire { .. }))
                .count();
        });
        acquires >= 2
    });
    // Flag, name, unused and merged semaphores gone, counts at 0. (Two
    // acquires in one block is smaller still, but no single edit gets there
    // from two children.)
    assert_eq!(
        out.to_json(),
        json!({
            "semaphores": {"a": 0},
            "main": [{"gather": [
                [{"acquire": "a", "body": []}],
                [{"acquire": "a", "body": []}]
            ]}]
        })
    );
}

#[test]
fn user_kinds_merge_into_the_first_one() {
    let s = scenario(json!({"main": [{"task_group": [
        [{"sleep": 1}, {"raise": "Boom"}],
        [{"try": [{"raise": "Oops"}], "except": [{"kinds": ["Bad"]}]}]
    ]}]}));
    // Fails while two children of the group raise.
    let out = shrink(s, |c| match c.main.as_slice() {
        [Step::TaskGroup { children, .. }] => {
            children
                .iter()
                .filter(|ch| {
                    let mut raises = false;
                    blocks(&ch.body, false, &mut |b, _| {
                        raises |= b.iter().any(|s| matches!(s, Step::Raise(_)));
                    });
                    raises
                })
                .count()
                >= 2
        }
        _ => false,
    });
    assert_eq!(
        out.to_json(),
        json!({"main": [{"task_group": [[{"raise": "Boom"}], [{"raise": "Boom"}]]}]})
    );
}

#[test]
fn a_hoist_before_other_steps_drops_its_return() {
    let s = scenario(json!({"main": [
        {"timeout": 5, "body": [{"sleep": 1}, {"return": 2}]}, {"raise": "Oops"}
    ]}));
    let hoisted = scenario(json!({"main": [{"sleep": 1}, {"raise": "Oops"}]}));
    assert!(candidates(&s).contains(&hoisted));
    let s = scenario(json!({"main": [
        {"raise": "Oops"}, {"timeout": 5, "body": [{"sleep": 1}, {"return": 2}]}
    ]}));
    let hoisted = scenario(json!({"main": [{"raise": "Oops"}, {"sleep": 1}, {"return": 2}]}));
    assert!(candidates(&s).contains(&hoisted));
}

#[test]
fn a_cancel_catcher_in_a_failing_group_shrinks_to_its_core() {
    // "Some task group has a child that raises and a child that catches
    // CancelledError": the sibling-failure shape.
    let p = |s: &Scenario| {
        let mut found = false;
        blocks(&s.main, false, &mut |b, _| {
            for step in b {
                if let Step::TaskGroup { children, .. } = step {
                    let raises = children
                        .iter()
                        .any(|c| c.body.iter().any(|s| matches!(s, Step::Raise(_))));
                    let catches = children.iter().any(|c| {
                        c.body.iter().any(|s| {
                            matches!(s, Step::Try { excepts, .. }
                            if excepts.iter().any(|e| e.kinds.contains(&Kind::CancelledError)))
                        })
                    });
                    found |= raises && catches;
                }
            }
        });
        found
    };
    let cfg = GenConfig::default();
    let mut shrunk = std::collections::BTreeMap::new();
    for seed in 0..1_000 {
        let s = generate(seed, &cfg);
        if p(&s) {
            let out = shrink_with(s, 5_000, p);
            assert!(out.fixpoint);
            *shrunk.entry(out.scenario.to_json_string()).or_insert(0) += 1;
        }
    }
    // Local minima: the raised kind and the order of the two children are
    // the generated ones; one child doing both is smaller but no single
    // edit merges two children.
    for (json, n) in &shrunk {
        println!("{n:4} x {json}");
        let s: Scenario = json.parse().unwrap();
        assert!(size(&s) <= 8, "{json}");
    }
}

#[test]
fn tied_timers_shrink_together() {
    // Fails while both children fire at the same tick (say, both errors
    // reach the group) and the timeout does not.
    let s = scenario(json!({"main": [{"timeout": 30, "body": [{"task_group": [
        [{"sleep": 20}, {"raise": "Boom"}],
        [{"sleep": 20}, {"raise": "Boom"}]
    ]}]}]}));
    let out = shrink(s, |c| match c.main.as_slice() {
        [Step::Timeout { delay, body }] => match body.as_slice() {
            [Step::TaskGroup { children, .. }] => {
                let times: Vec<u64> = children
                    .iter()
                    .filter_map(|ch| match ch.body.as_slice() {
                        [Step::Sleep(t), Step::Raise(_)] => Some(*t),
                        _ => None,
                    })
                    .collect();
                times.len() == 2 && times[0] == times[1] && times[0] > 0 && *delay > times[0]
            }
            _ => false,
        },
        _ => false,
    });
    assert_eq!(
        out.to_json(),
        json!({"main": [{"timeout": 2, "body": [{"task_group": [
            [{"sleep": 1}, {"raise": "Boom"}],
            [{"sleep": 1}, {"raise": "Boom"}]
        ]}]}]})
    );
}
