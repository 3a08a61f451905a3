//! Semantic checks: what a value of the format's types can get wrong.
//!
//! [`validate`] walks the tree once for the local rules and the
//! [`Limits`], then hands over to [`names`](crate::names) for the rules
//! about task names, which need the whole tree.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{did_you_mean, quote, ScenarioError};
use crate::format::{Child, Clause, Kind, ReprOf, Scenario, Step};
use crate::limits::Limits;
use crate::names::check_names;
use crate::path::Path;

/// Checks everything the spec and `docs/scenario-semantics.md` require of a
/// scenario beyond its JSON shape, and the [`Limits`]. Returns the first
/// error in document order (the local rules over the whole tree first, then
/// the name rules).
///
/// The parsers call this; call it yourself on a scenario built in code.
///
/// Rules: a `return` is the last step of its block and holds an int (i64),
/// a string, `null` or a list of those; kinds are Python identifiers, not
/// keywords, with the reserved names only as their own variants;
/// `BaseException` and `ExceptionGroup` are never raised; a clause has at
/// least one kind; `try_star` has at most 3 clauses and none catches
/// `ExceptionGroup`; `wait` has at least one child; `acquire` and `release` name a
/// declared semaphore (a bounded one too) and the event steps a declared event; `expect` is
/// an object; then the task-name rules (see
/// the crate docs).
pub fn validate(scenario: &Scenario, limits: &Limits) -> Result<(), ScenarioError> {
    if let Some(name) = scenario
        .bounded
        .iter()
        .find(|name| !scenario.semaphores.contains_key(*name))
    {
        return Err(ScenarioError::invalid(
            &Path::ROOT.key("semaphores").key(name),
            format!("bounded semaphore {} has no initial value", quote(name)),
        ));
    }
    let mut checker = Checker {
        limits,
        semaphores: &scenario.semaphores,
        events: &scenario.events,
        futures: &scenario.futures,
        steps: 0,
        tasks: 0,
        ticks: 0,
        values: 0,
        eager_start_at: None,
        open: Open::default(),
        handler_next: false,
    };
    checker.block(&scenario.main, &Path::ROOT.key("main"), 1)?;
    if let Some(expect) = &scenario.expect {
        check_expect(expect, &Path::ROOT.key("expect"), limits)?;
    }
    if let Some(always) = &scenario.expect_always {
        check_expect(always, &Path::ROOT.key("expect_always"), limits)?;
    }
    check_names(scenario)
}

struct Checker<'a> {
    limits: &'a Limits,
    semaphores: &'a BTreeMap<String, u64>,
    events: &'a BTreeSet<String>,
    futures: &'a BTreeSet<String>,
    steps: usize,
    tasks: usize,
    ticks: u64,
    /// JSON values in `return` steps.
    values: usize,
    /// The path of the first child with `eager_start`.
    eager_start_at: Option<String>,
    /// The scopes the walk is inside.
    open: Open,
    /// The next block is an `except` or `except*` clause's `do` block.
    handler_next: bool,
}

/// How many `timeout` and `task_group` steps enclose a step, children
/// included (`repr` and `reschedule` need one).
#[derive(Clone, Copy, Default)]
struct Open {
    timeouts: usize,
    task_groups: usize,
}

/// The JSON path of the first child given `eager_start` (`$.main[0].spawn.
/// eager_start`), which a profile before 3.14 refuses; `None` if none is.
pub(crate) fn eager_start_at(scenario: &Scenario) -> Option<String> {
    let unbounded = Limits {
        max_depth: usize::MAX,
        max_tasks: usize::MAX,
        max_steps: usize::MAX,
        max_total_ticks: u64::MAX,
        max_values: usize::MAX,
        max_input_bytes: usize::MAX,
    };
    let mut checker = Checker {
        limits: &unbounded,
        semaphores: &scenario.semaphores,
        events: &scenario.events,
        futures: &scenario.futures,
        steps: 0,
        tasks: 0,
        ticks: 0,
        values: 0,
        eager_start_at: None,
        open: Open::default(),
        handler_next: false,
    };
    // A scenario that does not validate has no run to refuse.
    let _ = checker.block(&scenario.main, &Path::ROOT.key("main"), 1);
    checker.eager_start_at
}

