//! Types back to the canonical JSON form: keys in the spec's order, options
//! at their default value left out, unnamed children as bare lists.
//! [`parse_scenario`](crate::parse_scenario) of the printed form gives back
//! an equal value.

use serde_json::{Map, Value};
use simloop_core::TaskFactory;

use crate::format::{Block, Child, Clause, ReprOf, ReturnWhen, Scenario, Step};

impl Scenario {
    /// The canonical JSON form of the scenario.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        if let Some(name) = &self.name {
            obj.insert("name".into(), name.as_str().into());
        }
        if let Some(description) = &self.description {
            obj.insert("description".into(), description.as_str().into());
        }
        if !self.semaphores.is_empty() {
            let sems = self
                .semaphores
                .iter()
                .map(|(k, v)| {
                    let v = if self.bounded.contains(k) {
                        serde_json::json!({"value": v, "bounded": true})
                    } else {
                        Value::from(*v)
                    };
                    (k.clone(), v)
                })
                .collect();
            obj.insert("semaphores".into(), Value::Object(sems));
        }
        if !self.events.is_empty() {
            let events = self
                .events
                .iter()
                .map(|e| Value::from(e.as_str()))
                .collect();
            obj.insert("events".into(), Value::Array(events));
        }
        if !self.futures.is_empty() {
            let futures = self
                .futures
                .iter()
                .map(|f| Value::from(f.as_str()))
                .collect();
            obj.insert("futures".into(), Value::Array(futures));
        }
        if self.task_factory == TaskFactory::Eager {
            obj.insert("task_factory".into(), "eager".into());
        }
        obj.insert("main".into(), block(&self.main));
        if let Some(expect) = &self.expect {
            obj.insert("expect".into(), expect.clone());
        }
        if !self.expect_by_profile.is_empty() {
            let by: Map<String, Value> = self
                .expect_by_profile
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            obj.insert("expect_by_profile".into(), Value::Object(by));
        }
        if let Some(always) = &self.expect_always {
            obj.insert("expect_always".into(), always.clone());
        }
        if !self.allow.is_empty() {
            let allow = self
                .allow
                .iter()
                .map(|a| {
                    let mut m = Map::new();
                    m.insert("invariant".into(), a.invariant.as_str().into());
                    if !a.profiles.is_empty() {
                        m.insert("profiles".into(), a.profiles.clone().into());
                    }
                    m.insert("reason".into(), a.reason.as_str().into());
                    Value::Object(m)
                })
                .collect();
            obj.insert("allow".into(), Value::Array(allow));
        }
        Value::Object(obj)
    }

    /// The canonical JSON form as compact text on one line.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }
}

/// The options `wait` and `wait_tasks` share, each only if not its default.
fn wait_options(
    put: &mut impl FnMut(&str, Value),
    return_when: ReturnWhen,
    timeout: Option<u64>,
    cancel_pending: bool,
) {
    if return_when != ReturnWhen::default() {
        put("return_when", return_when.as_str().into());
    }
    if let Some(t) = timeout {
        put("timeout", t.into());
    }
    if cancel_pending {
        put("cancel_pending", true.into());
    }
}

