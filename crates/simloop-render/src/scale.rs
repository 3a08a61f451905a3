//! The time axis: a hybrid of an ordinal and a linear scale.
//!
//! Virtual time runs from 0 to anything up to 10^6 ticks and more, and
//! asyncio does most of its work *within* one tick (a failure, the cancels it
//! causes and the tasks ending all happen at the same instant). A linear
//! scale would stack those events on one vertical line; an ordinal one would
//! hide how long a sleep took. So:
//!
//! - every tick with a shown event gets a **column**, wide enough to put its
//!   events side by side, left to right in the order they happened (one
//!   *slot* each); the picture shades it and labels it with its tick;
//! - the **gap** between two columns is proportional to the ticks between
//!   them (plus a minimum width), and the axis labels round ticks inside a
//!   gap where there is room.
//!
//! Everything is an integer number of pixels, so the picture is the same
//! bytes on every machine.

use simloop_core::Tick;

use crate::model::Pos;

/// Pixels between two events of the same tick (as wide as one mark).
const SLOT: i64 = 16;
/// Narrowest slot when a run has very many events.
const MIN_SLOT: i64 = 8;
/// Space on each side of a column's first and last slot.
const PAD: i64 = 6;
/// Narrowest gap between two columns, however little time passed.
const MIN_GAP: i64 = 24;
/// Widest slot, when a run happens in a few ticks and has room to spare.
const MAX_SLOT: i64 = 48;

/// One tick's column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) tick: Tick,
    /// Left edge.
    pub(crate) x: i64,
    pub(crate) width: i64,
}

/// Where ticks and events go on the x axis.
#[derive(Clone, Debug)]
pub(crate) struct Scale {
    cols: Vec<Column>,
    slot: i64,
    /// Left edge of the first column.
    pub(crate) start: i64,
    /// Right edge of the last column.
    pub(crate) end: i64,
}

impl Scale {
    /// Columns for `columns` (tick, events in it; ticks ascending) from x =
    /// `start`, spread over about `width` pixels (more if they need it).
    pub(crate) fn new(columns: &[(Tick, u32)], start: i64, width: i64) -> Scale {
        let events: i64 = columns.iter().map(|&(_, n)| i64::from(n)).sum();
        let gaps = columns.len().saturating_sub(1) as i64;
        let pads = columns.len() as i64 * 2 * PAD;
        let room = width - pads - gaps * MIN_GAP;
        let slot = if events == 0 {
            SLOT
        } else if gaps == 0 {
            // Everything in one tick: the ordinal scale, as wide as allowed.
            (room / events).clamp(SLOT, MAX_SLOT)
        } else {
            // Slots take at most two thirds; the rest shows elapsed time.
            (room * 2 / 3 / events).clamp(MIN_SLOT, SLOT)
        };
        let col_width = |n: u32| i64::from(n) * slot + 2 * PAD;
        let used: i64 = columns.iter().map(|&(_, n)| col_width(n)).sum::<i64>() + gaps * MIN_GAP;
        let spare = (width - used).max(0);
        let span = match (columns.first(), columns.last()) {
            (Some(a), Some(b)) => b.0 - a.0,
            _ => 0,
        };
        let mut cols = Vec::with_capacity(columns.len());
        let mut x = start;
        let mut prev: Option<Tick> = None;
        let mut elapsed: u128 = 0;
        let mut given: i64 = 0;
        for &(tick, n) in columns {
            if let Some(p) = prev {
                // Proportional share of the spare room, rounded so that the
                // shares add up exactly (no drift over many gaps).
                elapsed += u128::from(tick - p);
                let due = (elapsed * spare as u128 / u128::from(span.max(1))) as i64;
                x += MIN_GAP + (due - given);
                given = due;
            }
            let w = col_width(n);
            cols.push(Column { tick, x, width: w });
            x += w;
            prev = Some(tick);
        }
        Scale {
            cols,
            slot,
            start,
            end: x,
        }
    }

    /// The columns, left to right.
    pub(crate) fn columns(&self) -> &[Column] {
        &self.cols
    }

    /// Pixels per slot.
    pub(crate) fn slot(&self) -> i64 {
        self.slot
    }

    /// The column of `tick`, if something happened then.
    pub(crate) fn column(&self, tick: Tick) -> Option<&Column> {
        self.cols
            .binary_search_by_key(&tick, |c| c.tick)
            .ok()
            .map(|i| &self.cols[i])
    }

