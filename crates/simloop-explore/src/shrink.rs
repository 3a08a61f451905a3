//! Scenario → smaller scenarios, and a greedy shrinker built on them.
//!
//! [`candidates`] lists one-edit simplifications of a scenario, each valid
//! and strictly smaller by [`size`], most aggressive first. [`shrink`] walks
//! them greedily: it moves to the first candidate on which the failure
//! still shows, and starts over from there, until no candidate fails (a
//! local minimum: every one-edit simplification of the result passes) or
//! the budget of predicate calls runs out. Since every move lowers [`size`],
//! it always ends.
//!
//! The edits, in the order they are tried:
//!
//! 1. *structure*: empty a block; keep one half of a long block; replace a
//!    compound step by one of its blocks (a child's body, `then`, a `try`
//!    body, handler or `finally`: hoisting); delete a step, a child, an
//!    `except` clause. Within the tier, the smallest results come first.
//! 2. *simplify*: drop a flag (`return_exceptions`, `skip_errors`,
//!    `cancel_rest`, `cancel_pending`, `return_when`, `take`, a `timeout` of
//!    `wait`/`as_completed`); drop a child's name; drop a kind from a
//!    clause; rename a user kind to another one of the tree; `return null`;
//!    drop an unused semaphore or merge one into another.
//! 3. *numbers*: a delay, timeout, `take` or semaphore count to 0, 1, half,
//!    or one less; also every occurrence of a tick value at once, so that
//!    timers that tie (the point of a seeded scheduler) keep tying.
//!
//! A hoisted block that lands before other steps loses its final `return`
//! (only a last step may return). Edits that break the name rules (deleting
//! the `spawn` of an awaited task, unnaming an awaited child) are filtered
//! out by [`validate`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use simloop_scenario::{validate, Block, Child, Clause, Kind, Limits, ReturnWhen, Scenario, Step};

/// The default budget of predicate calls of [`shrink`].
pub const DEFAULT_MAX_CALLS: usize = 5_000;

/// How big a scenario is, for shrinking: every step, child, clause and
/// exception kind in a clause counts 1, a named child 1 more, each flag or
/// option away from its default 1, each tick of a delay or timeout 1
/// (so `sleep 17 → 16` is smaller), a `take` or semaphore count its value,
/// a returned value its number of nodes, each distinct user kind 1, each
/// declared semaphore 1.
pub fn size(s: &Scenario) -> usize {
    let mut kinds = BTreeSet::new();
    walk(&s.main, &mut |step| match step {
        Step::Raise(Kind::User(k)) => {
            kinds.insert(k.clone());
        }
        Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => {
            for kind in excepts.iter().flat_map(|c| &c.kinds) {
                if let Kind::User(k) = kind {
                    kinds.insert(k.clone());
                }
            }
        }
        _ => {}
    });
    let sems: usize = s.semaphores.values().map(|&n| 1 + num(n)).sum();
    block_size(&s.main) + sems + kinds.len()
}

/// How many steps the tree has, in every block: `main`'s, children's
/// bodies, a task group's `then`, a `try`'s body, handlers and `finally`
/// (`{"task_group": [[{"raise": "Boom"}]]}` has 2). The self-test's
/// measure of a shrunk failure.
pub fn steps(s: &Scenario) -> usize {
    let mut n = 0;
    walk(&s.main, &mut |_| n += 1);
    n
}

fn num(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn block_size(b: &Block) -> usize {
    b.iter().map(step_size).fold(0, usize::saturating_add)
}

fn children_size(cs: &[Child]) -> usize {
    cs.iter()
        .map(|c| 1 + usize::from(c.name.is_some()) + block_size(&c.body))
        .fold(0, usize::saturating_add)
}

fn value_size(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Array(items) => 1 + items.iter().map(value_size).sum::<usize>(),
        _ => 1,
    }
}

fn opt(t: Option<u64>) -> usize {
    t.map_or(0, |t| 1usize.saturating_add(num(t)))
}

