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
//!
//! Everything printed or written is made from [`ScenarioLine`]s, the
//! records of `--json` and `--report`, so that `simloop merge` prints the
//! shards' reports exactly as a single run would have.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use simloop::check::harness::{parse_allow, DEFAULT_JITTER, DEFAULT_SEEDS};
use simloop::check::Invariant;
use simloop::core::{Config, Policy, Profile, Schedule};
use simloop::explore::shard::Shard;
use simloop::explore::suite::{check_all, ProfileVerdict, ScenarioFailure, Strategy, SuiteConfig};
use simloop::scenario::{parse_scenario, run, Limits, Scenario};

use crate::cli::{CheckArgs, DenyArg};
use crate::cmd::render::{output_file, write_picture, Format};
use crate::files::{write_file, OutputFile};
use crate::input;
use crate::output::{errln, out, outln, shown_text};

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
            errln!("error: {e}");
            return 2;
        }
    };
    let shard = match args.shard.map(|s| s.resolve()).transpose() {
        Ok(s) => s.unwrap_or(Shard::ALL),
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let all = match inputs(&args.files, &args.input.limits()) {
        Ok(i) => i,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let total = all.len();
    let (indexes, inputs): (Vec<usize>, Vec<Input>) = all
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| shard.contains(i as u64))
        .unzip();
    let out_dir = args.out_dir.clone().unwrap_or_default();
    let outputs = match Outputs::create(
        args.out_dir.as_deref(),
        args.junit.as_deref(),
        args.report.as_deref(),
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let jobs = crate::cli::jobs(args.jobs, inputs.len() as u64);
    let totals = Totals {
        command: "check".into(),
        scenarios: total,
        profiles: cfg.profiles.iter().map(|p| p.name().to_owned()).collect(),
        schedules: describe(&cfg),
        replay_flags: cfg.replay_flags(),
        shard: shard.to_string(),
        time_ms: 0,
    };
    if !args.json {
        outln!("{}", totals.header(inputs.len()));
    }
    let valid: Vec<Scenario> = inputs
        .iter()
        .map(|i| i.scenario.clone().unwrap_or_default())
        .collect();
    let bar = progress_bar(inputs.len() as u64);
    let t0 = Instant::now();
    let mut lines: Vec<ScenarioLine> = Vec::with_capacity(inputs.len());
    let mut last = Instant::now();
    check_all(&valid, &cfg, jobs, &mut |k, verdicts| {
        let input = &inputs[k];
        let time = last.elapsed();
        last = Instant::now();
        let verdicts = input.scenario.as_ref().map_err(Clone::clone).and(verdicts);
        let line = ScenarioLine::new(input, indexes[k], verdicts, time);
        bar.suspend(|| line.print(args.json));
        bar.inc(1);
        lines.push(line);
    });
    bar.finish_and_clear();
    let totals = Totals {
        time_ms: t0.elapsed().as_millis() as u64,
        ..totals
    };
    finish(&lines, &totals, args.json, &out_dir, outputs)
}

/// The files `--junit` and `--report` name, checked before the work
/// (with `--out-dir`).
pub(crate) struct Outputs {
    pub(crate) junit: Option<OutputFile>,
    pub(crate) report: Option<OutputFile>,
}

impl Outputs {
    /// Check them all; the error is printed.
    pub(crate) fn create(
        out_dir: Option<&Path>,
        junit: Option<&Path>,
        report: Option<&Path>,
    ) -> Result<Outputs, u8> {
        crate::cmd::explore::out_dir(out_dir)?;
        Ok(Outputs {
            junit: junit.map(output_file).transpose()?,
            report: report.map(output_file).transpose()?,
        })
    }
}

/// After the lines: each failure, the summary, the JUnit XML and report
/// files; the exit code. Shared with `simloop merge`.
pub(crate) fn finish(
    lines: &[ScenarioLine],
    totals: &Totals,
    json: bool,
    out_dir: &Path,
    outputs: Outputs,
) -> u8 {
    if !json {
        for line in lines {
            for (profile, p) in &line.profiles {
                if let Some(f) = &p.failure {
                    print_failure(line, profile, f, &totals.replay_flags, out_dir);
                }
            }
        }
        print_summary(lines, totals);
    }
    if let Some(file) = outputs.junit {
        let path = file.path().display().to_string();
        if let Err(e) = write_junit(file, lines, totals) {
            errln!("error: cannot write {path}: {e}");
            return 2;
        }
    }
    if let Some(file) = outputs.report {
        let path = file.path().display().to_string();
        if let Err(e) = write_report(file, lines, totals) {
            errln!("error: cannot write {path}: {e}");
            return 2;
        }
    }
    lines.iter().map(ScenarioLine::code).max().unwrap_or(0)
}

/// One scenario file's result: a `--json` line, a line of `--report`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct ScenarioLine {
    pub(crate) file: String,
    /// Its position among all the files (all shards').
    pub(crate) index: usize,
    /// `passed`, `failed` or `invalid`.
    pub(crate) result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) profiles: BTreeMap<String, ProfileLine>,
    pub(crate) time_ms: u64,
}