    /// The centre of an event's slot.
    pub(crate) fn x(&self, p: Pos) -> i64 {
        match self.column(p.tick) {
            Some(c) => c.x + PAD + i64::from(p.slot) * self.slot + self.slot / 2,
            None => self.x_between(p.tick).unwrap_or(self.end),
        }
    }

    /// Where a tick with no column of its own falls in a gap (linear
    /// between the two columns around it); `None` outside the axis.
    pub(crate) fn x_between(&self, tick: Tick) -> Option<i64> {
        let i = self.cols.partition_point(|c| c.tick < tick);
        if i == 0 || i == self.cols.len() {
            return None;
        }
        let (a, b) = (&self.cols[i - 1], &self.cols[i]);
        let (x0, x1) = (a.x + a.width, b.x);
        let num = u128::from(tick - a.tick) * (x1 - x0) as u128;
        Some(x0 + (num / u128::from(b.tick - a.tick)) as i64)
    }

    /// Round ticks to label inside the gaps, at least `min_px` apart and
    /// from the columns: (tick, x).
    pub(crate) fn gap_labels(&self, min_px: i64) -> Vec<(Tick, i64)> {
        let mut out = Vec::new();
        for w in self.cols.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let px = b.x - (a.x + a.width);
            let dt = b.tick - a.tick;
            if px < 2 * min_px || dt < 2 {
                continue;
            }
            let step = nice_step(dt, px, min_px);
            let mut t = (a.tick / step + 1) * step;
            while t < b.tick {
                let x = self.x_between(t).expect("inside the gap");
                if x - (a.x + a.width) >= min_px / 2 && b.x - x >= min_px / 2 {
                    out.push((t, x));
                }
                t += step;
            }
        }
        out
    }
}

/// The smallest 1-2-5 step of ticks that puts labels `min_px` apart when
/// `dt` ticks take `px` pixels.
fn nice_step(dt: Tick, px: i64, min_px: i64) -> Tick {
    let mut base: Tick = 1;
    loop {
        for m in [1, 2, 5] {
            let step = base.saturating_mul(m);
            if u128::from(step) * px as u128 >= u128::from(dt) * min_px as u128 {
                return step;
            }
        }
        base = base.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tick_is_an_ordinal_scale() {
        let s = Scale::new(&[(0, 4)], 100, 1000);
        assert_eq!(s.columns().len(), 1);
        assert_eq!(s.slot(), MAX_SLOT);
        let xs: Vec<i64> = (0..4).map(|slot| s.x(Pos { tick: 0, slot })).collect();
        assert!(xs.windows(2).all(|w| w[1] - w[0] == MAX_SLOT), "{xs:?}");
    }

    #[test]
    fn gaps_grow_with_elapsed_time() {
        let s = Scale::new(&[(0, 3), (100, 2), (1100, 2)], 0, 1000);
        let c = s.columns();
        let gap = |i: usize| c[i + 1].x - (c[i].x + c[i].width);
        assert!(gap(0) >= MIN_GAP && gap(1) >= MIN_GAP);
        // 1000 ticks take ten times the spare room of 100 ticks (±1 px).
        assert!(((gap(1) - MIN_GAP) - 10 * (gap(0) - MIN_GAP)).abs() <= 10);
        assert_eq!(s.end - s.start, 1000);
    }

    #[test]
    fn huge_ticks_do_not_overflow() {
        let s = Scale::new(&[(0, 1), (1, 1), (1_000_000_000_000, 1)], 0, 1000);
        let c = s.columns();
        assert_eq!(c[1].x - (c[0].x + c[0].width), MIN_GAP);
        assert!(s.x_between(500_000_000_000).is_some());
    }

    #[test]
    fn gap_labels_are_round_and_in_order() {
        let s = Scale::new(&[(0, 2), (500, 2)], 0, 1000);
        let labels = s.gap_labels(60);
        let ticks: Vec<Tick> = labels.iter().map(|l| l.0).collect();
        assert_eq!(ticks, [50, 100, 150, 200, 250, 300, 350, 400, 450]);
        assert!(labels.windows(2).all(|w| w[1].1 - w[0].1 >= 60));
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(500, 1000, 60), 50);
        assert_eq!(nice_step(10, 1000, 60), 1);
        assert_eq!(nice_step(1_000_000, 900, 80), 100_000);
    }
}
