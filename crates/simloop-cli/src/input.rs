//! Reading scenarios, from files and from stdin lines, with their size
//! bounded before anything is parsed: `/dev/zero` or a 100 MB file is
//! refused after reading `--max-input-bytes` of it.

use std::io::{self, BufRead, Read};
use std::path::Path;

use clap::Args;
use simloop::scenario::{parse_scenario_with_limits, Limits, Scenario};

/// `--max-input-bytes`, for the commands that read scenario files.
#[derive(Args, Debug, Clone)]
pub(crate) struct InputArgs {
    /// Largest scenario text read, in bytes (a file, or a line of `-`).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_INPUT_BYTES)]
    pub(crate) max_input_bytes: usize,
}

impl InputArgs {
    /// The scenario limits, with this input bound.
    pub(crate) fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        limits.max_input_bytes = self.max_input_bytes;
        limits
    }
}

/// Read and parse a scenario file within `limits`; the error as printed
/// after `error: `.
pub(crate) fn load(file: &Path, limits: &Limits) -> Result<Scenario, String> {
    let mut bytes = Vec::new();
    let read = std::fs::File::open(file).and_then(|f| {
        f.take(bound(limits.max_input_bytes))
            .read_to_end(&mut bytes)
    });
    if let Err(e) = read {
        return Err(format!("cannot read {}: {e}", file.display()));
    }
    parse(bytes, limits).map_err(|e| format!("{}: {e}", file.display()))
}

/// One more byte than `max`: enough to tell that a text is too long.
fn bound(max: usize) -> u64 {
    u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1)
}

/// Scenario text, as read, parsed within `limits`; the error names the
/// JSON path (`$` for the text as a whole).
pub(crate) fn parse(bytes: Vec<u8>, limits: &Limits) -> Result<Scenario, String> {
    if bytes.len() > limits.max_input_bytes {
        return Err(too_long(limits));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "$: not UTF-8 (byte {} of the text)",
            e.utf8_error().valid_up_to()
        )
    })?;
    parse_scenario_with_limits(&text, limits).map_err(|e| e.to_string())
}

fn too_long(limits: &Limits) -> String {
    format!(
        "$: the text is longer than {} bytes (--max-input-bytes raises the bound)",
        limits.max_input_bytes
    )
}

/// Stdin's lines for batch mode: each scenario line parsed, or why not. A
/// line too long or not UTF-8 is one invalid line; the next one is read
/// as usual.
pub(crate) struct Lines<R> {
    input: R,
    limits: Limits,
    /// Lines read so far.
    pub(crate) number: u64,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R, limits: Limits) -> Lines<R> {
        Lines {
            input,
            limits,
            number: 0,
        }
    }

    /// The next line that is not blank, parsed; `None` at the end of the
    /// input. An error reading the input ends it.
    pub(crate) fn next_scenario(&mut self) -> io::Result<Option<Result<Scenario, String>>> {
        loop {
            let mut line = Vec::new();
            let Some(whole) = self.read_line(&mut line)? else {
                return Ok(None);
            };
            self.number += 1;
            if !whole {
                return Ok(Some(Err(too_long(&self.limits))));
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(parse(line, &self.limits)));
        }
    }

    /// Read a line, without its `\n`, keeping at most `max_input_bytes` of
    /// it (the rest is skipped); `Some(false)` if it was longer, `None` at
    /// the end of the input.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        let max = self.limits.max_input_bytes;
        let (mut any, mut whole) = (false, true);
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(any.then_some(whole));
            }
            any = true;
            let (chunk, end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if whole {
                let room = (max + 1).saturating_sub(line.len()).min(chunk.len());
                line.extend_from_slice(&chunk[..room]);
                if line.len() > max {
                    whole = false;
                    *line = Vec::new();
                }
            }
            let used = end.unwrap_or(buf.len());
            self.input.consume(used);
            if end.is_some() {
                return Ok(Some(whole));
            }
        }
    }
}
