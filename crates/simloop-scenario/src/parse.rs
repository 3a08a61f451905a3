//! JSON text and values to a [`Scenario`], with errors that name the JSON path.
//!
//! Text is first read into a `serde_json::Value` (rejecting duplicate keys
//! and, before serde_json recurses, nesting deeper than
//! [`Limits::max_depth`] allows), then walked by hand: each step object is
//! identified by the first of its kind keys in the spec's table order, and
//! every other key must be an option of that kind. The result is then
//! [`validate`]d, so a parsed scenario is a valid one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use simloop_core::{Profile, TaskFactory};

use crate::error::{did_you_mean, quote, ErrorKind, ScenarioError};
use crate::format::{Allowance, Block, Child, Clause, Kind, ReprOf, ReturnWhen, Scenario, Step};
use crate::limits::Limits;
use crate::path::{push_key, Path};
use crate::validate::{check_expect, check_value, too_deep, validate};

/// Parses and validates scenario JSON text, with the default [`Limits`].
///
/// ```
/// let s = simloop_scenario::parse_scenario(r#"{"main": [{"sleep": 5}]}"#).unwrap();
/// assert_eq!(s.main, vec![simloop_scenario::Step::Sleep(5)]);
/// let e = simloop_scenario::parse_scenario(r#"{"main": [{"sleep": -5}]}"#).unwrap_err();
/// assert_eq!(e.to_string(), "$.main[0].sleep: expected a non-negative integer, got -5");
/// ```
pub fn parse_scenario(text: &str) -> Result<Scenario, ScenarioError> {
    parse_scenario_with_limits(text, &Limits::default())
}

