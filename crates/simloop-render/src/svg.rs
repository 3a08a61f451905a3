//! The timeline as one self-contained SVG: the document, its header, the
//! time axis; the lanes are drawn by `lane`.
//!
//! Top to bottom: the title (scenario, CPython profile, policy, the outcome
//! summary), the time axis, one lane per task, the legend. In a lane: the
//! task's name (indented under its creator), a bar from its creation to its
//! end coloured by how it ended with the ending written after it, marks on
//! the bar (uncancel, timeout fired), a thin row for semaphore waits and
//! holds, and rows of brackets for its `TaskGroup` and `timeout` blocks.
//! Cancel requests are arrows from the lane of the task that asked to the
//! lane of the task asked, drawn over everything.
//!
//! Every shape that stands for something has a `<title>` (a tooltip in any
//! browser) saying exactly what and when. Lanes are `<g class="lane">`
//! with `data-task`, `data-created`, `data-done` (ticks) and `data-outcome`;
//! tick columns are `<rect class="tick-column" data-tick=...>`; bars are
//! `<rect class="bar">`.

use std::fmt::Write;

use simloop_asyncio::runner::RunReport;
use simloop_asyncio::timeline::Words;
use simloop_core::Policy;

use crate::lane::{ending, lane_height};
use crate::legend;
use crate::model::{Fate, Model};
use crate::scale::Scale;
use crate::text::{esc, mono_width, sans_width};

/// Width the time axis is spread over (it grows when a run needs more).
const PLOT_WIDTH: i64 = 720;
const MARGIN: i64 = 16;
/// Indent of a task's name per level of the tree.
pub(crate) const INDENT: i64 = 14;
pub(crate) const NAME_SIZE: i64 = 12;
pub(crate) const NOTE_SIZE: i64 = 11;
pub(crate) const BAR_TOP: i64 = 7;
pub(crate) const BAR_H: i64 = 14;
pub(crate) const SEM_ROW: i64 = 7;
pub(crate) const SCOPE_ROW: i64 = 15;
pub(crate) const LANE_PAD: i64 = 7;
/// How far past the last column a bar that never ended runs.
const TAIL: i64 = 44;

/// Colours, by meaning.
pub(crate) mod colour {
    pub(crate) const OK: &str = "#4c9a52";
    pub(crate) const ERROR: &str = "#d1453b";
    pub(crate) const CANCELLED: &str = "#9a9a9a";
    pub(crate) const ORPHANED: &str = "#9b59b6";
    pub(crate) const STUCK: &str = "#e69b2e";
    pub(crate) const CANCEL: &str = "#b0281d";
    pub(crate) const UNCANCEL: &str = "#1f6fb2";
    pub(crate) const TIMEOUT: &str = "#d9822b";
    pub(crate) const INTERRUPT: &str = "#7a1010";
    pub(crate) const SEMAPHORE: &str = "#3b6ea8";
    pub(crate) const TASKGROUP: &str = "#5b4a9e";
    pub(crate) const INK: &str = "#222222";
    pub(crate) const MUTED: &str = "#666666";
    pub(crate) const COLUMN: &str = "#e3eaf4";
    pub(crate) const STRIPE: &str = "#f6f6f6";
}

pub(crate) fn fate_colour(f: Fate) -> &'static str {
    match f {
        Fate::Returned => colour::OK,
        Fate::Raised => colour::ERROR,
        Fate::Cancelled => colour::CANCELLED,
        Fate::Orphaned => colour::ORPHANED,
        Fate::Stuck => colour::STUCK,
    }
}

/// The timeline of `run` as a standalone SVG document, titled `title`
/// (e.g. the scenario's name). The subtitle names the CPython profile and
/// the policy of the run and summarises its outcome.
///
/// `words` says what tasks returned (and prints exceptions in the
/// summary). The run needs its full trace
/// ([`simloop_core::TraceMode::Full`], the default); without it, the
/// picture shows task lifetimes and says that the rest was not recorded.
pub fn render_svg<T>(report: &RunReport<T>, title: &str, words: &dyn Words) -> String {
    Picture::new(report, words, title).svg()
}

