//! The structured-concurrency invariants checked on every explored run.
//!
//! Each [`Invariant`] is named as on the command line and documented with
//! its precise rule. [`check`] applies them to a [`Run`] (its
//! [`Observations`], and for `determinism` the trace hash of a second run of
//! the same seed) and returns a [`Report`]: *violations* break a rule;
//! *findings* are facts worth reporting that CPython's design allows
//! (a child escaping an unstructured `gather`).
//!
//! ```
//! use simloop_core::{Config, Policy, Profile};
//! use simloop_explore::invariants::{check, Invariant};
//! use simloop_scenario::{parse_scenario, run};
//!
//! let leak = parse_scenario(r#"{"main": [{"task_group": [[{"raise": "Boom"}]]}]}"#).unwrap();
//! let report = |p| check(&run(&leak, Config::new(p)).unwrap(), None);
//! // CPython 3.11 leaves main's cancelling() at 1 after the group: a leak.
//! let r311 = report(Profile::Py311);
//! assert_eq!(r311.violations[0].invariant, Invariant::CancelBalance);
//! // 3.13 fixed it.
//! assert!(report(Profile::Py313).violations.is_empty());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;
use simloop_core::{Exc, TaskId};
use simloop_scenario::{error_json, Observations, Run, ScopeKind, ScopeObs};

/// A named rule about a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    /// `no-orphans`: when a `task_group` scope exits (its `__aexit__`
    /// returns or raises), every child created with `tg.create_task` is
    /// done. Children of `gather`, `wait` and `as_completed` still running
    /// when their step ends are *findings*, not violations: those
    /// combinators do not own their children.
    NoOrphans,
    /// `errors-collected`: when a `task_group` scope exits, let E be the
    /// multiset of exceptions, by identity ([`Exc::same`]), made of each
    /// child's exception if it ended with one that is not a
    /// `CancelledError`, plus the body's exception if it is not a
    /// `CancelledError`. If E is empty, `__aexit__` raises no exception
    /// group. Otherwise it raises an exception group whose members are
    /// exactly E: none lost, none duplicated, none added. Exempt: the scope
    /// raised a base error (`SystemExit`, `KeyboardInterrupt`), which takes
    /// precedence over the group.
    ErrorsCollected,
    /// `cancel-balance`: when a `task_group` or `timeout` scope exits, its
    /// owner's `cancelling()` equals its value at entry, plus the cancel
    /// requests made on the owner during the scope by anyone but scope
    /// machinery (the owner's `cancel_requests()` delta minus the requests
    /// of this scope's own machinery and of the scopes nested in it in the
    /// same task: a TaskGroup's `parent.cancel()`, a timeout's
    /// `task.cancel()`), minus the owner's own `uncancel` steps during the
    /// scope. An `uncancel` step subtracts 1 from that running total only
    /// if it is positive at that point (`uncancel()` withdraws nothing when
    /// nothing is left to withdraw; requests counted up to the step).
    /// In other words, scope machinery withdraws exactly the requests it
    /// made. CPython 3.11 and 3.12 break it (the TaskGroup's `uncancel()`
    /// runs before waiting for the children, so a child failing later
    /// leaves its parent's cancel counted); 3.13 fixed it.
    ///
    /// A break is a *finding*, not a violation, when an `uncancel` step of
    /// the owner found no outside request left to withdraw: it withdrew a
    /// request of the scope machinery, which `uncancel()`'s contract ("called
    /// by the party that called `cancel()`") forbids, so the scope's
    /// guarantee no longer holds. Even 3.13 then loses a cancellation (a
    /// timeout's `__aexit__` consumes a TaskGroup's abort).
    CancelBalance,
    /// `deadline`: a `timeout` that fires (its `_on_timeout` runs) fires at
    /// exactly its deadline tick (entry tick + delay), never earlier or
    /// later; and a `TimeoutError` that the `timeout` step raises and that
    /// is not the body's own exception (the one `__aexit__` raises) means
    /// it fired.
    Deadline,
    /// `semaphore-bound`: the number of holders of a semaphore (`acquire`
    /// steps between a successful `acquire()` and their `release()`) never
    /// exceeds its initial value; and the calls to `acquire()` that succeed
    /// acquire in the order they were called (FIFO: no later call barges
    /// ahead of an earlier one that also succeeds).
    SemaphoreBound,
    /// `result-order`: a `gather` that returns gives one item per child in
    /// input order, item *i* being child *i*'s outcome (its value; with
    /// `return_exceptions`, the very exception it raised, or a
    /// `CancelledError` if it was cancelled). The values an `as_completed`
    /// step takes are a prefix of the values of its children that returned
    /// a value, in the order those children finished
    /// ([`TaskRef::done_index`](simloop_core::TaskRef::done_index)).
    ResultOrder,
    /// `determinism`: running the same scenario with the same seed and
    /// profile again gives the same trace hash (and so, byte for byte, the
    /// same trace).
    Determinism,
}