impl Step {
    /// The canonical JSON form of the step.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        let mut put = |key: &str, v: Value| {
            obj.insert(key.to_owned(), v);
        };
        let key = self.key();
        match self {
            Step::Sleep(n) => put(key, (*n).into()),
            Step::Return(v) => put(key, v.clone()),
            Step::Raise(kind) => put(key, kind.name().into()),
            Step::Hang | Step::Uncancel | Step::Reraise => put(key, Value::Null),
            Step::Spawn(child) | Step::Shield(child) => put(key, child.to_json()),
            Step::Await(name) | Step::Cancel(name) => put(key, name.as_str().into()),
            Step::FutureSet { name, value } => {
                put(key, name.as_str().into());
                if !value.is_null() {
                    put("value", value.clone());
                }
            }
            Step::FutureFail { name, error } => {
                put(key, name.as_str().into());
                put("error", error.name().into());
            }
            Step::GatherTasks {
                names,
                return_exceptions,
            } => {
                put(key, names.iter().map(|n| Value::from(n.as_str())).collect());
                if *return_exceptions {
                    put("return_exceptions", true.into());
                }
            }
            Step::WaitTasks {
                names,
                return_when,
                timeout,
                cancel_pending,
            } => {
                put(key, names.iter().map(|n| Value::from(n.as_str())).collect());
                wait_options(&mut put, *return_when, *timeout, *cancel_pending);
            }
            Step::Gather {
                children: cs,
                return_exceptions,
            } => {
                put(key, children(cs));
                if *return_exceptions {
                    put("return_exceptions", true.into());
                }
            }
            Step::TaskGroup { children: cs, then } => {
                put(key, children(cs));
                if !then.is_empty() {
                    put("then", block(then));
                }
            }
            Step::Wait {
                children: cs,
                return_when,
                timeout,
                cancel_pending,
            } => {
                put(key, children(cs));
                wait_options(&mut put, *return_when, *timeout, *cancel_pending);
            }
            Step::AsCompleted {
                children: cs,
                take,
                timeout,
                skip_errors,
                cancel_rest,
            } => {
                put(key, children(cs));
                if let Some(k) = take {
                    put("take", (*k).into());
                }
                if let Some(t) = timeout {
                    put("timeout", (*t).into());
                }
                if *skip_errors {
                    put("skip_errors", true.into());
                }
                if *cancel_rest {
                    put("cancel_rest", true.into());
                }
            }
            Step::Timeout { delay, body } => {
                put(key, (*delay).into());
                put("body", block(body));
            }
            Step::Acquire { sem, body } => {
                put(key, sem.as_str().into());
                put("body", block(body));
            }
            Step::EventSet(name)
            | Step::EventWait(name)
            | Step::EventClear(name)
            | Step::Release(name)
            | Step::FutureCancel(name)
            | Step::AwaitFuture(name) => {
                put(key, name.as_str().into());
            }
            Step::Repr(of) => {
                let of = match of {
                    ReprOf::Semaphore(name) => {
                        Value::Object(Map::from_iter([("semaphore".into(), name.as_str().into())]))
                    }
                    ReprOf::Event(name) => {
                        Value::Object(Map::from_iter([("event".into(), name.as_str().into())]))
                    }
                    ReprOf::Timeout => "timeout".into(),
                    ReprOf::TaskGroup => "task_group".into(),
                };
                put(key, of);
            }
            Step::Reschedule(delay) => put(key, (*delay).into()),
            Step::Try {
                body,
                excepts,
                finally,
            }
            | Step::TryStar {
                body,
                excepts,
                finally,
            } => {
                put(key, block(body));
                if !excepts.is_empty() {
                    let clauses_key = if key == "try" {
                        "except"
                    } else {
                        "except_star"
                    };
                    put(
                        clauses_key,
                        Value::Array(excepts.iter().map(clause).collect()),
                    );
                }
                if !finally.is_empty() {
                    put("finally", block(finally));
                }
            }
        }
        Value::Object(obj)
    }
}

impl Child {
    /// The canonical JSON form: the bare body, or `{"name", "body",
    /// "eager_start"}` with what it has.
    pub fn to_json(&self) -> Value {
        if self.name.is_none() && self.eager_start.is_none() {
            return block(&self.body);
        }
        let mut obj = Map::new();
        if let Some(name) = &self.name {
            obj.insert("name".into(), name.as_str().into());
        }
        obj.insert("body".into(), block(&self.body));
        if let Some(eager) = self.eager_start {
            obj.insert("eager_start".into(), eager.into());
        }
        Value::Object(obj)
    }
}

fn block(steps: &Block) -> Value {
    Value::Array(steps.iter().map(Step::to_json).collect())
}

fn children(children: &[Child]) -> Value {
    Value::Array(children.iter().map(Child::to_json).collect())
}

fn clause(clause: &Clause) -> Value {
    let mut obj = Map::new();
    let kinds = clause.kinds.iter().map(|k| Value::from(k.name())).collect();
    obj.insert("kinds".into(), Value::Array(kinds));
    if !clause.body.is_empty() {
        obj.insert("do".into(), block(&clause.body));
    }
    Value::Object(obj)
}
