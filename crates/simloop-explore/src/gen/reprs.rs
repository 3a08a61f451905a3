//! `repr` and `reschedule` in random trees: a timeout's deadline moved
//! (later, sooner, to now, or to never) from its body, sometimes after the
//! timeout has expired (a `RuntimeError`, caught half the time); and
//! `repr` of a timeout, a task group (from its `then` block or one of its
//! children), a semaphore or an event, often where the outcome shows the
//! string: the value of a child, or of a task spawned to print it.
//!
//! Drawn after the tree and after the other additions (so that every
//! semaphore and event is declared), from a stream of its own, as the eager
//! tasks are ([`GenConfig::for_profile`]): the seed's tree stays the same
//! but for these steps.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simloop_scenario::{Block, Child, Clause, Kind, ReprOf, Scenario, Step};

use super::rng::Rand;
use super::walk;
use super::GenConfig;

/// With chance `cfg.repr_rate`, add `reschedule` and `repr` steps to
/// `scenario`.
pub(super) fn add_reprs(scenario: &mut Scenario, seed: u64, cfg: &GenConfig) {
    // "repr" in ASCII, to part this stream from the tree's.
    let mut rng = Rand(ChaCha8Rng::seed_from_u64(seed ^ 0x7265_7072));
    if !rng.chance(cfg.repr_rate) {
        return;
    }
    let is_timeout = |s: &Step| matches!(s, Step::Timeout { .. });
    let timeouts = walk::steps(&scenario.main, &is_timeout);
    if timeouts > 0 && rng.chance(0.8) {
        let mut moves = Vec::new();
        for _ in 0..1 + usize::from(rng.chance(0.3)) {
            moves.push(match rng.below(4) {
                0 => Step::Reschedule(None),
                1 => Step::Reschedule(Some(0)),
                _ => Step::Reschedule(Some(rng.below_u64(2 * cfg.max_delay + 1))),
            });
        }
        // Some after a sleep long enough for the old deadline to pass, in
        // a handler of the cancellation: then `RuntimeError`.
        let late = rng.chance(0.25);
        let caught = rng.chance(0.5);
        let sleep = 1 + rng.below_u64(cfg.max_delay + 1);
        walk::in_step(
            &mut scenario.main,
            rng.below(timeouts),
            &is_timeout,
            &mut |s| {
                let Step::Timeout { body, .. } = s else {
                    return;
                };
                if late {
                    let mut handler = moves.clone();
                    handler.push(Step::Raise(Kind::CancelledError));
                    let reschedule = Step::Try {
                        body: vec![Step::Sleep(sleep)],
                        excepts: vec![Clause {
                            kinds: vec![Kind::CancelledError],
                            body: handler,
                        }],
                        finally: Vec::new(),
                    };
                    body.insert(0, guarded(reschedule, caught));
                } else {
                    let at = rng.below(places(body));
                    body.splice(at..at, moves.iter().cloned());
                }
            },
        );
    }
    if timeouts > 0 && rng.chance(0.5) {
        let target = rng.below(timeouts);
        let how = if rng.chance(0.6) {
            How::Spawned
        } else {
            How::InPlace
        };
        let at = rng.below(1 << 16);
        walk::in_step(&mut scenario.main, target, &is_timeout, &mut |s| {
            if let Step::Timeout { body, .. } = s {
                place(body, Step::Repr(ReprOf::Timeout), how, at);
            }
        });
    }
    let is_group = |s: &Step| matches!(s, Step::TaskGroup { .. });
    let groups = walk::steps(&scenario.main, &is_group);
    if groups > 0 && rng.chance(0.6) {
        let target = rng.below(groups);
        let (pick, shown, at) = (rng.below(1 << 16), rng.chance(0.6), rng.below(1 << 16));
        walk::in_step(&mut scenario.main, target, &is_group, &mut |s| {
            if let Step::TaskGroup { children, then } = s {
                // A child's value is in the outcome; `then`'s is not.
                let k = pick % (children.len() + 1);
                let (block, how) = match children.get_mut(k) {
                    Some(child) => (&mut child.body, How::Last),
                    None => (then, How::Spawned),
                };
                let how = if shown { how } else { How::InPlace };
                place(block, Step::Repr(ReprOf::TaskGroup), how, at);
            }
        });
    }
    let mut primitives: Vec<ReprOf> = scenario
        .semaphores
        .keys()
        .map(|s| ReprOf::Semaphore(s.clone()))
        .collect();
    primitives.extend(scenario.events.iter().map(|e| ReprOf::Event(e.clone())));
    let bodies = walk::children(&scenario.main);
    if !primitives.is_empty() {
        for _ in 0..1 + rng.below(2) {
            let of = rng.pick(&primitives).clone();
            let how = *rng.pick(&[How::Spawned, How::Spawned, How::Last, How::InPlace]);
            let at = rng.below(1 << 16);
            // A child's block, or `main`'s (which runs to its end more often).
            let target = rng.below(bodies + 1);
            let mut put = |b: &mut Block| place(b, Step::Repr(of.clone()), how, at);
            if target == bodies {
                put(&mut scenario.main);
            } else {
                walk::in_child(&mut scenario.main, target, &mut put);
            }
        }
    }
}

/// `step` inside `try`/`except RuntimeError` if `caught`.
fn guarded(step: Step, caught: bool) -> Step {
    if !caught {
        return step;
    }
    Step::Try {
        body: vec![step],
        excepts: vec![Clause {
            kinds: vec![Kind::from_name("RuntimeError")],
            body: Vec::new(),
        }],
        finally: Vec::new(),
    }
}

/// Where [`place`] puts a step.
#[derive(Clone, Copy)]
enum How {
    /// Before the step at some index, or at the end.
    InPlace,
    /// As the block's value: instead of a final `return`, or at the end.
    Last,
    /// In a new unnamed child spawned at some index, whose value the
    /// outcome lists.
    Spawned,
}

/// Whether `b` ends with a step that ends it (nothing may follow a
/// `return`; nothing after a `raise` or `hang` would run).
fn ends(b: &Block) -> bool {
    matches!(
        b.last(),
        Some(Step::Return(_) | Step::Raise(_) | Step::Reraise | Step::Hang)
    )
}

/// The indexes a step can be inserted at in `b`.
fn places(b: &Block) -> usize {
    (b.len() + usize::from(!ends(b))).max(1)
}

/// Put `step` in `b`, `how` says where (`at` modulo the places).
fn place(b: &mut Block, step: Step, how: How, at: usize) {
    match how {
        How::Last => {
            if matches!(b.last(), Some(Step::Return(_))) {
                b.pop();
            }
            let at = b.len() - usize::from(ends(b));
            b.insert(at, step);
        }
        How::InPlace => b.insert(at % places(b), step),
        How::Spawned => {
            let child = Child {
                body: vec![step],
                ..Child::default()
            };
            b.insert(at % places(b), Step::Spawn(child));
        }
    }
}
