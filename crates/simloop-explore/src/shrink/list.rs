//! The candidate list: every edit of a scenario ([`edits`](super::edits),
//! [`global`](super::global)), kept if smaller by [`size`], sorted by tier
//! then size, and checked for duplicates and validity only when reached.
//!
//! Separate from the edits, which only propose, and from the walk, which
//! only consumes: this is where the order of trial is decided.

use std::collections::BTreeMap;

use simloop_scenario::{validate, Limits, Scenario};

use super::edits::{block_edits, Tier};
use super::global::global_edits;
use super::measure::size;

/// Every valid one-edit simplification of `s` that is strictly smaller by
/// [`size`], without duplicates, most aggressive first (see the module
/// docs for the edits and their order).
pub fn candidates(s: &Scenario) -> Vec<Scenario> {
    let cs = unchecked(s);
    let mut seen = Seen::default();
    let keep: Vec<bool> = (0..cs.len()).map(|i| seen.usable(&cs, i)).collect();
    cs.into_iter()
        .zip(keep)
        .filter_map(|((_, c), keep)| keep.then_some(c))
        .collect()
}

/// The candidates with their sizes, before the checks for duplicates and
/// validity (costly, so only done for those actually tried): sorted, each
/// smaller than `s`.
pub(super) fn unchecked(s: &Scenario) -> Vec<(usize, Scenario)> {
    let shell = Scenario {
        main: Vec::new(),
        ..s.clone()
    };
    let mut edits: Vec<(Tier, Scenario)> = block_edits(&s.main)
        .into_iter()
        .map(|(tier, main)| {
            (
                tier,
                Scenario {
                    main,
                    ..shell.clone()
                },
            )
        })
        .collect();
    global_edits(s, &mut edits);
    let limit = size(s);
    let mut sized: Vec<(Tier, usize, Scenario)> = edits
        .into_iter()
        .map(|(tier, c)| (tier, size(&c), c))
        .filter(|&(_, n, _)| n < limit)
        .collect();
    sized.sort_by_key(|&(tier, n, _)| (tier, n));
    sized.into_iter().map(|(_, n, c)| (n, c)).collect()
}

/// The candidates passed over so far, by size (equal scenarios have equal
/// sizes), to skip duplicates.
#[derive(Debug, Clone, Default)]
pub(super) struct Seen(BTreeMap<usize, Vec<usize>>);

impl Seen {
    /// Whether candidate `i` is valid and equal to none seen before.
    pub(super) fn usable(&mut self, cs: &[(usize, Scenario)], i: usize) -> bool {
        let (n, c) = &cs[i];
        let same = self.0.entry(*n).or_default();
        if same.iter().any(|&j| cs[j].1 == *c) {
            return false;
        }
        same.push(i);
        validate(c, &Limits::default()).is_ok()
    }
}
