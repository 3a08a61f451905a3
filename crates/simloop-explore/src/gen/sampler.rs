//! The sampler: [`generate`] and [`Gen`], the state of one generation,
//! with the drawing of the tree itself: blocks of free picks, compound
//! steps, the children of a combinator and a child's body, a task group's
//! `then`, and the names `await`/`cancel` may target.
//!
//! The leaves and numbers ([`leaves`](super::leaves)) and the exception
//! handling shapes ([`handlers`](super::handlers)) extend [`Gen`] in
//! their own modules.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_core::TaskFactory;
use simloop_scenario::{Block, Child, Kind, ReturnWhen, Scenario, Step};

use super::config::GenConfig;
use super::rng::Rand;
use super::step_kind::K;

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
    if cfg.eager_factory_rate > 0.0 || cfg.eager_start_rate > 0.0 {
        make_eager(&mut scenario, seed, cfg);
    }
    // The additions drawn after the tree, each from a stream of its own,
    // in this order; one whose rate is 0 does not even seed its stream.
    type Addition = fn(&mut Scenario, u64, &GenConfig);
    let additions: [(f64, Addition); 9] = [
        (cfg.reraise_rate, super::reraise::await_failed_children),
        (cfg.event_rate, super::events::add_event),
        (cfg.bounded_rate, super::bounded::add_bounded),
        (cfg.future_rate, super::futures::add_future),
        (cfg.by_name_rate, super::by_name::add_by_name),
        (cfg.handoff_rate, super::handoff::add_handoff),
        (cfg.interrupt_rate, super::interrupts::add_interrupt),
        (cfg.repr_rate, super::reprs::add_reprs),
        (cfg.bare_raise_rate, super::bare_raise::add_bare_raises),
    ];
    for (rate, add) in additions {
        if rate > 0.0 {
            add(&mut scenario, seed, cfg);
        }
    }
    scenario
}

/// The eager tasks of [`GenConfig::for_profile`], drawn from their own
/// stream so that the tree itself stays the seed's.
fn make_eager(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    fn block(b: &mut Block, rng: &mut Rand, rate: f64) {
        for step in b.iter_mut() {
            for child in step.children_mut() {
                if rng.chance(rate) {
                    child.eager_start = Some(rng.chance(0.5));
                }
            }
            step.for_each_block_mut(|inner| block(inner, rng, rate));
        }
    }
    // "eager" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x65_6167_6572));
    if rng.chance(cfg.eager_factory_rate) {
        scenario.task_factory = TaskFactory::Eager;
    }
    if cfg.eager_start_rate > 0.0 {
        block(&mut scenario.main, &mut rng, cfg.eager_start_rate);
    }
}

/// The state of one generation.
pub(super) struct Gen<'c> {
    pub(super) rng: Rand,
    pub(super) cfg: &'c GenConfig,
    pub(super) steps_left: usize,
    pub(super) tasks_left: usize,
    pub(super) next_name: usize,
    /// Explicit names `await`/`cancel` may target here: created earlier in
    /// document order by the current task or an enclosing one.
    pub(super) names: Vec<String>,
    /// Kinds raised so far, in document order, to aim `except` clauses.
    pub(super) raised: Vec<Kind>,
    pub(super) semaphores: BTreeMap<String, u64>,
}

impl Gen<'_> {
    pub(super) fn spend(&mut self) {
        self.steps_left = self.steps_left.saturating_sub(1);
    }

    pub(super) fn can_compound(&self, depth: usize) -> bool {
        depth < self.cfg.max_depth && self.steps_left >= 2
    }

    pub(super) fn block_len(&mut self) -> usize {
        1 + self.rng.below(self.cfg.max_block.max(1))
    }

    /// Appends free picks to `block` until it holds `len` steps, a step
    /// ends it (`return`, `raise`, `hang`) or the budget runs out; then
    /// maybe a `return`.
    pub(super) fn fill(&mut self, block: &mut Block, depth: usize, len: usize) {
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
    pub(super) fn compound(&mut self, depth: usize) -> Step {
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
    pub(super) fn step(&mut self, k: K, depth: usize) -> Step {
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
