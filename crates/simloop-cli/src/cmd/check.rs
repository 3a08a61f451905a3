//! `simloop check`: check scenario files under many schedules, like a test
//! runner: a line per scenario, a summary, exit codes 0 (every scenario
//! passed), 1 (a failure) and 2 (bad input); JUnit XML and JSON lines for
//! CI; a progress bar on a terminal.
//!
//! What is checked is `simloop::explore::suite`'s: CPython's own order
//! with `expect` and `expect_by_profile`, then the schedules (seeded,
//! `--exhaustive` or `--pct`) with every invariant, `no-deadlock` and
//! `expect_always`. A failure is shrunk (schedule, then tree), written as
//! a minimal scenario with its picture, and printed with its report and
//! the `simloop replay --schedule` line that replays it.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{json, Map, Value};
use simloop::check::harness::{parse_allow, DEFAULT_JITTER, DEFAULT_SEEDS};
use simloop::check::Invariant;
use simloop::core::{Config, Policy, Profile};
use simloop::explore::suite::{check_all, ProfileVerdict, ScenarioFailure, Strategy, SuiteConfig};
use simloop::scenario::{parse_scenario, run, Scenario};

use crate::cli::{CheckArgs, DenyArg};
use crate::cmd::render::{write_picture, Format};

/// `--budget`'s default: the most schedules an exhaustive search runs per
/// scenario and profile.
const DEFAULT_BUDGET: u64 = 100_000;

/// `--delays`' default: at most one late sleep per exhaustive schedule.
const DEFAULT_DELAYS: usize = 1;

/// A scenario file, read and parsed, or why not.
struct Input {
    path: PathBuf,
    scenario: Result<Scenario, String>,
}

pub(crate) fn main(args: CheckArgs) -> u8 {
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let inputs = match inputs(&args.files) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let out_dir = args.out_dir.clone().unwrap_or_default();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    if !args.json {
        println!(
            "simloop check: {} scenario{} under {}; {}",
            inputs.len(),
            if inputs.len() == 1 { "" } else { "s" },
            names(&cfg.profiles),
            describe(&cfg)
        );
    }
    let valid: Vec<Scenario> = inputs
        .iter()
        .map(|i| i.scenario.clone().unwrap_or_default())
        .collect();
    let bar = progress_bar(inputs.len() as u64);
    let t0 = Instant::now();
    let mut results: Vec<Outcome> = Vec::with_capacity(inputs.len());
    let mut last = Instant::now();
    check_all(&valid, &cfg, jobs, &mut |k, verdicts| {
        let input = &inputs[k];
        let elapsed = last.elapsed();
        last = Instant::now();
        let outcome = match &input.scenario {
            Err(e) => Outcome::Invalid(e.clone()),
            Ok(_) => match verdicts {
                Err(e) => Outcome::Invalid(e),
                Ok(v) => Outcome::Checked(v),
            },
        };
        bar.suspend(|| print_line(input, &outcome, elapsed, args.json));
        bar.inc(1);
        results.push(outcome);
    });
    bar.finish_and_clear();
    let elapsed = t0.elapsed();

    let mut code = 0;
    let mut runs = 0;
    let mut allowed: BTreeMap<(Invariant, Profile), (u64, Vec<String>)> = BTreeMap::new();
    for (input, outcome) in inputs.iter().zip(&results) {
        match outcome {
            Outcome::Invalid(_) => code = 2,
            Outcome::Checked(verdicts) => {
                for v in verdicts {
                    runs += v.runs;
                    for (&i, &n) in &v.allowed {
                        let e = allowed.entry((i, v.profile)).or_default();
                        e.0 += n;
                        e.1.push(stem(&input.path));
                    }
                    if let Some(f) = &v.failure {
                        code = code.max(1);
                        if !args.json {
                            print_failure(input, f, &cfg, &out_dir);
                        }
                    }
                }
            }
        }
    }
    if !args.json {
        print_summary(&results, runs, elapsed, &allowed);
    }
    if let Some(file) = &args.junit {
        if let Err(e) = write_junit(file, &inputs, &results, elapsed) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return 2;
        }
    }
    code
}

/// How one file went.
enum Outcome {
    Invalid(String),
    Checked(Vec<ProfileVerdict>),
}

impl Outcome {
    fn failed(&self) -> bool {
        matches!(self, Outcome::Checked(v) if v.iter().any(|p| p.failure.is_some()))
    }
}

