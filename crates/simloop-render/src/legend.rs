//! The key under the lanes: every colour and symbol, and how to read the
//! time axis.

use std::fmt::Write;

use crate::svg::colour;
use crate::text::{esc, sans_width};

/// The narrowest picture: room for the legend's longest line.
pub(crate) const MIN_WIDTH: i64 = 760;

const SIZE: i64 = 11;
const ROW: i64 = 20;
const SAMPLE: i64 = 24;

enum Sample {
    Bar(&'static str),
    Hatched,
    Arrow,
    Uncancel,
    Timeout,
    Interrupt,
    SemWait,
    SemHold,
    Bracket(&'static str),
}

/// Rows of the key: how tasks end; what happens to them; what they are in.
const ITEMS: &[&[(Sample, &str)]] = &[
    &[
        (Sample::Bar(colour::OK), "returned"),
        (Sample::Bar(colour::ERROR), "raised"),
        (Sample::Bar(colour::CANCELLED), "cancelled"),
        (
            Sample::Bar(colour::ORPHANED),
            "orphan: still running when main ended, so asyncio.run cancelled it",
        ),
        (Sample::Hatched, "stuck: never finished"),
    ],
    &[
        (
            Sample::Arrow,
            "cancel() requested by the task or TaskGroup at the dot (no dot: by a callback or asyncio.run)",
        ),
        (Sample::Uncancel, "uncancel()"),
        (Sample::Timeout, "timeout fired"),
        (
            Sample::Interrupt,
            "KeyboardInterrupt or SystemExit left the loop",
        ),
    ],
    &[
        (Sample::SemWait, "waiting for a semaphore"),
        (Sample::SemHold, "holding a semaphore"),
        (Sample::Bracket(colour::TASKGROUP), "inside async with TaskGroup()"),
        (Sample::Bracket(colour::TIMEOUT), "inside async with asyncio.timeout()"),
    ],
];

/// How to read the axis, under the symbols.
const AXIS: &str = "Time runs left to right. A shaded column is one tick (its number on top): \
its events are side by side in the order they happened. The space between columns grows with the ticks that passed.";

/// Draw the legend at (`x`, `y`) within `width` pixels; returns its bottom.
pub(crate) fn draw(out: &mut String, x: i64, y: i64, width: i64) -> i64 {
    out.push_str("<g class=\"legend\">\n");
    let mut cy = y;
    for row in ITEMS {
        let mut cx = x;
        for (sample, text) in *row {
            let w = SAMPLE + 6 + sans_width(text, SIZE) + 22;
            if cx > x && cx + w > x + width {
                cx = x;
                cy += ROW;
            }
            sample_svg(out, sample, cx, cy);
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{SIZE}\" fill=\"{}\">{}</text>",
                cx + SAMPLE + 6,
                cy + 4,
                colour::INK,
                esc(text)
            );
            cx += w;
        }
        cy += ROW;
    }
    cy += 4;
    for line in wrap(AXIS, width) {
        let _ = writeln!(
            out,
            "<text x=\"{x}\" y=\"{cy}\" font-size=\"{SIZE}\" fill=\"{}\">{}</text>",
            colour::MUTED,
            esc(&line)
        );
        cy += 15;
    }
    out.push_str("</g>\n");
    cy
}

/// Words of `s` in lines of at most `width` pixels.
fn wrap(s: &str, width: i64) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in s.split(' ') {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && sans_width(&format!("{last} {word}"), SIZE) > width {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// A sample centred vertically on `y`, `SAMPLE` pixels wide from `x`.
fn sample_svg(out: &mut String, s: &Sample, x: i64, y: i64) {
    let _ = match s {
        Sample::Bar(c) => writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{SAMPLE}\" height=\"12\" rx=\"3\" fill=\"{c}\"/>",
            y - 6
        ),
        Sample::Hatched => writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{SAMPLE}\" height=\"12\" rx=\"3\" fill=\"url(#stuck)\" stroke=\"#b5721a\" stroke-dasharray=\"4 2\"/>",
            y - 6
        ),
        Sample::Arrow => writeln!(
            out,
            "<circle cx=\"{x0}\" cy=\"{y}\" r=\"2.5\" fill=\"{c}\"/><line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>",
            x + SAMPLE - 2,
            x0 = x + 2,
            c = colour::CANCEL
        ),
        Sample::Uncancel => writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{y}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"2\"/>",
            x + SAMPLE / 2,
            colour::UNCANCEL
        ),
        Sample::Timeout => writeln!(
            out,
            "<path d=\"M{} {}l6 7l-6 7l-6 -7z\" fill=\"{}\"/>",
            x + SAMPLE / 2,
            y - 7,
            colour::TIMEOUT
        ),
        Sample::Interrupt => writeln!(
            out,
            "<path d=\"M{} {}l7 13h-14z\" fill=\"{}\"/>",
            x + SAMPLE / 2,
            y - 7,
            colour::INTERRUPT
        ),
        Sample::SemWait => writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"2 2\"/>",
            x + SAMPLE,
            colour::SEMAPHORE
        ),
        Sample::SemHold => writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"{SAMPLE}\" height=\"4\" fill=\"{}\"/>",
            y - 2,
            colour::SEMAPHORE
        ),
        Sample::Bracket(c) => writeln!(
            out,
            "<path d=\"M{x} {}V{}H{}V{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\"/>",
            y - 3,
            y + 3,
            x + SAMPLE,
            y - 3
        ),
    };
}