/// How one profile went.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct ProfileLine {
    pub(crate) runs: u64,
    pub(crate) schedules: usize,
    pub(crate) choice_points: u64,
    pub(crate) findings: u64,
    /// Violations allowed, by invariant.
    pub(crate) allowed: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exhaustive_complete: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failure: Option<FailureLine>,
    /// Not run: what the profile's CPython lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) skipped: Option<String>,
    /// Microseconds its thread spent on it, shrinking included.
    #[serde(default)]
    pub(crate) busy_us: u64,
}

/// A shrunk failure, with the report `simloop replay --schedule` prints.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct FailureLine {
    pub(crate) problem: String,
    pub(crate) kind: String,
    pub(crate) found_after: u64,
    pub(crate) schedule: String,
    pub(crate) deviations_before: usize,
    pub(crate) shrunk: Value,
    pub(crate) shrunk_schedule: String,
    pub(crate) report: String,
}

impl FailureLine {
    fn new(f: &ScenarioFailure) -> FailureLine {
        FailureLine {
            problem: f.problem.to_string(),
            kind: f.problem.kind(),
            found_after: f.found_after,
            schedule: f.schedule.to_string(),
            deviations_before: f.deviations_before,
            shrunk: f.shrunk.to_json(),
            shrunk_schedule: f.shrunk_schedule.to_string(),
            report: f.report.clone(),
        }
    }
}

impl ProfileLine {
    fn new(v: &ProfileVerdict) -> ProfileLine {
        ProfileLine {
            runs: v.runs,
            schedules: v.schedules,
            choice_points: v.choice_points,
            findings: v.findings,
            allowed: v
                .allowed
                .iter()
                .map(|(i, &n)| (i.name().to_owned(), n))
                .collect(),
            exhaustive_complete: v.complete,
            failure: v.failure.as_ref().map(FailureLine::new),
            skipped: v.skipped.clone(),
            busy_us: v.time.as_micros() as u64,
        }
    }
}

impl ScenarioLine {
    fn new(
        input: &Input,
        index: usize,
        verdicts: Result<Vec<ProfileVerdict>, String>,
        time: Duration,
    ) -> ScenarioLine {
        let (result, error, profiles) = match verdicts {
            Err(e) => ("invalid", Some(e), BTreeMap::new()),
            Ok(vs) => {
                let result = if vs.iter().any(|v| v.failure.is_some()) {
                    "failed"
                } else if vs.iter().all(|v| v.skipped.is_some()) {
                    "skipped"
                } else {
                    "passed"
                };
                let profiles = vs
                    .iter()
                    .map(|v| (v.profile.name().to_owned(), ProfileLine::new(v)))
                    .collect();
                (result, None, profiles)
            }
        };
        ScenarioLine {
            file: input.path.display().to_string(),
            index,
            result: result.into(),
            error,
            profiles,
            time_ms: time.as_millis() as u64,
        }
    }

    fn name(&self) -> String {
        stem(Path::new(&self.file))
    }

    /// The exit code it calls for: 2 invalid, 1 failed, 0 passed.
    fn code(&self) -> u8 {
        match self.result.as_str() {
            "invalid" => 2,
            "failed" => 1,
            _ => 0,
        }
    }

