//! `simloop explore`: sweep seeds, check invariants, shrink and print each
//! failure with the command that replays it, end with a table.
//!
//! Exit codes: 0 no violation; 1 an invariant was violated (or a run hit a
//! limit or panicked); 2 bad arguments, or the report could not be written.
//!
//! stdout depends only on the arguments (not on timing or `--jobs`); the
//! progress bar and the timing line go to stderr, the bar only on a
//! terminal.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Map, Value};
use simloop::core::Profile;
use simloop::explore::explore::{
    replay_scenario, shrink_failures, sweep, ExploreConfig, Failure, SeedRun, Summary,
};
use simloop::explore::shrink::size;
use simloop::explore::GenConfig;

use crate::cli::ExploreArgs;
use crate::cmd::render::{write_picture, Format};

pub(crate) fn main(args: ExploreArgs) -> u8 {
    let profile: Profile = args.profile.into();
    let mut gen = GenConfig::default();
    if let Some(d) = args.max_depth {
        gen = gen.max_depth(d);
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut cfg = ExploreConfig::new(profile)
        .start(args.start)
        .seeds(args.seeds)
        .jobs(jobs)
        .gen(gen);
    if let Some(shard) = args.shard {
        cfg = cfg.shard(shard);
    }
    let shard = match args.shard {
        Some(s) => format!(", shard {s}"),
        None => String::new(),
    };
    println!(
        "simloop explore: {} seeds from {} under {profile}{shard}, max depth {}",
        cfg.len(),
        cfg.start,
        cfg.gen.max_depth
    );

    let bar = progress_bar(cfg.len());
    let t0 = Instant::now();
    let mut summary = sweep(&cfg, &|n| bar.inc(n));
    let elapsed = t0.elapsed();
    bar.finish_and_clear();
    let t1 = Instant::now();
    if summary.failing_seeds() > 0 && io::stderr().is_terminal() {
        eprintln!("shrinking...");
    }
    shrink_failures(&cfg, &mut summary);
    let shrinking = t1.elapsed();

    // Failure files go next to the report, else to the current directory.
    let dir = args
        .report
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    for f in &summary.failures {
        print_failure(f, dir);
    }
    for r in summary.errors() {
        println!(
            "error: seed {} did not finish: {}",
            r.seed,
            r.error.as_deref().unwrap_or("")
        );
    }
    print_table(&summary);
    if let Some(path) = &args.report {
        if let Err(e) = write_report(path, profile, &summary) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    eprintln!(
        "{} seeds in {:.3} s ({:.0} seeds/s, {jobs} jobs); shrinking {:.3} s",
        summary.seeds,
        elapsed.as_secs_f64(),
        summary.seeds as f64 / elapsed.as_secs_f64().max(1e-9),
        shrinking.as_secs_f64()
    );
    u8::from(!summary.is_clean())
}

/// A bar on stderr when it is a terminal; hidden otherwise (CI logs).
fn progress_bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} seeds ({per_sec}, eta {eta})",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

fn print_failure(f: &Failure, dir: &Path) {
    println!();
    println!(
        "error: {} violated by seed {} under {}",
        f.invariant, f.seed, f.profile
    );
    println!("  {}", f.message);
    println!("  trace hash: {:#018x}", f.hash);
    let file = dir.join(f.file_name()).display().to_string();
    let json = f.shrunk.to_json_string();
    let written = match std::fs::write(&file, format!("{json}\n")) {
        Ok(()) => format!("written to {file}"),
        Err(e) => format!("could not write {file}: {e}"),
    };
    println!(
        "shrunk scenario (size {} -> {}), {written}:",
        size(&f.original),
        size(&f.shrunk)
    );
    println!("{json}");
    println!("  {}", f.shrunk_message);
    println!(
        "timeline of the shrunk scenario (seed {}, {}):",
        f.seed, f.profile
    );
    print!("{}", f.timeline);
    let svg = dir.join(f.file_name()).with_extension("svg");
    let title = format!(
        "{} violated by seed {} under {} (shrunk)",
        f.invariant, f.seed, f.profile
    );
    match replay_scenario(f.shrunk.clone(), f.seed, f.profile) {
        Ok(r) if write_picture(&r.run, &title, Format::Svg, &svg).is_ok() => {
            println!("picture of the shrunk failure: {}", svg.display());
        }
        Ok(_) => {}
        Err(e) => println!("no picture: the shrunk scenario's run failed: {e}"),
    }
    println!("note: run `{}` to reproduce this failure", f.replay);
    println!(
        "note: run `simloop run --profile {} --seed {} {file}` to run the shrunk scenario, \
         or `simloop replay --seed {} --profile {} {file}` to check it",
        f.profile, f.seed, f.seed, f.profile
    );
}

fn print_table(summary: &Summary) {
    println!();
    println!(
        "{:<18} {:>10} {:>11} {:>9}",
        "invariant", "checked", "violations", "findings"
    );
    for t in &summary.tally {
        println!(
            "{:<18} {:>10} {:>11} {:>9}",
            t.invariant.name(),
            t.checked,
            t.violations,
            t.findings
        );
    }
    let errors = summary.errors().count();
    let mut line = format!(
        "{} seeds, {} failing",
        summary.seeds,
        summary.failing_seeds()
    );
    if errors > 0 {
        line.push_str(&format!(", {errors} did not finish"));
    }
    println!("{line}");
}

/// One JSON line per notable seed, in seed order.
fn write_report(path: &Path, profile: Profile, summary: &Summary) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for r in &summary.notable {
        let failures: Vec<&Failure> = summary
            .failures
            .iter()
            .filter(|f| f.seed == r.seed)
            .collect();
        writeln!(out, "{}", report_line(profile, r, &failures))?;
    }
    out.flush()
}

fn report_line(profile: Profile, r: &SeedRun, failures: &[&Failure]) -> Value {
    let mut m = Map::new();
    m.insert("seed".into(), json!(r.seed));
    m.insert("profile".into(), json!(profile.name()));
    m.insert("trace_hash".into(), json!(format!("{:#018x}", r.hash)));
    let items = |xs: Vec<(String, String)>| -> Value {
        xs.into_iter()
            .map(|(i, m)| json!({"invariant": i, "message": m}))
            .collect()
    };
    m.insert(
        "violations".into(),
        items(
            r.report
                .violations
                .iter()
                .map(|v| (v.invariant.to_string(), v.message.clone()))
                .collect(),
        ),
    );
    m.insert(
        "findings".into(),
        items(
            r.report
                .findings
                .iter()
                .map(|v| (v.invariant.to_string(), v.message.clone()))
                .collect(),
        ),
    );
    if let Some(e) = &r.error {
        m.insert("error".into(), json!(e));
    }
    if !failures.is_empty() {
        let fs: Vec<Value> = failures
            .iter()
            .map(|f| {
                json!({
                    "invariant": f.invariant.name(),
                    "shrunk": f.shrunk.to_json(),
                    "replay": f.replay,
                })
            })
            .collect();
        m.insert("shrunk".into(), Value::Array(fs));
    }
    Value::Object(m)
}