impl Invariant {
    /// Every invariant, in the order of the report table.
    pub const ALL: [Invariant; 7] = [
        Invariant::NoOrphans,
        Invariant::ErrorsCollected,
        Invariant::CancelBalance,
        Invariant::Deadline,
        Invariant::SemaphoreBound,
        Invariant::ResultOrder,
        Invariant::Determinism,
    ];

    /// Its name on the command line and in reports: `cancel-balance`...
    pub fn name(self) -> &'static str {
        match self {
            Invariant::NoOrphans => "no-orphans",
            Invariant::ErrorsCollected => "errors-collected",
            Invariant::CancelBalance => "cancel-balance",
            Invariant::Deadline => "deadline",
            Invariant::SemaphoreBound => "semaphore-bound",
            Invariant::ResultOrder => "result-order",
            Invariant::Determinism => "determinism",
        }
    }

    /// The rule in one line (the variant's docs have it in full).
    pub fn rule(self) -> &'static str {
        match self {
            Invariant::NoOrphans => "no TaskGroup child is still running when its scope exits",
            Invariant::ErrorsCollected => {
                "a TaskGroup raises each non-cancellation error of its children and body exactly once"
            }
            Invariant::CancelBalance => {
                "at scope exit, cancelling() = entry + outside requests - own uncancels"
            }
            Invariant::Deadline => {
                "a timeout fires exactly at its deadline; its TimeoutError only if it fired"
            }
            Invariant::SemaphoreBound => "holders <= limit; acquisitions in call order (FIFO)",
            Invariant::ResultOrder => {
                "gather in input order; as_completed in completion order"
            }
            Invariant::Determinism => "the same seed gives the same trace hash",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Invariant {
    type Err = String;
    fn from_str(s: &str) -> Result<Invariant, String> {
        Invariant::ALL
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| format!("unknown invariant {s:?}"))
    }
}

/// A rule broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which rule.
    pub invariant: Invariant,
    /// What happened, naming tasks and ticks.
    pub message: String,
}

/// A fact worth reporting that breaks no rule (a child escaping a
/// `gather`, `wait` or `as_completed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The invariant it is about.
    pub invariant: Invariant,
    /// What happened.
    pub message: String,
}

/// The result of checking one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// How many instances of each invariant were checked (scopes, steps,
    /// semaphores, runs), for every invariant.
    pub checked: BTreeMap<Invariant, u32>,
    /// Rules broken, in the order of [`Invariant::ALL`], then of the run.
    pub violations: Vec<Violation>,
    /// Findings, in the same order.
    pub findings: Vec<Finding>,
}

impl Report {
    fn new() -> Report {
        Report {
            checked: Invariant::ALL.into_iter().map(|i| (i, 0)).collect(),
            ..Report::default()
        }
    }

    fn checked(&mut self, invariant: Invariant) {
        *self.checked.entry(invariant).or_default() += 1;
    }

    fn violation(&mut self, invariant: Invariant, message: String) {
        self.violations.push(Violation { invariant, message });
    }

