//! Seed → scenario: a deterministic generator of small asyncio task trees.
//!
//! [`generate`] draws every decision from one `ChaCha8Rng` seeded with the
//! `u64` seed, through integer arithmetic of our own (never `rand`'s
//! distributions, whose algorithms may change between versions), so a seed
//! names the same tree forever. A test pins the canonical JSON of seeds
//! 0..100.
//!
//! The tree is not uniform noise: besides free picks weighted by
//! [`StepWeights`], the generator builds on purpose the shapes where asyncio's
//! structured concurrency is subtle, each with a probability set in
//! [`GenConfig`]:
//!
//! - a child that raises after a delay, next to siblings that sleep, hang or
//!   catch their cancellation (`error_rate`, `hang_rate`, `cancel_rate`);
//! - a *catcher*: `try: sleep/hang except CancelledError: ...` that swallows
//!   the cancellation (often after `uncancel`, `uncancel_rate`) or re-raises
//!   it;
//! - `timeout` around a combinator, and hangs mostly under a timeout;
//! - `spawn` of a child named `sN`, then later `await` or `cancel` of it;
//!   children of a combinator sometimes named `tN`, cancelled from a
//!   sibling or from a task group's `then`;
//! - several children sharing one semaphore (`semaphore_rate`).
//!
//! Delays come mostly from a coarse grid (`0, max_delay/4, ...`), so timers
//! and deadlines fall on the same tick often: ties are where a seeded
//! scheduler finds different orders.
//!
//! A budget of steps and tasks, drawn per seed up to the configured maxima,
//! bounds the size; nesting stops at `max_depth`.
//!
//! Names: an `await`/`cancel` only targets an explicit name created earlier
//! in document order by the same task or an enclosing one (so never itself
//! nor an ancestor, and never a cycle). Such a name can still be skipped at
//! run time (an exception before the `spawn`): the interpreter then raises
//! the user error `KeyError`, a legitimate outcome.
//!
//! The modules: `config` holds the public knobs; `sampler` the state
//! of one generation and the drawing of the tree; `leaves` and
//! `handlers` the leaf values and the exception handling shapes;
//! `reraise` the `except*` handlers that re-raise the group they handle; `events`
//! the `asyncio.Event` set by `main` and awaited by children; `bounded`
//! the bounded semaphore released once too often; `by_name` the gather
//! and wait of tasks by name; `futures` the bare future resolved by
//! `main`; `handoff`
//! the semaphore handed to a waiter cancelled in the same tick;
//! `interrupts` the `KeyboardInterrupt` or `SystemExit` that leaves the
//! loop; `rng`
//! the integer sampling that keeps seeds stable; `step_kind` the kinds of
//! free picks; `walk` the walks that find where an addition goes.

mod bare_raise;
mod bounded;
mod by_name;
mod config;
mod events;
mod futures;
mod handlers;
mod handoff;
mod interrupts;
mod leaves;
mod reprs;
mod reraise;
mod rng;
mod sampler;
mod step_kind;
mod walk;

pub use config::{mixed, GenConfig, StepWeights, USER_KINDS};
pub use sampler::generate;
