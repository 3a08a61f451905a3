//! The outcome JSON of the spec: what a run did, field by field.
//!
//! Both simloop and the CPython reference runner print this, so the
//! differential test can compare them. Keys come in the spec's order.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use simloop_asyncio::runner::Escape;
use simloop_core::{Exc, Interrupt, Tick};

/// How `main` ended.
#[derive(Clone, Debug, PartialEq)]
pub enum MainOutcome {
    /// It returned this value.
    Ok(Value),
    /// It raised.
    Error(Exc),
    /// It ended cancelled.
    Cancelled,
    /// The loop stalled before it finished.
    Stalled,
    /// The run was interrupted in both phases before it finished.
    Interrupted,
}

/// How a task ended.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskOutcome {
    /// It returned this value.
    Ok(Value),
    /// It raised.
    Error(Exc),
    /// It ended cancelled.
    Cancelled,
    /// It never finished: the loop stalled.
    Stuck,
}

/// One task of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    /// Its name.
    pub name: String,
    /// Its creator's name (`None` for `main`).
    pub parent: Option<String>,
    /// Tick of creation.
    pub created: Tick,
    /// Tick it finished, `None` if stuck.
    pub done: Option<Tick>,
    /// How it ended.
    pub outcome: TaskOutcome,
    /// Calls to `cancel()` that returned true.
    pub cancel_requests: u32,
    /// Calls to `uncancel()`.
    pub uncancels: u32,
    /// `cancelling()` at the end.
    pub cancelling: u32,
}

/// The outcome of one scenario run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// How `main` ended.
    pub main: MainOutcome,
    /// When `main` finished (or the loop stalled).
    pub end_time: Tick,
    /// When the last task finished after the orphans were cancelled.
    pub quiescent_time: Tick,
    /// Tasks still pending when `main` finished, in creation order.
    pub orphans: Vec<String>,
    /// Children that outlived the step that made them.
    pub scope_escapes: Vec<Escape>,
    /// The `KeyboardInterrupt`s and `SystemExit`s raised out of the loop
    /// (the field is left out when there is none).
    pub interrupts: Vec<Interrupt>,
    /// Every task, `main` first, in creation order.
    pub tasks: Vec<TaskRecord>,
}

/// `{"kind": K}` or `{"group": msg, "errors": [...]}`.
pub fn error_json(e: &Exc) -> Value {
    match e.members() {
        Some(members) => {
            // Not `json!`: it would serialize the members' values again,
            // at every level of a nested group (cubic in its depth).
            let mut group = Map::new();
            group.insert("group".into(), e.message().unwrap_or("").into());
            let errors = members.iter().map(error_json).collect();
            group.insert("errors".into(), Value::Array(errors));
            Value::Object(group)
        }
        None => json!({ "kind": e.class_name() }),
    }
}

/// `{key: value}`, with `value` moved in (`json!` would serialize it again).
fn object(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.into(), value);
    Value::Object(m)
}

impl MainOutcome {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        match self {
            MainOutcome::Ok(v) => object("ok", v.clone()),
            MainOutcome::Error(e) => object("error", error_json(e)),
            MainOutcome::Cancelled => object("cancelled", true.into()),
            MainOutcome::Stalled => object("stalled", true.into()),
            MainOutcome::Interrupted => object("interrupted", true.into()),
        }
    }
}

impl TaskOutcome {
    /// As JSON.
    pub fn to_json(&self) -> Value {
        match self {
            TaskOutcome::Ok(v) => object("ok", v.clone()),
            TaskOutcome::Error(e) => object("error", error_json(e)),
            TaskOutcome::Cancelled => object("cancelled", true.into()),
            TaskOutcome::Stuck => object("stuck", true.into()),
        }
    }
}

