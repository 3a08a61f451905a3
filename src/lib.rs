//! simloop: deterministic simulation testing for structured concurrency,
//! with CPython asyncio's semantics.
//!
//! The crates, each depending only on those before it:
//! - [`core`]: the single-threaded loop with virtual time and asyncio's
//!   object model (futures, tasks, handles, cancellation counting);
//! - [`asyncio`]: the combinators (`gather`, `wait`, `as_completed`,
//!   `TaskGroup`, `timeout`, `shield`, `Semaphore`, `except*`) per profile;
//! - [`check`]: the structured-concurrency invariants, on any run;
//! - [`scenario`]: the task-tree scenario format, its interpreter and the
//!   outcome JSON;
//! - [`explore`]: random trees, shrinking and replay;
//! - [`render`]: pictures of a run (SVG/HTML timeline, the await tree).
//!
//! The `simloop` binary is a thin layer over these.

pub use simloop_asyncio as asyncio;
pub use simloop_check as check;
pub use simloop_core as core;
pub use simloop_explore as explore;
pub use simloop_render as render;
pub use simloop_scenario as scenario;

/// `#[simloop::test(seeds = 500, jitter = 20)]` on an `async fn`: a `#[test]`
/// that runs it under [`check::Check`] (see `simloop_macros`).
pub use simloop_macros::test;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