fn config(args: &CheckArgs) -> Result<SuiteConfig, String> {
    let jitter = args.jitter.unwrap_or(DEFAULT_JITTER);
    let seeds = args.seeds.unwrap_or(DEFAULT_SEEDS);
    let strategy = match (args.exhaustive, args.pct) {
        (true, _) => Strategy::Exhaustive {
            budget: args.budget.unwrap_or(DEFAULT_BUDGET).max(1),
            delays: args.delays.unwrap_or(DEFAULT_DELAYS),
        },
        (false, Some(depth)) => Strategy::Pct { runs: seeds, depth },
        (false, None) => Strategy::Seeds(seeds),
    };
    let mut cfg = SuiteConfig::new()
        .profiles(&args.profile.profiles())
        .strategy(strategy)
        .jitter(jitter)
        .deny_findings(args.deny.contains(&DenyArg::Findings));
    for spec in &args.allow {
        let (i, p) = parse_allow(spec).map_err(|e| format!("--allow {spec}: {e}"))?;
        cfg = cfg.allow(i, p);
    }
    Ok(cfg)
}

/// `100 seeded schedules each (jitter 10)`...
fn describe(cfg: &SuiteConfig) -> String {
    match cfg.strategy {
        Strategy::Seeds(n) => format!(
            "CPython's order and {n} seeded schedules each (jitter {})",
            cfg.jitter
        ),
        Strategy::Exhaustive { budget, delays } => format!(
            "every schedule, up to {budget} each (at most {delays} sleep{} {} ticks late)",
            if delays == 1 { "" } else { "s" },
            cfg.jitter
        ),
        Strategy::Pct { runs, depth } => format!(
            "CPython's order and {runs} PCT-style schedules each (depth {depth}, jitter {})",
            cfg.jitter
        ),
    }
}

fn names(profiles: &[Profile]) -> String {
    let n: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
    n.join(", ")
}

/// The scenario files named, directories walked for `*.json` (sorted).
fn inputs(files: &[PathBuf]) -> Result<Vec<Input>, String> {
    let mut paths = Vec::new();
    for f in files {
        if f.is_dir() {
            walk(f, &mut paths).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        } else {
            paths.push(f.clone());
        }
    }
    Ok(paths
        .into_iter()
        .map(|path| {
            let scenario = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|t| parse_scenario(&t).map_err(|e| e.to_string()));
            Input { path, scenario }
        })
        .collect())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

fn print_line(input: &Input, outcome: &Outcome, elapsed: Duration, as_json: bool) {
    if as_json {
        println!("{}", json_line(input, outcome, elapsed));
        return;
    }
    let name = stem(&input.path);
    match outcome {
        Outcome::Invalid(e) => println!("ERROR {name}: {e}"),
        Outcome::Checked(verdicts) => {
            let runs: u64 = verdicts.iter().map(|v| v.runs).sum();
            let schedules: usize = verdicts.iter().map(|v| v.schedules).sum();
            let mut extra = String::new();
            let complete: Vec<bool> = verdicts.iter().filter_map(|v| v.complete).collect();
            let any_failed = verdicts.iter().any(|v| v.failure.is_some());
            if !complete.is_empty() && !any_failed {
                extra.push_str(&if complete.iter().all(|&c| c) {
                    format!(", exhaustive: all {runs} checked")
                } else {
                    format!(", exhaustive: budget reached after {runs}")
                });
            }
            let allowed: u64 = verdicts.iter().flat_map(|v| v.allowed.values()).sum();
            if allowed > 0 {
                extra.push_str(&format!(", {allowed} allowed"));
            }
            let failed: Vec<String> = verdicts
                .iter()
                .filter_map(|v| {
                    let f = v.failure.as_ref()?;
                    Some(format!(
                        "{}: {} (run {})",
                        v.profile, f.problem, f.found_after
                    ))
                })
                .collect();
            let status = if failed.is_empty() { "PASS " } else { "FAIL " };
            println!(
                "{status} {name:<48} {runs:>6} runs {schedules:>6} schedules{extra}  {:.2} s",
                elapsed.as_secs_f64()
            );
            for f in failed {
                println!("        {f}");
            }
        }
    }
}

fn json_line(input: &Input, outcome: &Outcome, elapsed: Duration) -> Value {
    let mut m = Map::new();
    m.insert("file".into(), input.path.display().to_string().into());
    m.insert("time_ms".into(), (elapsed.as_millis() as u64).into());
    match outcome {
        Outcome::Invalid(e) => {
            m.insert("result".into(), "invalid".into());
            m.insert("error".into(), e.clone().into());
        }
        Outcome::Checked(verdicts) => {
            m.insert(
                "result".into(),
                if outcome.failed() { "failed" } else { "passed" }.into(),
            );
            let mut by = Map::new();
            for v in verdicts {
                let allowed: Map<String, Value> = v
                    .allowed
                    .iter()
                    .map(|(i, n)| (i.name().to_owned(), (*n).into()))
                    .collect();
                let mut p = json!({
                    "runs": v.runs,
                    "schedules": v.schedules,
                    "choice_points": v.choice_points,
                    "findings": v.findings,
                    "allowed": allowed,
                });
                if let Some(c) = v.complete {
                    p["exhaustive_complete"] = c.into();
                }
                if let Some(f) = &v.failure {
                    p["failure"] = json!({
                        "problem": f.problem.to_string(),
                        "kind": f.problem.kind(),
                        "found_after": f.found_after,
                        "schedule": f.schedule.to_string(),
                        "shrunk": f.shrunk.to_json(),
                        "shrunk_schedule": f.shrunk_schedule.to_string(),
                    });
                }
                by.insert(v.profile.name().into(), p);
            }
            m.insert("profiles".into(), Value::Object(by));
        }
    }
    Value::Object(m)
}