fn step_size(step: &Step) -> usize {
    let inner = match step {
        Step::Sleep(n) => num(*n),
        Step::Return(v) => value_size(v),
        Step::Raise(_) | Step::Hang | Step::Await(_) | Step::Cancel(_) | Step::Uncancel => 0,
        Step::Spawn(c) | Step::Shield(c) => children_size(std::slice::from_ref(c)),
        Step::Gather {
            children,
            return_exceptions,
        } => children_size(children) + usize::from(*return_exceptions),
        Step::TaskGroup { children, then } => children_size(children) + block_size(then),
        Step::Wait {
            children,
            return_when,
            timeout,
            cancel_pending,
        } => {
            children_size(children)
                + usize::from(*return_when != ReturnWhen::AllCompleted)
                + opt(*timeout)
                + usize::from(*cancel_pending)
        }
        Step::AsCompleted {
            children,
            take,
            timeout,
            skip_errors,
            cancel_rest,
        } => {
            children_size(children)
                + opt(take.map(|k| k as u64))
                + opt(*timeout)
                + usize::from(*skip_errors)
                + usize::from(*cancel_rest)
        }
        Step::Timeout { delay, body } => num(*delay).saturating_add(block_size(body)),
        Step::Acquire { body, .. } => block_size(body),
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
            let clauses: usize = excepts
                .iter()
                .map(|c| 1 + c.kinds.len() + block_size(&c.body))
                .sum();
            block_size(body) + clauses + block_size(finally)
        }
    };
    inner.saturating_add(1)
}

/// Every valid one-edit simplification of `s` that is strictly smaller by
/// [`size`], without duplicates, most aggressive first (see the module
/// docs for the edits and their order).
pub fn candidates(s: &Scenario) -> Vec<Scenario> {
    let cs = unchecked(s);
    let mut seen = Seen::default();
    let keep: Vec<bool> = (0..cs.len()).map(|i| seen.usable(&cs, i)).collect();
    cs.into_iter()
        .zip(keep)
        .filter_map(|((_, c), keep)| keep.then_some(c))
        .collect()
}

/// The candidates with their sizes, before the checks for duplicates and
/// validity (costly, so only done for those actually tried): sorted, each
/// smaller than `s`.
fn unchecked(s: &Scenario) -> Vec<(usize, Scenario)> {
    let shell = Scenario {
        main: Vec::new(),
        ..s.clone()
    };
    let mut edits: Vec<(Tier, Scenario)> = block_edits(&s.main)
        .into_iter()
        .map(|(tier, main)| {
            (
                tier,
                Scenario {
                    main,
                    ..shell.clone()
                },
            )
        })
        .collect();
    global_edits(s, &mut edits);
    let limit = size(s);
    let mut sized: Vec<(Tier, usize, Scenario)> = edits
        .into_iter()
        .map(|(tier, c)| (tier, size(&c), c))
        .filter(|&(_, n, _)| n < limit)
        .collect();
    sized.sort_by_key(|&(tier, n, _)| (tier, n));
    sized.into_iter().map(|(_, n, c)| (n, c)).collect()
}

/// The candidates passed over so far, by size (equal scenarios have equal
/// sizes), to skip duplicates.
#[derive(Debug, Clone, Default)]
struct Seen(BTreeMap<usize, Vec<usize>>);

impl Seen {
    /// Whether candidate `i` is valid and equal to none seen before.
    fn usable(&mut self, cs: &[(usize, Scenario)], i: usize) -> bool {
        let (n, c) = &cs[i];
        let same = self.0.entry(*n).or_default();
        if same.iter().any(|&j| cs[j].1 == *c) {
            return false;
        }
        same.push(i);
        validate(c, &Limits::default()).is_ok()
    }
}

/// The outcome of [`shrink_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shrunk {
    /// The smallest failing scenario found.
    pub scenario: Scenario,
    /// Calls of the predicate made.
    pub calls: usize,
    /// Candidates accepted (steps taken towards the result).
    pub accepted: usize,
    /// Whether every candidate of the result was tried and passed: false
    /// when the budget of calls ran out first.
    pub fixpoint: bool,
}

/// Shrinks a failing scenario greedily with [`DEFAULT_MAX_CALLS`]: see
/// [`shrink_with`]. `still_fails` is not called on `s` itself.
pub fn shrink(s: Scenario, still_fails: impl FnMut(&Scenario) -> bool) -> Scenario {
    shrink_with(s, DEFAULT_MAX_CALLS, still_fails).scenario
}

