//! Valid scenarios parse to the expected types, and print back canonically.

use serde_json::json;
use simloop_scenario::{
    parse_scenario, scenario_from_value, Child, Clause, Kind, ReturnWhen, Scenario, Step,
};

#[test]
fn spec_example() {
    let text = r#"{"name": "gather-ghost",
 "main": [{"try": [{"gather": [[{"sleep": 2000}, {"return": "ok"}],
                              [{"sleep": 500}, {"raise": "ValueError"}]]}],
           "except": [{"kinds": ["ValueError"], "do": [{"return": "caught"}]}]}]}"#;
    let s = parse_scenario(text).unwrap();
    let value_error = Kind::from_name("ValueError");
    assert_eq!(value_error, Kind::User("ValueError".into()));
    let want = Scenario {
        name: Some("gather-ghost".into()),
        main: vec![Step::Try {
            body: vec![Step::Gather {
                children: vec![
                    Child::new(vec![Step::Sleep(2000), Step::Return(json!("ok"))]),
                    Child::new(vec![Step::Sleep(500), Step::Raise(value_error.clone())]),
                ],
                return_exceptions: false,
            }],
            excepts: vec![Clause {
                kinds: vec![value_error],
                body: vec![Step::Return(json!("caught"))],
            }],
            finally: vec![],
        }],
        ..Scenario::default()
    };
    assert_eq!(s, want);
}

#[test]
fn every_step_kind() {
    let v = json!({
        "name": "all", "description": "every step once",
        "semaphores": {"api": 2, "db": 0},
        "main": [
            {"sleep": 0},
            {"spawn": {"name": "bg", "body": [{"hang": null}]}},
            {"cancel": "bg"},
            {"uncancel": null},
            {"gather": [[{"raise": "CancelledError"}], []], "return_exceptions": true},
            {"task_group": [[{"sleep": 1}]], "then": [{"await": "main.3"}]},
            {"wait": [[], []], "return_when": "FIRST_EXCEPTION", "timeout": 10, "cancel_pending": true},
            {"as_completed": [[], []], "take": 1, "timeout": 5, "skip_errors": true, "cancel_rest": true},
            {"timeout": 7, "body": [{"raise": "TimeoutError"}]},
            {"shield": [{"return": [1, "a", null, [-2]]}]},
            {"acquire": "api", "body": []},
            {"try": [{"raise": "Exception"}], "except": [{"kinds": ["Exception", "BaseException"]}], "finally": [{"sleep": 1}]},
            {"try_star": [], "except_star": [{"kinds": ["A"], "do": []}, {"kinds": ["B", "CancelledError"]}, {"kinds": ["C"]}]},
            {"return": null}
        ],
        "expect": {"main": {"ok": null}}
    });
    let s = scenario_from_value(&v).unwrap();
    assert_eq!(s.semaphores.get("db"), Some(&0));
    assert_eq!(
        s.main[6],
        Step::Wait {
            children: vec![Child::default(), Child::default()],
            return_when: ReturnWhen::FirstException,
            timeout: Some(10),
            cancel_pending: true
        }
    );
    let keys: Vec<&str> = s.main.iter().map(Step::key).collect();
    assert_eq!(
        keys,
        [
            "sleep",
            "spawn",
            "cancel",
            "uncancel",
            "gather",
            "task_group",
            "wait",
            "as_completed",
            "timeout",
            "shield",
            "acquire",
            "try",
            "try_star",
            "return"
        ]
    );
    // Canonical printing drops only what was default and keeps key order.
    let mut canonical = v.clone();
    canonical["main"][12]["except_star"][0] = json!({"kinds": ["A"]});
    assert_eq!(s.to_json(), canonical);
    assert_eq!(parse_scenario(&s.to_json_string()).unwrap(), s);
}

#[test]
fn discriminating_key_is_the_first_in_table_order() {
    // `timeout` is a step kind and an option of wait / as_completed.
    let s = parse_scenario(r#"{"main": [{"timeout": 3, "wait": [[]]}, {"timeout": 4, "as_completed": []}, {"body": [], "timeout": 5}]}"#).unwrap();
    assert!(matches!(
        s.main[0],
        Step::Wait {
            timeout: Some(3),
            ..
        }
    ));
    assert!(matches!(
        s.main[1],
        Step::AsCompleted {
            timeout: Some(4),
            ..
        }
    ));
    assert_eq!(
        s.main[2],
        Step::Timeout {
            delay: 5,
            body: vec![]
        }
    );
}

#[test]
fn defaults_and_nulls_are_dropped_when_printing() {
    let s = parse_scenario(
        r#"{"semaphores": {}, "main": [
            {"gather": [], "return_exceptions": false},
            {"task_group": [], "then": []},
            {"wait": [{"name": "w", "body": []}], "return_when": "ALL_COMPLETED", "timeout": null, "cancel_pending": false},
            {"as_completed": [], "take": null, "timeout": null, "skip_errors": false, "cancel_rest": false},
            {"try": [], "except": [], "finally": []},
            {"try_star": [], "except_star": [{"kinds": ["E"], "do": []}]}]}"#,
    )
    .unwrap();
    assert_eq!(
        s.to_json(),
        json!({"main": [
            {"gather": []}, {"task_group": []}, {"wait": [{"name": "w", "body": []}]}, {"as_completed": []},
            {"try": []}, {"try_star": [], "except_star": [{"kinds": ["E"]}]}]})
    );
}

#[test]
fn expect_always_and_allow_parse_and_round_trip() {
    let text = r#"{"main": [{"hang": null}],
        "expect_always": {"orphans": []},
        "allow": [{"invariant": "no-deadlock", "reason": "it hangs on purpose"},
                  {"invariant": "cancel-balance", "profiles": ["py311", "py312"], "reason": "3.11/3.12 leak"}]}"#;
    let s = parse_scenario(text).unwrap();
    assert_eq!(s.expect_always, Some(serde_json::json!({"orphans": []})));
    assert_eq!(s.allow.len(), 2);
    assert_eq!(s.allow[1].profiles, ["py311", "py312"]);
    assert_eq!(parse_scenario(&s.to_json_string()).unwrap(), s);
}

#[test]
fn a_bad_allowance_names_its_path() {
    let err = |text: &str| parse_scenario(text).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"main": [], "allow": [{"invariant": "no-deadlock"}]}"#),
        "$.allow[0]: missing or empty \"reason\": say why the scenario breaks the invariant"
    );
    assert_eq!(
        err(r#"{"main": [], "allow": [{"invariant": "x", "profiles": ["py39"], "reason": "r"}]}"#),
        "$.allow[0].profiles[0]: unknown profile \"py39\"; expected one of py311, py312, py313, py314"
    );
    assert_eq!(
        err(r#"{"main": [], "expect_always": 3}"#),
        "$.expect_always: expected an object (any subset of the outcome fields), got 3"
    );
}