    /// Its line: text, or `--json`'s.
    pub(crate) fn print(&self, json: bool) {
        if json {
            outln!("{}", serde_json::to_string(self).expect("plain data"));
            return;
        }
        let name = self.name();
        if let Some(e) = &self.error {
            outln!("ERROR {name}: {}", shown_text(e));
            return;
        }
        let ps = self.profiles.values();
        let runs: u64 = ps.clone().map(|p| p.runs).sum();
        let schedules: usize = ps.clone().map(|p| p.schedules).sum();
        let mut extra = String::new();
        let complete: Vec<bool> = ps.clone().filter_map(|p| p.exhaustive_complete).collect();
        if !complete.is_empty() && self.result == "passed" {
            extra.push_str(&if complete.iter().all(|&c| c) {
                format!(", exhaustive: all {runs} checked")
            } else {
                format!(", exhaustive: budget reached after {runs}")
            });
        }
        let allowed: u64 = ps.clone().flat_map(|p| p.allowed.values()).sum();
        if allowed > 0 {
            extra.push_str(&format!(", {allowed} allowed"));
        }
        let skipped: Vec<&str> = self
            .profiles
            .iter()
            .filter(|(_, p)| p.skipped.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        if !skipped.is_empty() {
            extra.push_str(&format!(", not under {}", skipped.join(", ")));
        }
        let status = match self.result.as_str() {
            "failed" => "FAIL ",
            "skipped" => "SKIP ",
            _ => "PASS ",
        };
        outln!(
            "{status} {name:<48} {runs:>6} runs {schedules:>6} schedules{extra}  {:.2} s",
            self.time_ms as f64 / 1000.0
        );
        for (profile, p) in &self.profiles {
            if let Some(f) = &p.failure {
                outln!(
                    "        {profile}: {} (run {})",
                    shown_text(&f.problem),
                    f.found_after
                );
            }
        }
        // Why, once: the first profile skipped names what it lacks.
        if let Some(why) = self.profiles.values().find_map(|p| p.skipped.as_ref()) {
            outln!("        not run under {}: {why}", skipped.join(", "));
        }
    }
}

/// The last line of `--report`: what was checked, how, and how long it
/// took; with the lines, all `simloop merge` needs.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Totals {
    pub(crate) command: String,
    /// Scenario files in all (all shards').
    pub(crate) scenarios: usize,
    pub(crate) profiles: Vec<String>,
    /// Which schedules, in words.
    pub(crate) schedules: String,
    /// What a replay line needs to judge as this run did.
    pub(crate) replay_flags: String,
    pub(crate) shard: String,
    pub(crate) time_ms: u64,
}

impl Totals {
    /// The first line printed, for `checked` of the files.
    pub(crate) fn header(&self, checked: usize) -> String {
        let of = if checked == self.scenarios {
            String::new()
        } else {
            format!(" of {} (shard {})", self.scenarios, self.shard)
        };
        format!(
            "simloop check: {checked} scenario{}{of} under {}; {}",
            if checked == 1 { "" } else { "s" },
            self.profiles.join(", "),
            self.schedules
        )
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
            "CPython's order and {n} seeded schedule{} each (jitter {})",
            if n == 1 { "" } else { "s" },
            cfg.jitter
        ),
        Strategy::Exhaustive { budget, delays } => format!(
            "every schedule, up to {budget} each (at most {delays} sleep{} {} ticks late)",
            if delays == 1 { "" } else { "s" },
            cfg.jitter
        ),
        Strategy::Pct { runs, depth } => format!(
            "CPython's order and {runs} PCT-style schedule{} each (depth {depth}, jitter {})",
            if runs == 1 { "" } else { "s" },
            cfg.jitter
        ),
    }
}