    /// Is `invariant` violated?
    pub fn violates(&self, invariant: Invariant) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }

    /// Was no rule broken?
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Check every invariant on `run`. `rerun_hash` is the trace hash of a
/// second run of the same scenario under the same configuration; without
/// it `determinism` is not checked.
pub fn check(run: &Run, rerun_hash: Option<u64>) -> Report {
    let mut report = check_observations(&run.observations);
    if let Some(h2) = rerun_hash {
        report.checked(Invariant::Determinism);
        let h1 = run.sim.trace_ref().hash();
        if h1 != h2 {
            report.violation(
                Invariant::Determinism,
                format!("trace hash {h1:#018x}, then {h2:#018x} on a second run"),
            );
        }
    }
    report
}

/// Check every invariant but `determinism` on recorded observations.
pub fn check_observations(obs: &Observations) -> Report {
    let mut r = Report::new();
    no_orphans(obs, &mut r);
    errors_collected(obs, &mut r);
    cancel_balance(obs, &mut r);
    deadline(obs, &mut r);
    semaphore_bound(obs, &mut r);
    result_order(obs, &mut r);
    r
}

fn name(obs: &Observations, id: TaskId) -> &str {
    obs.tasks
        .get(id.0 as usize)
        .map_or("?", |t| t.name.as_str())
}

/// `task_group of main (entered at 0)`.
fn scope_name(obs: &Observations, s: &ScopeObs) -> String {
    format!(
        "{} of {} (entered at {})",
        s.kind_name(),
        name(obs, s.owner),
        s.entered_at
    )
}

fn exc_text(e: &Exc) -> String {
    error_json(e).to_string()
}

/// The scopes that exited, with their exit tick.
fn exited(obs: &Observations) -> impl Iterator<Item = (&ScopeObs, u64)> {
    obs.scopes
        .iter()
        .filter_map(|s| s.exited_at.map(|t| (s, t)))
}

/// [`Invariant::NoOrphans`].
fn no_orphans(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::TaskGroup {
            pending_at_exit, ..
        } = &s.kind
        else {
            continue;
        };
        r.checked(Invariant::NoOrphans);
        for &c in pending_at_exit {
            r.violation(
                Invariant::NoOrphans,
                format!(
                    "{} exited at {at} while its child {} was still running",
                    scope_name(obs, s),
                    name(obs, c)
                ),
            );
        }
    }
    for e in obs.escapes.iter().filter(|e| e.scope != "task_group") {
        r.findings.push(Finding {
            invariant: Invariant::NoOrphans,
            message: format!("{} outlived its {} at {}", e.task, e.scope, e.at),
        });
    }
}

/// `SystemExit` or `KeyboardInterrupt`, which a TaskGroup raises alone.
fn is_base_error(e: &Exc) -> bool {
    e.members().is_none()
        && !e.is_exception()
        && matches!(e.class_name(), "SystemExit" | "KeyboardInterrupt")
}

/// [`Invariant::ErrorsCollected`].
fn errors_collected(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::TaskGroup { children, .. } = &s.kind else {
            continue;
        };
        r.checked(Invariant::ErrorsCollected);
        if s.raised.as_ref().is_some_and(is_base_error) {
            continue;
        }
        // Each error with the child that raised it (`None`: the body).
        // Described only for a violation: most scopes have none.
        let mut expected: Vec<(&Exc, Option<TaskId>)> = Vec::new();
        for &c in children {
            if let Some(Some(Err(e))) = obs.tasks.get(c.0 as usize).map(|t| t.result.as_ref()) {
                if !e.is_cancelled() {
                    expected.push((e, Some(c)));
                }
            }
        }
        if let Some(e) = s.body_error.as_ref().filter(|e| !e.is_cancelled()) {
            expected.push((e, None));
        }
        let desc = |&(e, from): &(&Exc, Option<TaskId>)| match from {
            Some(c) => format!("{} from child {}", exc_text(e), name(obs, c)),
            None => format!("{} from the body", exc_text(e)),
        };
        let group = s.exit_error.as_ref().filter(|e| e.members().is_some());
        let what = || scope_name(obs, s);
        match group {
            None if expected.is_empty() => {}
            None => {
                let lost: Vec<String> = expected.iter().map(desc).collect();
                let raised = s
                    .raised
                    .as_ref()
                    .map_or_else(|| "nothing".to_owned(), exc_text);
                r.violation(
                    Invariant::ErrorsCollected,
                    format!(
                        "{} exited at {at} raising {raised} instead of a group: lost {}",
                        what(),
                        lost.join(", ")
                    ),
                );
            }
            Some(g) => {
                let members = g.members().expect("a group");
                if expected.is_empty() {
                    r.violation(
                        Invariant::ErrorsCollected,
                        format!(
                            "{} exited at {at} raising {} although nothing raised",
                            what(),
                            exc_text(g)
                        ),
                    );
                    continue;
                }
                let mut problems = Vec::new();
                for (i, item) in expected.iter().enumerate() {
                    let e = item.0;
                    if expected[..i].iter().any(|(x, _)| x.same(e)) {
                        continue;
                    }
                    let want = expected.iter().filter(|(x, _)| x.same(e)).count();
                    let got = members.iter().filter(|x| x.same(e)).count();
                    if got < want {
                        problems.push(format!("lost {}", desc(item)));
                    } else if got > want {
                        problems.push(format!("{} {got} times", desc(item)));
                    }
                }
                for m in members {
                    if !expected.iter().any(|(x, _)| x.same(m)) {
                        problems.push(format!("{} that no child nor the body raised", exc_text(m)));
                    }
                }
                if !problems.is_empty() {
                    r.violation(
                        Invariant::ErrorsCollected,
                        format!(
                            "{} exited at {at} raising {}: {}",
                            what(),
                            exc_text(g),
                            problems.join("; ")
                        ),
                    );
                }
            }
        }
    }
}

