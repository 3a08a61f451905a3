//! asyncio's structured-concurrency combinators on simloop's loop, per
//! CPython profile (3.11.7, 3.12.1, 3.13.0).
//!
//! Each module is a port of the CPython module it names, built only from
//! the loop's public object model (futures, tasks, handles), as asyncio's
//! own modules are. Where CPython versions differ, the code branches on
//! [`simloop_core::Profile`] at the same places CPython's sources differ.

pub mod as_completed;
pub mod errors;
pub mod gather;
pub mod locks;
#[doc(hidden)]
pub mod planted;
mod queue;
pub mod runner;
pub mod shield;
mod task_set;
pub mod taskgroup;
pub mod timeline;
pub mod timeout;
pub mod wait;