/// The scenario files named, directories walked for `*.json` (sorted).
fn inputs(files: &[PathBuf], limits: &Limits) -> Result<Vec<Input>, String> {
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
            let scenario = input::load(&path, limits).map_err(|e| {
                // The line names the file already.
                let file = format!("{}: ", path.display());
                e.strip_prefix(&file)
                    .map_or_else(|| e.clone(), str::to_owned)
            });
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

/// The failure's files: `simloop-check-<stem>-<profile>.json` and `.svg`.
fn failure_files(line: &ScenarioLine, profile: &str, out_dir: &Path) -> (PathBuf, PathBuf) {
    let base = format!("simloop-check-{}-{profile}", line.name());
    (
        out_dir.join(format!("{base}.json")),
        out_dir.join(format!("{base}.svg")),
    )
}

fn print_failure(
    line: &ScenarioLine,
    profile: &str,
    f: &FailureLine,
    replay_flags: &str,
    out_dir: &Path,
) {
    let p: Option<Profile> = profile.parse().ok();
    outln!();
    outln!(
        "== FAIL {} under {profile} (CPython {}), found by run {}",
        line.file,
        p.map_or("?", Profile::cpython),
        f.found_after
    );
    let deviations = f.schedule.parse::<Schedule>().map_or(0, |s| s.deviations());
    let shrunk_from = if f.deviations_before > deviations {
        format!(" (shrunk from {} deviations)", f.deviations_before)
    } else {
        String::new()
    };
    outln!("schedule: {}{shrunk_from}", f.schedule);
    let shrunk = f.shrunk.to_string();
    outln!("shrunk scenario: {shrunk}");
    out!("{}", shown_text(&f.report));
    let (json_file, svg_file) = failure_files(line, profile, out_dir);
    let mut written = Vec::new();
    if write_file(&json_file, format!("{shrunk}\n").as_bytes()).is_ok() {
        written.push(json_file.display().to_string());
    }
    let scenario = parse_scenario(&shrunk).ok();
    let schedule = f.shrunk_schedule.parse::<Schedule>().ok();
    if let (Some(p), Some(scenario), Some(schedule)) = (p, scenario, schedule) {
        let config = Config::new(p).policy(Policy::Replay(schedule));
        if let Ok(r) = run(&scenario, config) {
            let title = format!("{} ({profile})", line.name());
            if write_picture(&r, &title, Format::Svg, &svg_file).is_ok() {
                written.push(svg_file.display().to_string());
            }
        }
    }
    if !written.is_empty() {
        outln!("written: {}", written.join(", "));
    }
    outln!(
        "note: run `simloop replay --schedule {} --profile {profile}{replay_flags} {}` to replay the shrunk failure",
        f.shrunk_schedule,
        json_file.display()
    );
    outln!(
        "note: run `simloop replay --schedule {} --profile {profile}{replay_flags} {}` to replay it on the original file",
        f.schedule, line.file
    );
}

fn print_summary(lines: &[ScenarioLine], totals: &Totals) {
    let count = |r: &str| lines.iter().filter(|l| l.result == r).count();
    let (passed, failed, invalid) = (count("passed"), count("failed"), count("invalid"));
    let skipped = match count("skipped") {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    let runs: u64 = lines
        .iter()
        .flat_map(|l| l.profiles.values())
        .map(|p| p.runs)
        .sum();
    // What was allowed, in the order of the invariants, then profiles:
    // how often, and in which files.
    type Key = (Option<Invariant>, String, String);
    let mut allowed: BTreeMap<Key, (u64, Vec<String>)> = BTreeMap::new();
    for line in lines {
        for (profile, p) in &line.profiles {
            for (i, &n) in &p.allowed {
                let key = (i.parse::<Invariant>().ok(), i.clone(), profile.clone());
                let e = allowed.entry(key).or_default();
                e.0 += n;
                e.1.push(line.name());
            }
        }
    }
    outln!();
    for ((_, i, p), (n, files)) in &allowed {
        let mut files = files.clone();
        files.dedup();
        outln!(
            "allowed: {i} under {p}, {n} time{} ({})",
            if *n == 1 { "" } else { "s" },
            files.join(", ")
        );
    }
    let secs = (totals.time_ms as f64 / 1000.0).max(1e-3);
    // Per core: runs over the time the threads spent checking, so that
    // threads idle at the end (fewer files than jobs) do not dilute it.
    let busy_us: u64 = lines
        .iter()
        .flat_map(|l| l.profiles.values())
        .map(|p| p.busy_us)
        .sum();
    let per_core = match busy_us {
        0 => String::new(),
        us => format!(", {:.0} per core", runs as f64 * 1e6 / us as f64),
    };
    outln!(
        "{} scenarios: {passed} passed, {failed} failed, {invalid} invalid{skipped}; {runs} runs in {:.2} s ({:.0} runs/s{per_core})",
        lines.len(),
        totals.time_ms as f64 / 1000.0,
        runs as f64 / secs
    );
}

fn write_junit(file: OutputFile, lines: &[ScenarioLine], totals: &Totals) -> Result<(), String> {
    let mut report = Report::new("simloop check");
    report.set_time(Duration::from_millis(totals.time_ms));
    let mut suite = TestSuite::new("scenarios");
    for line in lines {
        let name = line.name();
        if let Some(e) = &line.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(e.clone());
            let mut case = TestCase::new(name, status);
            case.set_classname(line.file.clone());
            suite.add_test_case(case);
            continue;
        }
        for (profile, p) in &line.profiles {
            let status = match (&p.failure, &p.skipped) {
                (None, Some(why)) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(why.clone());
                    s
                }
                (None, None) => TestCaseStatus::success(),
                (Some(f), _) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(f.problem.clone());
                    s.set_type(f.kind.clone());
                    s.set_description(format!(
                        "schedule {}\nshrunk scenario: {}\n{}",
                        f.schedule, f.shrunk, f.report
                    ));
                    s
                }
            };
            let mut case = TestCase::new(format!("{name} [{profile}]"), status);
            case.set_classname(line.file.clone());
            suite.add_test_case(case);
        }
    }
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(|e| e.to_string())?;
    file.write(|o| o.write_all(xml.as_bytes()))
        .map_err(|e| e.to_string())
}

fn write_report(file: OutputFile, lines: &[ScenarioLine], totals: &Totals) -> io::Result<()> {
    file.write(|out| {
        for line in lines {
            writeln!(out, "{}", serde_json::to_string(line)?)?;
        }
        writeln!(out, "{}", json!({ "summary": totals }))
    })
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