/// [`Invariant::CancelBalance`].
fn cancel_balance(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let Some(actual) = s.cancelling_at_exit else {
            continue;
        };
        r.checked(Invariant::CancelBalance);
        let outside = s.requests.saturating_sub(s.machinery_requests);
        // The running total: entry + outside requests so far - uncancels,
        // never below 0.
        let mut expected = s.cancelling_at_entry;
        let mut counted = 0;
        // An uncancel step with nothing outside left to withdraw took back
        // a request of the scope machinery: uncancel() misused.
        let mut misused = false;
        for u in &s.user_uncancels {
            expected += u.outside_before.saturating_sub(counted);
            counted = counted.max(u.outside_before);
            misused |= expected == 0;
            expected = expected.saturating_sub(1);
        }
        expected += outside.saturating_sub(counted);
        if actual != expected {
            let message = format!(
                "{} exited at {at} with cancelling()={actual}, expected {expected}: \
                 entry {} + {} - {} (the scope machinery's own {} not counted)",
                scope_name(obs, s),
                s.cancelling_at_entry,
                plural(outside, "outside request"),
                plural(s.user_uncancels.len() as u32, "uncancel step"),
                plural(s.machinery_requests, "request"),
            );
            if misused {
                r.findings.push(Finding {
                    invariant: Invariant::CancelBalance,
                    message: format!(
                        "{message}; an uncancel step withdrew a request the task did not make"
                    ),
                });
            } else {
                r.violation(Invariant::CancelBalance, message);
            }
        }
    }
}

/// [`Invariant::Deadline`].
fn deadline(obs: &Observations, r: &mut Report) {
    for (s, at) in exited(obs) {
        let ScopeKind::Timeout { deadline, fired_at } = s.kind else {
            continue;
        };
        r.checked(Invariant::Deadline);
        let what = || scope_name(obs, s);
        if let Some(f) = fired_at.filter(|&f| f != deadline) {
            r.violation(
                Invariant::Deadline,
                format!("{} fired at {f}, its deadline is {deadline}", what()),
            );
        }
        let own_timeout_error = s.raised.as_ref().is_some_and(|e| {
            e.members().is_none()
                && e.class_name() == "TimeoutError"
                && !s.body_error.as_ref().is_some_and(|b| b.same(e))
        });
        if own_timeout_error && fired_at.is_none() {
            r.violation(
                Invariant::Deadline,
                format!(
                    "{} raised TimeoutError at {at} but never fired (deadline {deadline})",
                    what()
                ),
            );
        }
    }
}