/// Parses and validates scenario JSON text within these limits. A leading
/// byte order mark is ignored.
pub fn parse_scenario_with_limits(text: &str, limits: &Limits) -> Result<Scenario, ScenarioError> {
    if text.len() > limits.max_input_bytes {
        return Err(ScenarioError::at(
            ErrorKind::Limit,
            "$".to_owned(),
            format!(
                "the text is longer than {} bytes (Limits::max_input_bytes)",
                limits.max_input_bytes
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = read_json(text, limits.json_depth_cap())?;
    scenario_from_value_with_limits(&value, limits)
}

/// Builds and validates a scenario from parsed JSON, with the default
/// [`Limits`]. Unlike [`parse_scenario`] it cannot see duplicate keys (the
/// value has already merged them).
pub fn scenario_from_value(value: &Value) -> Result<Scenario, ScenarioError> {
    scenario_from_value_with_limits(value, &Limits::default())
}

/// Builds and validates a scenario from parsed JSON within these limits.
pub fn scenario_from_value_with_limits(
    value: &Value,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    let scenario = Parser { limits }.scenario(value)?;
    validate(&scenario, limits)?;
    Ok(scenario)
}

impl std::str::FromStr for Scenario {
    type Err = ScenarioError;

    /// [`parse_scenario`]: `text.parse::<Scenario>()`.
    fn from_str(text: &str) -> Result<Scenario, ScenarioError> {
        parse_scenario(text)
    }
}

/// The step kind keys, in the spec's table order: a step's kind is the first
/// of these present in its object.
pub(crate) const STEP_KINDS: [&str; 30] = [
    "sleep",
    "return",
    "raise",
    "hang",
    "spawn",
    "await",
    "cancel",
    "uncancel",
    "gather",
    "task_group",
    "wait",
    "as_completed",
    // Before `timeout`, which is also their option.
    "gather_tasks",
    "wait_tasks",
    "timeout",
    "shield",
    "acquire",
    "try",
    "try_star",
    "event_set",
    "event_wait",
    "event_clear",
    "release",
    "future_set",
    "future_fail",
    "future_cancel",
    "await_future",
    "repr",
    "reschedule",
    "reraise",
];

/// Every key that is an option of some step kind (`timeout` is also a kind).
const OPTION_KEYS: [&str; 14] = [
    "return_exceptions",
    "then",
    "return_when",
    "timeout",
    "cancel_pending",
    "take",
    "skip_errors",
    "cancel_rest",
    "body",
    "except",
    "finally",
    "except_star",
    "value",
    "error",
];

const TOP_KEYS: [&str; 11] = [
    "name",
    "description",
    "semaphores",
    "events",
    "futures",
    "task_factory",
    "main",
    "expect",
    "expect_by_profile",
    "expect_always",
    "allow",
];

/// `task_factory`: `"eager"` or `null`.
fn task_factory(v: &Value, path: &Path<'_>) -> Result<TaskFactory, ScenarioError> {
    match v {
        Value::Null => Ok(TaskFactory::Lazy),
        Value::String(s) if s == "eager" => Ok(TaskFactory::Eager),
        _ => Err(ScenarioError::expected(
            path,
            "\"eager\" (asyncio.eager_task_factory) or null",
            v,
        )),
    }
}

/// Is `name` a profile's (`expect_by_profile` and `allow` name them)?
fn is_profile(name: &str) -> bool {
    name.parse::<Profile>().is_ok()
}

/// `py311, py312, ...`, for messages.
fn profile_names() -> String {
    let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
    names.join(", ")
}

/// `allow`: `[{"invariant": NAME, "profiles": [PROFILE...], "reason": TEXT}]`
/// (`profiles` optional).
fn allowances(v: &Value, path: &Path<'_>) -> Result<Vec<Allowance>, ScenarioError> {
    const SHAPE: &str =
        "a list of {\"invariant\": NAME, \"profiles\": [PROFILE...], \"reason\": TEXT}";
    let Some(items) = v.as_array() else {
        return Err(ScenarioError::expected(path, SHAPE, v));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Some(obj) = item.as_object() else {
            return Err(ScenarioError::expected(&p, SHAPE, item));
        };
        let mut a = Allowance {
            invariant: String::new(),
            profiles: Vec::new(),
            reason: String::new(),
        };
        for (key, x) in obj {
            let pk = p.key(key);
            match key.as_str() {
                "invariant" => a.invariant = string(x, &pk, "an invariant's name")?,
                "reason" => a.reason = string(x, &pk, "why the scenario breaks it")?,
                "profiles" => {
                    let Some(list) = x.as_array() else {
                        return Err(ScenarioError::expected(&pk, "a list of profiles", x));
                    };
                    for (j, name) in list.iter().enumerate() {
                        let pj = pk.index(j);
                        let name = string(name, &pj, "a profile")?;
                        if !is_profile(&name) {
                            return Err(ScenarioError::shape(
                                &pj,
                                format!(
                                    "unknown profile {}; expected one of {}",
                                    quote(&name),
                                    profile_names()
                                ),
                            ));
                        }
                        a.profiles.push(name);
                    }
                }
                _ => {
                    return Err(ScenarioError::shape(
                        &pk,
                        format!(
                            "unknown key {}; expected invariant, profiles or reason",
                            quote(key)
                        ),
                    ))
                }
            }
        }
        if a.invariant.is_empty() {
            return Err(ScenarioError::shape(&p, "missing key \"invariant\""));
        }
        if a.reason.trim().is_empty() {
            return Err(ScenarioError::shape(
                &p,
                "missing or empty \"reason\": say why the scenario breaks the invariant",
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// The keys allowed next to the kind key of a step.
fn options(kind: &str) -> &'static [&'static str] {
    match kind {
        "gather" | "gather_tasks" => &["return_exceptions"],
        "task_group" => &["then"],
        "wait" | "wait_tasks" => &["return_when", "timeout", "cancel_pending"],
        "as_completed" => &["take", "timeout", "skip_errors", "cancel_rest"],
        "timeout" | "acquire" => &["body"],
        "try" => &["except", "finally"],
        "try_star" => &["except_star", "finally"],
        "future_set" => &["value"],
        "future_fail" => &["error"],
        _ => &[],
    }
}

const CHILD: &str =
    "a child (a list of steps, or {\"name\": ..., \"body\": [STEP...], \"eager_start\": ...})";
const NON_NEGATIVE: &str = "a non-negative integer";

struct Parser<'l> {
    limits: &'l Limits,
}

impl Parser<'_> {
    fn scenario(&self, v: &Value) -> Result<Scenario, ScenarioError> {
        let root = Path::ROOT;
        let Some(obj) = v.as_object() else {
            return Err(ScenarioError::expected(
                &root,
                "a scenario object {\"main\": [STEP...]}",
                v,
            ));
        };
        let mut scenario = Scenario::default();
        let mut main = None;
        for (key, x) in obj {
            let p = root.key(key);
            match key.as_str() {
                "name" => scenario.name = Some(string(x, &p, "a string")?),
                "description" => scenario.description = Some(string(x, &p, "a string")?),
                "semaphores" => (scenario.semaphores, scenario.bounded) = semaphores(x, &p)?,
                "events" => scenario.events = names(x, &p, "event")?,
                "futures" => scenario.futures = names(x, &p, "future")?,
                "task_factory" => scenario.task_factory = task_factory(x, &p)?,
                "main" => main = Some(self.block(x, &p, 1)?),
                "expect" => {
                    check_expect(x, &p, self.limits)?;
                    scenario.expect = Some(x.clone());
                }
                "expect_always" => {
                    check_expect(x, &p, self.limits)?;
                    scenario.expect_always = Some(x.clone());
                }
                "allow" => scenario.allow = allowances(x, &p)?,
                "expect_by_profile" => {
                    let Some(by) = x.as_object() else {
                        return Err(ScenarioError::expected(
                            &p,
                            "an object {\"py311\": EXPECT, ...}",
                            x,
                        ));
                    };
                    for (profile, e) in by {
                        let pp = p.key(profile);
                        if !is_profile(profile) {
                            return Err(ScenarioError::shape(
                                &pp,
                                format!(
                                    "unknown profile {}; expected one of {}",
                                    quote(profile),
                                    profile_names()
                                ),
                            ));
                        }
                        check_expect(e, &pp, self.limits)?;
                        scenario
                            .expect_by_profile
                            .insert(profile.clone(), e.clone());
                    }
                }
                _ => {
                    return Err(ScenarioError::shape(
                        &p,
                        format!(
                            "unknown key {}; expected one of {}{}",
                            quote(key),
                            TOP_KEYS.join(", "),
                            did_you_mean(key, TOP_KEYS)
                        ),
                    ))
                }
            }
        }
        let Some(main) = main else {
            return Err(ScenarioError::shape(
                &root,
                "missing key \"main\" (the body of the root task)",
            ));
        };
        scenario.main = main;
        Ok(scenario)
    }

    /// A block at `depth` (`main`'s body is 1).
    fn block(&self, v: &Value, path: &Path<'_>, depth: usize) -> Result<Block, ScenarioError> {
        if depth > self.limits.max_depth {
            return Err(too_deep(path, self.limits));
        }
        let Some(items) = v.as_array() else {
            return Err(ScenarioError::expected(path, "a list of steps", v));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, x)| self.step(x, &path.index(i), depth))
            .collect()
    }

    fn opt_block(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Block, ScenarioError> {
        match obj.get(key) {
            None => Ok(Block::new()),
            Some(x) => self.block(x, &path.key(key), depth + 1),
        }
    }

    /// A step in a block at `depth`.
    fn step(&self, v: &Value, path: &Path<'_>, depth: usize) -> Result<Step, ScenarioError> {
        let Some(obj) = v.as_object() else {
            return Err(ScenarioError::expected(
                path,
                "a step (an object such as {\"sleep\": 1})",
                v,
            ));
        };
        let Some((kind, x)) = STEP_KINDS.iter().find_map(|&k| obj.get(k).map(|x| (k, x))) else {
            return Err(no_kind(obj, path));
        };
        if let Some(key) = obj
            .keys()
            .find(|k| *k != kind && !options(kind).contains(&k.as_str()))
        {
            return Err(stray_key(kind, key, path));
        }
        let p = path.key(kind);
        let opt_flag = |key: &str| flag(obj, key, path);
        let ticks_opt = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => ticks(x, &path.key(key)).map(Some),
        };
        Ok(match kind {
            "sleep" => Step::Sleep(ticks(x, &p)?),
            "return" => {
                check_value(x, &p, depth, self.limits)?;
                Step::Return(x.clone())
            }
            "raise" => Step::Raise(kind_name(x, &p)?),
            "hang" => null(x, &p).map(|()| Step::Hang)?,
            "spawn" => Step::Spawn(self.child(x, &p, depth)?),
            "await" => Step::Await(string(x, &p, "a task name (a string)")?),
            "cancel" => Step::Cancel(string(x, &p, "a task name (a string)")?),
            "uncancel" => null(x, &p).map(|()| Step::Uncancel)?,
            "gather" => Step::Gather {
                children: self.children(x, &p, depth)?,
                return_exceptions: opt_flag("return_exceptions")?,
            },
            "task_group" => Step::TaskGroup {
                children: self.children(x, &p, depth)?,
                then: self.opt_block(obj, "then", path, depth)?,
            },
            "wait" => Step::Wait {
                children: self.children(x, &p, depth)?,
                return_when: return_when(obj, path)?,
                timeout: ticks_opt("timeout")?,
                cancel_pending: opt_flag("cancel_pending")?,
            },
            "as_completed" => Step::AsCompleted {
                children: self.children(x, &p, depth)?,
                take: take(obj, path)?,
                timeout: ticks_opt("timeout")?,
                skip_errors: opt_flag("skip_errors")?,
                cancel_rest: opt_flag("cancel_rest")?,
            },
            "timeout" => Step::Timeout {
                delay: ticks(x, &p)?,
                body: self.body(obj, path, depth, "{\"timeout\": N, \"body\": [STEP...]}")?,
            },
            "shield" => Step::Shield(self.child(x, &p, depth)?),
            "acquire" => Step::Acquire {
                sem: string(x, &p, "a semaphore name (a string)")?,
                body: self.body(
                    obj,
                    path,
                    depth,
                    "{\"acquire\": \"sem\", \"body\": [STEP...]}",
                )?,
            },
            "event_set" => Step::EventSet(string(x, &p, "an event name (a string)")?),
            "event_wait" => Step::EventWait(string(x, &p, "an event name (a string)")?),
            "event_clear" => Step::EventClear(string(x, &p, "an event name (a string)")?),
            "release" => Step::Release(string(x, &p, "a semaphore name (a string)")?),
            "future_set" => Step::FutureSet {
                name: string(x, &p, FUTURE_NAME)?,
                value: match obj.get("value") {
                    Some(v) => {
                        check_value(v, &path.key("value"), depth, self.limits)?;
                        v.clone()
                    }
                    None => Value::Null,
                },
            },
            "future_fail" => Step::FutureFail {
                name: string(x, &p, FUTURE_NAME)?,
                error: match obj.get("error") {
                    Some(k) => kind_name(k, &path.key("error"))?,
                    None => return Err(ScenarioError::shape(
                        path,
                        "missing key \"error\"; the step is {\"future_fail\": \"f\", \"error\": K}",
                    )),
                },
            },
            "future_cancel" => Step::FutureCancel(string(x, &p, FUTURE_NAME)?),
            "await_future" => Step::AwaitFuture(string(x, &p, FUTURE_NAME)?),
            "repr" => Step::Repr(repr_of(x, &p)?),
            "reraise" => null(x, &p).map(|()| Step::Reraise)?,
            "reschedule" => Step::Reschedule(match x {
                Value::Null => None,
                _ => Some(ticks(x, &p)?),
            }),
            "gather_tasks" => Step::GatherTasks {
                names: task_names(x, &p)?,
                return_exceptions: opt_flag("return_exceptions")?,
            },
            "wait_tasks" => Step::WaitTasks {
                names: task_names(x, &p)?,
                return_when: return_when(obj, path)?,
                timeout: ticks_opt("timeout")?,
                cancel_pending: opt_flag("cancel_pending")?,
            },
            "try" => Step::Try {
                body: self.block(x, &p, depth + 1)?,
                excepts: self.clauses(obj, "except", path, depth)?,
                finally: self.opt_block(obj, "finally", path, depth)?,
            },
            _ => Step::TryStar {
                body: self.block(x, &p, depth + 1)?,
                excepts: self.clauses(obj, "except_star", path, depth)?,
                finally: self.opt_block(obj, "finally", path, depth)?,
            },
        })
    }

    /// The required `body` of a `timeout` or `acquire` step.
    fn body(
        &self,
        obj: &Map<String, Value>,
        path: &Path<'_>,
        depth: usize,
        form: &str,
    ) -> Result<Block, ScenarioError> {
        match obj.get("body") {
            Some(x) => self.block(x, &path.key("body"), depth + 1),
            None => Err(ScenarioError::shape(
                path,
                format!("missing key \"body\"; the step is {form}"),
            )),
        }
    }

    /// The children of a step in a block at `depth`.
    fn children(
        &self,
        v: &Value,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Vec<Child>, ScenarioError> {
        let Some(items) = v.as_array() else {
            return Err(ScenarioError::expected(path, "a list of children", v));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, x)| self.child(x, &path.index(i), depth))
            .collect()
    }

    /// A child of a step in a block at `depth`.
    fn child(&self, v: &Value, path: &Path<'_>, depth: usize) -> Result<Child, ScenarioError> {
        match v {
            Value::Array(_) => Ok(Child::new(self.block(v, path, depth + 1)?)),
            Value::Object(obj) => {
                const KEYS: [&str; 3] = ["name", "body", "eager_start"];
                if let Some(key) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
                    return Err(ScenarioError::shape(
                        &path.key(key),
                        format!(
                            "unknown key {} in a child; expected name, body, eager_start{}",
                            quote(key),
                            did_you_mean(key, KEYS)
                        ),
                    ));
                }
                let eager_start = match obj.get("eager_start") {
                    None => None,
                    Some(Value::Bool(b)) => Some(*b),
                    Some(x) => {
                        return Err(ScenarioError::expected(
                            &path.key("eager_start"),
                            "true or false",
                            x,
                        ))
                    }
                };
                let name = match obj.get("name") {
                    Some(name) => Some(string(name, &path.key("name"), "a task name (a string)")?),
                    None if eager_start.is_some() => None,
                    None => {
                        return Err(ScenarioError::shape(
                            path,
                            "missing key \"name\" in a child object (an unnamed child is written as its list of steps)",
                        ))
                    }
                };
                let Some(body) = obj.get("body") else {
                    return Err(ScenarioError::shape(
                        path,
                        "missing key \"body\" in a child object",
                    ));
                };
                Ok(Child {
                    name,
                    body: self.block(body, &path.key("body"), depth + 1)?,
                    eager_start,
                })
            }
            _ => Err(ScenarioError::expected(path, CHILD, v)),
        }
    }

    fn clauses(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        path: &Path<'_>,
        depth: usize,
    ) -> Result<Vec<Clause>, ScenarioError> {
        let Some(v) = obj.get(key) else {
            return Ok(Vec::new());
        };
        let p = path.key(key);
        let Some(items) = v.as_array() else {
            return Err(ScenarioError::expected(
                &p,
                "a list of clauses {\"kinds\": [K...], \"do\": [STEP...]}",
                v,
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, x)| self.clause(x, &p.index(i), depth))
            .collect()
    }

    fn clause(&self, v: &Value, path: &Path<'_>, depth: usize) -> Result<Clause, ScenarioError> {
        let Some(obj) = v.as_object() else {
            return Err(ScenarioError::expected(
                path,
                "a clause {\"kinds\": [K...], \"do\": [STEP...]}",
                v,
            ));
        };
        if let Some(key) = obj.keys().find(|k| *k != "kinds" && *k != "do") {
            return Err(ScenarioError::shape(
                &path.key(key),
                format!(
                    "unknown key {} in a clause; expected kinds, do{}",
                    quote(key),
                    did_you_mean(key, ["kinds", "do"])
                ),
            ));
        }
        let Some(kinds) = obj.get("kinds") else {
            return Err(ScenarioError::shape(
                path,
                "missing key \"kinds\" in a clause",
            ));
        };
        let p = path.key("kinds");
        let Some(kinds) = kinds.as_array() else {
            return Err(ScenarioError::expected(
                &p,
                "a list of exception kinds",
                kinds,
            ));
        };
        let kinds = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| kind_name(k, &p.index(i)))
            .collect::<Result<_, _>>()?;
        Ok(Clause {
            kinds,
            body: self.opt_block(obj, "do", path, depth)?,
        })
    }
}

/// The error for a step object with no kind key.
fn no_kind(obj: &Map<String, Value>, path: &Path<'_>) -> ScenarioError {
    let kinds = STEP_KINDS.join(", ");
    if obj.is_empty() {
        return ScenarioError::shape(
            path,
            format!("expected a step, got an empty object; a step has one of the keys {kinds}"),
        );
    }
    if obj.contains_key("body") && obj.keys().all(|k| k == "name" || k == "body") {
        return ScenarioError::shape(
            path,
            "expected a step, got a child object {\"name\", \"body\"}; \
             a child only goes in spawn, shield, gather, task_group, wait or as_completed",
        );
    }
    match obj.keys().find(|k| !OPTION_KEYS.contains(&k.as_str())) {
        Some(key) => ScenarioError::shape(
            path,
            format!(
                "unknown step {}; expected one of {kinds}{}",
                quote(key),
                did_you_mean(key, STEP_KINDS)
            ),
        ),
        None => {
            let key = obj.keys().next().map_or("", String::as_str);
            let owners: Vec<&str> = STEP_KINDS
                .into_iter()
                .filter(|k| options(k).contains(&key))
                .collect();
            ScenarioError::shape(
                path,
                format!(
                    "step has no kind key: {} is an option of {}; expected one of {kinds}",
                    quote(key),
                    owners.join(" or ")
                ),
            )
        }
    }
}

/// The error for a key that is not allowed with the step's kind.
fn stray_key(kind: &str, key: &str, path: &Path<'_>) -> ScenarioError {
    let p = path.key(key);
    let allowed: Vec<&str> = std::iter::once(kind)
        .chain(options(kind).iter().copied())
        .collect();
    let allowed_list = allowed.join(", ");
    if OPTION_KEYS.contains(&key) {
        ScenarioError::shape(
            &p,
            format!(
                "{} is not an option of {kind}; allowed keys: {allowed_list}",
                quote(key)
            ),
        )
    } else if STEP_KINDS.contains(&key) {
        ScenarioError::shape(
            &p,
            format!(
                "a step has exactly one kind, but this {kind} step also has the key {}",
                quote(key)
            ),
        )
    } else {
        ScenarioError::shape(
            &p,
            format!(
                "unknown key {} in a {kind} step; allowed keys: {allowed_list}{}",
                quote(key),
                did_you_mean(key, allowed.iter().copied())
            ),
        )
    }
}

fn string(v: &Value, path: &Path<'_>, what: &str) -> Result<String, ScenarioError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(ScenarioError::expected(path, what, v)),
    }
}

/// `"timeout"`, `"task_group"`, `{"semaphore": NAME}` or `{"event": NAME}`.
fn repr_of(v: &Value, path: &Path<'_>) -> Result<ReprOf, ScenarioError> {
    const WHAT: &str = "\"timeout\", \"task_group\", {\"semaphore\": NAME} or {\"event\": NAME}";
    match v {
        Value::String(s) if s == "timeout" => Ok(ReprOf::Timeout),
        Value::String(s) if s == "task_group" => Ok(ReprOf::TaskGroup),
        Value::Object(o) if o.len() == 1 => {
            let (key, name) = o.iter().next().expect("one entry");
            let at = path.key(key);
            match key.as_str() {
                "semaphore" => Ok(ReprOf::Semaphore(string(
                    name,
                    &at,
                    "a semaphore name (a string)",
                )?)),
                "event" => Ok(ReprOf::Event(string(
                    name,
                    &at,
                    "an event name (a string)",
                )?)),
                _ => Err(ScenarioError::expected(path, WHAT, v)),
            }
        }
        _ => Err(ScenarioError::expected(path, WHAT, v)),
    }
}

fn null(v: &Value, path: &Path<'_>) -> Result<(), ScenarioError> {
    match v {
        Value::Null => Ok(()),
        _ => Err(ScenarioError::expected(path, "null", v)),
    }
}

fn ticks(v: &Value, path: &Path<'_>) -> Result<u64, ScenarioError> {
    v.as_u64()
        .ok_or_else(|| ScenarioError::expected(path, NON_NEGATIVE, v))
}

fn kind_name(v: &Value, path: &Path<'_>) -> Result<Kind, ScenarioError> {
    match v {
        Value::String(s) => Ok(Kind::from_name(s)),
        _ => Err(ScenarioError::expected(
            path,
            "an exception kind (a string)",
            v,
        )),
    }
}

fn flag(obj: &Map<String, Value>, key: &str, path: &Path<'_>) -> Result<bool, ScenarioError> {
    match obj.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(x) => Err(ScenarioError::expected(&path.key(key), "true or false", x)),
    }
}

fn take(obj: &Map<String, Value>, path: &Path<'_>) -> Result<Option<usize>, ScenarioError> {
    match obj.get("take") {
        None | Some(Value::Null) => Ok(None),
        Some(x) => match x.as_u64().map(usize::try_from) {
            Some(Ok(n)) => Ok(Some(n)),
            _ => Err(ScenarioError::expected(&path.key("take"), NON_NEGATIVE, x)),
        },
    }
}

fn return_when(obj: &Map<String, Value>, path: &Path<'_>) -> Result<ReturnWhen, ScenarioError> {
    let Some(x) = obj.get("return_when") else {
        return Ok(ReturnWhen::default());
    };
    match x.as_str().and_then(ReturnWhen::from_name) {
        Some(r) => Ok(r),
        None => Err(ScenarioError::expected(
            &path.key("return_when"),
            "one of \"ALL_COMPLETED\", \"FIRST_COMPLETED\", \"FIRST_EXCEPTION\"",
            x,
        )),
    }
}

/// `semaphores`: each name to its initial value, or to `{"value": n,
/// "bounded": b}`; the second set holds the bounded ones.
fn semaphores(
    v: &Value,
    path: &Path<'_>,
) -> Result<(BTreeMap<String, u64>, BTreeSet<String>), ScenarioError> {
    const FORM: &str = "a non-negative integer or {\"value\": N, \"bounded\": true}";
    let Some(obj) = v.as_object() else {
        return Err(ScenarioError::expected(
            path,
            "an object of semaphore names to initial values",
            v,
        ));
    };
    let (mut values, mut bounded) = (BTreeMap::new(), BTreeSet::new());
    for (name, x) in obj {
        let p = path.key(name);
        let value = match x {
            Value::Object(o) => {
                if let Some(k) = o
                    .keys()
                    .find(|k| !["value", "bounded"].contains(&k.as_str()))
                {
                    return Err(ScenarioError::shape(
                        &p.key(k),
                        format!(
                            "unknown key {}; a semaphore has the keys value, bounded",
                            quote(k)
                        ),
                    ));
                }
                match o.get("bounded") {
                    None | Some(Value::Bool(false)) => {}
                    Some(Value::Bool(true)) => {
                        bounded.insert(name.clone());
                    }
                    Some(b) => {
                        return Err(ScenarioError::expected(
                            &p.key("bounded"),
                            "true or false",
                            b,
                        ))
                    }
                }
                match o.get("value") {
                    Some(n) => n
                        .as_u64()
                        .ok_or_else(|| ScenarioError::expected(&p.key("value"), NON_NEGATIVE, n))?,
                    None => {
                        return Err(ScenarioError::shape(
                            &p,
                            "missing key \"value\" (the initial value)",
                        ))
                    }
                }
            }
            _ => x
                .as_u64()
                .ok_or_else(|| ScenarioError::expected(&p, FORM, x))?,
        };
        values.insert(name.clone(), value);
    }
    Ok((values, bounded))
}

/// The names of `gather_tasks` and `wait_tasks`: a list of strings.
fn task_names(v: &Value, path: &Path<'_>) -> Result<Vec<String>, ScenarioError> {
    let Some(items) = v.as_array() else {
        return Err(ScenarioError::expected(path, "a list of task names", v));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| string(x, &path.index(i), "a task name (a string)"))
        .collect()
}

const FUTURE_NAME: &str = "a future name (a string)";

/// `events` or `futures` (`what`): a list of distinct names.
fn names(v: &Value, path: &Path<'_>, what: &str) -> Result<BTreeSet<String>, ScenarioError> {
    let a = if what.starts_with('e') { "an" } else { "a" };
    let Some(items) = v.as_array() else {
        return Err(ScenarioError::expected(
            path,
            &format!("a list of {what} names"),
            v,
        ));
    };
    let mut out = BTreeSet::new();
    for (i, x) in items.iter().enumerate() {
        let name = string(x, &path.index(i), &format!("{a} {what} name (a string)"))?;
        if !out.insert(name.clone()) {
            return Err(ScenarioError::shape(
                &path.index(i),
                format!("duplicate {what} name {}", quote(&name)),
            ));
        }
    }
    Ok(out)
}

/// Reads JSON text into a value, refusing duplicate keys and nesting deeper
/// than `cap` (checked before serde_json recurses, so deep text cannot
/// exhaust the stack).
fn read_json(text: &str, cap: usize) -> Result<Value, ScenarioError> {
    let json_error = |message: String| ScenarioError::at(ErrorKind::Json, "$".to_owned(), message);
    if let Some(at) = too_deep_at(text, cap) {
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |nl| nl + 1) + 1;
        return Err(json_error(format!(
            "JSON nested deeper than {cap} levels at line {line} column {column} \
             (the bound follows Limits::max_depth)"
        )));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = StrictValue::deserialize(&mut de).and_then(|StrictValue(v)| de.end().map(|()| v));
    value.map_err(|e| {
        let message = format!("invalid JSON: {e}");
        // A duplicate key is reported where it is, as a shape error is.
        if e.to_string().starts_with("duplicate key") {
            let end = offset_of(text, e.line(), e.column());
            return ScenarioError::at(ErrorKind::Json, path_at(&text[..end]), message);
        }
        json_error(message)
    })
}

/// The byte offset just after serde_json's `line` and `column` (1-based,
/// the column in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut end = (start + column).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// The JSON path of the value (or the key) `prefix`, well-formed JSON
/// text cut short, ends in.
fn path_at(prefix: &str) -> String {
    enum Frame {
        /// An object, with its key being read or last read.
        Object(Option<String>),
        /// An array, with the index of its item being read.
        Array(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let bytes = prefix.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(bytes.len());
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    // A string where a key goes is the key; a literal cut
                    // short is read up to the cut.
                    let lit = &prefix[start..end];
                    *key = serde_json::from_str(lit)
                        .ok()
                        .or_else(|| Some(lit.trim_matches('"').to_owned()));
                }
            }
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => drop(stack.pop()),
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => *key = None,
                Some(Frame::Array(n)) => *n += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => push_key(&mut path, key),
            Frame::Object(None) => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

/// The byte offset of the first `[` or `{` (outside strings) nested deeper
/// than `cap`, if any. Malformed text only needs to be bounded here, not
/// rejected: serde_json reports the syntax error.
fn too_deep_at(text: &str, cap: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > cap {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A `serde_json::Value` that refuses duplicate object keys, which
/// `Value`'s own deserializer silently merges.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(x)) = seq.next_element()? {
            items.push(x);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if obj.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}",
                    quote(&key)
                )));
            }
            let StrictValue(x) = map.next_value()?;
            obj.insert(key, x);
        }
        Ok(Value::Object(obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_scan_ignores_strings() {
        assert_eq!(too_deep_at(r#"[["[[[[", "\"[["]]"#, 2), None);
        assert_eq!(too_deep_at("[[[", 2), Some(2));
        assert_eq!(too_deep_at("]]]]][[", 1), Some(6));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = read_json(r#"{"a": 1, "a": 2}"#, 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Json);
        assert!(
            e.message()
                .starts_with("invalid JSON: duplicate key \"a\" at line 1"),
            "{e}"
        );
    }

    #[test]
    fn a_duplicate_key_is_reported_at_its_path() {
        let e = read_json(
            r#"{"main": [{"spawn": {"name": "a", "name": "b", "body": []}}]}"#,
            100,
        )
        .unwrap_err();
        assert_eq!(e.path(), "$.main[0].spawn.name");
        let e = read_json("{\"a\": [1, {\"x y\": 1,\n \"x y\": 2}]}", 100).unwrap_err();
        assert_eq!(e.path(), "$.a[1][\"x y\"]");
        let e = read_json(r#"{"a\"b": 1, "a\"b": 2}"#, 100).unwrap_err();
        assert_eq!(e.path(), r#"$["a\"b"]"#);
    }

    #[test]
    fn deep_text_is_refused_before_serde_recurses() {
        let text = "[".repeat(100_000);
        let e = read_json(&text, 300).unwrap_err();
        assert_eq!(e.to_string(), "$: JSON nested deeper than 300 levels at line 1 column 301 (the bound follows Limits::max_depth)");
    }

    #[test]
    fn every_kind_has_options_listed() {
        for key in OPTION_KEYS {
            assert!(
                STEP_KINDS.iter().any(|k| options(k).contains(&key)),
                "{key}"
            );
        }
    }
}
