//! Traversals of a scenario tree, outer steps first: [`walk`] to read
//! every step, [`map_steps`] to rewrite them.
//!
//! Separate because both the size measure and the global edits use them.

use simloop_scenario::{Block, Step};

/// Calls `f` on every step of the tree, in document order.
pub(super) fn walk(b: &Block, f: &mut impl FnMut(&Step)) {
    for step in b {
        f(step);
        step.for_each_block(|inner| walk(inner, f));
    }
}

/// Calls `f` on every step of the tree, outer steps first.
pub(super) fn map_steps(b: &mut Block, f: &mut impl FnMut(&mut Step)) {
    for step in b.iter_mut() {
        f(step);
        step.for_each_block_mut(|inner| map_steps(inner, f));
    }
}
