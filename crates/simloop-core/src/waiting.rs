//! [`Waiting`]: what a suspended task waits on (its `_fut_waiter`).

use std::fmt;

use crate::trace::TaskId;

/// What a task is suspended on: another task, or a future.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Another task (`await task`).
    Task {
        /// Its id.
        id: TaskId,
        /// Its name.
        name: String,
    },
    /// A future that is not a task.
    Future {
        /// Its id, in creation order.
        id: u64,
        /// What it is for: `sleep`, `gather`, `TaskGroup._on_completed_fut`...
        label: &'static str,
    },
}

impl fmt::Display for Waiting {
    /// `task main.0`, `future #3 (hang)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Waiting::Task { name, .. } => write!(f, "task {name}"),
            Waiting::Future { id, label } => write!(f, "future #{id} ({label})"),
        }
    }
}
