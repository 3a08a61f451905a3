//! [`Invariant::ResultOrder`]: a `gather` returns its children's outcomes in
//! input order; an `as_completed` hands its children out in the order they
//! finished.
//!
//! Its own module as the rule about combinators' results: it compares where
//! each item came from (the gather records it) and what it holds with the
//! children's own outcomes and completion order.

use simloop_core::scope::FutureRef;
use simloop_core::{Outcome, TaskId};

use super::observed::exc_text;
use super::{Invariant, Report};
use crate::observe::Observations;

/// [`Invariant::ResultOrder`].
pub(super) fn result_order(obs: &Observations, r: &mut Report) {
    gathers(obs, r);
    as_completed(obs, r);
}

fn owner(obs: &Observations, owner: Option<TaskId>) -> &str {
    owner.map_or("a callback", |t| obs.name(t))
}

fn gathers(obs: &Observations, r: &mut Report) {
    for g in &obs.gathers {
        let Some(items) = &g.items else {
            continue;
        };
        r.checked(Invariant::ResultOrder);
        let what = || format!("gather of {}", owner(obs, g.owner));
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
        for (i, (item, &child)) in items.iter().zip(&g.children).enumerate() {
            if item.from != child {
                r.violation(
                    Invariant::ResultOrder,
                    format!(
                        "{}: item {i} is the outcome of {}, but child {i} is {} (not input order)",
                        what(),
                        obs.future_name(item.from),
                        obs.future_name(child)
                    ),
                );
                break;
            }
            let FutureRef::Task(t) = child else {
                continue;
            };
            let own = obs.tasks.get(t.0 as usize).and_then(|t| t.outcome.as_ref());
            let same = match (&item.outcome, own) {
                (Outcome::Ok, Some(Outcome::Ok)) => true,
                (Outcome::Cancelled, Some(Outcome::Cancelled)) => true,
                (Outcome::Error(e), Some(Outcome::Error(f))) => e.same(f),
                _ => false,
            };
            if !same {
                r.violation(
                    Invariant::ResultOrder,
                    format!(
                        "{}: item {i} is {} but child {} ended with {}",
                        what(),
                        describe(Some(&item.outcome)),
                        obs.name(t),
                        describe(own)
                    ),
                );
                break;
            }
        }
    }
}

fn as_completed(obs: &Observations, r: &mut Report) {
    for a in &obs.as_completed {
        r.checked(Invariant::ResultOrder);
        let what = || format!("as_completed of {}", owner(obs, a.owner));
        let early = |t: TaskId| a.done_at_registration.contains(&FutureRef::Task(t));
        let done_index = |t: TaskId| obs.tasks.get(t.0 as usize).and_then(|t| t.done_index);
        let mut last: Option<TaskId> = None;
        for &t in a
            .handed
            .iter()
            .flatten()
            .filter_map(|f| f.task())
            .collect::<Vec<_>>()
            .iter()
        {
            let Some(index) = done_index(t) else {
                r.violation(
                    Invariant::ResultOrder,
                    format!(
                        "{} handed out {}, which never finished",
                        what(),
                        obs.name(t)
                    ),
                );
                break;
            };
            if let Some(prev) = last {
                let before = done_index(prev).unwrap_or(0);
                let out_of_order =
                    index < before && !(early(t) && early(prev)) || early(t) && !early(prev);
                if out_of_order {
                    r.violation(
                        Invariant::ResultOrder,
                        format!(
                            "{} handed out {} after {}, which finished later",
                            what(),
                            obs.name(t),
                            obs.name(prev)
                        ),
                    );
                    break;
                }
            }
            last = Some(t);
        }
    }
}

fn describe(o: Option<&Outcome>) -> String {
    match o {
        None => "nothing (not done)".to_owned(),
        Some(Outcome::Ok) => "a value".to_owned(),
        Some(Outcome::Cancelled) => "a cancellation".to_owned(),
        Some(Outcome::Error(e)) => exc_text(e),
    }
}
