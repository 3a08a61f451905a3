//! `simloop replay`: run one explored seed again, bit for bit, and print
//! its scenario, invariant results and trace hash; with
//! `--render OUT`, also its picture.
//!
//! Exit codes: 0 no violation; 1 an invariant was violated or the run hit
//! a limit; 2 bad input (an unreadable or invalid scenario file, a program
//! CPython cannot run such as a cancelled await cycle).

use simloop::check::Invariant;
use simloop::core::Profile;
use std::path::Path;

use simloop::core::Schedule;
use simloop::explore::explore::{replay, replay_scenario, Replay, SeedRules};
use simloop::explore::suite::{report, SuiteConfig};
use simloop::explore::GenConfig;
use simloop::scenario::Scenario;

use crate::cli::ReplayArgs;
use crate::cmd::render::{load, output_file, run_error_code, write_picture_to, Format};
use crate::output::{errln, out, outln, shown_text};

pub(crate) fn main(args: ReplayArgs) -> u8 {
    let picture = match args.render.as_deref().map(Format::of).transpose() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let picture_file = match args.render.as_deref().map(output_file).transpose() {
        Ok(f) => f,
        Err(code) => return code,
    };
    let profile: Profile = args.profile.into();
    let rules = match args.rules.rules(profile) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let mut gen = GenConfig::default().for_profile(profile);
    if let Some(d) = args.max_depth {
        gen = gen.max_depth(d);
    }
    let scenario = match &args.file {
        None => None,
        Some(file) => match load(file, &args.input.limits()) {
            Ok(s) => Some(s),
            Err(code) => return code,
        },
    };
    if let (Some(schedule), Some(scenario), Some(file)) = (&args.schedule, &scenario, &args.file) {
        return replay_schedule(scenario, file, schedule, &rules);
    }
    let seed = args.seed.expect("clap: --seed or --schedule");
    let (title, result) = match scenario {
        None => (
            format!("seed {seed}, {profile}, max depth {}", gen.max_depth),
            replay(seed, &rules, &gen),
        ),
        Some(scenario) => (
            format!(
                "{}, seed {seed}, {profile}",
                args.file.as_ref().expect("a file").display()
            ),
            replay_scenario(scenario, seed, &rules),
        ),
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {title}: {e}");
            return run_error_code(&e);
        }
    };
    out!("{}", shown_text(&render(&title, &r)));
    if let (Some(format), Some(file)) = (picture, picture_file) {
        let path = file.path().to_path_buf();
        if let Err(code) = write_picture_to(&r.run, &title, format, file) {
            return code;
        }
        outln!("picture: {}", path.display());
    }
    u8::from(!r.report.is_clean())
}

/// `--schedule CHOICES FILE`: the run's report, as `simloop check` prints
/// it for a failure.
fn replay_schedule(scenario: &Scenario, file: &Path, schedule: &Schedule, rules: &SeedRules) -> u8 {
    let mut cfg = SuiteConfig::new()
        .profiles(&[rules.profile])
        .deny_findings(rules.deny_findings);
    for &(i, p) in &rules.allow {
        cfg = cfg.allow(i, p);
    }
    match report(scenario, &cfg, rules.profile, schedule) {
        Ok((text, problems)) => {
            outln!(
                "== {}, schedule {schedule}, {}",
                file.display(),
                rules.profile
            );
            out!("{}", shown_text(&text));
            u8::from(problems > 0)
        }
        Err(e) => {
            errln!("error: {}: {e}", file.display());
            2
        }
    }
}

/// Everything printed, a pure function of the replay.
fn render(title: &str, r: &Replay) -> String {
    let mut out = format!("== {title}\n");
    out.push_str(&format!("scenario: {}\n", r.scenario.to_json_string()));
    out.push_str(&r.run.timeline());
    out.push_str("invariants:\n");
    for inv in Invariant::ALL {
        let checked = r.report.checked.get(&inv).copied().unwrap_or(0);
        let broken: Vec<&str> = r
            .report
            .violations
            .iter()
            .filter(|v| v.invariant == inv)
            .map(|v| v.message.as_str())
            .collect();
        if broken.is_empty() {
            out.push_str(&format!("  {:<18} ok ({checked} checked)\n", inv.name()));
        } else {
            for m in broken {
                out.push_str(&format!("  {:<18} VIOLATED: {m}\n", inv.name()));
            }
        }
    }
    if !r.report.findings.is_empty() {
        out.push_str("findings:\n");
        for f in &r.report.findings {
            out.push_str(&format!("  {}: {}\n", f.invariant, f.message));
        }
    }
    out.push_str(&format!(
        "trace hash: {:#018x}\n",
        r.run.sim.trace_ref().hash()
    ));
    out
}
