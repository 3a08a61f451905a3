//! `simloop replay`: run one explored seed again, bit for bit, and print
//! its scenario, invariant results and trace hash; with
//! `--render OUT`, also its picture.
//!
//! Exit codes: 0 no violation; 1 an invariant was violated or the run hit
//! a limit; 2 bad input (an unreadable or invalid scenario file).

use simloop::check::Invariant;
use simloop::core::Profile;
use simloop::explore::explore::{replay, replay_scenario, Replay};
use simloop::explore::GenConfig;
use simloop::scenario::parse_scenario;

use crate::cli::ReplayArgs;
use crate::cmd::render::{write_picture, Format};

pub(crate) fn main(args: ReplayArgs) -> u8 {
    let picture = match args.render.as_deref().map(Format::of).transpose() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let profile: Profile = args.profile.into();
    let mut gen = GenConfig::default();
    if let Some(d) = args.max_depth {
        gen = gen.max_depth(d);
    }
    let (title, result) = match &args.file {
        None => (
            format!("seed {}, {profile}, max depth {}", args.seed, gen.max_depth),
            replay(args.seed, profile, &gen),
        ),
        Some(file) => {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", file.display());
                    return 2;
                }
            };
            let scenario = match parse_scenario(&text) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {}: {e}", file.display());
                    return 2;
                }
            };
            (
                format!("{}, seed {}, {profile}", file.display(), args.seed),
                replay_scenario(scenario, args.seed, profile),
            )
        }
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {title}: {e}");
            return 1;
        }
    };
    print!("{}", render(&title, &r));
    if let (Some(format), Some(out)) = (picture, &args.render) {
        if let Err(code) = write_picture(&r.run, &title, format, out) {
            return code;
        }
        println!("picture: {}", out.display());
    }
    u8::from(!r.report.is_clean())
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
