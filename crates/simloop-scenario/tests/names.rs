//! The task-name rules of docs/scenario-semantics.md ("Tasks and names").

use simloop_scenario::{parse_scenario, validate, Child, ErrorKind, Limits, Scenario, Step};

fn ok(text: &str) {
    if let Err(e) = parse_scenario(text) {
        panic!("{text}\n  rejected: {e}");
    }
}

fn err(text: &str, want: &str) {
    match parse_scenario(text) {
        Ok(_) => panic!("{text}\n  accepted, want: {want}"),
        Err(e) => {
            assert_eq!(e.to_string(), want, "{text}");
            assert_eq!(e.kind(), ErrorKind::Invalid);
        }
    }
}

#[test]
fn default_names_of_siblings_and_grandchildren() {
    // gather creates main.0 and main.1; main.1's spawn creates main.1.0.
    ok(
        r#"{"main": [{"gather": [[{"sleep": 1}], [{"spawn": [{"await": "main.0"}]}, {"await": "main.1.0"}]]}]}"#,
    );
    // Explicit names count: after "w", the next unnamed child is main.1.
    ok(
        r#"{"main": [{"spawn": {"name": "w", "body": []}}, {"spawn": []}, {"await": "main.1"}, {"await": "w"}]}"#,
    );
    err(
        r#"{"main": [{"spawn": {"name": "w", "body": []}}, {"spawn": []}, {"await": "main.0"}]}"#,
        "$.main[2].await: no task of the tree can be named \"main.0\"",
    );
    // Children of a named task are named after it.
    ok(r#"{"main": [{"spawn": {"name": "w", "body": [{"spawn": []}, {"cancel": "w.0"}]}}]}"#);
}

#[test]
fn explicit_names() {
    err(
        r#"{"main": [{"spawn": {"name": "main", "body": []}}]}"#,
        "$.main[0].spawn.name: the name \"main\" belongs to the root task",
    );
    err(
        r#"{"main": [{"spawn": {"name": "", "body": []}}]}"#,
        "$.main[0].spawn.name: expected a task name, got an empty string",
    );
    err(
        r#"{"main": [{"spawn": {"name": "x", "body": []}}, {"try": [{"spawn": {"name": "x", "body": []}}]}]}"#,
        "$.main[1].try[0].spawn.name: duplicate task name \"x\"; first given at $.main[0].spawn.name",
    );
    err(
        r#"{"main": [{"spawn": []}, {"spawn": {"name": "main.0", "body": []}}]}"#,
        "$.main[1].spawn.name: task name \"main.0\" is also a possible default name of the unnamed task created at $.main[0].spawn; an explicit name must not look like <parent>.<n>",
    );
    err(
        r#"{"main": [{"spawn": {"name": "a", "body": [{"spawn": []}]}}, {"spawn": {"name": "a.0", "body": []}}]}"#,
        "$.main[1].spawn.name: task name \"a.0\" is also a possible default name of the unnamed task created at $.main[0].spawn.body[0].spawn; an explicit name must not look like <parent>.<n>",
    );
    // Names no task can have by default are fine, dotted or not.
    ok(
        r#"{"main": [{"spawn": {"name": "main.5", "body": []}}, {"spawn": {"name": "x.0", "body": []}}, {"spawn": {"name": "main.01", "body": []}}]}"#,
    );
}

#[test]
fn references() {
    err(
        r#"{"main": [{"await": "main"}]}"#,
        "$.main[0].await: \"main\" is the root task; only the tasks it creates can be awaited",
    );
    err(
        r#"{"main": [{"spawn": []}, {"cancel": "main"}]}"#,
        "$.main[1].cancel: \"main\" is the root task; only the tasks it creates can be cancelled",
    );
    err(
        r#"{"main": [{"spawn": {"name": "worker", "body": []}}, {"await": "wroker"}]}"#,
        "$.main[1].await: no task of the tree can be named \"wroker\" (did you mean \"worker\"?)",
    );
    err(
        r#"{"main": [{"await": "main.0"}]}"#,
        "$.main[0].await: no task of the tree can be named \"main.0\"",
    );
    // A name created later is fine statically (KeyError at run time).
    ok(r#"{"main": [{"cancel": "late"}, {"spawn": {"name": "late", "body": []}}]}"#);
    // Cancelling oneself is fine.
    ok(r#"{"main": [{"spawn": [{"cancel": "main.0"}, {"sleep": 1}]}]}"#);
}

#[test]
fn self_await() {
    err(
        r#"{"main": [{"spawn": [{"await": "main.0"}]}]}"#,
        "$.main[0].spawn[0].await: task \"main.0\" awaits itself (asyncio raises RuntimeError)",
    );
    err(
        r#"{"main": [{"spawn": {"name": "me", "body": [{"await": "me"}]}}]}"#,
        "$.main[0].spawn.body[0].await: task \"me\" awaits itself (asyncio raises RuntimeError)",
    );
    // A child awaiting its parent is legal (it may deadlock; that is a result).
    ok(r#"{"main": [{"spawn": {"name": "p", "body": [{"gather": [[{"await": "p"}]]}]}}]}"#);
}

#[test]
fn creation_counts_that_depend_on_the_run() {
    // If the try body raises before its spawn, the handler's child is main.0;
    // otherwise main.1. Both are possible names.
    let handler = r#"{"main": [{"try": [{"sleep": 1}, {"spawn": []}, {"raise": "E"}],
        "except": [{"kinds": ["E"], "do": [{"spawn": [{"sleep": 1}]}, {"await": "main.0"}, {"await": "main.1"}]}]}]}"#;
    ok(handler);
    // Only one handler runs: both handlers' children can be main.1, neither main.2.
    ok(r#"{"main": [{"spawn": []}, {"try": [],
        "except": [{"kinds": ["A"], "do": [{"spawn": []}]}, {"kinds": ["B"], "do": [{"spawn": []}]}]},
        {"await": "main.1"}]}"#);
    err(
        r#"{"main": [{"spawn": []}, {"try": [],
        "except": [{"kinds": ["A"], "do": [{"spawn": []}]}, {"kinds": ["B"], "do": [{"spawn": []}]}]},
        {"await": "main.2"}]}"#,
        "$.main[2].await: no task of the tree can be named \"main.2\"",
    );
    // except* handlers can run one after the other: main.1 is possible.
    ok(r#"{"main": [{"try_star": [],
        "except_star": [{"kinds": ["A"], "do": [{"spawn": []}]}, {"kinds": ["B"], "do": [{"spawn": []}]}]},
        {"await": "main.1"}]}"#);
    // After a completed gather of two, the next child is exactly main.2.
    err(
        r#"{"main": [{"try": [{"gather": [[], []]}, {"spawn": [{"await": "main.1"}]}, {"spawn": [{"await": "main.3"}]}]}]}"#,
        "$.main[0].try[2].spawn[0].await: task \"main.3\" awaits itself (asyncio raises RuntimeError)",
    );
    // A finally can run before anything in the try body was created, so its
    // child may be main.0 and may then await itself.
    err(
        r#"{"main": [{"try": [{"sleep": 1}, {"spawn": []}], "finally": [{"spawn": [{"await": "main.0"}]}]}]}"#,
        "$.main[0].finally[0].spawn[0].await: the task created at $.main[0].finally[0].spawn can be named \"main.0\" and so may await itself (asyncio raises RuntimeError)",
    );
    // After a try that completed, its finally's creations are guaranteed.
    ok(
        r#"{"main": [{"try": [{"spawn": []}], "finally": [{"spawn": []}]}, {"spawn": [{"await": "main.0"}, {"await": "main.1"}]}]}"#,
    );
    err(
        r#"{"main": [{"try": [{"spawn": []}], "finally": [{"spawn": []}]}, {"spawn": [{"await": "main.2"}]}]}"#,
        "$.main[1].spawn[0].await: task \"main.2\" awaits itself (asyncio raises RuntimeError)",
    );
}

#[test]
fn built_in_code() {
    let mut s = Scenario::new(vec![
        Step::Spawn(Child::named("a", vec![])),
        Step::Await("a".into()),
    ]);
    assert_eq!(validate(&s, &Limits::default()), Ok(()));
    s.main.push(Step::Spawn(Child::named("a", vec![])));
    let e = validate(&s, &Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.main[2].spawn.name: duplicate task name \"a\"; first given at $.main[0].spawn.name"
    );
}
