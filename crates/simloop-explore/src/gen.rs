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

use std::collections::BTreeMap;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use simloop_scenario::{Block, Child, Clause, Kind, ReturnWhen, Scenario, Step};

/// The user exception kinds the generator raises, the first
/// [`GenConfig::user_kinds`] of them.
pub const USER_KINDS: [&str; 6] = ["Boom", "Oops", "Bad", "Fault", "Crash", "Snag"];

/// Size knobs and probabilities of [`generate`].
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

/// The scenario named by `seed` under `cfg`. Always valid
/// ([`simloop_scenario::validate`] with the default limits); the same
/// `(seed, cfg)` gives the same scenario on every platform and version.
pub fn generate(seed: u64, cfg: &GenConfig) -> Scenario {
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed));
    let lo = 6.min(cfg.max_steps);
    let steps_left = lo + rng.below(cfg.max_steps - lo + 1);
    let mut gen = Gen {
        rng,
        cfg,
        steps_left,
        tasks_left: cfg.max_tasks,
        next_name: 1,
        names: Vec::new(),
        raised: Vec::new(),
        semaphores: BTreeMap::new(),
    };
    let mut main = Vec::new();
    if gen.can_compound(0) {
        let step = gen.compound(0);
        main.push(step);
    }
    let len = main.len() + gen.block_len();
    gen.fill(&mut main, 0, len);
    let mut scenario = Scenario::new(main);
    scenario.semaphores = gen.semaphores;
    scenario
}

/// Our own sampling on top of the raw ChaCha stream, so that the
/// seed → scenario map does not depend on `rand`'s algorithms.
struct Rand(ChaCha8Rng);

impl Rand {
    /// Uniform in `0..n` (`0` when `n == 0`), by multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    fn below_u64(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        let x = (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }

    /// An index drawn in proportion to `weights`; `None` if they sum to 0.
    fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below_u64(total);
        weights.iter().position(|&w| {
            let hit = x < u64::from(w);
            x = x.saturating_sub(u64::from(w));
            hit
        })
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The step kinds, in the order of [`StepWeights`]'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Sleep,
    Return,
    Raise,
    Hang,
    Spawn,
    Await,
    Cancel,
    Uncancel,
    Gather,
    TaskGroup,
    Wait,
    AsCompleted,
    Timeout,
    Shield,
    Acquire,
    Try,
    TryStar,
}

impl K {
    const COMPOUND: [K; 9] = [
        K::Gather,
        K::TaskGroup,
        K::Wait,
        K::AsCompleted,
        K::Timeout,
        K::Shield,
        K::Acquire,
        K::Try,
        K::TryStar,
    ];
    const ALL: [K; 17] = [
        K::Sleep,
        K::Return,
        K::Raise,
        K::Hang,
        K::Spawn,
        K::Await,
        K::Cancel,
        K::Uncancel,
        K::Gather,
        K::TaskGroup,
        K::Wait,
        K::AsCompleted,
        K::Timeout,
        K::Shield,
        K::Acquire,
        K::Try,
        K::TryStar,
    ];

    fn weight(self, w: &StepWeights) -> u32 {
        match self {
            K::Sleep => w.sleep,
            K::Return => w.return_,
            K::Raise => w.raise,
            K::Hang => w.hang,
            K::Spawn => w.spawn,
            K::Await => w.await_,
            K::Cancel => w.cancel,
            K::Uncancel => w.uncancel,
            K::Gather => w.gather,
            K::TaskGroup => w.task_group,
            K::Wait => w.wait,
            K::AsCompleted => w.as_completed,
            K::Timeout => w.timeout,
            K::Shield => w.shield,
            K::Acquire => w.acquire,
            K::Try => w.try_,
            K::TryStar => w.try_star,
        }
    }

    /// Creates a task.
    fn creates(self) -> bool {
        matches!(
            self,
            K::Spawn | K::Gather | K::TaskGroup | K::Wait | K::AsCompleted | K::Shield
        )
    }
}

