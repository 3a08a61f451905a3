//! `simloop run`: run scenario files, print timelines or outcome JSON, and
//! check each scenario's `expect`.
//!
//! Exit codes: 0 all ran and met their `expect`; 1 an `expect` was not met
//! or a run hit a limit; 2 bad input (unreadable file, invalid scenario, or
//! a cancelled await cycle, which CPython cannot run either).

use std::io::{self, BufWriter};
use std::path::Path;

use serde_json::json;
use simloop::core::Config;
use simloop::scenario::{check_expect, run, Limits};

use crate::cli::RunArgs;
use crate::cmd::render::run_error_code;
use crate::input::{self, Lines};
use crate::output::{errln, flush_stdout, out, outln, shown, write_stdout};

pub(crate) fn main(args: RunArgs) -> u8 {
    let config = match args.config.config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let limits = args.input.limits();
    let mut code = 0;
    for file in &args.files {
        let c = if file == Path::new("-") {
            batch(config.clone(), &limits)
        } else {
            one(file, config.clone(), &limits, args.json)
        };
        code = code.max(c);
    }
    code
}

fn one(file: &Path, config: Config, limits: &Limits, as_json: bool) -> u8 {
    let scenario = match input::load(file, limits) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
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
        outln!(
            "== {} ({}, {})",
            shown(title),
            file.display(),
            config.profile
        );
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
/// An invalid line (not JSON, not a scenario, not UTF-8, too long) prints
/// `{"invalid": "..."}`, the batch goes on, and the exit code is 2.
fn batch(config: Config, limits: &Limits) -> u8 {
    let stdin = io::stdin();
    let mut lines = Lines::new(stdin.lock(), limits.clone());
    let mut out = BufWriter::new(io::stdout().lock());
    let mut code = 0;
    loop {
        let scenario = match lines.next_scenario() {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => {
                flush_stdout(&mut out);
                errln!("error: cannot read stdin line {}: {e}", lines.number + 1);
                return 2;
            }
        };
        let result = match scenario {
            Err(e) => {
                code = 2;
                json!({ "invalid": e })
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
