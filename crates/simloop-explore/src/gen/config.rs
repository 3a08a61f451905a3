//! The knobs of [`generate`](super::generate): sizes and rates in
//! [`GenConfig`], the weights of free picks in [`StepWeights`], and the
//! user exception kinds [`USER_KINDS`].
//!
//! Separate from the sampler because this is the public surface: plain
//! data with defaults and chainable setters, no randomness.

use simloop_core::Profile;

/// The user exception kinds the generator raises, the first
/// [`GenConfig::user_kinds`] of them.
pub const USER_KINDS: [&str; 6] = ["Boom", "Oops", "Bad", "Fault", "Crash", "Snag"];

/// Size knobs and probabilities of [`generate`](super::generate).
///
/// Start from [`GenConfig::default`] and change knobs with the setters
/// (one per field, of the same name) or by assigning the fields:
///
/// ```
/// use simloop_explore::{generate, GenConfig};
///
/// let cfg = GenConfig::default().max_depth(6).max_delay(8); // more ties
/// let mut same = GenConfig::default();
/// same.max_depth = 6;
/// same.max_delay = 8;
/// assert_eq!(generate(1, &cfg), generate(1, &same));
/// ```
///
/// Rates are probabilities in `0.0..=1.0`, drawn at each place the shape
/// can occur. Every configuration gives valid scenarios.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GenConfig {
    /// Deepest nesting of compound steps (those holding a block or a child);
    /// `main`'s steps are at depth 0. Default 4.
    pub max_depth: usize,
    /// Most children per `gather`/`task_group`/`wait`/`as_completed` (at
    /// least 1). Default 4.
    pub max_width: usize,
    /// Most free picks in one block (at least 1); the `await`/`cancel`
    /// after a `spawn` and a final `return` can add a few. Default 4.
    pub max_block: usize,
    /// Upper bound of the step budget, drawn per seed in `6..=max_steps`.
    /// Leaves can overshoot it by a few steps. Default 40.
    pub max_steps: usize,
    /// Most tasks in the tree (`main` not counted). Default 20.
    pub max_tasks: usize,
    /// Largest `sleep` or timeout, in ticks. Keep it small so that timers
    /// tie. Default 20.
    pub max_delay: u64,
    /// Chance that a child task raises (after a delay). Default 0.3.
    pub error_rate: f64,
    /// Chance that a child task hangs forever; three times that under a
    /// `timeout`. Default 0.08.
    pub hang_rate: f64,
    /// Chance of a cancellation shape: a child that catches
    /// `CancelledError`, a `cancel` after a `spawn` or of a named sibling.
    /// Default 0.2.
    pub cancel_rate: f64,
    /// Chance that a handler of `CancelledError` calls `uncancel()` first.
    /// Default 0.3.
    pub uncancel_rate: f64,
    /// Chance that the children of a combinator share a semaphore (each
    /// then acquires it around its body). Default 0.1.
    pub semaphore_rate: f64,
    /// How many of [`USER_KINDS`] are raised (1 to 6). Default 3.
    pub user_kinds: usize,
    /// Relative weights of the step kinds in free picks.
    pub weights: StepWeights,
    /// Chance that the tree runs under `asyncio.eager_task_factory`
    /// (valid from py312). Default 0; [`GenConfig::for_profile`] sets it.
    pub eager_factory_rate: f64,
    /// Chance that a child is created with `eager_start` (true or false,
    /// evenly; valid from py314). Default 0; [`GenConfig::for_profile`]
    /// sets it.
    pub eager_start_rate: f64,
    /// Chance that a `try_star` over a task group runs the group in a child
    /// task it awaits, with a handler that first awaits that child again
    /// (re-raising the very group inside `except*`). Default 0;
    /// [`GenConfig::for_profile`] sets it.
    pub reraise_rate: f64,
    /// Chance that the tree has an `asyncio.Event` that one or two
    /// children wait on first and `main` sets. Default 0;
    /// [`GenConfig::for_profile`] sets it.
    pub event_rate: f64,
    /// Chance that `main` also runs a semaphore hand-off race: a unit
    /// released to a waiter that a sibling cancels in the same tick, with
    /// another waiter behind it. Default 0; [`GenConfig::for_profile`]
    /// sets it.
    pub handoff_rate: f64,
    /// Chance that one child's body runs under a new
    /// `asyncio.BoundedSemaphore` that one or two `release` steps release
    /// once too often. Default 0; [`GenConfig::for_profile`]
    /// sets it.
    pub bounded_rate: f64,
    /// Chance that `main` spawns a named task and later gathers or waits
    /// for tasks by name (`gather_tasks`, `wait_tasks`), finished ones
    /// included. Default 0; [`GenConfig::for_profile`] sets it.
    pub by_name_rate: f64,
    /// Chance that the tree has a bare future that children await and
    /// `main` resolves (sets, fails or cancels). Default 0;
    /// [`GenConfig::for_profile`] sets it.
    pub future_rate: f64,
    /// Chance that one task of the tree raises `KeyboardInterrupt` or
    /// `SystemExit` (one of its `raise` steps, or a new one), sometimes
    /// caught around `main`'s block. Default 0;
    /// [`GenConfig::for_profile`] sets it.
    pub interrupt_rate: f64,
    /// Chance that the tree moves a timeout's deadline (`reschedule`,
    /// sometimes after it expired) and prints a timeout, a task group, a
    /// semaphore or an event (`repr`). Default 0;
    /// [`GenConfig::for_profile`] sets it.
    pub repr_rate: f64,
    /// Chance that one or two `except` or `except*` handlers end with a
    /// bare `raise` (`reraise`). Default 0; [`GenConfig::for_profile`]
    /// sets it.
    pub bare_raise_rate: f64,
}

