//! The scenario format v1 (`docs/scenario-format.md`): one asyncio
//! task tree as JSON, as Rust types, with parsing, validation and printing.
//!
//! - [`Scenario`], [`Step`], [`Child`], [`Clause`], [`Kind`], [`ReturnWhen`]:
//!   the format, one type per JSON construct.
//! - [`parse_scenario`] (also `str::parse`), [`scenario_from_value`]: JSON to
//!   a *valid* scenario; errors name the JSON path and say what was expected
//!   and what was found (`$.main[2].gather[0][1].sleep: expected a
//!   non-negative integer, got -5`).
//! - [`validate`]: the same checks for a scenario built in code, within
//!   [`Limits`].
//! - [`Scenario::to_json`]: the canonical JSON (defaults left out), which
//!   parses back to an equal scenario.
//!
//! - [`run`]: run a scenario like `asyncio.run(main())` on simloop's loop
//!   (the Python program behind each step is in `docs/scenario-semantics.md`),
//!   giving an [`Outcome`] that prints as the spec's outcome JSON;
//!   [`Run::timeline`] renders the run for a reader (in the words of
//!   [`JsonWords`]), [`check_expect`] compares an
//!   outcome with a scenario's `expect`; [`run_until`] stops a run at a
//!   tick with its tasks live, to look at them ([`Paused`]);
//!   [`run_prepared`] runs a scenario compiled once ([`Prepared`]) as often
//!   as needed, [`run_report`] (and [`report_on`], as [`run_on`]) without
//!   building the outcome, for checks, and [`run_hash`] for the trace hash
//!   alone.
//! - Every [`Run`] carries `asyncio.run`'s report
//!   ([`simloop_asyncio::runner::RunReport`]), which `simloop_check` checks
//!   the invariants on.
//!
//! A step object is identified by the first kind key it has in the spec's
//! table order (so `{"wait": [...], "timeout": 5}` is a `wait` with a
//! timeout); any other key must be an option of that kind.
//!
//! Task names: a child without a name is `<parent>.<n>`, `n` counting the
//! tasks its parent created before it, named ones included. Validation works
//! out every name each task can have (a range of `n` where an exception can
//! skip earlier creations, e.g. a handler's child) and rejects an explicit
//! name that one of those could be, an `await`/`cancel` of a name no child
//! can have, and an `await` that can target the awaiting task itself. So at
//! run time a task never awaits itself, but an `await`/`cancel` can still
//! name a task not created (yet) in that run: the interpreter raises the user
//! error `KeyError` then.

mod error;
mod format;
mod interp;
mod limits;
mod names;
mod outcome;
mod parse;
mod path;
mod pause;
mod plan;
mod run;
mod timeline;
mod to_json;
mod validate;

pub use error::{ErrorKind, ScenarioError};
pub use format::{Allowance, Block, Child, Clause, Kind, ReprOf, ReturnWhen, Scenario, Step};
pub use limits::Limits;
pub use outcome::{
    check_expect, error_json, normalize, MainOutcome, Outcome, TaskOutcome, TaskRecord,
};
pub use parse::{
    parse_scenario, parse_scenario_with_limits, scenario_from_value,
    scenario_from_value_with_limits,
};
pub use pause::{run_until, Paused};
pub use plan::Prepared;
pub use run::{report_on, run, run_hash, run_on, run_prepared, run_report, Run};
pub use simloop_asyncio::runner::{Escape, EscapeScope};
pub use timeline::JsonWords;
pub use validate::validate;