/// Text lines under the title.
fn subtitle<T>(report: &RunReport<T>, words: &dyn Words, model: &Model) -> Vec<String> {
    let config = report.sim.config();
    let policy = match &config.policy {
        Policy::Asyncio => "asyncio policy (CPython's own order)".to_owned(),
        Policy::Seeded { seed, jitter: 0 } => format!("seeded policy, seed {seed}"),
        Policy::Seeded { seed, jitter } => {
            format!("seeded policy, seed {seed}, jitter {jitter} ticks")
        }
        Policy::Replay(schedule) => format!("replayed schedule {schedule}"),
        Policy::Pct { seed, depth, .. } => format!("PCT-style policy, seed {seed}, depth {depth}"),
    };
    let mut lines = vec![format!(
        "CPython {} ({}) · {policy} · time in virtual ticks",
        config.profile.cpython(),
        config.profile.name()
    )];
    lines.extend(
        report
            .summary(words)
            .lines()
            .map(|l| l.trim().trim_start_matches("outcome: ").to_owned()),
    );
    if model.hash_only {
        lines.push(
            "only the trace hash was kept: task lifetimes shown, cancels and marks not recorded"
                .to_owned(),
        );
    }
    lines
}

/// A run laid out: the model, the scale, and where everything goes.
pub(crate) struct Picture<'a> {
    pub(crate) model: Model,
    title: &'a str,
    subtitle: Vec<String>,
    pub(crate) scale: Scale,
    /// Left edge of the name column.
    pub(crate) names_x: i64,
    /// Top of each lane.
    lane_y: Vec<i64>,
    lanes_end: i64,
    axis_y: i64,
    width: i64,
    /// Right end of the drawing of bars (past the axis for stuck tasks).
    pub(crate) tail_end: i64,
}

impl<'a> Picture<'a> {
    fn new<T>(report: &RunReport<T>, words: &dyn Words, title: &'a str) -> Picture<'a> {
        let model = Model::new(report, words);
        let subtitle = subtitle(report, words, &model);
        let names_w = model
            .lanes
            .iter()
            .map(|l| l.depth as i64 * INDENT + mono_width(&l.name, NAME_SIZE))
            .max()
            .unwrap_or(0)
            .max(40);
        let names_x = MARGIN;
        let plot_x = names_x + names_w + 24;
        let scale = Scale::new(&model.columns, plot_x, PLOT_WIDTH);
        let stuck = model.lanes.iter().any(|l| l.done.is_none());
        let tail_end = scale.end + if stuck { TAIL } else { 0 };
        let ends = model
            .lanes
            .iter()
            .map(|l| {
                let end = l.done.map_or(tail_end, |d| scale.x(d));
                end + 8 + sans_width(&ending(l), NOTE_SIZE)
            })
            .max()
            .unwrap_or(0);
        let header_w = (title.chars().count() as i64 * 11).max(
            subtitle
                .iter()
                .map(|s| sans_width(s, NOTE_SIZE))
                .max()
                .unwrap_or(0),
        ) + 2 * MARGIN;
        let width = (ends + MARGIN)
            .max(header_w)
            .max(tail_end + MARGIN)
            .max(legend::MIN_WIDTH);
        let axis_y = 30 + 16 * subtitle.len() as i64 + 10;
        let mut y = axis_y + 40;
        let mut lane_y = Vec::with_capacity(model.lanes.len());
        for l in &model.lanes {
            lane_y.push(y);
            y += lane_height(l);
        }
        Picture {
            model,
            title,
            subtitle,
            scale,
            names_x,
            lane_y,
            lanes_end: y,
            axis_y,
            width,
            tail_end,
        }
    }

    fn svg(&self) -> String {
        let mut body = String::new();
        self.header(&mut body);
        self.stripes(&mut body);
        self.axis(&mut body);
        self.shutdown(&mut body);
        body.push_str("<g class=\"lanes\">\n");
        for i in 0..self.model.lanes.len() {
            self.lane(&mut body, i);
        }
        body.push_str("</g>\n<g class=\"cancels\">\n");
        for c in &self.model.cancels {
            self.cancel(&mut body, c);
        }
        body.push_str("</g>\n<g class=\"endings\">\n");
        for i in 0..self.model.lanes.len() {
            self.ending(&mut body, i);
        }
        body.push_str("</g>\n");
        let legend_y = self.lanes_end + 30;
        let height = legend::draw(&mut body, MARGIN, legend_y, self.width - 2 * MARGIN) + MARGIN;

        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
             viewBox=\"0 0 {w} {height}\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" \
             font-size=\"12\" class=\"simloop-timeline\">",
            w = self.width
        );
        let _ = writeln!(
            out,
            "<title>{}</title>",
            esc(&format!("simloop timeline: {}", self.title))
        );
        let _ = writeln!(out, "<desc>{}</desc>", esc(&self.subtitle.join("\n")));
        out.push_str(DEFS);
        let _ = writeln!(
            out,
            "<rect class=\"background\" width=\"{}\" height=\"{height}\" fill=\"#ffffff\"/>",
            self.width
        );
        out.push_str(&body);
        out.push_str("</svg>\n");
        out
    }