impl GenConfig {
    /// These settings, with the eager tasks `profile` has: trees under the
    /// eager task factory from py312 (15%), children with `eager_start`
    /// from py314 (15%); half the `try_star` steps over a task group
    /// re-raising its group from a handler; an `asyncio.Event`
    /// in 15% of the trees; a semaphore hand-off race in 5%; a bounded
    /// semaphore released without an acquire in 8%; a gather or wait of
    /// tasks by name in 10%; a bare future in 10%; an interrupt in 5%;
    /// `reschedule` and `repr` steps in 10%; a bare `raise` in 10%.
    /// They are drawn from
    /// streams of their own, after the tree: a seed's tree is the same
    /// under every profile but for them.
    #[must_use]
    pub fn for_profile(mut self, profile: Profile) -> Self {
        self.eager_factory_rate = if profile >= Profile::Py312 { 0.15 } else { 0.0 };
        self.eager_start_rate = if profile >= Profile::Py314 { 0.15 } else { 0.0 };
        self.reraise_rate = 0.5;
        self.event_rate = 0.15;
        self.handoff_rate = 0.05;
        self.bounded_rate = 0.08;
        self.by_name_rate = 0.1;
        self.future_rate = 0.1;
        self.interrupt_rate = 0.05;
        self.repr_rate = 0.1;
        self.bare_raise_rate = 0.1;
        self
    }
}

/// The tree of `seed` in the differential test's mix: default trees for
/// even seeds, deeper and narrower ones (depth 6, width 3) for odd seeds,
/// with what [`GenConfig::for_profile`] adds. Tools that compare simloop
/// with CPython use the same mix.
pub fn mixed(seed: u64, profile: Profile) -> simloop_scenario::Scenario {
    let cfg = GenConfig::default().for_profile(profile);
    let cfg = if seed.is_multiple_of(2) {
        cfg
    } else {
        cfg.max_depth(6).max_width(3)
    };
    super::generate(seed, &cfg)
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            max_depth: 4,
            max_width: 4,
            max_block: 4,
            max_steps: 40,
            max_tasks: 20,
            max_delay: 20,
            error_rate: 0.3,
            hang_rate: 0.08,
            cancel_rate: 0.2,
            uncancel_rate: 0.3,
            semaphore_rate: 0.1,
            user_kinds: 3,
            weights: StepWeights::default(),
            eager_factory_rate: 0.0,
            eager_start_rate: 0.0,
            reraise_rate: 0.0,
            event_rate: 0.0,
            handoff_rate: 0.0,
            bounded_rate: 0.0,
            by_name_rate: 0.0,
            future_rate: 0.0,
            interrupt_rate: 0.0,
            repr_rate: 0.0,
            bare_raise_rate: 0.0,
        }
    }
}

