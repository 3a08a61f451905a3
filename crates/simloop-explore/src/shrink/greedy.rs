//! The greedy walk: [`shrink`] and [`shrink_with`] over a budget of
//! predicate calls, and [`Greedy`], the step-at-a-time state they share
//! with the proptest value tree in [`strategy`](crate::strategy).
//!
//! Separate from the candidates because it knows nothing of edits: it
//! tries the list in order and restarts from each accepted one.

use simloop_scenario::Scenario;

use super::list::{unchecked, Seen};

/// The default budget of predicate calls of [`shrink`].
pub const DEFAULT_MAX_CALLS: usize = 5_000;

/// The outcome of [`shrink_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shrunk {
    /// The smallest failing scenario found.
    pub scenario: Scenario,
    /// Calls of the predicate made.
    pub calls: usize,
    /// Candidates accepted (steps taken towards the result).
    pub accepted: usize,
    /// Whether every candidate of the result was tried and passed: false
    /// when the budget of calls ran out first.
    pub fixpoint: bool,
}

/// Shrinks a failing scenario greedily with [`DEFAULT_MAX_CALLS`]: see
/// [`shrink_with`]. `still_fails` is not called on `s` itself.
pub fn shrink(s: Scenario, still_fails: impl FnMut(&Scenario) -> bool) -> Scenario {
    shrink_with(s, DEFAULT_MAX_CALLS, still_fails).scenario
}

/// Shrinks a failing scenario greedily: moves to the first of its
/// [`candidates`](super::candidates) for which `still_fails` returns true,
/// and repeats from there until none does or `still_fails` was called
/// `max_calls` times. Deterministic when `still_fails` is.
pub fn shrink_with(
    s: Scenario,
    max_calls: usize,
    mut still_fails: impl FnMut(&Scenario) -> bool,
) -> Shrunk {
    let mut walk = Greedy::new(s);
    let (mut calls, mut accepted) = (0, 0);
    let mut more = walk.advance();
    while more && calls < max_calls {
        calls += 1;
        if walk.trying().is_some_and(&mut still_fails) {
            walk.accept();
            accepted += 1;
        }
        more = walk.advance();
    }
    Shrunk {
        scenario: walk.into_accepted(),
        calls,
        accepted,
        fixpoint: !more,
    }
}

/// The state of a greedy walk over [`candidates`](super::candidates),
/// shared by [`shrink_with`] and the proptest value tree: the last accepted
/// (failing) scenario, its candidates (computed when first needed) and the
/// one being tried.
#[derive(Debug, Clone)]
pub(crate) struct Greedy {
    accepted: Scenario,
    candidates: Option<Vec<(usize, Scenario)>>,
    seen: Seen,
    next: usize,
    trying: Option<usize>,
}

impl Greedy {
    pub(crate) fn new(s: Scenario) -> Greedy {
        Greedy {
            accepted: s,
            candidates: None,
            seen: Seen::default(),
            next: 0,
            trying: None,
        }
    }

    /// The candidate being tried, if any.
    pub(crate) fn trying(&self) -> Option<&Scenario> {
        let i = self.trying?;
        self.candidates.as_ref().map(|c| &c[i].1)
    }

    /// The candidate being tried, or else the last accepted scenario.
    pub(crate) fn current(&self) -> &Scenario {
        self.trying().unwrap_or(&self.accepted)
    }

    /// Accepts the candidate being tried: its candidates come next.
    pub(crate) fn accept(&mut self) {
        if let (Some(i), Some(mut cs)) = (self.trying.take(), self.candidates.take()) {
            self.accepted = cs.swap_remove(i).1;
            self.seen = Seen::default();
            self.next = 0;
        }
    }

    /// Moves to the next valid candidate not seen before; false (and back
    /// to the accepted scenario) when there is none left.
    pub(crate) fn advance(&mut self) -> bool {
        let accepted = &self.accepted;
        let cs = self.candidates.get_or_insert_with(|| unchecked(accepted));
        self.trying = None;
        while self.next < cs.len() {
            let i = self.next;
            self.next += 1;
            if self.seen.usable(cs, i) {
                self.trying = Some(i);
                return true;
            }
        }
        false
    }

    /// The last accepted scenario.
    pub(crate) fn into_accepted(self) -> Scenario {
        self.accepted
    }
}