    fn header(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "<text class=\"title\" x=\"{MARGIN}\" y=\"24\" font-size=\"17\" font-weight=\"bold\" fill=\"{}\">{}</text>",
            colour::INK,
            esc(self.title)
        );
        for (i, line) in self.subtitle.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text class=\"subtitle\" x=\"{MARGIN}\" y=\"{}\" font-size=\"{NOTE_SIZE}\" fill=\"{}\">{}</text>",
                44 + 16 * i as i64,
                if i == 0 { colour::MUTED } else { colour::INK },
                esc(line)
            );
        }
    }

    /// Alternate lanes get a light background, across the whole width.
    fn stripes(&self, out: &mut String) {
        for (i, &y) in self.lane_y.iter().enumerate() {
            if i % 2 == 1 {
                let h = lane_height(&self.model.lanes[i]);
                let _ = writeln!(
                    out,
                    "<rect class=\"stripe\" x=\"0\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"{}\"/>",
                    self.width,
                    colour::STRIPE
                );
            }
        }
    }

    /// Tick columns, their labels, round ticks in the gaps, the axis line.
    fn axis(&self, out: &mut String) {
        let top = self.axis_y + 30;
        let bottom = self.lanes_end;
        let line_y = self.axis_y + 30;
        out.push_str("<g class=\"axis\">\n");
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{NOTE_SIZE}\" fill=\"{}\">tick</text>",
            self.names_x,
            self.axis_y + 12,
            colour::MUTED
        );
        // Column labels on the first row, or the second where they would
        // overlap; round ticks in the gaps only where the first row is free.
        // A label left out still has its column's tooltip.
        let mut rows: [Vec<(i64, i64)>; 2] = [Vec::new(), Vec::new()];
        let mut place = |x: i64, text: &str, max_row: usize| -> Option<i64> {
            let half = mono_width(text, NOTE_SIZE) / 2 + 4;
            let (a, b) = (x - half, x + half);
            for (r, row) in rows.iter_mut().enumerate().take(max_row) {
                if row.iter().all(|&(c, d)| b < c || a > d) {
                    row.push((a, b));
                    return Some(r as i64);
                }
            }
            None
        };
        for c in self.scale.columns() {
            let n = self
                .model
                .columns
                .iter()
                .find(|k| k.0 == c.tick)
                .map_or(0, |k| k.1);
            let what = if n == 1 { "event" } else { "events" };
            let _ = writeln!(
                out,
                "<rect class=\"tick-column\" data-tick=\"{t}\" x=\"{x}\" y=\"{top}\" width=\"{w}\" height=\"{h}\" fill=\"{fill}\">\
                 <title>tick {t}: {n} {what}, left to right in the order they happened</title></rect>",
                t = c.tick,
                x = c.x,
                w = c.width,
                h = bottom - top,
                fill = colour::COLUMN,
            );
            let label = c.tick.to_string();
            let cx = c.x + c.width / 2;
            if let Some(row) = place(cx, &label, 2) {
                let _ = writeln!(
                    out,
                    "<text class=\"tick-label\" x=\"{cx}\" y=\"{}\" font-size=\"{NOTE_SIZE}\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{}\">{label}</text>",
                    self.axis_y + 12 + 13 * row,
                    colour::INK
                );
            }
        }
        for (t, x) in self.scale.gap_labels(64) {
            let label = t.to_string();
            if let Some(row) = place(x, &label, 1) {
                let _ = writeln!(
                    out,
                    "<text class=\"gap-label\" x=\"{x}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#8a8a8a\">{label}</text>\
                     <line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{line_y}\" stroke=\"#8a8a8a\"/>",
                    self.axis_y + 12 + 13 * row,
                    line_y - 4
                );
            }
        }
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{line_y}\" x2=\"{}\" y2=\"{line_y}\" stroke=\"{}\"/>",
            self.scale.start,
            self.scale.end.max(self.tail_end),
            colour::MUTED
        );
        out.push_str("</g>\n");
    }

    /// The instant `main` ended with tasks still pending.
    fn shutdown(&self, out: &mut String) {
        let Some(at) = self.model.shutdown else {
            return;
        };
        let x = self.scale.x(at) + self.scale.slot() / 2;
        let _ = writeln!(
            out,
            "<g class=\"shutdown\"><title>main finished at {}: asyncio.run cancels every task still pending (the orphans)</title>\
             <line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{c}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{c}\">asyncio.run shutdown</text></g>",
            at.tick,
            self.axis_y + 30,
            self.lanes_end + 4,
            x + 3,
            self.lanes_end + 14,
            c = colour::ORPHANED,
        );
    }

    /// Top of lane `i`.
    pub(crate) fn lane_y(&self, i: usize) -> i64 {
        self.lane_y[i]
    }
}