/// Chainable setters, one per field of [`GenConfig`].
macro_rules! setters {
    ($($field:ident: $ty:ty),* $(,)?) => {
        impl GenConfig {
            $(
                #[doc = concat!("Sets `", stringify!($field), "` (see the field).")]
                #[must_use]
                pub fn $field(mut self, value: $ty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

setters! {
    max_depth: usize,
    max_width: usize,
    max_block: usize,
    max_steps: usize,
    max_tasks: usize,
    max_delay: u64,
    error_rate: f64,
    hang_rate: f64,
    cancel_rate: f64,
    uncancel_rate: f64,
    semaphore_rate: f64,
    user_kinds: usize,
    weights: StepWeights,
    eager_factory_rate: f64,
    eager_start_rate: f64,
    reraise_rate: f64,
    event_rate: f64,
    handoff_rate: f64,
    bounded_rate: f64,
    by_name_rate: f64,
    future_rate: f64,
    interrupt_rate: f64,
    repr_rate: f64,
    bare_raise_rate: f64,
}

/// Relative weights of each step kind when the generator picks a step
/// freely. `0` disables free picks of that kind; the shapes driven by the
/// rates of [`GenConfig`] can still produce it (a `raise` from
/// `error_rate`, a `try` catching `CancelledError` from `cancel_rate`, ...).
/// `await` and `cancel` are only picked when a name is in scope, compound
/// steps only above [`GenConfig::max_depth`], `hang` never in `main`'s own
/// block. All zero: every free pick is a `sleep`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepWeights {
    /// `sleep`. Default 10.
    pub sleep: u32,
    /// `return` (it ends its block). Default 3.
    pub return_: u32,
    /// `raise` (it ends its block). Default 3.
    pub raise: u32,
    /// `hang` (it ends its block). Default 1.
    pub hang: u32,
    /// `spawn`, often followed by an `await` or `cancel` of the child.
    /// Default 3.
    pub spawn: u32,
    /// `await` of a name in scope. Default 4.
    pub await_: u32,
    /// `cancel` of a name in scope. Default 3.
    pub cancel: u32,
    /// `uncancel` outside a handler. Default 1.
    pub uncancel: u32,
    /// `gather`. Default 4.
    pub gather: u32,
    /// `task_group`. Default 5.
    pub task_group: u32,
    /// `wait`. Default 3.
    pub wait: u32,
    /// `as_completed`. Default 3.
    pub as_completed: u32,
    /// `timeout`. Default 4.
    pub timeout: u32,
    /// `shield`. Default 2.
    pub shield: u32,
    /// `acquire` of a semaphore. Default 2.
    pub acquire: u32,
    /// `try`. Default 4.
    pub try_: u32,
    /// `try_star`, its body most often a task group. Default 2.
    pub try_star: u32,
}

impl Default for StepWeights {
    fn default() -> Self {
        StepWeights {
            sleep: 10,
            return_: 3,
            raise: 3,
            hang: 1,
            spawn: 3,
            await_: 4,
            cancel: 3,
            uncancel: 1,
            gather: 4,
            task_group: 5,
            wait: 3,
            as_completed: 3,
            timeout: 4,
            shield: 2,
            acquire: 2,
            try_: 4,
            try_star: 2,
        }
    }
}