impl TaskRecord {
    /// As JSON, keys in the spec's order.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), self.name.as_str().into());
        m.insert("parent".into(), self.parent.as_deref().into());
        m.insert("created".into(), self.created.into());
        m.insert("done".into(), self.done.into());
        m.insert("outcome".into(), self.outcome.to_json());
        m.insert("cancel_requests".into(), self.cancel_requests.into());
        m.insert("uncancels".into(), self.uncancels.into());
        m.insert("cancelling".into(), self.cancelling.into());
        Value::Object(m)
    }
}

impl Outcome {
    /// The outcome JSON, keys in the spec's order.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("main".into(), self.main.to_json());
        m.insert("end_time".into(), json!(self.end_time));
        m.insert("quiescent_time".into(), json!(self.quiescent_time));
        m.insert("orphans".into(), json!(self.orphans));
        let escapes: Vec<Value> = self
            .scope_escapes
            .iter()
            .map(|e| json!({ "scope": e.kind.name(), "task": e.name, "at": e.at }))
            .collect();
        m.insert("scope_escapes".into(), Value::Array(escapes));
        if !self.interrupts.is_empty() {
            let interrupts = self
                .interrupts
                .iter()
                .map(|i| json!({ "kind": i.kind, "task": i.name, "at": i.at }))
                .collect();
            m.insert("interrupts".into(), Value::Array(interrupts));
        }
        let tasks: Vec<Value> = self.tasks.iter().map(TaskRecord::to_json).collect();
        m.insert("tasks".into(), Value::Array(tasks));
        Value::Object(m)
    }

    /// The record of the task named `name`.
    pub fn task(&self, name: &str) -> Option<&TaskRecord> {
        self.tasks.iter().find(|t| t.name == name)
    }
}

