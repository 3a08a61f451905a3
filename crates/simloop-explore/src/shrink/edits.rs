//! The local edits: of a block (empty it, halve it, delete or hoist a
//! step), of one step (its flags, numbers and nested blocks), of a child
//! and of a `try`'s clauses, each tagged with its [`Tier`].
//!
//! Separate from the edits over the whole scenario ([`global`](super::global)),
//! which rewrite every occurrence at once rather than one place.

use serde_json::Value;
use simloop_scenario::{Block, Child, Clause, ReturnWhen, Step};

/// Edit classes, tried in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tier {
    Structure,
    Simplify,
    Number,
}

/// The smaller numbers to try instead of `n`, smallest first.
pub(super) fn smaller(n: u64) -> Vec<u64> {
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

pub(super) fn block_edits(b: &Block) -> Vec<(Tier, Block)> {
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
        Step::Raise(_)
        | Step::Hang
        | Step::Await(_)
        | Step::Cancel(_)
        | Step::Uncancel
        | Step::EventSet(_)
        | Step::EventWait(_)
        | Step::EventClear(_)
        | Step::Release(_)
        | Step::FutureSet { .. }
        | Step::FutureFail { .. }
        | Step::FutureCancel(_)
        | Step::AwaitFuture(_)
        | Step::GatherTasks { .. }
        | Step::WaitTasks { .. }
        | Step::Repr(_)
        | Step::Reraise => {}
        Step::Reschedule(delay) => {
            if let Some(n) = *delay {
                out.push((Tier::Simplify, Step::Reschedule(None)));
                out.extend(
                    smaller(n)
                        .into_iter()
                        .map(|m| (Tier::Number, Step::Reschedule(Some(m)))),
                );
            }
        }
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
        out.push((
            Tier::Simplify,
            Child {
                name: None,
                ..c.clone()
            },
        ));
    }
    if c.eager_start.is_some() {
        out.push((
            Tier::Simplify,
            Child {
                eager_start: None,
                ..c.clone()
            },
        ));
    }
    for (tier, body) in block_edits(&c.body) {
        out.push((tier, Child { body, ..c.clone() }));
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
