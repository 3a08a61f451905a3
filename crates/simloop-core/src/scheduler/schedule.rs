//! [`Schedule`]: a run's choices as a short string that replays it.

use std::fmt;
use std::str::FromStr;

/// The non-zero answers of a run's choice points, by index: everything a
/// [`Replay`](super::Replay) needs to run it again. CPython's own order is
/// the empty schedule.
///
/// Printed as `INDEX:VALUE` pairs in index order, joined by commas
/// (`3:1,17:2`: choice point 3 took 1, point 17 took 2, every other 0), or
/// `none` when empty; [`FromStr`] reads the same (and the empty string).
///
/// ```
/// use simloop_core::Schedule;
///
/// let s: Schedule = "3:1,17:2".parse().unwrap();
/// assert_eq!(s.value_at(17), 2);
/// assert_eq!(s.value_at(4), 0);
/// assert_eq!(s.to_string(), "3:1,17:2");
/// assert_eq!(Schedule::default().to_string(), "none");
/// assert!("3:1,2:1".parse::<Schedule>().is_err()); // not in index order
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    /// `(index, value)`, indexes strictly increasing, values non-zero.
    choices: Vec<(u64, u64)>,
}

impl Schedule {
    /// The schedule of these `(index, value)` answers; zeros are dropped.
    /// `None` unless the indexes strictly increase.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u64, u64)>) -> Option<Schedule> {
        let choices: Vec<(u64, u64)> = pairs.into_iter().filter(|&(_, v)| v != 0).collect();
        choices
            .windows(2)
            .all(|w| w[0].0 < w[1].0)
            .then_some(Schedule { choices })
    }

    /// The schedule of a run's answers in order (index = position).
    pub fn from_answers(answers: impl IntoIterator<Item = u64>) -> Schedule {
        Schedule {
            choices: (0u64..).zip(answers).filter(|&(_, v)| v != 0).collect(),
        }
    }

    /// The answer at choice point `index` (0 if none is recorded).
    pub fn value_at(&self, index: u64) -> u64 {
        self.choices
            .binary_search_by_key(&index, |&(i, _)| i)
            .map_or(0, |k| self.choices[k].1)
    }

    /// The non-zero answers, `(index, value)` in index order.
    pub fn pairs(&self) -> &[(u64, u64)] {
        &self.choices
    }

    /// How many answers are not CPython's (non-zero).
    pub fn deviations(&self) -> usize {
        self.choices.len()
    }

    /// Is it CPython's own order?
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.choices.is_empty() {
            return f.write_str("none");
        }
        for (k, (i, v)) in self.choices.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            write!(f, "{i}:{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Schedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        if s.is_empty() || s == "none" {
            return Ok(Schedule::default());
        }
        let pairs = s
            .split(',')
            .map(|pair| {
                let bad = || format!("expected INDEX:VALUE, got {pair:?}");
                let (i, v) = pair.split_once(':').ok_or_else(bad)?;
                let i = i.trim().parse::<u64>().map_err(|_| bad())?;
                let v = v.trim().parse::<u64>().map_err(|_| bad())?;
                Ok((i, v))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Schedule::from_pairs(pairs).ok_or_else(|| {
            format!("a schedule lists its choice points in increasing order, got {s:?}")
        })
    }
}
