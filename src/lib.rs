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
//! The `simloop` binary (crate `simloop-cli`) is a thin layer over these.
//!
//! A whole user program: a bounded fetch in a `TaskGroup` under a timeout,
//! written as its asyncio original is, and checked under CPython's order
//! and 50 seeded schedules on every profile (`docs/guide.md` walks through
//! it):
//!
//! ```
//! use simloop::asyncio::locks::Semaphore;
//! use simloop::asyncio::taskgroup::task_group;
//! use simloop::asyncio::timeout::{timeout, with_timeout};
//! use simloop::check::{Check, Invariant};
//! use simloop::core::{sleep, Exc, Profile, Task};
//!
//! /// `async with sem: await asyncio.sleep(latency)`, then the page, or a
//! /// `FetchError`.
//! async fn fetch(id: u64, sem: Semaphore) -> Result<u64, Exc> {
//!     sem.with(async move {
//!         sleep(10 + 5 * id).await?;
//!         if id == 2 {
//!             return Err(Exc::new("FetchError"));
//!         }
//!         Ok(id)
//!     })
//!     .await
//! }
//!
//! /// Four pages, two connections at a time, within 100 ticks; a failed
//! /// fetch cancels the rest and the group is caught.
//! async fn fetch_all() -> Result<usize, Exc> {
//!     let sem = Semaphore::named("connections", 2);
//!     let pages = with_timeout(
//!         &timeout(100),
//!         task_group(|tg| async move {
//!             let mut tasks: Vec<Task<u64>> = Vec::new();
//!             for id in 0..4 {
//!                 tasks.push(tg.create_task(format!("fetch{id}"), fetch(id, sem.clone()))?);
//!             }
//!             Ok(tasks)
//!         }),
//!     )
//!     .await;
//!     match pages {
//!         Ok(tasks) => Ok(tasks.len()),
//!         Err(group) if group.members().is_some() => Ok(0), // except* FetchError
//!         Err(e) => Err(e),
//!     }
//! }
//!
//! let summary = Check::new()
//!     .seeds(50)
//!     .jitter(10)
//!     .allow(Invariant::CancelBalance, Profile::Py311) // CPython's own leak
//!     .allow(Invariant::CancelBalance, Profile::Py312)
//!     .deny_findings()
//!     .run(fetch_all);
//! assert_eq!(summary.runs, 4 * 51); // every profile: CPython's order and 50 seeds
//! ```

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
