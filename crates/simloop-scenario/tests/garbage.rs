//! Bad input is a value, not a panic: hand-picked garbage and mutated
//! scenarios, as text and as JSON values.

mod support;

use serde_json::{json, Value};
use simloop_scenario::{parse_scenario, scenario_from_value};
use support::Rng;

const SEEDS: [&str; 4] = [
    r#"{"name": "gather-ghost",
 "main": [{"try": [{"gather": [[{"sleep": 2000}, {"return": "ok"}],
                              [{"sleep": 500}, {"raise": "ValueError"}]]}],
           "except": [{"kinds": ["ValueError"], "do": [{"return": "caught"}]}]}]}"#,
    r#"{"semaphores": {"s": 1}, "main": [{"spawn": {"name": "w", "body": [{"acquire": "s", "body": [{"sleep": 3}]}]}},
 {"wait": [[{"hang": null}], [{"await": "w"}]], "return_when": "FIRST_COMPLETED", "timeout": 5, "cancel_pending": true},
 {"as_completed": [[], [{"raise": "E"}]], "take": 1, "skip_errors": true, "cancel_rest": true},
 {"timeout": 10, "body": [{"shield": [{"cancel": "main.2"}, {"uncancel": null}]}]}]}"#,
    r#"{"main": [{"task_group": [[{"sleep": 1}], {"name": "n", "body": [{"return": [1, [null, "x"]]}]}],
 "then": [{"try_star": [{"raise": "E"}], "except_star": [{"kinds": ["E", "CancelledError"], "do": []}],
 "finally": [{"sleep": 0}]}]}], "expect": {"main": {"ok": [1, 2]}}}"#,
    r#"{"main": [{"spawn": []}, {"spawn": [{"spawn": [{"await": "main.0"}]}]}, {"await": "main.1.0"}]}"#,
];

fn must_not_panic(text: &str) {
    let outcome = std::panic::catch_unwind(|| parse_scenario(text));
    assert!(outcome.is_ok(), "panicked on {text:?}");
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        let s = parse_scenario(seed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parse_scenario(&s.to_json_string()).unwrap(), s);
    }
}

#[test]
fn hand_picked_garbage() {
    let long = "x".repeat(100_000);
    let dotted = "0.".repeat(50_000);
    let cases = [
        "",
        " ",
        "null",
        "true",
        "1",
        "-0",
        "1e400",
        "\"main\"",
        "[]",
        "{",
        "}",
        "[",
        "]",
        "{\"main\"",
        "{\"main\":",
        "{\"main\": [",
        "{\"main\": [{",
        "{\"main\": [{}]}",
        "{\"main\": [[]]}",
        "{\"main\": null}",
        "\u{feff}{\"main\": []}",
        "{\"main\": []}\u{0}",
        "{\"main\": [{\"sleep\": NaN}]}",
        "{\"main\": [{\"sleep\": 1e400}]}",
        "{\"main\": [{\"sleep\": -0}]}",
        "{\"main\": [{\"sleep\": 0.0}]}",
        "{\"main\": [{\"return\": -9223372036854775809}]}",
        "{\"main\": [{\"\\ud800\": 1}]}",
        "{\"main\": [{\"await\": \"main.99999999999999999999999\"}]}",
        "{\"main\": [{\"await\": \"main.0.0.0.0.0.0.0.0.0.0.0.0.0.0\"}, {\"spawn\": []}]}",
        "{\"main\": [{\"raise\": \"\"}]}",
        "{\"main\": [{\"raise\": \"é\"}]}",
        "{\"main\": [{\"spawn\": {\"name\": \"é.0\", \"body\": []}}]}",
        "{\"\": 1}",
        "{\"main\": [], \"expect\": null}",
    ];
    for case in cases {
        must_not_panic(case);
    }
    for step in [
        format!(r#"{{"{long}": 1}}"#),
        format!(r#"{{"await": "{dotted}"}}"#),
        format!(r#"{{"await": "main.{dotted}0"}}"#),
        format!(r#"{{"spawn": {{"name": "{dotted}0", "body": []}}}}"#),
        format!(r#"{{"raise": "{long}"}}"#),
    ] {
        must_not_panic(&format!(r#"{{"main": [{{"spawn": []}}, {step}]}}"#));
    }
}

/// Byte-level mutations of the seeds: most are not JSON any more.
#[test]
fn mutated_text() {
    let mut rng = Rng::new(1);
    const NOISE: [&str; 12] = [
        "{", "}", "[", "]", ",", ":", "\"", "-1", "null", "0", "\\", "é",
    ];
    for _ in 0..20_000 {
        let mut text = rng.pick(&SEEDS).as_bytes().to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(text.len());
            match rng.below(3) {
                0 => {
                    let end = (at + rng.below(8)).min(text.len());
                    text.drain(at..end);
                }
                1 => {
                    let noise = rng.pick(&NOISE).as_bytes();
                    text.splice(at..at, noise.iter().copied());
                }
                _ => {
                    let end = (at + rng.below(30)).min(text.len());
                    let copy = text[at..end].to_vec();
                    text.splice(at..at, copy);
                }
            }
        }
        let text = String::from_utf8_lossy(&text);
        must_not_panic(&text);
        if let Ok(s) = parse_scenario(&text) {
            assert_eq!(
                parse_scenario(&s.to_json_string()).as_ref(),
                Ok(&s),
                "{text}"
            );
        }
    }
}

/// Value-level mutations: the JSON stays well-formed, so these reach the
/// walker and the validator.
#[test]
fn mutated_values() {
    let mut rng = Rng::new(2);
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(""),
        json!("main.0"),
        json!("E"),
        json!([]),
        json!([[]]),
        json!({}),
        json!({"sleep": 1}),
        json!({"name": "x", "body": []}),
        json!(u64::MAX),
        json!("ExceptionGroup"),
        json!({"kinds": []}),
    ];
    let seeds: Vec<Value> = SEEDS
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut v = rng.pick(&seeds).clone();
        for _ in 0..1 + rng.below(2) {
            let replacement = rng.pick(&replacements).clone();
            mutate(&mut v, &mut rng, replacement);
        }
        let outcome = std::panic::catch_unwind(|| scenario_from_value(&v));
        let Ok(result) = outcome else {
            panic!("panicked on {v}")
        };
        if let Ok(s) = result {
            accepted += 1;
            assert_eq!(parse_scenario(&s.to_json_string()).as_ref(), Ok(&s), "{v}");
        }
    }
    assert!(accepted > 100, "{accepted}");
}

/// Replaces a random node of `v` (or renames a random key) with `with`.
fn mutate(v: &mut Value, rng: &mut Rng, with: Value) {
    let stop = rng.chance(25);
    match v {
        Value::Array(items) if !items.is_empty() && !stop => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng, with);
        }
        Value::Object(obj) if !obj.is_empty() && !stop => {
            let i = rng.below(obj.len());
            if rng.chance(10) {
                let key = obj.keys().nth(i).cloned().unwrap_or_default();
                let x = obj.remove(&key).unwrap_or(Value::Null);
                let new_key = with
                    .as_str()
                    .map_or_else(|| format!("{key}x"), str::to_owned);
                obj.insert(new_key, x);
            } else if let Some((_, x)) = obj.iter_mut().nth(i) {
                mutate(x, rng, with);
            }
        }
        _ => *v = with,
    }
}