/// [`Invariant::SemaphoreBound`].
fn semaphore_bound(obs: &Observations, r: &mut Report) {
    for s in &obs.semaphores {
        r.checked(Invariant::SemaphoreBound);
        if let Some(&(t, n)) = s.holders.iter().find(|&&(_, n)| n > s.limit) {
            r.violation(
                Invariant::SemaphoreBound,
                format!(
                    "semaphore {} had {n} holders at {t}, its limit is {}",
                    s.name, s.limit
                ),
            );
        }
        let call = |i: usize| {
            let c = &s.calls[i];
            format!("call #{i} by {} at {}", name(obs, c.task), c.at)
        };
        if let Some(w) = s.acquired.windows(2).find(|w| w[0] > w[1]) {
            r.violation(
                Invariant::SemaphoreBound,
                format!(
                    "semaphore {}: {} acquired before {}, which also acquired (not FIFO)",
                    s.name,
                    call(w[0]),
                    call(w[1])
                ),
            );
        }
    }
}

/// Child `id`'s value, if it returned one.
fn value_of(obs: &Observations, id: TaskId) -> Option<&Value> {
    obs.tasks.get(id.0 as usize)?.result.as_ref()?.as_ref().ok()
}

/// [`Invariant::ResultOrder`].
fn result_order(obs: &Observations, r: &mut Report) {
    for g in &obs.gathers {
        let Some(items) = &g.result else {
            continue;
        };
        r.checked(Invariant::ResultOrder);
        let what = || format!("gather of {}", name(obs, g.owner));
        if items.len() != g.children.len() {
            r.violation(
                Invariant::ResultOrder,
                format!(
                    "{} gave {} items for {} children",
                    what(),
                    items.len(),
                    g.children.len()
                ),
            );
            continue;
        }
        for (i, (item, &c)) in items.iter().zip(&g.children).enumerate() {
            let child = obs.tasks.get(c.0 as usize).and_then(|t| t.result.as_ref());
            let same = match (item, child) {
                (Ok(v), Some(Ok(w))) => v == w,
                (Err(e), Some(Err(f))) => e.same(f) || (e.is_cancelled() && f.is_cancelled()),
                _ => false,
            };
            if !same {
                r.violation(
                    Invariant::ResultOrder,
                    format!(
                        "{}: item {i} is {} but child {} ended with {}",
                        what(),
                        describe(Some(item)),
                        name(obs, c),
                        describe(child)
                    ),
                );
                break;
            }
        }
    }
    for a in &obs.as_completed {
        r.checked(Invariant::ResultOrder);
        let mut done: Vec<(u32, TaskId)> = a
            .children
            .iter()
            .filter(|&&c| value_of(obs, c).is_some())
            .filter_map(|&c| Some((obs.tasks.get(c.0 as usize)?.done_index?, c)))
            .collect();
        done.sort_unstable();
        let what = || format!("as_completed of {}", name(obs, a.owner));
        if a.values.len() > done.len() {
            r.violation(
                Invariant::ResultOrder,
                format!(
                    "{} took {} values, but only {} children returned one",
                    what(),
                    a.values.len(),
                    done.len()
                ),
            );
            continue;
        }
        for (i, (v, &(_, c))) in a.values.iter().zip(&done).enumerate() {
            let w = value_of(obs, c).expect("filtered");
            if v != w {
                r.violation(
                    Invariant::ResultOrder,
                    format!(
                        "{}: value {i} is {v}, but the child to finish {} with a value was {} ({w})",
                        what(),
                        ordinal(i),
                        name(obs, c)
                    ),
                );
                break;
            }
        }
    }
}