impl Checker<'_> {
    /// A block at `depth` (`main`'s body is 1).
    fn block(
        &mut self,
        steps: &[Step],
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), ScenarioError> {
        let handler = std::mem::take(&mut self.handler_next);
        if depth > self.limits.max_depth {
            return Err(too_deep(path, self.limits));
        }
        for (i, step) in steps.iter().enumerate() {
            let p = path.index(i);
            self.steps += 1;
            if self.steps > self.limits.max_steps {
                let max = self.limits.max_steps;
                return Err(ScenarioError::limit(
                    &p,
                    format!("more than {max} steps in the tree (Limits::max_steps)"),
                ));
            }
            let after = steps.len() - i - 1;
            if matches!(step, Step::Return(_)) && after > 0 {
                let s = if after == 1 { " follows" } else { "s follow" };
                return Err(ScenarioError::invalid(
                    &p,
                    format!(
                        "a return must be the last step of its block, but {after} more step{s}"
                    ),
                ));
            }
            if matches!(step, Step::Reraise) && !handler {
                return Err(ScenarioError::invalid(
                    &p.key("reraise"),
                    "reraise goes directly in the do block of an except or except* clause \
                     (a bare raise there; elsewhere Python raises RuntimeError: No active \
                     exception to reraise, or re-raises with a different traceback)",
                ));
            }
            self.step(step, &p, depth)?;
        }
        Ok(())
    }

    /// A value a step makes (`return`, `future_set`), counted against
    /// [`Limits::max_values`].
    fn value(&mut self, v: &Value, p: &Path<'_>, depth: usize) -> Result<(), ScenarioError> {
        self.values += check_value(v, p, depth, self.limits)?;
        if self.values > self.limits.max_values {
            let max = self.limits.max_values;
            return Err(ScenarioError::limit(
                p,
                format!(
                    "more than {max} JSON values in the return steps of the tree (Limits::max_values)"
                ),
            ));
        }
        Ok(())
    }

    /// A step in a block at `depth`.
    fn step(&mut self, step: &Step, path: &Path<'_>, depth: usize) -> Result<(), ScenarioError> {
        let p = path.key(step.key());
        match step {
            Step::Sleep(n) => self.ticks(*n, &p),
            Step::Return(v) => self.value(v, &p, depth),
            Step::Raise(kind) => {
                check_kind(kind, &p)?;
                if matches!(kind, Kind::BaseException | Kind::ExceptionGroup) {
                    return Err(ScenarioError::invalid(
                        &p,
                        format!("{kind} cannot be raised; raise a user kind, Exception, TimeoutError, CancelledError, KeyboardInterrupt or SystemExit"),
                    ));
                }
                Ok(())
            }
            Step::Hang
            | Step::Uncancel
            | Step::Await(_)
            | Step::Cancel(_)
            | Step::GatherTasks { .. } => Ok(()),
            Step::WaitTasks { names, timeout, .. } => {
                if names.is_empty() {
                    return Err(ScenarioError::invalid(
                        &p,
                        "expected at least one task name, got an empty list (asyncio.wait raises ValueError)",
                    ));
                }
                timeout.map_or(Ok(()), |t| self.ticks(t, &path.key("timeout")))
            }
            Step::Spawn(child) | Step::Shield(child) => self.child(child, &p, depth),
            Step::Gather { children, .. } => self.children(children, &p, depth),
            Step::TaskGroup { children, then } => {
                let inner = Open {
                    task_groups: self.open.task_groups + 1,
                    ..self.open
                };
                self.scoped(inner, |c| {
                    c.children(children, &p, depth)?;
                    c.block(then, &path.key("then"), depth + 1)
                })
            }
            Step::Wait {
                children, timeout, ..
            } => {
                if children.is_empty() {
                    return Err(ScenarioError::invalid(
                        &p,
                        "expected at least one child, got an empty list (asyncio.wait raises ValueError)",
                    ));
                }
                self.children(children, &p, depth)?;
                timeout.map_or(Ok(()), |t| self.ticks(t, &path.key("timeout")))
            }
            Step::AsCompleted {
                children, timeout, ..
            } => {
                self.children(children, &p, depth)?;
                timeout.map_or(Ok(()), |t| self.ticks(t, &path.key("timeout")))
            }
            Step::Timeout { delay, body } => {
                self.ticks(*delay, &p)?;
                let inner = Open {
                    timeouts: self.open.timeouts + 1,
                    ..self.open
                };
                self.scoped(inner, |c| c.block(body, &path.key("body"), depth + 1))
            }
            // Checked by `block`, which knows whether it is a handler's.
            Step::Reraise => Ok(()),
            Step::Reschedule(delay) => {
                if self.open.timeouts == 0 {
                    return Err(outside(&p, "reschedule", "timeout"));
                }
                delay.map_or(Ok(()), |d| self.ticks(d, &p))
            }
            Step::Repr(of) => match of {
                ReprOf::Semaphore(sem) if !self.semaphores.contains_key(sem) => {
                    Err(unknown_semaphore(sem, self.semaphores, &p.key("semaphore")))
                }
                ReprOf::Event(name) if !self.events.contains(name) => {
                    Err(unknown_name("event", name, self.events, &p.key("event")))
                }
                ReprOf::Timeout if self.open.timeouts == 0 => {
                    Err(outside(&p, "repr of \"timeout\"", "timeout"))
                }
                ReprOf::TaskGroup if self.open.task_groups == 0 => {
                    Err(outside(&p, "repr of \"task_group\"", "task_group"))
                }
                _ => Ok(()),
            },
            Step::Acquire { sem, body } => {
                if !self.semaphores.contains_key(sem) {
                    return Err(unknown_semaphore(sem, self.semaphores, &p));
                }
                self.block(body, &path.key("body"), depth + 1)
            }
            Step::FutureSet { name, value } => {
                self.future(name, &p)?;
                self.value(value, &path.key("value"), depth)
            }
            Step::FutureFail { name, error } => {
                self.future(name, &p)?;
                let at = path.key("error");
                check_kind(error, &at)?;
                if matches!(
                    error,
                    Kind::BaseException | Kind::ExceptionGroup | Kind::CancelledError
                ) {
                    return Err(ScenarioError::invalid(
                        &at,
                        format!("{error} cannot be set as a future's exception; set a user kind, Exception, TimeoutError, KeyboardInterrupt or SystemExit (future_cancel cancels it)"),
                    ));
                }
                Ok(())
            }
            Step::FutureCancel(name) | Step::AwaitFuture(name) => self.future(name, &p),
            Step::Release(sem) => {
                if self.semaphores.contains_key(sem) {
                    return Ok(());
                }
                Err(unknown_semaphore(sem, self.semaphores, &p))
            }
            Step::EventSet(name) | Step::EventWait(name) | Step::EventClear(name) => {
                if self.events.contains(name) {
                    return Ok(());
                }
                Err(unknown_name("event", name, self.events, &p))
            }
            Step::Try {
                body,
                excepts,
                finally,
            } => {
                self.block(body, &p, depth + 1)?;
                self.clauses(excepts, &path.key("except"), depth, false)?;
                self.block(finally, &path.key("finally"), depth + 1)
            }
            Step::TryStar {
                body,
                excepts,
                finally,
            } => {
                self.block(body, &p, depth + 1)?;
                let ep = path.key("except_star");
                if excepts.len() > 3 {
                    return Err(ScenarioError::invalid(
                        &ep,
                        format!("expected at most 3 except* clauses, got {}", excepts.len()),
                    ));
                }
                self.clauses(excepts, &ep, depth, true)?;
                self.block(finally, &path.key("finally"), depth + 1)
            }
        }
    }

    fn children(
        &mut self,
        children: &[Child],
        path: &Path<'_>,
        depth: usize,
    ) -> Result<(), ScenarioError> {
        children
            .iter()
            .enumerate()
            .try_for_each(|(i, c)| self.child(c, &path.index(i), depth))
    }

    /// A child of a step in a block at `depth`.
    fn child(&mut self, child: &Child, path: &Path<'_>, depth: usize) -> Result<(), ScenarioError> {
        self.tasks += 1;
        if self.tasks > self.limits.max_tasks {
            let max = self.limits.max_tasks;
            return Err(ScenarioError::limit(
                path,
                format!("more than {max} tasks in the tree (Limits::max_tasks)"),
            ));
        }
        if child.eager_start.is_some() && self.eager_start_at.is_none() {
            self.eager_start_at = Some(path.key("eager_start").to_string());
        }
        if child.name.is_none() && child.eager_start.is_none() {
            self.block(&child.body, path, depth + 1)
        } else {
            self.block(&child.body, &path.key("body"), depth + 1)
        }
    }

    /// `check` inside one more scope.
    fn scoped(
        &mut self,
        inner: Open,
        check: impl FnOnce(&mut Self) -> Result<(), ScenarioError>,
    ) -> Result<(), ScenarioError> {
        let outer = std::mem::replace(&mut self.open, inner);
        let r = check(self);
        self.open = outer;
        r
    }

    fn clauses(
        &mut self,
        clauses: &[Clause],
        path: &Path<'_>,
        depth: usize,
        star: bool,
    ) -> Result<(), ScenarioError> {
        for (i, clause) in clauses.iter().enumerate() {
            let cp = path.index(i);
            let kp = cp.key("kinds");
            if clause.kinds.is_empty() {
                return Err(ScenarioError::invalid(
                    &kp,
                    "expected at least one exception kind, got an empty list",
                ));
            }
            for (k, kind) in clause.kinds.iter().enumerate() {
                let p = kp.index(k);
                check_kind(kind, &p)?;
                if star && *kind == Kind::ExceptionGroup {
                    return Err(ScenarioError::invalid(
                        &p,
                        "except* cannot catch ExceptionGroup (Python raises TypeError); use try/except",
                    ));
                }
            }
            self.handler_next = true;
            self.block(&clause.body, &cp.key("do"), depth + 1)?;
        }
        Ok(())
    }

    /// `name` is declared in `futures`.
    fn future(&self, name: &str, path: &Path<'_>) -> Result<(), ScenarioError> {
        if self.futures.contains(name) {
            return Ok(());
        }
        Err(unknown_name("future", name, self.futures, path))
    }

    fn ticks(&mut self, n: u64, path: &Path<'_>) -> Result<(), ScenarioError> {
        let max = self.limits.max_total_ticks;
        match self.ticks.checked_add(n) {
            Some(total) if total <= max => {
                self.ticks = total;
                Ok(())
            }
            _ => Err(ScenarioError::limit(
                path,
                format!("the tick counts of the tree add up to more than {max} (Limits::max_total_ticks)"),
            )),
        }
    }
}

