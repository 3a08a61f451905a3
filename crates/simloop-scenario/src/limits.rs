//! Static size bounds on a scenario, checked by parsing and validation.
//!
//! They keep a hostile or generated file from exhausting the stack or the
//! memory of the tools that walk the tree. Limits on a run (steps executed,
//! virtual time reached) belong to the interpreter, not here.

/// Static bounds on a scenario's size. Each exceeded bound is reported as an
/// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error naming the path where
/// it was exceeded.
///
/// Build one with [`Limits::default`] and set the fields to change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Deepest nesting of blocks: `main`'s body is at depth 1, and a block
    /// inside a step (a child's body, `then`, `body`, `try`, a handler,
    /// `finally`) is one deeper than the step's block. A list inside a
    /// `return` value also counts one level. Default 64.
    ///
    /// This also bounds recursion in every walk of the tree, and the nesting
    /// of the JSON text (4 levels per block, plus 4), so keep it modest.
    pub max_depth: usize,
    /// Most tasks the tree can create (its children, `main` not counted).
    /// Default 10 000.
    pub max_tasks: usize,
    /// Most steps in the whole tree. Default 100 000.
    pub max_steps: usize,
    /// Largest sum of every tick count in the tree: `sleep`, `timeout` and
    /// the `timeout` of `wait` and `as_completed`. Nothing in a scenario
    /// repeats, so every deadline and the clock itself stay at or below this
    /// sum: with the default 2^53, `u64` arithmetic on times never overflows
    /// and a float clock (CPython's `loop.time()`) is exact.
    pub max_total_ticks: u64,
    /// Most JSON values in the tree's `return` and `future_set` steps: a list and each of
    /// its items count one (a task's result is shared when it is awaited,
    /// but a `gather` copies its children's). Default 100 000.
    pub max_values: usize,
    /// Longest scenario text, in bytes, checked before the text is parsed
    /// (the parsed JSON takes tens of times the text's size). Default
    /// [`Limits::DEFAULT_MAX_INPUT_BYTES`], 4 MiB: a scenario at every other
    /// bound takes a few MB.
    pub max_input_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_tasks: 10_000,
            max_steps: 100_000,
            max_total_ticks: 1 << 53,
            max_values: 100_000,
            max_input_bytes: Limits::DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

impl Limits {
    /// [`Limits::max_input_bytes`]' default: 4 MiB.
    pub const DEFAULT_MAX_INPUT_BYTES: usize = 4 << 20;

    /// The deepest JSON nesting accepted in scenario text. A valid scenario's
    /// canonical JSON nests at most 4 levels per block; `expect` is held to
    /// the same bound.
    pub(crate) fn json_depth_cap(&self) -> usize {
        self.max_depth.saturating_mul(4).saturating_add(4)
    }
}
