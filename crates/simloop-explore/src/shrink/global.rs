//! The edits over the whole scenario: drop the eager task factory, drop or
//! merge a semaphore, lower every occurrence of a tick value at once,
//! rename a user kind.
//!
//! Separate from the local edits ([`edits`](super::edits)) because each
//! rewrites the whole tree in one move, so that ties and shared names
//! survive shrinking.

use std::collections::{BTreeMap, BTreeSet};

use simloop_core::TaskFactory;
use simloop_scenario::{Kind, ReprOf, Scenario, Step};

use super::edits::{smaller, Tier};
use super::traverse::{map_steps, walk};

/// Edits over the whole scenario: the task factory, semaphores, tick
/// values and user kinds.
pub(super) fn global_edits(s: &Scenario, out: &mut Vec<(Tier, Scenario)>) {
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
            Step::Acquire { sem, .. } | Step::Release(sem) | Step::Repr(ReprOf::Semaphore(sem)) => {
                used.insert(sem.clone());
            }
            Step::Raise(k) => note(k),
            Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => {
                excepts.iter().flat_map(|c| &c.kinds).for_each(note);
            }
            _ => {}
        }
    });
    if s.task_factory == TaskFactory::Eager {
        out.push((
            Tier::Simplify,
            Scenario {
                task_factory: TaskFactory::Lazy,
                ..s.clone()
            },
        ));
    }
    let first = s.semaphores.keys().next().cloned();
    for (name, &n) in &s.semaphores {
        let mut sems = s.semaphores.clone();
        sems.remove(name);
        if !used.contains(name) {
            out.push((Tier::Simplify, with_sems(s, sems)));
        } else if let Some(first) = first.as_ref().filter(|f| *f != name) {
            let mut merged = with_sems(s, sems);
            map_steps(&mut merged.main, &mut |step| {
                if let Step::Acquire { sem, .. }
                | Step::Release(sem)
                | Step::Repr(ReprOf::Semaphore(sem)) = step
                {
                    if sem == name {
                        sem.clone_from(first);
                    }
                }
            });
            out.push((Tier::Simplify, merged));
        }
        if s.bounded.contains(name) {
            let mut plain = s.clone();
            plain.bounded.remove(name);
            out.push((Tier::Simplify, plain));
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
                | Step::WaitTasks {
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
        Step::Wait { timeout, .. }
        | Step::WaitTasks { timeout, .. }
        | Step::AsCompleted { timeout, .. } => *timeout,
        _ => None,
    }
}

fn with_sems(s: &Scenario, semaphores: BTreeMap<String, u64>) -> Scenario {
    let mut bounded = s.bounded.clone();
    bounded.retain(|name| semaphores.contains_key(name));
    Scenario {
        semaphores,
        bounded,
        ..s.clone()
    }
}