/// Shrinks a failing scenario greedily: moves to the first of its
/// [`candidates`] for which `still_fails` returns true, and repeats from
/// there until none does or `still_fails` was called `max_calls` times.
/// Deterministic when `still_fails` is.
pub fn shrink_with(
    s: Scenario,
    max_calls: usize,
    mut still_fails: impl FnMut(&Scenario) -> bool,
) -> Shrunk {
    let mut walk = Greedy::new(s);
    let (mut calls, mut accepted) = (0, 0);
    let mut more = walk.advance();
    while more && calls < max_calls {
        calls += 1;
        if walk.trying().is_some_and(&mut still_fails) {
            walk.accept();
            accepted += 1;
        }
        more = walk.advance();
    }
    Shrunk {
        scenario: walk.into_accepted(),
        calls,
        accepted,
        fixpoint: !more,
    }
}

/// The state of a greedy walk over [`candidates`], shared by
/// [`shrink_with`] and the proptest value tree: the last accepted
/// (failing) scenario, its candidates (computed when first needed) and the
/// one being tried.
#[derive(Debug, Clone)]
pub(crate) struct Greedy {
    accepted: Scenario,
    candidates: Option<Vec<(usize, Scenario)>>,
    seen: Seen,
    next: usize,
    trying: Option<usize>,
}

impl Greedy {
    pub(crate) fn new(s: Scenario) -> Greedy {
        Greedy {
            accepted: s,
            candidates: None,
            seen: Seen::default(),
            next: 0,
            trying: None,
        }
    }

    /// The candidate being tried, if any.
    pub(crate) fn trying(&self) -> Option<&Scenario> {
        let i = self.trying?;
        self.candidates.as_ref().map(|c| &c[i].1)
    }

    /// The candidate being tried, or else the last accepted scenario.
    pub(crate) fn current(&self) -> &Scenario {
        self.trying().unwrap_or(&self.accepted)
    }

    /// Accepts the candidate being tried: its candidates come next.
    pub(crate) fn accept(&mut self) {
        if let (Some(i), Some(mut cs)) = (self.trying.take(), self.candidates.take()) {
            self.accepted = cs.swap_remove(i).1;
            self.seen = Seen::default();
            self.next = 0;
        }
    }

    /// Moves to the next valid candidate not seen before; false (and back
    /// to the accepted scenario) when there is none left.
    pub(crate) fn advance(&mut self) -> bool {
        let accepted = &self.accepted;
        let cs = self.candidates.get_or_insert_with(|| unchecked(accepted));
        self.trying = None;
        while self.next < cs.len() {
            let i = self.next;
            self.next += 1;
            if self.seen.usable(cs, i) {
                self.trying = Some(i);
                return true;
            }
        }
        false
    }

    /// The last accepted scenario.
    pub(crate) fn into_accepted(self) -> Scenario {
        self.accepted
    }
}

/// Edit classes, tried in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Structure,
    Simplify,
    Number,
}

