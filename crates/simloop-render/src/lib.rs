//! Pictures of a run, for people who would rather look at a schedule than
//! read it.
//!
//! - [`render_svg`]: the timeline of a finished run (`asyncio.run`'s
//!   [`RunReport`], with the program's [`Words`] for its values) as one
//!   self-contained SVG (no scripts, no external fonts or images): one lane
//!   per task, nested under its creator; a bar from creation to end coloured
//!   by how the task ended; arrows for cancel requests; marks for uncancels,
//!   timeouts firing and semaphores; brackets for `TaskGroup` and `timeout`
//!   blocks; a time axis and a legend.
//! - [`render_html`]: the same SVG inline in a page that shows the details
//!   of whatever the pointer is over, with the text timeline below it.
//! - [`pstree`]: the await tree of a loop's tasks (a run paused at a tick),
//!   like CPython 3.14's `python -m asyncio pstree`.
//!
//! Everything is read from the run report and the trace's typed events, so
//! any program written with `simloop::asyncio` can be drawn.
//!
//! The time axis is a hybrid (module `scale`): every tick in
//! which something happened gets a shaded column wide enough to show its
//! events side by side in the order they happened, and the space between
//! columns is proportional to the time that passed. Output is deterministic:
//! integer coordinates, events in trace order, no hash-map order.
//!
//! ```
//! use simloop_core::{Config, Profile};
//! use simloop_scenario::{parse_scenario, run, run_until};
//!
//! let s = parse_scenario(r#"{"main": [{"task_group": [[{"sleep": 5}], [{"sleep": 9}]]}]}"#)
//!     .unwrap();
//! let r = run(&s, Config::new(Profile::Py313)).unwrap();
//! let svg = simloop_render::render_svg(&r.report, "two sleepers", &r.words());
//! assert_eq!(svg.matches(r#"<g class="lane""#).count(), 3);
//!
//! let at_5 = run_until(&s, Config::new(Profile::Py313), 5).unwrap();
//! assert_eq!(
//!     simloop_render::pstree(at_5.sim()),
//!     "main        awaits TaskGroup.__aexit__ (waits for its tasks)  cancelling()=0\n\
//!      └── main.1  awaits sleep                                      cancelling()=0\n\
//!      finished: main.0 returned at 5\n"
//! );
//! ```
//!
//! [`RunReport`]: simloop_asyncio::runner::RunReport
//! [`Words`]: simloop_asyncio::timeline::Words

mod html;
mod lane;
mod legend;
mod model;
mod pstree;
mod scale;
mod svg;
mod text;

pub use html::render_html;
pub use pstree::pstree;
pub use svg::render_svg;
