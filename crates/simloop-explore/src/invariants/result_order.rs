//! [`Invariant::ResultOrder`]: a `gather` returns its children's outcomes in
//! input order; an `as_completed` takes its values in completion order.
//!
//! Its own module as the rule about combinators' results: it compares the
//! recorded items and values with the children's own outcomes.

use serde_json::Value;
use simloop_core::{Exc, TaskId};
use simloop_scenario::Observations;

use super::observed::{exc_text, name};
use super::{Invariant, Report};

/// Child `id`'s value, if it returned one.
fn value_of(obs: &Observations, id: TaskId) -> Option<&Value> {
    obs.tasks.get(id.0 as usize)?.result.as_ref()?.as_ref().ok()
}

/// [`Invariant::ResultOrder`].
pub(super) fn result_order(obs: &Observations, r: &mut Report) {
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
