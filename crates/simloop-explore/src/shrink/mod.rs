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
//! out by [`validate`](simloop_scenario::validate).
//!
//! The modules: `measure` holds [`size`]; `edits` and `global` propose
//! the edits (of one place, of the whole tree); `list` orders and filters
//! them into the [`candidates`]; `greedy` walks them; `traverse` visits
//! the steps of a tree for the others.

mod edits;
mod global;
mod greedy;
mod list;
mod measure;
mod traverse;

pub(crate) use greedy::Greedy;
pub use greedy::{shrink, shrink_with, Shrunk, DEFAULT_MAX_CALLS};
pub use list::candidates;
pub use measure::{size, steps};
