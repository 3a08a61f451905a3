//! Walks of a generated tree in document order, shared by the additions
//! drawn after it (`bounded`, `events`, `futures`, `interrupts`): count the
//! children, blocks or steps of a kind, then reach the `n`-th of them.
//!
//! Separate because every such addition picks its place the same way: a
//! count, a draw below it, a second walk to that place.

use simloop_scenario::{Block, Step};

/// How many children the tree has.
pub(super) fn children(b: &Block) -> usize {
    let mut n = 0;
    for step in b {
        n += step.children().len();
        step.for_each_block(|inner| n += children(inner));
    }
    n
}

/// Call `f` on the body of the `target`-th child (in [`children`]'s order).
pub(super) fn in_child(b: &mut Block, target: usize, f: &mut dyn FnMut(&mut Block)) {
    fn walk(b: &mut Block, target: &mut usize, f: &mut dyn FnMut(&mut Block)) {
        for step in b.iter_mut() {
            for child in step.children_mut() {
                if *target == 0 {
                    f(&mut child.body);
                }
                *target = target.wrapping_sub(1);
            }
            // Then the blocks inside, as `children` walks them.
            step.for_each_block_mut(|inner| walk(inner, target, f));
        }
    }
    walk(b, &mut { target }, f);
}

/// How many blocks are nested in the tree (`b` itself not counted).
pub(super) fn blocks(b: &Block) -> usize {
    let mut n = 0;
    for step in b {
        step.for_each_block(|inner| n += 1 + blocks(inner));
    }
    n
}

/// Call `f` on the `target`-th nested block (in [`blocks`]' order).
pub(super) fn in_block(b: &mut Block, target: usize, f: &mut dyn FnMut(&mut Block)) {
    fn walk(b: &mut Block, target: &mut usize, f: &mut dyn FnMut(&mut Block)) {
        for step in b.iter_mut() {
            step.for_each_block_mut(|inner| {
                if *target == 0 {
                    f(inner);
                }
                *target = target.wrapping_sub(1);
                walk(inner, target, f);
            });
        }
    }
    walk(b, &mut { target }, f);
}

/// How many steps of the tree `is` picks.
pub(super) fn steps(b: &Block, is: &dyn Fn(&Step) -> bool) -> usize {
    let mut n = 0;
    for step in b {
        n += usize::from(is(step));
        step.for_each_block(|inner| n += steps(inner, is));
    }
    n
}

/// Call `f` on the `target`-th step that `is` picks (in [`steps`]' order).
pub(super) fn in_step(
    b: &mut Block,
    target: usize,
    is: &dyn Fn(&Step) -> bool,
    f: &mut dyn FnMut(&mut Step),
) {
    fn walk(
        b: &mut Block,
        target: &mut usize,
        is: &dyn Fn(&Step) -> bool,
        f: &mut dyn FnMut(&mut Step),
    ) {
        for step in b.iter_mut() {
            if is(step) {
                if *target == 0 {
                    f(step);
                }
                *target = target.wrapping_sub(1);
            }
            step.for_each_block_mut(|inner| walk(inner, target, is, f));
        }
    }
    walk(b, &mut { target }, is, f);
}
