//! simloop's core: a single-threaded event loop with virtual time and
//! asyncio's object model.
//!
//! The loop reproduces `BaseEventLoop._run_once` (a FIFO ready queue, a
//! `heapq` of timers, due timers queued behind ready handles), and its
//! objects are asyncio's: [`Future`] with done-callbacks, [`Task`] with
//! `cancel`/`cancelling`/`uncancel` and `_fut_waiter` propagation, [`Handle`]s
//! from `call_soon`/`call_at`. Task bodies are Rust `async` blocks; a
//! cancellation reaches them as `Err(CancelledError)` at their next await.
//!
//! Nothing reads the wall clock. The orders asyncio leaves open (timer ties,
//! set iteration, latency) are choice points the loop asks its
//! [`Scheduler`] about: CPython's own order ([`Policy::Asyncio`]), a seeded
//! RNG ([`Policy::Seeded`]) or a recorded [`Schedule`] ([`Policy::Replay`]).
//! Every answer that is not CPython's is in the [`Trace`], and a run's
//! schedule replays it exactly.
//!
//! ```
//! use simloop_core::{sleep, spawn, Config, Profile, Sim};
//!
//! let sim = Sim::new(Config::new(Profile::Py313));
//! let result = sim.run_main("main", async {
//!     let child = spawn("child", async { sleep(5).await?; Ok(7) });
//!     child.await
//! });
//! assert_eq!(result.unwrap().unwrap(), 7);
//! assert_eq!(sim.time(), 5);
//! ```

mod awaited_by;
mod config;
mod error;
mod escape;
mod exc;
mod fold;
mod future;
mod handle;
mod heapq;
mod runloop;
pub mod scheduler;
pub mod scope;
mod sleep;
mod task;
mod trace;
mod waiting;

pub use config::{Config, Limits, Policy, Profile, Start, TaskFactory, Tick, TraceMode};
pub use error::{Blocked, Interrupt, RunError, StallReport};
pub use escape::{escape_controls, escape_controls_but, is_escaped};
pub use exc::{Exc, ExcKind};
pub use future::{Await, CallbackId, Future, WeakFuture};
pub use handle::Handle;
pub use runloop::{get_running_loop, spawn, spawn_with, Sim};
pub use scheduler::{Choice, ChoicePoint, Schedule, Scheduler};
pub use scope::{FutureRef, ScopeEvent, ScopeId};
pub use sleep::{sleep, Sleep};
pub use task::{current_task, current_task_id, yield_now, Task, TaskRef, YieldNow};
pub use trace::{Event, Outcome, Record, TaskId, Trace};
pub use waiting::Waiting;
