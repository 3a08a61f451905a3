//! One task's lane (name, bar, ending, semaphore row, scope brackets,
//! marks) and the cancel arrows between lanes.

use std::fmt::Write;

use simloop_core::{Outcome, ScopeId};

use crate::model::{Cancel, Fate, Lane, MarkKind, Model, Requester, SpanKind};
use crate::svg::{
    colour, fate_colour, Picture, BAR_H, BAR_TOP, INDENT, LANE_PAD, NAME_SIZE, NOTE_SIZE,
    SCOPE_ROW, SEM_ROW,
};
use crate::text::{clip, esc, exc_short};

/// What is written after a task's bar.
pub(crate) fn ending(lane: &Lane) -> String {
    let r = &lane.record;
    let what = match (&r.outcome, &r.value) {
        (Some(Outcome::Ok), None) => "returned".to_owned(),
        (Some(Outcome::Ok), Some(v)) => format!("returned {v}"),
        (Some(Outcome::Error(e)), _) => format!("raised {}", clip(&exc_short(e), 48)),
        (Some(Outcome::Cancelled), _) => "cancelled".to_owned(),
        (None, _) => "stuck: never finished".to_owned(),
    };
    let mut s = match lane.fate {
        Fate::Orphaned if r.cancelled() => "orphan: cancelled at shutdown".to_owned(),
        Fate::Orphaned => format!("orphan: {what} after the shutdown cancel"),
        _ => what,
    };
    // A count left over by a task that did not end cancelled is worth
    // seeing (3.11/3.12's TaskGroup leak); cancelled tasks all have one.
    if r.cancelling > 0 && !r.cancelled() {
        let _ = write!(s, " · cancelling()={}", r.cancelling);
    }
    s
}

/// Hover text of a task's bar.
fn bar_title(lane: &Lane, model: &Model) -> String {
    let r = &lane.record;
    let by = match &r.parent {
        Some(p) => format!(" by {p}"),
        None => String::new(),
    };
    let end = match r.done {
        Some(d) => format!("{} at {d}", ending(lane)),
        None => "never finished (the loop stalled)".to_owned(),
    };
    let mut s = format!("{}: created at {}{by}; {end}", r.name, r.created);
    if lane.fate == Fate::Orphaned {
        s.push_str("\nstill pending when main finished: asyncio.run cancelled it at shutdown");
    }
    let _ = write!(
        s,
        "\ncancel requests {}, uncancels {}, cancelling() at the end {}",
        r.cancel_requests, r.uncancels, r.cancelling
    );
    if model.hash_only {
        s.push_str("\n(trace not kept)");
    }
    s
}