/// The arrowhead of cancel arrows and the hatching of stuck bars.
const DEFS: &str = "<defs>\
<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
<path d=\"M0 0L10 5L0 10z\" fill=\"#b0281d\"/></marker>\
<pattern id=\"stuck\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
<rect width=\"8\" height=\"8\" fill=\"#f6c26b\"/><rect width=\"4\" height=\"8\" fill=\"#e69b2e\"/></pattern>\
</defs>\n";

/// Ticks of the run that have a column (for tests of the layout).
#[cfg(test)]
pub(crate) fn column_ticks(run: &simloop_scenario::Run) -> Vec<simloop_core::Tick> {
    Model::new(&run.report, &run.words())
        .columns
        .iter()
        .map(|c| c.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use simloop_core::{Config, Profile};
    use simloop_scenario::{parse_scenario, run, Run};

    fn render(r: &Run, title: &str) -> String {
        render_svg(&r.report, title, &r.words())
    }

    fn go(json: &str) -> Run {
        run(&parse_scenario(json).unwrap(), Config::new(Profile::Py313)).unwrap()
    }

    #[test]
    fn same_run_same_bytes() {
        let s = r#"{"main": [{"gather": [[{"sleep": 5}], [{"raise": "Boom"}]]}]}"#;
        assert_eq!(render(&go(s), "x"), render(&go(s), "x"));
    }

    #[test]
    fn columns_are_the_ticks_with_events() {
        let r = go(r#"{"main": [{"sleep": 5}, {"spawn": [{"sleep": 7}]}, {"await": "main.0"}]}"#);
        assert_eq!(column_ticks(&r), [0, 5, 12]);
    }

    #[test]
    fn without_a_trace_lifetimes_are_still_drawn() {
        let s = r#"{"main": [{"gather": [[{"sleep": 5}], [{"raise": "Boom"}]]}]}"#;
        let config = Config::new(Profile::Py313).trace(simloop_core::TraceMode::HashOnly);
        let r = run(&parse_scenario(s).unwrap(), config).unwrap();
        let svg = render(&r, "hash only");
        assert_eq!(svg.matches("<g class=\"lane\"").count(), 3);
        assert!(svg.contains("only the trace hash was kept"));
        assert_eq!(column_ticks(&r), [0]);
    }

    #[test]
    fn an_interrupt_is_marked_on_the_task_it_left_from() {
        let r = go(r#"{"main": [{"task_group": [
            {"name": "a", "body": [{"sleep": 2}, {"raise": "SystemExit"}]},
            {"name": "b", "body": [{"sleep": 5}]}]}]}"#);
        let svg = render(&r, "x");
        // `a`'s SystemExit, then the group's raising it again from `main`.
        assert_eq!(svg.matches("<path class=\"mark interrupt\"").count(), 2);
        assert!(svg.contains(
            "2: a finished with SystemExit, which left the loop: asyncio.run stops the run"
        ));
        assert!(svg.contains("2: main finished with SystemExit"));
    }

    #[test]
    fn a_title_is_escaped() {
        let svg = render(&go(r#"{"main": [{"return": "<&>"}]}"#), "a <b> & c");
        assert!(svg.contains("a &lt;b&gt; &amp; c"));
        assert!(svg.contains("returned &quot;&lt;&amp;&gt;&quot;"));
    }
}
