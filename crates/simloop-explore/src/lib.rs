//! Exploration of asyncio task trees: generate scenarios from seeds, check
//! structured-concurrency invariants on their runs, shrink a failing one to
//! a minimal tree, replay it, and drive all of it from proptest.
//!
//! - [`gen`]: [`generate`] a valid [`Scenario`](simloop_scenario::Scenario)
//!   from a `u64` seed and a [`GenConfig`], the same one forever.
//! - The invariants themselves are `simloop_check`'s: explore checks every
//!   run with [`simloop_check::check`].
//! - [`explore`](mod@explore): seeds to checked runs on several threads
//!   ([`explore()`](explore::explore)), shrunk
//!   [`Failure`](explore::Failure)s with their replay command, and
//!   [`replay`](explore::replay).
//! - [`shrink`](mod@shrink): one-edit simplifications ([`shrink::candidates`]),
//!   a size measure ([`shrink::size`]) and a greedy [`shrink()`].
//! - [`selftest`]: does exploring catch the bugs planted in the combinators
//!   ([`hunt`](selftest::hunt), in a build with feature `planted`), and is
//!   it clean without them ([`control`](selftest::control))?
//! - [`shard`]: [`Shard`](shard::Shard), one part of a sweep, as `K/M`
//!   or from a batch scheduler's environment.
//! - [`suite`]: checking the user's scenario files under many schedules
//!   (seeded, exhaustive, PCT-style), what `simloop check` runs.
//! - [`strategy`]: [`scenarios`], a proptest `Strategy` over the generated
//!   trees that shrinks with the same candidates.
//!
//! ```
//! use simloop_explore::{generate, shrink, GenConfig};
//! use simloop_scenario::{Scenario, Step};
//!
//! let cfg = GenConfig::default();
//! let big = generate(30, &cfg);
//! assert_eq!(big, generate(30, &cfg)); // a seed names one tree, forever
//!
//! // In real use the predicate runs the scenario and checks the bug still
//! // shows; here: "main's block raises".
//! let raises = |s: &Scenario| s.main.iter().any(|s| matches!(s, Step::Raise(_)));
//! assert!(raises(&big));
//! let small = shrink(big, raises);
//! assert_eq!(small.to_json_string(), r#"{"main":[{"raise":"TimeoutError"}]}"#);
//! ```

pub mod explore;
pub mod gen;
mod ordered;
pub mod selftest;
pub mod shard;
pub mod shrink;
pub mod strategy;
pub mod suite;

pub use gen::{generate, GenConfig, StepWeights};
pub use shrink::shrink;
pub use strategy::scenarios;
