//! `simloop selftest`: switch on each bug planted in the combinators, one
//! at a time, explore until an invariant catches it, shrink it, and print
//! a table; then the same sweep with no bug (the control row).
//!
//! Exit codes: 0 every planted bug was caught by its intended invariant
//! within `--max-seeds` seeds and shrunk to at most 8 steps, and the
//! control is clean; 1 otherwise.
//!
//! stdout depends only on the arguments, but for the time column.

use std::time::Duration;

use simloop::asyncio::planted::Bug;
use simloop::explore::explore::ExploreConfig;
use simloop::explore::selftest::{control, hunt, BugRow, Control, MAX_STEPS};

use crate::cli::SelftestArgs;
use crate::output::{errln, outln};

pub(crate) fn main(args: SelftestArgs) -> u8 {
    if !simloop::asyncio::planted::AVAILABLE {
        errln!(
            "error: this simloop was built without the planted bugs that selftest hunts; \
             build it with them: cargo run --release -p simloop-cli --features planted -- selftest"
        );
        return 2;
    }
    let jobs = crate::cli::jobs(args.jobs, args.max_seeds);
    let mut code = 0;
    for (i, profile) in args.profile.profiles().into_iter().enumerate() {
        if i > 0 {
            outln!();
        }
        let cfg = ExploreConfig::new(profile).seeds(args.max_seeds).jobs(jobs);
        code = code.max(selftest(&cfg, args.max_seeds));
    }
    code
}

/// Every planted bug hunted under `cfg`'s profile, then the control row.
fn selftest(cfg: &ExploreConfig, max_seeds: u64) -> u8 {
    let profile = cfg.rules.profile;
    outln!(
        "simloop selftest: {} planted bugs under {profile}, up to {} seeds each, \
         shrunk to at most {MAX_STEPS} steps",
        Bug::ALL.len(),
        max_seeds
    );
    outln!();
    outln!(
        "{:<30} {:<20} {:>6} {:>6} {:>9}",
        "bug",
        "caught by",
        "seeds",
        "steps",
        "time"
    );
    let mut rows = Vec::new();
    for bug in Bug::ALL {
        let row = hunt(bug, cfg);
        print_row(&row);
        rows.push(row);
    }
    // The control allows what CPython itself breaks (3.11 and 3.12's cancel
    // leak); the hunts need no allowance, counting only what a bug changes.
    let ctl = control(&cfg.clone().rules(cfg.rules.clone().allowing_cpython_own()));
    print_control(&ctl);

    outln!();
    outln!("shrunk failures (each under its bug, {profile}):");
    for row in &rows {
        if let Some(c) = &row.caught {
            outln!(
                "{} (seed {}): {}",
                row.bug,
                c.seed,
                c.shrunk.to_json_string()
            );
            outln!("  {}: {}", c.invariant, c.shrunk_message);
        }
    }

    outln!();
    let mut problems = Vec::new();
    for row in &rows {
        problems.extend(problem(row, max_seeds));
    }
    if !ctl.is_clean() {
        let mut what: Vec<String> = ctl
            .violated()
            .into_iter()
            .map(|(i, n)| format!("{i} violated on {n} seeds"))
            .collect();
        let errors = ctl.summary.errors.len();
        if errors > 0 {
            what.push(format!("{errors} seeds did not finish"));
        }
        problems.push(format!(
            "the control is not clean: with no bug, {} (of {})",
            what.join(", "),
            ctl.summary.seeds
        ));
    }
    for p in &problems {
        outln!("error: {p}");
    }
    if problems.is_empty() {
        outln!(
            "ok: all {} planted bugs caught by their invariant within {} seeds and shrunk \
             to at most {MAX_STEPS} steps; no violation without a bug",
            rows.len(),
            max_seeds
        );
    }
    u8::from(!problems.is_empty())
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn print_row(row: &BugRow) {
    let (by, seeds, steps) = match &row.caught {
        Some(c) => {
            let mut by = c.invariant.to_string();
            if c.invariants.len() > 1 {
                by.push_str(&format!(" (+{})", c.invariants.len() - 1));
            }
            (by, c.seeds_needed.to_string(), c.steps.to_string())
        }
        None => (
            "not caught".to_owned(),
            format!(">{}", row.seeds_run),
            "-".to_owned(),
        ),
    };
    outln!(
        "{:<30} {:<20} {:>6} {:>6} {:>9}",
        row.bug.name(),
        by,
        seeds,
        steps,
        secs(row.elapsed)
    );
}

fn print_control(ctl: &Control) {
    let allowed: Vec<String> = ctl
        .summary
        .tally
        .iter()
        .filter(|t| t.allowed > 0)
        .map(|t| format!("{} allowed {} times", t.invariant, t.allowed))
        .collect();
    let by = if ctl.is_clean() && allowed.is_empty() {
        "nothing".to_owned()
    } else if ctl.is_clean() {
        "nothing new".to_owned()
    } else {
        let v = ctl.violated();
        let names: Vec<&str> = v.iter().map(|(i, _)| i.name()).collect();
        if names.is_empty() {
            "errors".to_owned()
        } else {
            names.join(", ")
        }
    };
    outln!(
        "{:<30} {:<20} {:>6} {:>6} {:>9}",
        "control (no bug)",
        by,
        ctl.summary.seeds,
        "-",
        secs(ctl.elapsed)
    );
    if !allowed.is_empty() {
        outln!("  allowed as CPython's own: {}", allowed.join(", "));
    }
}

/// What is wrong with a bug's row, if anything.
fn problem(row: &BugRow, max_seeds: u64) -> Option<String> {
    let Some(c) = &row.caught else {
        return Some(format!(
            "{} was not caught within {max_seeds} seeds",
            row.bug
        ));
    };
    if c.invariant != row.intended {
        let names: Vec<&str> = c.invariants.iter().map(|i| i.name()).collect();
        return Some(format!(
            "{} was caught first by {} on seed {}, not by {}",
            row.bug,
            names.join(", "),
            c.seed,
            row.intended
        ));
    }
    if c.steps > MAX_STEPS {
        return Some(format!(
            "{} shrank to {} steps, more than {MAX_STEPS}",
            row.bug, c.steps
        ));
    }
    None
}
