//! The size measure that shrinking lowers: [`size`], and [`steps`], the
//! plain step count the self-test reports.
//!
//! Separate from the edits because it is the order they are judged by:
//! every candidate must be strictly smaller by [`size`], which is what
//! makes the greedy walk end.

use std::collections::BTreeSet;

use serde_json::Value;
use simloop_core::TaskFactory;
use simloop_scenario::{Block, Child, Kind, ReturnWhen, Scenario, Step};

use super::traverse::walk;

/// How big a scenario is, for shrinking: every step, child, clause and
/// exception kind in a clause counts 1, a named child 1 more, each flag or
/// option away from its default 1, each tick of a delay or timeout 1
/// (so `sleep 17 → 16` is smaller), a `take` or semaphore count its value,
/// a returned value its number of nodes, each distinct user kind 1, each
/// declared semaphore 1, the eager task factory 1, each `eager_start` 1.
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
    let sems: usize = s.semaphores.values().map(|&n| 1 + num(n)).sum::<usize>() + s.bounded.len();
    let factory = usize::from(s.task_factory == TaskFactory::Eager);
    block_size(&s.main) + sems + kinds.len() + factory
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
        .map(|c| {
            1 + usize::from(c.name.is_some())
                + usize::from(c.eager_start.is_some())
                + block_size(&c.body)
        })
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
        Step::Raise(_)
        | Step::Hang
        | Step::Await(_)
        | Step::Cancel(_)
        | Step::Uncancel
        | Step::EventSet(_)
        | Step::EventWait(_)
        | Step::EventClear(_)
        | Step::Release(_)
        | Step::FutureFail { .. }
        | Step::FutureCancel(_)
        | Step::AwaitFuture(_)
        | Step::Repr(_)
        | Step::Reraise => 0,
        Step::Reschedule(delay) => opt(*delay),
        Step::FutureSet { value, .. } => value_size(value),
        Step::GatherTasks {
            names,
            return_exceptions,
        } => names.len() + usize::from(*return_exceptions),
        Step::WaitTasks {
            names,
            return_when,
            timeout,
            cancel_pending,
        } => {
            names.len()
                + usize::from(*return_when != ReturnWhen::AllCompleted)
                + opt(*timeout)
                + usize::from(*cancel_pending)
        }
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