/// The error for a block deeper than the limit.
pub(crate) fn too_deep(path: &Path<'_>, limits: &Limits) -> ScenarioError {
    let max = limits.max_depth;
    ScenarioError::limit(
        path,
        format!("blocks nested deeper than {max} (Limits::max_depth)"),
    )
}

/// Checks a `return` value in a block at `depth`: an int (i64), a string,
/// `null`, or a list of those (each list one level deeper). Returns how
/// many JSON values it holds.
pub(crate) fn check_value(
    v: &Value,
    path: &Path<'_>,
    depth: usize,
    limits: &Limits,
) -> Result<usize, ScenarioError> {
    const VALUE: &str = "an int, a string, null or a list of those";
    match v {
        Value::Null | Value::String(_) => Ok(1),
        Value::Number(n) if n.is_i64() => Ok(1),
        Value::Number(n) if n.is_u64() => Err(ScenarioError::shape(
            path,
            format!("expected an int that fits in 64 bits (signed), got {n}"),
        )),
        Value::Array(items) => {
            if depth >= limits.max_depth {
                let max = limits.max_depth;
                return Err(ScenarioError::limit(
                    path,
                    format!("lists nested deeper than {max} levels, counting the enclosing blocks (Limits::max_depth)"),
                ));
            }
            let mut n = 1;
            for (i, x) in items.iter().enumerate() {
                n += check_value(x, &path.index(i), depth + 1, limits)?;
            }
            Ok(n)
        }
        _ => Err(ScenarioError::expected(path, VALUE, v)),
    }
}

