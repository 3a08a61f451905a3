//! The exception handling shapes: `try` and `try_star` with clauses aimed
//! at the kinds raised in their body, the handlers and `finally` blocks,
//! and the *catcher* that swallows or re-raises a cancellation.
//!
//! Separate from the sampler because they are drawn by their own rules,
//! not by the weights: clause kinds aimed at what the body raised
//! ([`Gen::raised`]), handler bodies shaped by what they catch.

use simloop_scenario::{Block, Clause, Kind, Step};

use super::sampler::Gen;
use super::step_kind::K;

impl Gen<'_> {
    /// `try: <sleep long | hang> except CancelledError: ...`.
    pub(super) fn catcher(&mut self) -> Step {
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

    /// A `try` or `try_star` step in a block at `depth`.
    pub(super) fn try_step(&mut self, depth: usize, star: bool) -> Step {
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
}
