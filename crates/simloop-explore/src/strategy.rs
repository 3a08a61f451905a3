//! proptest integration: generated scenarios that shrink with
//! [`shrink::candidates`](crate::shrink::candidates).
//!
//! [`scenarios`] draws one `u64` from proptest's RNG and calls
//! [`generate`], so a proptest run explores exactly the trees `generate`
//! makes. Its value tree is the greedy walk of
//! [`shrink`](crate::shrink::shrink), driven by proptest's runner:
//!
//! - `simplify()` is called when the current value failed: that value
//!   becomes the last failing one and the tree moves to its first
//!   candidate;
//! - `complicate()` is called when the current candidate passed: the tree
//!   moves to the next candidate of the last failing value, or returns
//!   false when none is left, `current()` being that failing value again.

use proptest::prelude::Rng as _;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use simloop_scenario::Scenario;

use crate::gen::{generate, GenConfig};
use crate::shrink::Greedy;

/// The strategy of the scenarios [`generate`] makes under `cfg`, with
/// shrinking by [`candidates`](crate::shrink::candidates).
pub fn scenarios(cfg: GenConfig) -> impl Strategy<Value = Scenario> {
    Scenarios { cfg }
}

#[derive(Debug, Clone)]
struct Scenarios {
    cfg: GenConfig,
}

impl Strategy for Scenarios {
    type Tree = ScenarioTree;
    type Value = Scenario;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let seed = runner.rng().next_u64();
        Ok(ScenarioTree {
            walk: Greedy::new(generate(seed, &self.cfg)),
            started: false,
        })
    }
}

/// The greedy walk of [`Greedy`] driven by proptest's runner: the runner
/// tests `current()`, then calls `simplify()` if it failed and
/// `complicate()` if it passed.
#[derive(Debug, Clone)]
struct ScenarioTree {
    walk: Greedy,
    /// Whether `simplify()` was called: before that, `current()` is the
    /// generated scenario and not a candidate.
    started: bool,
}

impl ValueTree for ScenarioTree {
    type Value = Scenario;

    fn current(&self) -> Scenario {
        self.walk.current().clone()
    }

    fn simplify(&mut self) -> bool {
        if self.started {
            // The runner only simplifies after `current()` failed.
            self.walk.accept();
        }
        self.started = true;
        self.walk.advance()
    }

    fn complicate(&mut self) -> bool {
        // The candidate passed: try the next one, or fall back to the last
        // failing scenario.
        self.started && self.walk.trying().is_some() && self.walk.advance()
    }
}