/// The failure's files: `simloop-check-<stem>-<profile>.json` and `.svg`.
fn failure_files(input: &Input, f: &ScenarioFailure, out_dir: &Path) -> (PathBuf, PathBuf) {
    let base = format!("simloop-check-{}-{}", stem(&input.path), f.profile);
    (
        out_dir.join(format!("{base}.json")),
        out_dir.join(format!("{base}.svg")),
    )
}

fn print_failure(input: &Input, f: &ScenarioFailure, cfg: &SuiteConfig, out_dir: &Path) {
    println!();
    println!(
        "== FAIL {} under {} (CPython {}), found by run {}",
        input.path.display(),
        f.profile,
        f.profile.cpython(),
        f.found_after
    );
    let shrunk_from = if f.deviations_before > f.schedule.deviations() {
        format!(" (shrunk from {} deviations)", f.deviations_before)
    } else {
        String::new()
    };
    println!("schedule: {}{shrunk_from}", f.schedule);
    println!("shrunk scenario: {}", f.shrunk.to_json_string());
    print!("{}", f.report);
    let (json_file, svg_file) = failure_files(input, f, out_dir);
    let mut written = Vec::new();
    if std::fs::write(&json_file, f.shrunk.to_json_string() + "\n").is_ok() {
        written.push(json_file.display().to_string());
    }
    let config = Config::new(f.profile).policy(Policy::Replay(f.shrunk_schedule.clone()));
    if let Ok(r) = run(&f.shrunk, config) {
        let title = format!("{} ({})", stem(&input.path), f.profile);
        if write_picture(&r, &title, Format::Svg, &svg_file).is_ok() {
            written.push(svg_file.display().to_string());
        }
    }
    if !written.is_empty() {
        println!("written: {}", written.join(", "));
    }
    let flags = cfg.replay_flags();
    println!(
        "note: run `simloop replay --schedule {} --profile {}{flags} {}` to replay the shrunk failure",
        f.shrunk_schedule,
        f.profile,
        json_file.display()
    );
    println!(
        "note: run `simloop replay --schedule {} --profile {}{flags} {}` to replay it on the original file",
        f.schedule,
        f.profile,
        input.path.display()
    );
}

fn print_summary(
    results: &[Outcome],
    runs: u64,
    elapsed: Duration,
    allowed: &BTreeMap<(Invariant, Profile), (u64, Vec<String>)>,
) {
    let invalid = results
        .iter()
        .filter(|o| matches!(o, Outcome::Invalid(_)))
        .count();
    let failed = results.iter().filter(|o| o.failed()).count();
    let passed = results.len() - invalid - failed;
    println!();
    for ((i, p), (n, files)) in allowed {
        let mut files = files.clone();
        files.dedup();
        println!(
            "allowed: {i} under {p}, {n} time{} ({})",
            if *n == 1 { "" } else { "s" },
            files.join(", ")
        );
    }
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} scenarios: {passed} passed, {failed} failed, {invalid} invalid; {runs} runs in {secs:.2} s ({:.0} runs/s)",
        results.len(),
        runs as f64 / secs
    );
}

fn write_junit(
    file: &Path,
    inputs: &[Input],
    results: &[Outcome],
    elapsed: Duration,
) -> Result<(), String> {
    let mut report = Report::new("simloop check");
    report.set_time(elapsed);
    let mut suite = TestSuite::new("scenarios");
    for (input, outcome) in inputs.iter().zip(results) {
        let name = stem(&input.path);
        match outcome {
            Outcome::Invalid(e) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(e.clone());
                let mut case = TestCase::new(name, status);
                case.set_classname(input.path.display().to_string());
                suite.add_test_case(case);
            }
            Outcome::Checked(verdicts) => {
                for v in verdicts {
                    let status = match &v.failure {
                        None => TestCaseStatus::success(),
                        Some(f) => {
                            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                            s.set_message(f.problem.to_string());
                            s.set_type(f.problem.kind());
                            s.set_description(format!(
                                "schedule {}\nshrunk scenario: {}\n{}",
                                f.schedule,
                                f.shrunk.to_json_string(),
                                f.report
                            ));
                            s
                        }
                    };
                    let mut case = TestCase::new(format!("{name} [{}]", v.profile), status);
                    case.set_classname(input.path.display().to_string());
                    suite.add_test_case(case);
                }
            }
        }
    }
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(|e| e.to_string())?;
    std::fs::write(file, xml).map_err(|e| e.to_string())
}

/// A bar on stderr when it is a terminal; hidden otherwise (CI logs).
fn progress_bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} scenarios (eta {eta})",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