/// The smaller numbers to try instead of `n`, smallest first.
fn smaller(n: u64) -> Vec<u64> {
    let mut out: Vec<u64> = [0, 1, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter(|&m| m < n)
        .collect();
    out.dedup();
    out
}

/// `b` with step `i` replaced by `sub`, minus a final `return` of `sub` if
/// steps follow.
fn splice(b: &Block, i: usize, sub: &[Step]) -> Block {
    let mut sub = sub;
    if i + 1 < b.len() {
        if let [rest @ .., Step::Return(_)] = sub {
            sub = rest;
        }
    }
    let mut out = Vec::with_capacity(b.len() + sub.len());
    out.extend_from_slice(&b[..i]);
    out.extend_from_slice(sub);
    out.extend_from_slice(&b[i + 1..]);
    out
}

fn block_edits(b: &Block) -> Vec<(Tier, Block)> {
    let mut out = Vec::new();
    if b.len() >= 2 {
        out.push((Tier::Structure, Vec::new()));
    }
    if b.len() >= 4 {
        let half = b.len() / 2;
        out.push((Tier::Structure, b[..half].to_vec()));
        out.push((Tier::Structure, b[half..].to_vec()));
    }
    for (i, step) in b.iter().enumerate() {
        out.push((Tier::Structure, splice(b, i, &[])));
        for sub in step.blocks() {
            if !sub.is_empty() {
                out.push((Tier::Structure, splice(b, i, sub)));
            }
        }
        for (tier, s) in step_edits(step) {
            out.push((tier, splice(b, i, std::slice::from_ref(&s))));
        }
    }
    out
}

/// The edits of a block inside a step: each gives the edited step.
fn nested(b: &Block, rebuild: impl Fn(Block) -> Step) -> Vec<(Tier, Step)> {
    block_edits(b)
        .into_iter()
        .map(|(tier, b)| (tier, rebuild(b)))
        .collect()
}

/// The edits of one step that keep it a single step.
fn step_edits(step: &Step) -> Vec<(Tier, Step)> {
    let mut out: Vec<(Tier, Step)> = Vec::new();
    match step {
        Step::Sleep(n) => {
            out.extend(
                smaller(*n)
                    .into_iter()
                    .map(|m| (Tier::Number, Step::Sleep(m))),
            );
        }
        Step::Return(v) => {
            if !v.is_null() {
                out.push((Tier::Simplify, Step::Return(Value::Null)));
            }
            if let Value::Array(items) = v {
                out.extend(
                    items
                        .iter()
                        .map(|x| (Tier::Simplify, Step::Return(x.clone()))),
                );
            }
        }
        Step::Raise(_) | Step::Hang | Step::Await(_) | Step::Cancel(_) | Step::Uncancel => {}
        Step::Spawn(c) => out.extend(child_edits(c).into_iter().map(|(t, c)| (t, Step::Spawn(c)))),
        Step::Shield(c) => {
            out.extend(
                child_edits(c)
                    .into_iter()
                    .map(|(t, c)| (t, Step::Shield(c))),
            );
        }
        Step::Gather {
            children,
            return_exceptions,
        } => {
            let re = *return_exceptions;
            if re {
                out.push((
                    Tier::Simplify,
                    Step::Gather {
                        children: children.clone(),
                        return_exceptions: false,
                    },
                ));
            }
            out.extend(children_edits(children, |children| Step::Gather {
                children,
                return_exceptions: re,
            }));
        }
        Step::TaskGroup { children, then } => {
            out.extend(children_edits(children, |children| Step::TaskGroup {
                children,
                then: then.clone(),
            }));
            out.extend(nested(then, |then| Step::TaskGroup {
                children: children.clone(),
                then,
            }));
        }
        Step::Wait {
            children,
            return_when,
            timeout,
            cancel_pending,
        } => {
            let with = |children: Vec<Child>, rw, timeout, cp| Step::Wait {
                children,
                return_when: rw,
                timeout,
                cancel_pending: cp,
            };
            let (rw, t, cp) = (*return_when, *timeout, *cancel_pending);
            let cs = || children.clone();
            if rw != ReturnWhen::AllCompleted {
                out.push((Tier::Simplify, with(cs(), ReturnWhen::AllCompleted, t, cp)));
            }
            if cp {
                out.push((Tier::Simplify, with(cs(), rw, t, false)));
            }
            if let Some(t) = t {
                out.push((Tier::Simplify, with(cs(), rw, None, cp)));
                out.extend(
                    smaller(t)
                        .into_iter()
                        .map(|m| (Tier::Number, with(cs(), rw, Some(m), cp))),
                );
            }
            out.extend(children_edits(children, |c| with(c, rw, t, cp)));
        }
        Step::AsCompleted {
            children,
            take,
            timeout,
            skip_errors,
            cancel_rest,
        } => {
            let with = |children: Vec<Child>, take, timeout, se, cr| Step::AsCompleted {
                children,
                take,
                timeout,
                skip_errors: se,
                cancel_rest: cr,
            };
            let (k, t, se, cr) = (*take, *timeout, *skip_errors, *cancel_rest);
            let cs = || children.clone();
            if se {
                out.push((Tier::Simplify, with(cs(), k, t, false, cr)));
            }
            if cr {
                out.push((Tier::Simplify, with(cs(), k, t, se, false)));
            }
            if let Some(k) = k {
                out.push((Tier::Simplify, with(cs(), None, t, se, cr)));
                out.extend(smaller(k as u64).into_iter().map(|m| {
                    let m = usize::try_from(m).unwrap_or(k);
                    (Tier::Number, with(cs(), Some(m), t, se, cr))
                }));
            }
            if let Some(t) = t {
                out.push((Tier::Simplify, with(cs(), k, None, se, cr)));
                out.extend(
                    smaller(t)
                        .into_iter()
                        .map(|m| (Tier::Number, with(cs(), k, Some(m), se, cr))),
                );
            }
            out.extend(children_edits(children, |c| with(c, k, t, se, cr)));
        }
        Step::Timeout { delay, body } => {
            out.extend(smaller(*delay).into_iter().map(|m| {
                let step = Step::Timeout {
                    delay: m,
                    body: body.clone(),
                };
                (Tier::Number, step)
            }));
            out.extend(nested(body, |body| Step::Timeout {
                delay: *delay,
                body,
            }));
        }
        Step::Acquire { sem, body } => {
            out.extend(nested(body, |body| Step::Acquire {
                sem: sem.clone(),
                body,
            }));
        }
        Step::Try {
            body,
            excepts,
            finally,
        } => out.extend(try_edits(
            body,
            excepts,
            finally,
            |body, excepts, finally| Step::Try {
                body,
                excepts,
                finally,
            },
        )),
        Step::TryStar {
            body,
            excepts,
            finally,
        } => out.extend(try_edits(
            body,
            excepts,
            finally,
            |body, excepts, finally| Step::TryStar {
                body,
                excepts,
                finally,
            },
        )),
    }
    out
}

fn try_edits(
    body: &Block,
    excepts: &[Clause],
    finally: &Block,
    with: impl Fn(Block, Vec<Clause>, Block) -> Step,
) -> Vec<(Tier, Step)> {
    let mut out = Vec::new();
    for (i, clause) in excepts.iter().enumerate() {
        let mut without = excepts.to_vec();
        without.remove(i);
        out.push((
            Tier::Structure,
            with(body.clone(), without, finally.clone()),
        ));
        let replace = |c: Clause| {
            let mut cs = excepts.to_vec();
            cs[i] = c;
            with(body.clone(), cs, finally.clone())
        };
        if clause.kinds.len() >= 2 {
            for k in 0..clause.kinds.len() {
                let mut kinds = clause.kinds.clone();
                kinds.remove(k);
                out.push((
                    Tier::Simplify,
                    replace(Clause {
                        kinds,
                        body: clause.body.clone(),
                    }),
                ));
            }
        }
        for (tier, b) in block_edits(&clause.body) {
            out.push((
                tier,
                replace(Clause {
                    kinds: clause.kinds.clone(),
                    body: b,
                }),
            ));
        }
    }
    if !finally.is_empty() {
        out.push((
            Tier::Structure,
            with(body.clone(), excepts.to_vec(), Vec::new()),
        ));
    }
    for (tier, b) in block_edits(body) {
        out.push((tier, with(b, excepts.to_vec(), finally.clone())));
    }
    for (tier, b) in block_edits(finally) {
        out.push((tier, with(body.clone(), excepts.to_vec(), b)));
    }
    out
}

fn child_edits(c: &Child) -> Vec<(Tier, Child)> {
    let mut out = Vec::new();
    if c.name.is_some() {
        out.push((Tier::Simplify, Child::new(c.body.clone())));
    }
    for (tier, body) in block_edits(&c.body) {
        out.push((
            tier,
            Child {
                name: c.name.clone(),
                body,
            },
        ));
    }
    out
}

/// Deleting each child, and the edits of each child.
fn children_edits(cs: &[Child], rebuild: impl Fn(Vec<Child>) -> Step) -> Vec<(Tier, Step)> {
    let mut out = Vec::new();
    for (i, c) in cs.iter().enumerate() {
        let mut without = cs.to_vec();
        without.remove(i);
        out.push((Tier::Structure, rebuild(without)));
        for (tier, edited) in child_edits(c) {
            let mut with = cs.to_vec();
            with[i] = edited;
            out.push((tier, rebuild(with)));
        }
    }
    out
}

/// Edits over the whole scenario: semaphores, tick values and user kinds.
fn global_edits(s: &Scenario, out: &mut Vec<(Tier, Scenario)>) {
    let mut used = BTreeSet::new();
    let mut kinds: Vec<std::sync::Arc<str>> = Vec::new();
    walk(&s.main, &mut |step| {
        let mut note = |k: &Kind| {
            if let Kind::User(k) = k {
                if !kinds.contains(k) {
                    kinds.push(k.clone());
                }
            }
        };
        match step {
            Step::Acquire { sem, .. } => {
                used.insert(sem.clone());
            }
            Step::Raise(k) => note(k),
            Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => {
                excepts.iter().flat_map(|c| &c.kinds).for_each(note);
            }
            _ => {}
        }
    });
    let first = s.semaphores.keys().next().cloned();
    for (name, &n) in &s.semaphores {
        let mut sems = s.semaphores.clone();
        sems.remove(name);
        if !used.contains(name) {
            out.push((Tier::Simplify, with_sems(s, sems)));
        } else if let Some(first) = first.as_ref().filter(|f| *f != name) {
            let mut merged = with_sems(s, sems);
            map_steps(&mut merged.main, &mut |step| {
                if let Step::Acquire { sem, .. } = step {
                    if sem == name {
                        sem.clone_from(first);
                    }
                }
            });
            out.push((Tier::Simplify, merged));
        }
        for m in smaller(n) {
            let mut sems = s.semaphores.clone();
            sems.insert(name.clone(), m);
            out.push((Tier::Number, with_sems(s, sems)));
        }
    }
    // Every occurrence of a tick value at once, so that timers that tie
    // keep tying while their times go down.
    let mut ticks: BTreeMap<u64, usize> = BTreeMap::new();
    walk(&s.main, &mut |step| {
        if let Some(t) = step_ticks(step) {
            *ticks.entry(t).or_default() += 1;
        }
    });
    for (&v, _) in ticks.iter().filter(|&(_, &n)| n >= 2) {
        for m in smaller(v) {
            let mut retimed = s.clone();
            map_steps(&mut retimed.main, &mut |step| match step {
                Step::Sleep(t) | Step::Timeout { delay: t, .. } if *t == v => *t = m,
                Step::Wait {
                    timeout: Some(t), ..
                }
                | Step::AsCompleted {
                    timeout: Some(t), ..
                } if *t == v => *t = m,
                _ => {}
            });
            out.push((Tier::Number, retimed));
        }
    }
    // Into a kind that appears earlier first: the canonical kind of a tree
    // is its first one.
    let pairs = (0..kinds.len())
        .flat_map(|j| (0..j).map(move |i| (j, i)))
        .chain((0..kinds.len()).flat_map(|i| (i + 1..kinds.len()).map(move |j| (i, j))));
    for (from, to) in pairs {
        let (from, to) = (&kinds[from], &kinds[to]);
        {
            let mut renamed = s.clone();
            let rename = |k: &mut Kind| {
                if matches!(k, Kind::User(name) if name == from) {
                    *k = Kind::User(to.clone());
                }
            };
            map_steps(&mut renamed.main, &mut |step| match step {
                Step::Raise(k) => rename(k),
                Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => {
                    for c in excepts.iter_mut() {
                        c.kinds.iter_mut().for_each(rename);
                        let mut seen = Vec::new();
                        c.kinds.retain(|k| {
                            let fresh = !seen.contains(k);
                            seen.push(k.clone());
                            fresh
                        });
                    }
                }
                _ => {}
            });
            out.push((Tier::Simplify, renamed));
        }
    }
}

/// The tick count a step holds, if any.
fn step_ticks(step: &Step) -> Option<u64> {
    match step {
        Step::Sleep(t) | Step::Timeout { delay: t, .. } => Some(*t),
        Step::Wait { timeout, .. } | Step::AsCompleted { timeout, .. } => *timeout,
        _ => None,
    }
}

fn with_sems(s: &Scenario, semaphores: BTreeMap<String, u64>) -> Scenario {
    Scenario {
        semaphores,
        ..s.clone()
    }
}

/// Calls `f` on every step of the tree, in document order.
fn walk(b: &Block, f: &mut impl FnMut(&Step)) {
    for step in b {
        f(step);
        for inner in step.blocks() {
            walk(inner, f);
        }
    }
}

/// Calls `f` on every step of the tree, outer steps first.
fn map_steps(b: &mut Block, f: &mut impl FnMut(&mut Step)) {
    for step in b.iter_mut() {
        f(step);
        match step {
            Step::Spawn(c) | Step::Shield(c) => map_steps(&mut c.body, f),
            Step::Gather { children, .. }
            | Step::Wait { children, .. }
            | Step::AsCompleted { children, .. } => {
                children.iter_mut().for_each(|c| map_steps(&mut c.body, f));
            }
            Step::TaskGroup { children, then } => {
                children.iter_mut().for_each(|c| map_steps(&mut c.body, f));
                map_steps(then, f);
            }
            Step::Timeout { body, .. } | Step::Acquire { body, .. } => map_steps(body, f),
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
                map_steps(body, f);
                excepts.iter_mut().for_each(|c| map_steps(&mut c.body, f));
                map_steps(finally, f);
            }
            _ => {}
        }
    }
}
