//! Each bound of `Limits` has its own error naming where it was exceeded,
//! and deep input never exhausts the stack.

use serde_json::{json, Value};
use simloop_scenario::{
    parse_scenario, parse_scenario_with_limits, scenario_from_value, validate, Child, Clause,
    ErrorKind, Kind, Limits, Scenario, Step,
};

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

/// Blocks nested `depth` deep (main counts as 1), each level the worst case
/// for JSON nesting: a named child inside a gather, or a handler inside a
/// try, alternately; the innermost block holds `leaf`.
fn nested(depth: usize, leaf: Step) -> Scenario {
    let mut block = vec![leaf];
    for level in (1..depth).rev() {
        let step = if level % 2 == 0 {
            Step::Gather {
                children: vec![Child::named(format!("t{level}"), block)],
                return_exceptions: false,
            }
        } else {
            Step::Try {
                body: vec![],
                excepts: vec![Clause {
                    kinds: vec![Kind::Exception],
                    body: block,
                }],
                finally: vec![],
            }
        };
        block = vec![step];
    }
    Scenario::new(block)
}

#[test]
fn depth() {
    let l = Limits::default();
    let deepest = nested(
        64,
        Step::Gather {
            children: vec![],
            return_exceptions: false,
        },
    );
    assert_eq!(validate(&deepest, &l), Ok(()));
    // The canonical text of the deepest valid scenario parses back.
    assert_eq!(parse_scenario(&deepest.to_json_string()).unwrap(), deepest);
    let list = nested(63, Step::Return(json!([[]])));
    let e = validate(&list, &l).unwrap_err();
    assert_eq!(
        e.message(),
        "lists nested deeper than 64 levels, counting the enclosing blocks (Limits::max_depth)"
    );
    let list = nested(63, Step::Return(json!([1])));
    assert_eq!(parse_scenario(&list.to_json_string()).unwrap(), list);

    let too_deep = nested(65, Step::Sleep(1));
    let e = validate(&too_deep, &l).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.message(),
        "blocks nested deeper than 64 (Limits::max_depth)"
    );
    assert!(e.path().ends_with(".body"), "{e}");
    assert_eq!(parse_scenario(&too_deep.to_json_string()).unwrap_err(), e);

    let shallow = limits(|l| l.max_depth = 2);
    let e = parse_scenario_with_limits(
        r#"{"main": [{"timeout": 1, "body": [{"try": []}]}]}"#,
        &shallow,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.main[0].body[0].try: blocks nested deeper than 2 (Limits::max_depth)"
    );
}

#[test]
fn counts() {
    let l = limits(|l| l.max_tasks = 2);
    let e = parse_scenario_with_limits(r#"{"main": [{"spawn": []}, {"gather": [[], []]}]}"#, &l)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.main[1].gather[1]: more than 2 tasks in the tree (Limits::max_tasks)"
    );
    let l = limits(|l| l.max_steps = 3);
    let e = parse_scenario_with_limits(
        r#"{"main": [{"spawn": [{"sleep": 1}, {"sleep": 2}]}, {"sleep": 3}]}"#,
        &l,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.main[1]: more than 3 steps in the tree (Limits::max_steps)"
    );
    let e = parse_scenario(
        r#"{"main": [{"sleep": 4503599627370497}, {"wait": [[]], "timeout": 4503599627370496}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.main[1].timeout: the tick counts of the tree add up to more than 9007199254740992 (Limits::max_total_ticks)"
    );
    let e =
        parse_scenario(r#"{"main": [{"sleep": 18446744073709551615}, {"sleep": 1}]}"#).unwrap_err();
    assert_eq!(e.path(), "$.main[0].sleep");
}

#[test]
fn values_in_return_steps_are_bounded() {
    let l = limits(|l| l.max_values = 5);
    // A list counts one, and each item.
    let text = r#"{"main": [{"spawn": [{"return": [1, 2]}]}, {"return": [3, null]}]}"#;
    let e = parse_scenario_with_limits(text, &l).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.to_string(),
        "$.main[1].return: more than 5 JSON values in the return steps of the tree (Limits::max_values)"
    );
    let l = limits(|l| l.max_values = 6);
    assert!(parse_scenario_with_limits(text, &l).is_ok());
    assert_eq!(Limits::default().max_values, 100_000);
}

#[test]
fn long_text_is_refused_before_it_is_parsed() {
    let l = limits(|l| l.max_input_bytes = 20);
    let text = r#"{"main": [{"sleep": 1}]}"#;
    let e = parse_scenario_with_limits(text, &l).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.to_string(),
        "$: the text is longer than 20 bytes (Limits::max_input_bytes)"
    );
    let l = limits(|l| l.max_input_bytes = text.len());
    assert!(parse_scenario_with_limits(text, &l).is_ok());
    // A byte order mark is ignored.
    assert!(parse_scenario(&format!("\u{feff}{text}")).is_ok());
}

#[test]
fn deep_text_is_refused() {
    for open in ["[", "{\"main\":", "{\"main\": [{\"spawn\": "] {
        let text = open.repeat(200_000);
        let e = parse_scenario(&text).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Json, "{e}");
    }
    let text = format!(
        r#"{{"main": [], "expect": {}1{}}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    let e = parse_scenario(&text).unwrap_err();
    assert!(
        e.message()
            .starts_with("JSON nested deeper than 260 levels at line 1 column "),
        "{e}"
    );
}

/// A value nested `depth` deep, built without recursion.
fn deep_list(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

#[test]
fn deep_values_are_refused() {
    // (`json!` would serialize these recursively; build them by hand.)
    let v = object(vec![
        ("main", json!([])),
        ("expect", object(vec![("x", deep_list(5_000))])),
    ]);
    let e = scenario_from_value(&v).unwrap_err();
    assert_eq!(
        e.to_string(),
        "$.expect: nested deeper than 259 levels of JSON (the bound follows Limits::max_depth)"
    );
    let v = object(vec![(
        "main",
        Value::Array(vec![object(vec![("return", deep_list(5_000))])]),
    )]);
    let e = scenario_from_value(&v).unwrap_err();
    assert_eq!(
        e.message(),
        "lists nested deeper than 64 levels, counting the enclosing blocks (Limits::max_depth)"
    );
    assert_eq!(e.path(), format!("$.main[0].return{}", "[0]".repeat(63)));
    let mut block = json!([]);
    for _ in 0..1_000 {
        block = Value::Array(vec![object(vec![("spawn", block)])]);
    }
    let e = scenario_from_value(&object(vec![("main", block)])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert!(e.path().starts_with("$.main[0].spawn[0].spawn"), "{e}");
}
