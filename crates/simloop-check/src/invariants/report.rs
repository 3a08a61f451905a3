//! What checking a run returns: a [`Report`] of [`Violation`]s (rules
//! broken) and [`Finding`]s (facts the design allows), with the count of
//! instances checked per invariant.
//!
//! Separate from the checks, which only append to it (`checked`,
//! `violation`, `findings`): one report collects them all, in the order
//! [`check`](super::check) runs them.

use std::collections::BTreeMap;

use super::Invariant;

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
    pub checked: BTreeMap<Invariant, u32>,
    /// Rules broken, in the order of [`Invariant::ALL`], then of the run.
    pub violations: Vec<Violation>,
    /// Findings, in the same order.
    pub findings: Vec<Finding>,
}

impl Report {
    pub(super) fn new() -> Report {
        Report {
            checked: Invariant::ALL.into_iter().map(|i| (i, 0)).collect(),
            ..Report::default()
        }
    }

    pub(super) fn checked(&mut self, invariant: Invariant) {
        *self.checked.entry(invariant).or_default() += 1;
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
