//! Shrinking a failing schedule toward CPython's own order: as few
//! deviations as possible, each as small as possible.
//!
//! A schedule is its non-zero answers by choice point. A candidate drops
//! one answer (that point then takes CPython's choice) or lowers one to 1;
//! it is kept when the same problem still shows. Passes repeat until one
//! changes nothing or the budget of runs is spent. Answers are replayed by
//! index, so a candidate that no longer fits the program (an answer above
//! a point's options) fails with a schedule mismatch and is not kept.

use simloop_core::Schedule;

/// The smallest schedule this finds that still `fails`, trying at most
/// `budget` candidates; and how many it tried.
pub fn shrink_schedule(
    schedule: &Schedule,
    budget: usize,
    fails: &mut dyn FnMut(&Schedule) -> bool,
) -> (Schedule, usize) {
    let mut best: Vec<(u64, u64)> = schedule.pairs().to_vec();
    let mut tried = 0;
    loop {
        let mut changed = false;
        // Drop answers, last first: late choices depend on early ones.
        let mut k = best.len();
        while k > 0 && tried < budget {
            k -= 1;
            let mut cand = best.clone();
            cand.remove(k);
            tried += 1;
            if fails(&to_schedule(&cand)) {
                best = cand;
                changed = true;
            }
        }
        // Lower what is left to 1.
        for k in 0..best.len() {
            if tried >= budget || best[k].1 <= 1 {
                continue;
            }
            let mut cand = best.clone();
            cand[k].1 = 1;
            tried += 1;
            if fails(&to_schedule(&cand)) {
                best = cand;
                changed = true;
            }
        }
        if !changed || tried >= budget {
            return (to_schedule(&best), tried);
        }
    }
}

fn to_schedule(pairs: &[(u64, u64)]) -> Schedule {
    Schedule::from_pairs(pairs.iter().copied()).expect("still in index order")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_answers_the_failure_needs() {
        let s: Schedule = "1:3,4:2,9:7,12:1".parse().unwrap();
        // Fails while point 9 deviates at all.
        let (small, tried) = shrink_schedule(&s, 100, &mut |c| c.value_at(9) > 0);
        assert_eq!(small.to_string(), "9:1");
        assert!(tried <= 10, "{tried}");
        // Nothing to shrink: CPython's order stays.
        let (same, _) = shrink_schedule(&Schedule::default(), 100, &mut |_| true);
        assert!(same.is_empty());
        // The budget is a hard limit.
        let (_, tried) = shrink_schedule(&s, 2, &mut |_| false);
        assert_eq!(tried, 2);
    }
}
