//! What checking a run returns: a [`Report`] of [`Violation`]s (rules
//! broken) and [`Finding`]s (facts the design allows), with the count of
//! instances checked per invariant.
//!
//! Separate from the checks, which only append to it (`checked`,
//! `violation`, `findings`): one report collects them all, in the order
//! [`check`](super::check) runs them.

use std::ops::Index;

use super::Invariant;

/// A count per invariant (a fixed array: a check makes one per run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts([u32; Invariant::ALL.len()]);

impl Counts {
    /// The count of `invariant` (always `Some`).
    pub fn get(&self, invariant: &Invariant) -> Option<&u32> {
        self.0.get(*invariant as usize)
    }

    /// Every invariant with its count, in the order of [`Invariant::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (Invariant, u32)> + '_ {
        Invariant::ALL.into_iter().zip(self.0)
    }

    /// The counts, in the order of [`Invariant::ALL`].
    pub fn values(&self) -> impl Iterator<Item = &u32> {
        self.0.iter()
    }
}

impl Index<&Invariant> for Counts {
    type Output = u32;
    fn index(&self, invariant: &Invariant) -> &u32 {
        &self.0[*invariant as usize]
    }
}

/// A rule broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which rule.
    pub invariant: Invariant,
    /// What happened, naming tasks and ticks.
    pub message: String,
}

/// A fact worth reporting that breaks no rule (a child escaping a
/// `gather`, `wait` or `as_completed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The invariant it is about.
    pub invariant: Invariant,
    /// What happened.
    pub message: String,
}

/// The result of checking one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// How many instances of each invariant were checked (scopes, steps,
    /// semaphores, runs), for every invariant.
    pub checked: Counts,
    /// Rules broken, in the order of [`Invariant::ALL`], then of the run.
    pub violations: Vec<Violation>,
    /// Findings, in the same order.
    pub findings: Vec<Finding>,
}

impl Report {
    pub(super) fn new() -> Report {
        Report::default()
    }

    pub(super) fn checked(&mut self, invariant: Invariant) {
        self.checked.0[invariant as usize] += 1;
    }

    pub(super) fn violation(&mut self, invariant: Invariant, message: String) {
        self.violations.push(Violation { invariant, message });
    }

    /// Is `invariant` violated?
    pub fn violates(&self, invariant: Invariant) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }

    /// Was no rule broken?
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}
