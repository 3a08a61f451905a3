//! `simloop run`: run scenario files, print timelines or outcome JSON, and
//! check each scenario's `expect`.
//!
//! Exit codes: 0 all ran and met their `expect`; 1 an `expect` was not met
//! or a run hit a limit; 2 bad input (unreadable file, invalid scenario, or
//! a cancelled await cycle, which CPython cannot run either).

use std::io::{self, BufRead, BufWriter};
use std::path::Path;

use serde_json::json;
use simloop::core::Config;
use simloop::scenario::{check_expect, parse_scenario, run};

use crate::cli::RunArgs;
use crate::cmd::render::run_error_code;
use crate::output::{errln, flush_stdout, out, outln, write_stdout};

pub(crate) fn main(args: RunArgs) -> u8 {
    let config = match args.config.config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut code = 0;
    for file in &args.files {
        let c = if file == Path::new("-") {
            batch(config.clone())
        } else {
            one(file, config.clone(), args.json)
        };
        code = code.max(c);
    }
    code
}

fn one(file: &Path, config: Config, as_json: bool) -> u8 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            errln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
    };
    let scenario = match parse_scenario(&text) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {}: {e}", file.display());
            return 2;
        }
    };
    let r = match run(&scenario, config.clone()) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}: {e}", file.display());
            return run_error_code(&e);
        }
    };
    let outcome = r.outcome.to_json();
    if as_json {
        outln!("{outcome}");
    } else {
        let title = scenario.name.as_deref().unwrap_or("scenario");
        outln!("== {title} ({}, {})", file.display(), config.profile);
        out!("{}", r.timeline());
    }
    let profile = config.profile.name();
    let mut checked = false;
    for e in scenario.expectations(profile) {
        checked = true;
        if let Err(diff) = check_expect(e, &outcome) {
            errln!("expect not met under {profile}: {}: {diff}", file.display());
            return 1;
        }
    }
    if checked && !as_json {
        outln!("expect: met under {profile}");
    }
    0
}

/// `-`: one scenario per stdin line, one outcome per stdout line, in order.
/// An invalid line prints `{"invalid": "..."}` and the exit code is 2.
fn batch(config: Config) -> u8 {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut code = 0;
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                errln!("error: stdin line {}: {e}", i + 1);
                return 2;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = match parse_scenario(&line) {
            Err(e) => {
                code = 2;
                json!({ "invalid": e.to_string() })
            }
            Ok(s) => match run(&s, config.clone()) {
                Ok(r) => r.outcome.to_json(),
                Err(e) => {
                    code = code.max(run_error_code(&e));
                    // The reference runner calls these invalid too.
                    let key = if run_error_code(&e) == 2 {
                        "invalid"
                    } else {
                        "limit"
                    };
                    json!({ key: e.to_string() })
                }
            },
        };
        write_stdout(&mut out, &format!("{result}\n"));
    }
    flush_stdout(&mut out);
    code
}