/// The state of one generation.
struct Gen<'c> {
    rng: Rand,
    cfg: &'c GenConfig,
    steps_left: usize,
    tasks_left: usize,
    next_name: usize,
    /// Explicit names `await`/`cancel` may target here: created earlier in
    /// document order by the current task or an enclosing one.
    names: Vec<String>,
    /// Kinds raised so far, in document order, to aim `except` clauses.
    raised: Vec<Kind>,
    semaphores: BTreeMap<String, u64>,
}

impl Gen<'_> {
    fn spend(&mut self) {
        self.steps_left = self.steps_left.saturating_sub(1);
    }

    fn can_compound(&self, depth: usize) -> bool {
        depth < self.cfg.max_depth && self.steps_left >= 2
    }

    fn block_len(&mut self) -> usize {
        1 + self.rng.below(self.cfg.max_block.max(1))
    }

    /// Appends free picks to `block` until it holds `len` steps, a step
    /// ends it (`return`, `raise`, `hang`) or the budget runs out; then
    /// maybe a `return`.
    fn fill(&mut self, block: &mut Block, depth: usize, len: usize) {
        let ended = |b: &Block| {
            matches!(
                b.last(),
                Some(Step::Return(_) | Step::Raise(_) | Step::Hang)
            )
        };
        while block.len() < len && self.steps_left > 0 && !ended(block) {
            let step = self.free(depth);
            let spawned = match &step {
                Step::Spawn(Child { name: Some(n), .. }) => Some(n.clone()),
                _ => None,
            };
            block.push(step);
            // The shape `spawn sN; ...; await/cancel sN`.
            if let Some(name) = spawned {
                if block.len() < len && self.rng.chance(0.4) {
                    block.push(self.sleep());
                }
                if self.rng.chance(0.7) {
                    if self.rng.chance(self.cfg.cancel_rate * 2.0) {
                        self.spend();
                        block.push(Step::Cancel(name.clone()));
                    }
                    if self.rng.chance(0.7) {
                        self.spend();
                        block.push(Step::Await(name));
                    }
                }
            }
        }
        if !ended(block) && self.rng.chance(0.3) {
            block.push(self.ret());
        }
    }

    /// A step picked freely by the weights, among the kinds possible here.
    fn free(&mut self, depth: usize) -> Step {
        let compound = self.can_compound(depth);
        let weights: Vec<u32> = K::ALL
            .iter()
            .map(|&k| {
                let possible = match k {
                    K::Await | K::Cancel => !self.names.is_empty(),
                    _ if K::COMPOUND.contains(&k) => {
                        compound && (!k.creates() || self.tasks_left > 0)
                    }
                    K::Spawn => self.tasks_left > 0,
                    // `main` hanging in its own block only stalls the run.
                    K::Hang => depth > 0,
                    _ => true,
                };
                if possible {
                    k.weight(&self.cfg.weights)
                } else {
                    0
                }
            })
            .collect();
        match self.rng.weighted(&weights) {
            Some(i) => self.step(K::ALL[i], depth),
            None => self.sleep(),
        }
    }

    /// A compound step picked by the weights (the caller checked
    /// [`Gen::can_compound`]).
    fn compound(&mut self, depth: usize) -> Step {
        let weights: Vec<u32> = K::COMPOUND
            .iter()
            .map(|&k| {
                if k.creates() && self.tasks_left == 0 {
                    0
                } else {
                    k.weight(&self.cfg.weights)
                }
            })
            .collect();
        match self.rng.weighted(&weights) {
            Some(i) => self.step(K::COMPOUND[i], depth),
            None => self.sleep(),
        }
    }

    /// A step of kind `k` in a block at `depth`.
    fn step(&mut self, k: K, depth: usize) -> Step {
        match k {
            K::Sleep => self.sleep(),
            K::Return => self.ret(),
            K::Raise => self.raise(),
            K::Hang => self.leaf(Step::Hang),
            K::Uncancel => self.leaf(Step::Uncancel),
            K::Await | K::Cancel => {
                let name = self.rng.pick(&self.names).clone();
                self.leaf(if k == K::Await {
                    Step::Await(name)
                } else {
                    Step::Cancel(name)
                })
            }
            K::Spawn => {
                self.spend();
                let named = self.rng.chance(0.75);
                Step::Spawn(self.child(depth, named.then_some('s'), None))
            }
            K::Shield => {
                self.spend();
                Step::Shield(self.child(depth, None, None))
            }
            K::Gather => {
                self.spend();
                let children = self.children(depth);
                let return_exceptions = self.rng.chance(0.5);
                Step::Gather {
                    children,
                    return_exceptions,
                }
            }
            K::TaskGroup => {
                self.spend();
                let mark = self.names.len();
                let children = self.children(depth);
                let group = self.names[mark..].to_vec();
                let then = self.then(&group);
                Step::TaskGroup { children, then }
            }
            K::Wait => {
                self.spend();
                let children = self.children(depth);
                let return_when = *self.rng.pick(&ReturnWhen::ALL);
                let timeout = self.rng.chance(0.4).then(|| self.delay());
                let cancel_pending = self.rng.chance(0.4);
                Step::Wait {
                    children,
                    return_when,
                    timeout,
                    cancel_pending,
                }
            }
            K::AsCompleted => {
                self.spend();
                let children = self.children(depth);
                let n = children.len();
                let take = (n > 0 && self.rng.chance(0.4)).then(|| self.rng.below(n + 1));
                let timeout = self.rng.chance(0.3).then(|| self.delay());
                let skip_errors = self.rng.chance(0.4);
                let cancel_rest = self.rng.chance(0.4);
                Step::AsCompleted {
                    children,
                    take,
                    timeout,
                    skip_errors,
                    cancel_rest,
                }
            }
            K::Timeout => {
                self.spend();
                let delay = self.delay();
                let body = self.timeout_body(depth + 1);
                self.raised.push(Kind::TimeoutError);
                Step::Timeout { delay, body }
            }
            K::Acquire => {
                self.spend();
                let sem = self.semaphore();
                let mut body = Vec::new();
                let len = self.block_len().min(3);
                self.fill(&mut body, depth + 1, len);
                Step::Acquire { sem, body }
            }
            K::Try | K::TryStar => self.try_step(depth, k == K::TryStar),
        }
    }

    fn leaf(&mut self, step: Step) -> Step {
        self.spend();
        step
    }

    fn sleep(&mut self) -> Step {
        let d = self.delay();
        self.leaf(Step::Sleep(d))
    }

    fn ret(&mut self) -> Step {
        let v = self.value();
        self.leaf(Step::Return(v))
    }

    fn raise(&mut self) -> Step {
        let kind = match self.rng.below(100) {
            0..=9 => Kind::CancelledError,
            10..=17 => Kind::TimeoutError,
            18..=24 => Kind::Exception,
            _ => self.user_kind(),
        };
        self.raised.push(kind.clone());
        self.leaf(Step::Raise(kind))
    }

    fn user_kind(&mut self) -> Kind {
        let n = self.cfg.user_kinds.clamp(1, USER_KINDS.len());
        Kind::from_name(USER_KINDS[self.rng.below(n)])
    }

    /// Ticks, mostly on a grid of quarters of `max_delay` so that they tie.
    fn delay(&mut self) -> u64 {
        let max = self.cfg.max_delay;
        let grid = (max / 4).max(1);
        if self.rng.chance(0.7) {
            grid * self.rng.below_u64(max / grid + 1)
        } else {
            self.rng.below_u64(max + 1)
        }
    }

    /// Ticks in the upper half of `0..=max_delay`: outlives most deadlines.
    fn long_delay(&mut self) -> u64 {
        let max = self.cfg.max_delay;
        max / 2 + self.rng.below_u64(max - max / 2 + 1)
    }

    fn value(&mut self) -> Value {
        match self.rng.below(20) {
            0..=9 => Value::from(self.rng.below(10) as i64),
            10..=14 => Value::from(*self.rng.pick(&["ok", "done", "x"])),
            15..=16 => Value::Null,
            _ => Value::Array(vec![Value::from(self.rng.below(10) as i64), "ok".into()]),
        }
    }

    fn semaphore(&mut self) -> String {
        let name = if self.rng.chance(0.8) { "sem" } else { "sem2" };
        if !self.semaphores.contains_key(name) {
            let n = 1 + self.rng.below_u64(2);
            self.semaphores.insert(name.to_owned(), n);
        }
        name.to_owned()
    }

    /// The children of a combinator in a block at `depth`: at least one
    /// (the caller checked that a task is left), no more than the tasks left.
    fn children(&mut self, depth: usize) -> Vec<Child> {
        let max = self.cfg.max_width.max(1).min(self.tasks_left.max(1));
        let n = 1 + self.rng.below(max);
        let sem = self
            .rng
            .chance(self.cfg.semaphore_rate)
            .then(|| self.semaphore());
        let mut children = Vec::with_capacity(n);
        while children.len() < n && (children.is_empty() || self.tasks_left > 0) {
            let named = self.rng.chance(0.15);
            children.push(self.child(depth, named.then_some('t'), sem.as_deref()));
        }
        children
    }

    /// A child task created by a step in a block at `depth`; named
    /// `<prefix><n>` with a prefix, its body under `acquire sem` (most of
    /// the time) with a semaphore.
    fn child(&mut self, depth: usize, prefix: Option<char>, sem: Option<&str>) -> Child {
        self.tasks_left = self.tasks_left.saturating_sub(1);
        let mark = self.names.len();
        let mut body = self.task_body(depth + 1);
        self.names.truncate(mark);
        if let Some(sem) = sem {
            if self.rng.chance(0.8) {
                self.spend();
                body = vec![Step::Acquire {
                    sem: sem.to_owned(),
                    body,
                }];
            }
        }
        match prefix {
            None => Child::new(body),
            Some(p) => {
                let name = format!("{p}{}", self.next_name);
                self.next_name += 1;
                self.names.push(name.clone());
                Child::named(name, body)
            }
        }
    }

    /// The body of a child task, at `depth`.
    fn task_body(&mut self, depth: usize) -> Block {
        if self.rng.chance(self.cfg.error_rate) {
            let mut body = Vec::new();
            if self.rng.chance(0.8) {
                body.push(self.sleep());
            }
            body.push(self.raise());
            body
        } else if self.rng.chance(self.cfg.hang_rate) {
            let mut body = Vec::new();
            if self.rng.chance(0.5) {
                body.push(self.sleep());
            }
            body.push(self.leaf(Step::Hang));
            body
        } else if self.rng.chance(self.cfg.cancel_rate) {
            vec![self.catcher()]
        } else if self.rng.chance(0.35) || self.steps_left < 2 {
            let mut body = vec![self.sleep()];
            if self.rng.chance(0.7) {
                body.push(self.ret());
            }
            body
        } else {
            let mut body = Vec::new();
            let len = self.block_len();
            self.fill(&mut body, depth, len);
            body
        }
    }

    /// The body of a `timeout`, at `depth`.
    fn timeout_body(&mut self, depth: usize) -> Block {
        let mut body = Vec::new();
        if self.rng.chance(self.cfg.hang_rate * 3.0) {
            if self.rng.chance(0.5) {
                body.push(self.sleep());
            }
            body.push(self.leaf(Step::Hang));
        } else if self.rng.chance(self.cfg.cancel_rate) {
            body.push(self.catcher());
        } else {
            if self.can_compound(depth) && self.rng.chance(0.5) {
                body.push(self.compound(depth));
            }
            let len = body.len() + self.block_len();
            self.fill(&mut body, depth, len);
        }
        body
    }

    /// `try: <sleep long | hang> except CancelledError: ...`.
    fn catcher(&mut self) -> Step {
        self.spend();
        let body = if self.rng.chance(0.8) {
            let d = self.long_delay();
            vec![self.leaf(Step::Sleep(d))]
        } else {
            vec![self.leaf(Step::Hang)]
        };
        let kinds = if self.rng.chance(0.85) {
            vec![Kind::CancelledError]
        } else {
            vec![Kind::BaseException]
        };
        let handler = self.handler(&kinds);
        let finally = if self.rng.chance(0.15) {
            vec![self.small_sleep()]
        } else {
            Vec::new()
        };
        Step::Try {
            body,
            excepts: vec![Clause {
                kinds,
                body: handler,
            }],
            finally,
        }
    }

    fn small_sleep(&mut self) -> Step {
        let d = self.rng.below_u64(3);
        self.leaf(Step::Sleep(d))
    }

    /// A `try` or `try_star` step in a block at `depth`.
    fn try_step(&mut self, depth: usize, star: bool) -> Step {
        self.spend();
        let mark = self.raised.len();
        let mut body = Vec::new();
        if self.can_compound(depth + 1) && self.rng.chance(if star { 0.7 } else { 0.5 }) {
            let step = if star && self.tasks_left > 0 && self.rng.chance(0.7) {
                self.step(K::TaskGroup, depth + 1)
            } else {
                self.compound(depth + 1)
            };
            body.push(step);
        }
        let len = body.len() + self.block_len();
        self.fill(&mut body, depth + 1, len);
        let inside = self.raised[mark..].to_vec();
        let has_finally = self.rng.chance(if star { 0.25 } else { 0.35 });
        let n = if star {
            1 + self.rng.below(3)
        } else {
            usize::from(!has_finally) + self.rng.below(2 + usize::from(has_finally))
        };
        let excepts = (0..n)
            .map(|_| {
                let kinds = self.clause_kinds(&inside, star);
                let body = self.handler(&kinds);
                Clause { kinds, body }
            })
            .collect();
        let finally = if has_finally {
            self.finally()
        } else {
            Vec::new()
        };
        if star {
            Step::TryStar {
                body,
                excepts,
                finally,
            }
        } else {
            Step::Try {
                body,
                excepts,
                finally,
            }
        }
    }

    /// One or two kinds for a clause, often one raised in the `try` body.
    fn clause_kinds(&mut self, inside: &[Kind], star: bool) -> Vec<Kind> {
        let n = if self.rng.chance(0.2) { 2 } else { 1 };
        let mut kinds: Vec<Kind> = Vec::new();
        for _ in 0..n {
            let kind = if !inside.is_empty() && self.rng.chance(0.45) {
                self.rng.pick(inside).clone()
            } else {
                match self.rng.below(100) {
                    0..=14 => Kind::CancelledError,
                    15..=34 => Kind::Exception,
                    35..=44 => Kind::BaseException,
                    45..=59 if !star => Kind::ExceptionGroup,
                    45..=69 => Kind::TimeoutError,
                    _ => self.user_kind(),
                }
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        kinds
    }

    /// The body of a clause catching `kinds`: short, a value or a raise.
    fn handler(&mut self, kinds: &[Kind]) -> Block {
        let mut body = Vec::new();
        if kinds.contains(&Kind::CancelledError) || kinds.contains(&Kind::BaseException) {
            if self.rng.chance(0.3) {
                body.push(self.small_sleep());
            }
            if self.rng.chance(self.cfg.uncancel_rate) {
                body.push(self.leaf(Step::Uncancel));
            }
            match self.rng.below(10) {
                0..=3 => body.push(self.ret()),
                4..=7 => body.push(self.leaf(Step::Raise(Kind::CancelledError))),
                8 => body.push(self.raise()),
                _ => {}
            }
        } else {
            match self.rng.below(20) {
                0..=8 => body.push(self.ret()),
                9..=11 => {
                    body.push(self.sleep());
                    body.push(self.ret());
                }
                12..=14 => body.push(self.raise()),
                _ => {}
            }
        }
        body
    }

    fn finally(&mut self) -> Block {
        match self.rng.below(20) {
            0..=11 => vec![self.small_sleep()],
            12..=16 => {
                let s = self.sleep();
                vec![s, self.ret()]
            }
            _ => vec![self.raise()],
        }
    }

    /// The `then` of a task group whose named children are `group`.
    fn then(&mut self, group: &[String]) -> Block {
        let mut then = Vec::new();
        if self.rng.chance(0.5) {
            return then;
        }
        if self.rng.chance(0.6) {
            then.push(self.sleep());
        }
        if !group.is_empty() && self.rng.chance(self.cfg.cancel_rate * 2.0) {
            let name = self.rng.pick(group).clone();
            then.push(self.leaf(Step::Cancel(name)));
        }
        match self.rng.below(4) {
            0 => then.push(self.raise()),
            1 => then.push(self.ret()),
            _ => {}
        }
        then
    }
}