/// The outcome with every exception group's members sorted, so that two
/// outcomes that differ only in the order CPython iterated a set of tasks
/// compare equal (the spec compares group members as a multiset).
pub fn normalize(outcome: &Value) -> Value {
    match outcome {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_field(m, k, v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The field `k` of the object `m`, normalized: a group's `errors` sorted.
fn normalize_field(m: &Map<String, Value>, k: &str, v: &Value) -> Value {
    let mut v = normalize(v);
    if k == "errors" && m.contains_key("group") {
        if let Value::Array(items) = &mut v {
            items.sort_by_cached_key(|i| i.to_string());
        }
    }
    v
}

/// Where `expected` (any subset of an outcome) disagrees with `actual`:
/// objects must have every expected key, arrays the same length, and
/// scalars be equal, both [`normalize`]d. Returns the JSON path and both
/// values of the first difference.
///
/// Only a group's `errors` are normalized on the way, and the path is
/// spelled out only for a difference: `simloop check` compares every run
/// in CPython's order, and copying both outcomes and formatting each key's
/// path cost more than the run.
pub fn check_expect(expected: &Value, actual: &Value) -> Result<(), String> {
    fn walk(path: &mut String, e: &Value, a: &Value) -> Result<(), String> {
        match (e, a) {
            (Value::Object(em), Value::Object(am)) => {
                for (k, ev) in em {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    match am.get(k) {
                        None => {
                            return Err(format!(
                                "{path}: expected {}, but the outcome has no such field",
                                normalize_field(em, k, ev)
                            ))
                        }
                        Some(av)
                            if k == "errors"
                                && (em.contains_key("group") || am.contains_key("group")) =>
                        {
                            walk(
                                path,
                                &normalize_field(em, k, ev),
                                &normalize_field(am, k, av),
                            )?;
                        }
                        Some(av) => walk(path, ev, av)?,
                    }
                    path.truncate(len);
                }
                Ok(())
            }
            (Value::Array(ev), Value::Array(av)) if ev.len() == av.len() => {
                for (i, (e, a)) in ev.iter().zip(av).enumerate() {
                    let len = path.len();
                    write!(path, "[{i}]").expect("writing to a String");
                    walk(path, e, a)?;
                    path.truncate(len);
                }
                Ok(())
            }
            // Normalizing sorts arrays: it changes no scalar, no length and
            // no type, so it cannot change this comparison.
            _ if e == a => Ok(()),
            _ => Err(format!(
                "{path}: expected {}, got {}",
                normalize(e),
                normalize(a)
            )),
        }
    }
    walk(&mut String::from("$"), expected, actual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `check_expect` as the spec states it: normalize both whole
    /// outcomes, then walk them, formatting every path on the way.
    fn check_expect_by_the_spec(expected: &Value, actual: &Value) -> Result<(), String> {
        fn walk(path: &str, e: &Value, a: &Value) -> Result<(), String> {
            match (e, a) {
                (Value::Object(em), Value::Object(am)) => {
                    for (k, ev) in em {
                        let p = format!("{path}.{k}");
                        match am.get(k) {
                            Some(av) => walk(&p, ev, av)?,
                            None => {
                                return Err(format!(
                                    "{p}: expected {ev}, but the outcome has no such field"
                                ))
                            }
                        }
                    }
                    Ok(())
                }
                (Value::Array(ev), Value::Array(av)) if ev.len() == av.len() => {
                    for (i, (e, a)) in ev.iter().zip(av).enumerate() {
                        walk(&format!("{path}[{i}]"), e, a)?;
                    }
                    Ok(())
                }
                _ if e == a => Ok(()),
                _ => Err(format!("{path}: expected {e}, got {a}")),
            }
        }
        walk("$", &normalize(expected), &normalize(actual))
    }

    /// Small outcomes, with the keys that matter to normalizing (`group`,
    /// `errors`) often.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            (0..3i64).prop_map(Value::from),
            prop::sample::select(vec!["A", "B", "g"]).prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop::sample::select(vec!["group", "errors", "kind", "ok"]),
                        inner.clone()
                    ),
                    0..4
                )
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
                prop::collection::vec(inner, 0..4)
                    .prop_map(|errors| json!({"group": "g", "errors": errors})),
            ]
        })
    }

    /// `v` with every array reversed: a group's errors in another order.
    fn reversed(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), reversed(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().rev().map(reversed).collect()),
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn check_expect_says_what_the_spec_says(e in value(), a in value()) {
            prop_assert_eq!(check_expect(&e, &a), check_expect_by_the_spec(&e, &a));
            prop_assert_eq!(check_expect(&a, &a), Ok(()));
            let r = reversed(&a);
            prop_assert_eq!(check_expect(&r, &a), check_expect_by_the_spec(&r, &a));
        }
    }

    #[test]
    fn expect_is_a_recursive_subset() {
        let actual =
            json!({"main": {"ok": 1}, "orphans": ["a"], "tasks": [{"name": "main", "done": 5}]});
        assert!(check_expect(&json!({"main": {"ok": 1}}), &actual).is_ok());
        assert!(check_expect(&json!({"tasks": [{"done": 5}]}), &actual).is_ok());
        assert_eq!(
            check_expect(&json!({"tasks": [{"done": 6}]}), &actual).unwrap_err(),
            "$.tasks[0].done: expected 6, got 5"
        );
        assert_eq!(
            check_expect(&json!({"orphans": []}), &actual).unwrap_err(),
            "$.orphans: expected [], got [\"a\"]"
        );
        assert!(check_expect(&json!({"nope": 1}), &actual)
            .unwrap_err()
            .contains("no such field"));
    }

    #[test]
    fn group_members_compare_as_a_multiset() {
        let a = json!({"error": {"group": "g", "errors": [{"kind": "B"}, {"kind": "A"}]}});
        let b = json!({"error": {"group": "g", "errors": [{"kind": "A"}, {"kind": "B"}]}});
        assert_eq!(normalize(&a), normalize(&b));
        assert!(check_expect(&a, &b).is_ok());
    }

    #[test]
    fn errors_encode_as_the_spec_says() {
        let g = Exc::group(
            "unhandled errors in a TaskGroup",
            vec![Exc::new("Boom"), Exc::timeout()],
        );
        assert_eq!(
            error_json(&g),
            json!({"group": "unhandled errors in a TaskGroup", "errors": [{"kind": "Boom"}, {"kind": "TimeoutError"}]})
        );
    }
}