/// Checks `expect`: an object nested no deeper than the JSON text allows.
/// Iterative, so a deep value built in code cannot exhaust the stack.
pub(crate) fn check_expect(
    v: &Value,
    path: &Path<'_>,
    limits: &Limits,
) -> Result<(), ScenarioError> {
    if !v.is_object() {
        return Err(ScenarioError::expected(
            path,
            "an object (any subset of the outcome fields)",
            v,
        ));
    }
    let max = limits.json_depth_cap().saturating_sub(1);
    let mut stack = vec![(v, 1usize)];
    while let Some((x, depth)) = stack.pop() {
        let inner: Box<dyn Iterator<Item = &Value>> = match x {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(obj) => Box::new(obj.values()),
            _ => continue,
        };
        if depth > max {
            return Err(ScenarioError::limit(
                path,
                format!(
                    "nested deeper than {max} levels of JSON (the bound follows Limits::max_depth)"
                ),
            ));
        }
        stack.extend(inner.map(|y| (y, depth + 1)));
    }
    Ok(())
}

/// Checks that a user kind is a usable class name.
fn check_kind(kind: &Kind, path: &Path<'_>) -> Result<(), ScenarioError> {
    let Kind::User(name) = kind else {
        return Ok(());
    };
    let name: &str = name;
    let message = if Kind::RESERVED.contains(&name) {
        format!("{name} is reserved: use Kind::{name}, not Kind::User")
    } else if !is_identifier(name) {
        format!(
            "invalid exception kind {}: expected an identifier (ASCII letters, digits and _, not starting with a digit)",
            quote(name)
        )
    } else if PYTHON_KEYWORDS.contains(&name) {
        format!(
            "invalid exception kind {}: a Python keyword cannot name a class",
            quote(name)
        )
    } else {
        return Ok(());
    };
    Err(ScenarioError::invalid(path, message))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

const PYTHON_KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn unknown_semaphore(
    sem: &str,
    declared: &BTreeMap<String, u64>,
    path: &Path<'_>,
) -> ScenarioError {
    let message = if declared.is_empty() {
        format!(
            "unknown semaphore {}: the scenario declares none (add \"semaphores\": {{{}: 1}})",
            quote(sem),
            quote(sem)
        )
    } else {
        let names: Vec<String> = declared.keys().map(|k| quote(k)).collect();
        format!(
            "unknown semaphore {}; declared: {}{}",
            quote(sem),
            names.join(", "),
            did_you_mean(sem, declared.keys().map(String::as_str))
        )
    };
    ScenarioError::invalid(path, message)
}

/// `name` is not among the scenario's `{what}s`, a list of names.
fn unknown_name(
    what: &str,
    name: &str,
    declared: &BTreeSet<String>,
    path: &Path<'_>,
) -> ScenarioError {
    let names: Vec<String> = declared.iter().map(|k| quote(k)).collect();
    ScenarioError::invalid(
        path,
        if names.is_empty() {
            format!(
                "unknown {what} {}: the scenario declares none (add \"{what}s\": [{}])",
                quote(name),
                quote(name)
            )
        } else {
            format!(
                "unknown {what} {}; declared: {}{}",
                quote(name),
                names.join(", "),
                did_you_mean(name, declared.iter().map(String::as_str))
            )
        },
    )
}

/// A step that needs an enclosing `scope` step, outside one.
fn outside(path: &Path<'_>, what: &str, scope: &str) -> ScenarioError {
    ScenarioError::invalid(
        path,
        format!("{what} needs to be inside a {scope} step (in one of its blocks or children)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let limits = Limits::default();
        let p = Path::ROOT;
        let ok = serde_json::json!([1, "a", null, [[-3]], i64::MIN]);
        assert!(check_value(&ok, &p, 1, &limits).is_ok());
        for (bad, msg) in [
            (
                serde_json::json!(true),
                "expected an int, a string, null or a list of those, got true",
            ),
            (
                serde_json::json!(1.5),
                "expected an int, a string, null or a list of those, got 1.5",
            ),
            (
                serde_json::json!({"a": 1}),
                "expected an int, a string, null or a list of those, got an object with keys \"a\"",
            ),
            (
                serde_json::json!(u64::MAX),
                "expected an int that fits in 64 bits (signed), got 18446744073709551615",
            ),
        ] {
            assert_eq!(
                check_value(&bad, &p, 1, &limits).unwrap_err().message(),
                msg
            );
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("ValueError"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier("é"));
    }
}
