//! Traversals of a scenario tree, outer steps first: [`walk`] to read
//! every step, [`map_steps`] to rewrite them.
//!
//! Separate because both the size measure and the global edits use them.

use simloop_scenario::{Block, Step};

/// Calls `f` on every step of the tree, in document order.
pub(super) fn walk(b: &Block, f: &mut impl FnMut(&Step)) {
    for step in b {
        f(step);
        for inner in step.blocks() {
            walk(inner, f);
        }
    }
}

/// Calls `f` on every step of the tree, outer steps first.
pub(super) fn map_steps(b: &mut Block, f: &mut impl FnMut(&mut Step)) {
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
