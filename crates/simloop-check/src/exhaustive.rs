//! [`Exhaustive`]: every schedule of a program, depth first over its choice
//! sequences (shuttle's `dfs.rs`, loom's model checker).
//!
//! The first schedule is CPython's own order. After each run, the next
//! schedule keeps the run's answers up to the deepest choice point that has
//! an answer left to try, takes that answer, and leaves every later point
//! to CPython's choice (0); a changed answer may change which choice points
//! come after it, which the next run finds out. When no point has an
//! answer left, every schedule has run.
//!
//! A timer tie or a set-order step offers every answer `0..=max` (every
//! order of the group). Latency would offer every delay of every sleep, so
//! it enters in a bounded form, *delay bounding*: a sleep is on time (0) or
//! `jitter` ticks late, and at most `delays` sleeps of one schedule are
//! late. With `delays = 0` (or no jitter) only the orders are explored.
//!
//! ```
//! use simloop_check::exhaustive::Exhaustive;
//! use simloop_core::{sleep, spawn, Config, Policy, Profile, Sim};
//!
//! // Three tasks wake at the same tick: 3! = 6 orders; no sleep late.
//! let mut dfs = Exhaustive::new(0, 0);
//! let mut runs = 0;
//! while let Some(schedule) = dfs.next_schedule().cloned() {
//!     let sim = Sim::new(Config::new(Profile::Py313).policy(Policy::Replay(schedule)));
//!     sim.run_main("main", async {
//!         let ts: Vec<_> = (0..3).map(|i| spawn(format!("t{i}"), sleep(5))).collect();
//!         for t in ts {
//!             t.await?;
//!         }
//!         Ok(())
//!     })
//!     .unwrap()
//!     .unwrap();
//!     dfs.advance(&sim.choices());
//!     runs += 1;
//! }
//! assert_eq!(runs, 6);
//! ```

use simloop_core::{Choice, ChoicePoint, Schedule, Tick};

/// The depth-first walk over a program's schedules.
#[derive(Clone, Debug)]
pub struct Exhaustive {
    jitter: Tick,
    delays: usize,
    next: Option<Schedule>,
}

impl Exhaustive {
    /// A walk whose late sleeps are `jitter` ticks late, at most `delays`
    /// of them per schedule.
    pub fn new(jitter: Tick, delays: usize) -> Exhaustive {
        Exhaustive {
            jitter,
            delays,
            next: Some(Schedule::default()),
        }
    }

    /// The schedule to run next (replay it with
    /// [`Policy::Replay`](simloop_core::Policy::Replay)), or `None` once
    /// every schedule has run.
    pub fn next_schedule(&self) -> Option<&Schedule> {
        self.next.as_ref()
    }

    /// Having run [`next_schedule`](Exhaustive::next_schedule), move on,
    /// given every answer of that run (`sim.choices()`).
    pub fn advance(&mut self, choices: &[Choice]) {
        let answers: Vec<u64> = choices.iter().map(|c| c.chosen).collect();
        let late = |cs: &[Choice]| {
            cs.iter()
                .filter(|c| c.point == ChoicePoint::Latency && c.chosen != 0)
                .count()
        };
        self.next = (0..choices.len()).rev().find_map(|i| {
            let c = choices[i];
            let answer = match c.point {
                ChoicePoint::TimerTie | ChoicePoint::SetOrder => {
                    (c.chosen < c.max).then_some(c.chosen + 1)
                }
                ChoicePoint::Latency => {
                    (self.jitter > 0 && c.chosen == 0 && late(&choices[..i]) < self.delays)
                        .then_some(self.jitter)
                }
            }?;
            let mut prefix = answers[..i].to_vec();
            prefix.push(answer);
            Some(Schedule::from_answers(prefix))
        });
    }
}
