//! Everything the commands print: stdout through [`outln!`] and [`out!`],
//! stderr through [`errln!`] (`print!` and friends are denied in this
//! crate: they panic when a write fails).
//!
//! - stdout: a closed pipe ends the program quietly, as a Unix filter
//!   does (SIGPIPE has its default action, see `main`; where it is blocked,
//!   the write error ends the program with exit code 141, as the signal
//!   would); any other error (a full disk, an I/O error) ends it with one
//!   line on stderr, `error: cannot write to stdout: ...`, and exit code 2.
//! - stderr: errors are ignored, so that a failing stderr never stops the
//!   work nor changes its exit code.
//!
//! A scenario's names are its author's: whatever shows one on a terminal
//! escapes its control characters (`\u{1b}` for ESC, see
//! [`escape_controls`]), so that a scenario cannot send escape sequences.
//! The text outputs do it where they show a name; stderr, all of whose
//! lines are messages, does it for every line. JSON output escapes what
//! JSON requires (U+0000 to U+001F) and keeps the rest of a name as it is.

use std::fmt;
use std::io::{self, Write};

use simloop::core::{escape_controls, escape_controls_but};

/// Print to stdout, as `print!` does.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!($($arg)*))
    };
}

/// Print a line to stdout, as `println!` does.
macro_rules! outln {
    () => {
        $crate::output::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Print a line to stderr, as `eprintln!` does, ignoring write errors.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};

/// Write to stdout (line buffered); see the module docs for errors.
pub(crate) fn stdout(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        stdout_failed(&e);
    }
}

/// Write to stderr, control characters but `\n` escaped; a failure is
/// ignored.
pub(crate) fn stderr(args: fmt::Arguments<'_>) {
    let text = args.to_string();
    let text = escape_controls_but(&text, |c| c == '\n');
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Lines of text made of a scenario's names (a report, an invariant's
/// message), as shown: control characters but `\n` escaped.
pub(crate) fn shown_text(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls_but(text, |c| c == '\n')
}

/// A name as a text output shows it (see the module docs).
pub(crate) fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(name)
}

/// Write `text` to `out`, a buffered stdout; errors as [`stdout`]'s.
pub(crate) fn write_stdout(out: &mut impl Write, text: &str) {
    if let Err(e) = out.write_all(text.as_bytes()) {
        stdout_failed(&e);
    }
}

/// Flush stdout (at the end of every command: its buffered tail would
/// otherwise be written, and an error ignored, at exit).
pub(crate) fn flush_stdout(out: &mut impl Write) {
    if let Err(e) = out.flush() {
        stdout_failed(&e);
    }
}

/// End the program after a failed write to stdout.
fn stdout_failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    stderr(format_args!("error: cannot write to stdout: {e}\n"));
    std::process::exit(2);
}