/// `1 request`, `2 requests`.
fn plural(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn ordinal(i: usize) -> String {
    match i {
        0 => "first".to_owned(),
        1 => "second".to_owned(),
        2 => "third".to_owned(),
        n => format!("{}th", n + 1),
    }
}

fn describe(r: Option<&Result<Value, Exc>>) -> String {
    match r {
        None => "nothing (not done)".to_owned(),
        Some(Ok(v)) => v.to_string(),
        Some(Err(e)) if e.is_cancelled() => "a cancellation".to_owned(),
        Some(Err(e)) => exc_text(e),
    }
}

#[cfg(test)]
mod tests {
    //! Each invariant holds on a real run and breaks on a case that
    //! violates it: a real CPython behaviour where there is one (py311's
    //! cancel leak), else the real run's observations altered by hand as a
    //! buggy combinator would have produced them.

    use simloop_core::{Config, Policy, Profile};
    use simloop_scenario::{parse_scenario, run, Run, UserUncancel};

    use super::*;

    fn run_json(json: &str, profile: Profile) -> Run {
        let s = parse_scenario(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        run(&s, Config::new(profile)).expect("no run limit")
    }

    fn obs(json: &str) -> Observations {
        run_json(json, Profile::Py313).observations
    }

    /// The violations of `o`, as `invariant: message` lines.
    fn violations(o: &Observations) -> Vec<String> {
        check_observations(o)
            .violations
            .iter()
            .map(|v| format!("{}: {}", v.invariant, v.message))
            .collect()
    }

    #[track_caller]
    fn clean(o: &Observations) {
        assert_eq!(violations(o), Vec::<String>::new());
    }

    #[track_caller]
    fn only(o: &Observations, inv: Invariant) -> String {
        let v = check_observations(o).violations;
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].invariant, inv, "{v:?}");
        v[0].message.clone()
    }

    #[test]
    fn names_parse_back() {
        for i in Invariant::ALL {
            assert_eq!(i.name().parse::<Invariant>(), Ok(i));
        }
        assert!("nope".parse::<Invariant>().is_err());
    }

    #[test]
    fn no_orphans_breaks_when_a_task_group_child_outlives_its_scope() {
        let mut o = obs(r#"{"main": [{"task_group": [[{"sleep": 5}], [{"sleep": 1}]]}]}"#);
        clean(&o);
        let ScopeKind::TaskGroup {
            children,
            pending_at_exit,
        } = &mut o.scopes[0].kind
        else {
            panic!("a task group")
        };
        pending_at_exit.push(children[0]);
        let m = only(&o, Invariant::NoOrphans);
        assert_eq!(
            m,
            "task_group of main (entered at 0) exited at 5 while its child main.0 was still running"
        );
    }

    #[test]
    fn escapes_from_gather_are_findings_not_violations() {
        let o = obs(
            r#"{"main": [{"try": [{"gather": [[{"sleep": 1}, {"raise": "Boom"}], [{"sleep": 10}]]}],
                          "except": [{"kinds": ["Boom"], "do": [{"return": 1}]}]}]}"#,
        );
        let r = check_observations(&o);
        assert!(r.is_clean());
        assert_eq!(
            r.findings,
            vec![Finding {
                invariant: Invariant::NoOrphans,
                message: "main.1 outlived its gather at 1".into()
            }]
        );
    }

    const TWO_ERRORS: &str = r#"{"main": [{"try": [{"task_group": [[{"raise": "Boom"}], [{"raise": "Oops"}]]}],
                      "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": 1}]}]}]}"#;

    fn with_exit_error(mut o: Observations, e: Option<Exc>) -> Observations {
        o.scopes[0].exit_error = e.clone();
        o.scopes[0].raised = e;
        o
    }

    #[test]
    fn errors_collected_breaks_on_a_lost_a_duplicated_or_an_invented_error() {
        let o = obs(TWO_ERRORS);
        clean(&o);
        let group = o.scopes[0].exit_error.clone().expect("a group");
        let members = group.members().expect("a group").to_vec();
        assert_eq!(members.len(), 2);

        let lost = Exc::group("unhandled errors in a TaskGroup", vec![members[0].clone()]);
        let m = only(
            &with_exit_error(o.clone(), Some(lost)),
            Invariant::ErrorsCollected,
        );
        assert!(
            m.ends_with(r#"lost {"kind":"Oops"} from child main.1"#),
            "{m}"
        );

        let twice = vec![members[0].clone(), members[0].clone(), members[1].clone()];
        let dup = Exc::group("unhandled errors in a TaskGroup", twice);
        let m = only(
            &with_exit_error(o.clone(), Some(dup)),
            Invariant::ErrorsCollected,
        );
        assert!(
            m.ends_with(r#"{"kind":"Boom"} from child main.0 2 times"#),
            "{m}"
        );

        // An equal but different exception is not the child's.
        let other = Exc::group(
            "unhandled errors in a TaskGroup",
            vec![members[0].clone(), Exc::new("Oops")],
        );
        let m = only(
            &with_exit_error(o.clone(), Some(other)),
            Invariant::ErrorsCollected,
        );
        assert!(m.contains("that no child nor the body raised"), "{m}");

        let m = only(&with_exit_error(o, None), Invariant::ErrorsCollected);
        assert!(m.contains("raising nothing instead of a group"), "{m}");

        let mut quiet = obs(r#"{"main": [{"task_group": [[{"sleep": 1}]]}]}"#);
        clean(&quiet);
        quiet.scopes[0].exit_error = Some(group);
        let m = only(&quiet, Invariant::ErrorsCollected);
        assert!(m.contains("although nothing raised"), "{m}");
    }

    #[test]
    fn errors_collected_counts_one_exception_raised_by_two_children_twice() {
        // Both children re-raise s's very exception object: CPython's group
        // holds it twice, and so does simloop's.
        let o = obs(
            r#"{"main": [{"spawn": {"name": "s", "body": [{"sleep": 1}, {"raise": "Boom"}]}},
                         {"try": [{"task_group": [[{"await": "s"}], [{"await": "s"}]]}],
                          "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": 1}]}]}]}"#,
        );
        let members = o.scopes[0].exit_error.as_ref().unwrap().members().unwrap();
        assert_eq!(members.len(), 2);
        assert!(members[0].same(&members[1]));
        clean(&o);
    }

    const LEAK: &str = r#"{"main": [{"task_group": [[{"raise": "Boom"}]]}]}"#;

    #[test]
    fn cancel_balance_breaks_on_cpython_311s_leak_and_holds_on_313() {
        for profile in [Profile::Py311, Profile::Py312] {
            let o = run_json(LEAK, profile).observations;
            let m = only(&o, Invariant::CancelBalance);
            assert_eq!(
                m,
                "task_group of main (entered at 0) exited at 0 with cancelling()=1, expected 0: \
                 entry 0 + 0 outside requests - 0 uncancel steps (the scope machinery's own \
                 1 request not counted)"
            );
        }
        clean(&run_json(LEAK, Profile::Py313).observations);
    }

    #[test]
    fn cancel_balance_counts_outside_requests_and_uncancels_that_withdraw() {
        // A timeout fires; its task swallows the cancellation and
        // uncancels it itself: the timeout's own uncancel() then finds 0.
        let swallow = r#"{"main": [{"timeout": 5, "body": [
            {"try": [{"sleep": 10}],
             "except": [{"kinds": ["CancelledError"], "do": [{"uncancel": null}, {"return": 1}]}]}]}]}"#;
        for p in Profile::ALL {
            clean(&run_json(swallow, p).observations);
        }
        // By hand: an uncancel step with nothing outside to withdraw, then
        // one outside request: the total is entry + 1. Exiting at 0 means
        // the step took back the machinery's request: uncancel() misused,
        // a finding rather than a violation.
        let mut o = obs(r#"{"main": [{"timeout": 5, "body": [{"sleep": 1}]}]}"#);
        clean(&o);
        let s = &mut o.scopes[0];
        s.user_uncancels.push(UserUncancel {
            at: 0,
            outside_before: 0,
            cancelling_before: 0,
        });
        s.requests = 1;
        let r = check_observations(&o);
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        let m = &r
            .findings
            .iter()
            .find(|f| f.invariant == Invariant::CancelBalance)
            .unwrap()
            .message;
        assert!(m.contains("cancelling()=0, expected 1"), "{m}");
        assert!(
            m.ends_with("an uncancel step withdrew a request the task did not make"),
            "{m}"
        );
        o.scopes[0].cancelling_at_exit = Some(1);
        clean(&o);
        // The same step after the outside request withdraws that one: the
        // total is entry + 1 - 1, and exiting at 1 is a violation.
        o.scopes[0].user_uncancels[0].outside_before = 1;
        let m = only(&o, Invariant::CancelBalance);
        assert!(m.contains("cancelling()=1, expected 0"), "{m}");
    }

    const FIRES: &str = r#"{"main": [{"try": [{"timeout": 5, "body": [{"sleep": 10}]}],
                                     "except": [{"kinds": ["TimeoutError"], "do": [{"return": 1}]}]}]}"#;

    #[test]
    fn deadline_breaks_on_a_late_firing_or_a_timeout_error_without_firing() {
        let o = obs(FIRES);
        clean(&o);
        let with = |fired: Option<u64>| {
            let mut o = o.clone();
            if let ScopeKind::Timeout { fired_at, .. } = &mut o.scopes[0].kind {
                *fired_at = fired;
            }
            o
        };
        let m = only(&with(Some(6)), Invariant::Deadline);
        assert_eq!(
            m,
            "timeout of main (entered at 0) fired at 6, its deadline is 5"
        );
        let m = only(&with(None), Invariant::Deadline);
        assert_eq!(
            m,
            "timeout of main (entered at 0) raised TimeoutError at 5 but never fired (deadline 5)"
        );
        // The body's own TimeoutError is not the timeout's.
        clean(&obs(
            r#"{"main": [{"try": [{"timeout": 5, "body": [{"raise": "TimeoutError"}]}],
                          "except": [{"kinds": ["TimeoutError"], "do": [{"return": 1}]}]}]}"#,
        ));
    }

    const SEM: &str = r#"{"semaphores": {"s": 1},
        "main": [{"gather": [[{"acquire": "s", "body": [{"sleep": 2}]}],
                             [{"acquire": "s", "body": [{"sleep": 2}]}],
                             [{"acquire": "s", "body": [{"sleep": 2}]}]]}]}"#;

    #[test]
    fn semaphore_bound_breaks_on_too_many_holders_or_barging() {
        let o = obs(SEM);
        clean(&o);
        let s = &o.semaphores[0];
        assert_eq!(s.acquired, vec![0, 1, 2]);
        assert!(s.holders.iter().all(|&(_, n)| n <= 1));

        let mut over = o.clone();
        over.semaphores[0].holders.insert(1, (0, 2));
        let m = only(&over, Invariant::SemaphoreBound);
        assert_eq!(m, "semaphore s had 2 holders at 0, its limit is 1");

        let mut barge = o;
        barge.semaphores[0].acquired = vec![0, 2, 1];
        let m = only(&barge, Invariant::SemaphoreBound);
        assert_eq!(
            m,
            "semaphore s: call #2 by main.2 at 0 acquired before call #1 by main.1 at 0, \
             which also acquired (not FIFO)"
        );
    }

    #[test]
    fn result_order_breaks_on_a_shuffled_gather_or_as_completed() {
        let mut o = obs(
            r#"{"main": [{"gather": [[{"sleep": 3}, {"return": 1}], [{"sleep": 1}, {"return": 2}]]},
                         {"as_completed": [[{"sleep": 3}, {"return": 1}], [{"sleep": 1}, {"return": 2}]]}]}"#,
        );
        clean(&o);
        assert_eq!(
            o.as_completed[0].values,
            vec![Value::from(2), Value::from(1)]
        );
        let mut g = o.clone();
        g.gathers[0].result.as_mut().unwrap().swap(0, 1);
        let m = only(&g, Invariant::ResultOrder);
        assert_eq!(
            m,
            "gather of main: item 0 is 2 but child main.0 ended with 1"
        );
        o.as_completed[0].values.swap(0, 1);
        let m = only(&o, Invariant::ResultOrder);
        assert_eq!(
            m,
            "as_completed of main: value 0 is 1, but the child to finish first with a value was main.3 (2)"
        );
    }

    #[test]
    fn determinism_breaks_when_a_second_run_differs() {
        let s = parse_scenario(FIRES).unwrap();
        let config = Config::new(Profile::Py313).policy(Policy::Seeded { seed: 7, jitter: 0 });
        let a = run(&s, config).unwrap();
        let b = run(&s, config).unwrap();
        let h = b.sim.trace_ref().hash();
        assert!(check(&a, Some(h)).is_clean());
        assert_eq!(check(&a, Some(h)).checked[&Invariant::Determinism], 1);
        let r = check(&a, Some(h ^ 1));
        assert_eq!(r.violations.len(), 1);
        assert_eq!(r.violations[0].invariant, Invariant::Determinism);
    }
}