impl Picture<'_> {
    fn bar_y(&self, lane: usize) -> i64 {
        self.lane_y(lane) + BAR_TOP
    }

    /// The horizontal line of a scope bracket `depth` rows under lane `i`'s
    /// bar.
    fn scope_line_y(&self, i: usize, depth: usize) -> i64 {
        let lane = &self.model.lanes[i];
        let sem = if lane.has_semaphore() { SEM_ROW } else { 0 };
        self.bar_y(i) + BAR_H + 2 + sem + SCOPE_ROW * depth as i64 + 11
    }

    /// The `TaskGroup` bracket of `scope`, if it is a task group's: its
    /// owner's lane and the bracket's height.
    fn group_of(&self, scope: ScopeId) -> Option<(usize, i64)> {
        self.model.lanes.iter().enumerate().find_map(|(i, lane)| {
            let s = lane
                .spans
                .iter()
                .find(|s| s.kind == SpanKind::TaskGroup && s.scope == Some(scope))?;
            Some((i, self.scope_line_y(i, s.depth)))
        })
    }

    pub(crate) fn lane(&self, out: &mut String, i: usize) {
        let lane = &self.model.lanes[i];
        let r = &lane.record;
        let bar_y = self.bar_y(i);
        let cy = bar_y + BAR_H / 2;
        let done = r.done.map_or_else(|| "none".to_owned(), |d| d.to_string());
        let _ = writeln!(
            out,
            "<g class=\"lane\" data-task=\"{}\" data-created=\"{}\" data-done=\"{done}\" data-outcome=\"{}\">",
            esc(&lane.name),
            r.created,
            lane.fate.css()
        );
        // The name, with a tree guide to the creator's name.
        let name_x = self.names_x + lane.depth as i64 * INDENT;
        if let Some(p) = lane.parent {
            let px = self.names_x + self.model.lanes[p].depth as i64 * INDENT + 4;
            let py = self.bar_y(p) + BAR_H / 2 + 7;
            let _ = writeln!(
                out,
                "<path class=\"guide\" d=\"M{px} {py}V{cy}H{}\" fill=\"none\" stroke=\"#b5b5b5\"/>",
                name_x - 3
            );
        }
        let _ = writeln!(
            out,
            "<text class=\"name\" x=\"{name_x}\" y=\"{}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"{NAME_SIZE}\" fill=\"{}\">{}</text>",
            cy + 4,
            colour::INK,
            esc(&lane.name)
        );
        // The bar.
        let x0 = self.scale.x(lane.created);
        let x1 = lane.done.map_or(self.tail_end, |d| self.scale.x(d));
        let fill = match lane.fate {
            Fate::Stuck => "url(#stuck)".to_owned(),
            f => fate_colour(f).to_owned(),
        };
        let dash = if lane.fate == Fate::Stuck {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<rect class=\"bar\" x=\"{x0}\" y=\"{bar_y}\" width=\"{}\" height=\"{BAR_H}\" rx=\"3\" fill=\"{fill}\" stroke=\"{}\"{dash}><title>{}</title></rect>",
            x1 - x0,
            darker(lane.fate),
            esc(&bar_title(lane, &self.model))
        );
        self.spans(out, i, x1);
        self.marks(out, i);
        out.push_str("</g>\n");
    }

    /// How the task ended, after its bar, on a white halo so that arrows
    /// crossing it do not hide it.
    pub(crate) fn ending(&self, out: &mut String, i: usize) {
        let lane = &self.model.lanes[i];
        let x = lane.done.map_or(self.tail_end, |d| self.scale.x(d)) + 6;
        let _ = writeln!(
            out,
            "<text x=\"{x}\" y=\"{}\" font-size=\"{NOTE_SIZE}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
            self.bar_y(i) + BAR_H / 2 + 4,
            colour::INK,
            esc(&ending(lane))
        );
    }

    /// Semaphore waits and holds under the bar, then scope brackets.
    fn spans(&self, out: &mut String, i: usize, bar_end: i64) {
        let lane = &self.model.lanes[i];
        let name = &lane.name;
        let sem_y = self.bar_y(i) + BAR_H + 2;
        for s in &lane.spans {
            let x0 = self.scale.x(s.from);
            let x1 = s.to.map_or(bar_end, |t| self.scale.x(t));
            let until = |what: &str| match s.to {
                Some(t) => format!("{what} at {}", t.tick),
                None => "until the task ended".to_owned(),
            };
            match s.kind {
                SpanKind::SemWait => {
                    let _ = writeln!(
                        out,
                        "<line class=\"mark semaphore-wait\" x1=\"{x0}\" y1=\"{y}\" x2=\"{x1}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"2 2\"><title>{}</title></line>",
                        esc(&format!(
                            "{name} waits for a semaphore from {}, {}",
                            s.from.tick,
                            until("acquires it")
                        )),
                        y = sem_y + 2,
                        c = colour::SEMAPHORE
                    );
                }
                SpanKind::SemHold => {
                    let _ = writeln!(
                        out,
                        "<rect class=\"mark semaphore-hold\" x=\"{x0}\" y=\"{sem_y}\" width=\"{}\" height=\"4\" fill=\"{c}\"><title>{}</title></rect>",
                        (x1 - x0).max(2),
                        esc(&format!(
                            "{name} holds a semaphore from {}, {}",
                            s.from.tick,
                            until("releases it")
                        )),
                        c = colour::SEMAPHORE
                    );
                }
                SpanKind::TaskGroup | SpanKind::Timeout => {
                    let (label, c, what) = if s.kind == SpanKind::TaskGroup {
                        ("TaskGroup", colour::TASKGROUP, "async with TaskGroup()")
                    } else {
                        ("timeout", colour::TIMEOUT, "async with asyncio.timeout()")
                    };
                    let ly = self.scope_line_y(i, s.depth);
                    let close = if s.to.is_some() {
                        format!("V{}", ly - 5)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "<g class=\"mark scope {css}\"><title>{}</title>\
                         <path d=\"M{x0} {}V{ly}H{x1}{close}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\"/>\
                         <text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"{c}\">{label}</text></g>",
                        esc(&format!(
                            "{name}: {what} entered at {}, {}",
                            s.from.tick,
                            match s.to {
                                Some(t) => format!("exited at {}", t.tick),
                                None => "never exited".to_owned(),
                            }
                        )),
                        ly - 5,
                        x0 + 3,
                        ly - 2,
                        css = label.to_lowercase(),
                    );
                }
            }
        }
    }

    /// Uncancels, timeouts firing, interrupts, on the bar.
    fn marks(&self, out: &mut String, i: usize) {
        let lane = &self.model.lanes[i];
        let cy = self.bar_y(i) + BAR_H / 2;
        for m in &lane.marks {
            let x = self.scale.x(m.at);
            let t = m.at.tick;
            match m.kind {
                MarkKind::Uncancel { remaining } => {
                    let _ = writeln!(
                        out,
                        "<circle class=\"mark uncancel\" cx=\"{x}\" cy=\"{cy}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></circle>",
                        colour::UNCANCEL,
                        esc(&format!(
                            "{t}: {}.uncancel() leaves cancelling()={remaining}",
                            lane.name
                        ))
                    );
                }
                MarkKind::Interrupt { system_exit } => {
                    let kind = if system_exit {
                        "SystemExit"
                    } else {
                        "KeyboardInterrupt"
                    };
                    let _ = writeln!(
                        out,
                        "<path class=\"mark interrupt\" d=\"M{x} {}l7 13h-14z\" fill=\"{}\" stroke=\"#ffffff\"><title>{}</title></path>",
                        cy - 7,
                        colour::INTERRUPT,
                        esc(&format!(
                            "{t}: {} finished with {kind}, which left the loop: asyncio.run stops the run",
                            lane.name
                        ))
                    );
                }
                MarkKind::TimeoutFired => {
                    let _ = writeln!(
                        out,
                        "<path class=\"mark timeout-fired\" d=\"M{x} {}l6 7l-6 7l-6 -7z\" fill=\"{}\" stroke=\"#ffffff\"><title>{}</title></path>",
                        cy - 7,
                        colour::TIMEOUT,
                        esc(&format!(
                            "{t}: the timeout fired: Timeout._on_timeout cancels {}",
                            lane.name
                        ))
                    );
                }
            }
        }
    }

    /// An arrow from the requester's lane to the target's bar; a short one
    /// from above when a callback or `asyncio.run` asked.
    pub(crate) fn cancel(&self, out: &mut String, c: &Cancel) {
        let x = self.scale.x(c.at);
        let target_lane = self.model.lane_of[c.target];
        let target = &self.model.lanes[target_lane].name;
        let ty = self.bar_y(target_lane);
        let group = match c.by {
            Requester::Scope(scope, _) => self.group_of(scope),
            _ => None,
        };
        let who = match (c.by, group) {
            (Requester::Task(t), _) => self.model.lanes[self.model.lane_of[t]].name.clone(),
            (Requester::Scope(_, label), Some((p, _))) => format!(
                "{label} (a callback of {}'s TaskGroup)",
                self.model.lanes[p].name
            ),
            (Requester::Scope(_, label), None) | (Requester::Callback(label), _) => {
                format!("{label} (a callback)")
            }
            (Requester::Shutdown, _) => "asyncio.run at shutdown".to_owned(),
            (Requester::Outside, _) => "code outside the loop".to_owned(),
        };
        let title = esc(&format!(
            "{}: {who} cancels {target}: cancelling()={}",
            c.at.tick, c.count
        ));
        // (lane, y) the arrow starts from.
        let source = match (c.by, group) {
            (Requester::Task(t), _) if t != c.target => {
                let s = self.model.lane_of[t];
                Some((s, self.bar_y(s) + BAR_H / 2))
            }
            (_, Some(g)) => Some(g),
            _ => None,
        };
        let (y0, y1) = match source {
            Some((s, sy)) if s < target_lane => (sy, ty - 1),
            Some((_, sy)) => (sy, ty + BAR_H + 1),
            None => (ty - 13, ty - 1),
        };
        let dot = match source {
            Some(_) => format!(
                "<circle cx=\"{x}\" cy=\"{y0}\" r=\"2.5\" fill=\"{}\"/>",
                colour::CANCEL
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<g class=\"mark cancel\" data-target=\"{}\" data-tick=\"{}\"><title>{title}</title>{dot}\
             <line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{y1}\" stroke=\"{c}\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/></g>",
            esc(target),
            c.at.tick,
            c = colour::CANCEL,
        );
    }
}

pub(crate) fn lane_height(l: &Lane) -> i64 {
    BAR_TOP
        + BAR_H
        + 2
        + if l.has_semaphore() { SEM_ROW } else { 0 }
        + SCOPE_ROW * l.scope_rows() as i64
        + LANE_PAD
}

fn darker(f: Fate) -> &'static str {
    match f {
        Fate::Returned => "#357a3b",
        Fate::Raised => "#a8322a",
        Fate::Cancelled => "#7a7a7a",
        Fate::Orphaned => "#7d3f96",
        Fate::Stuck => "#b5721a",
    }
}
