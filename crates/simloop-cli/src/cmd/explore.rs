//! `simloop explore`: sweep seeds, check invariants, shrink and print each
//! failure with the command that replays it, end with a table.
//!
//! Exit codes: 0 no violation; 1 an invariant was violated (or a run hit a
//! limit or panicked); 2 bad arguments (a `--report` or `--out-dir` that
//! cannot be written is one, found before the sweep), or the report could
//! not be written.
//!
//! stdout depends only on the arguments (not on timing or `--jobs`); the
//! progress bar and the timing line go to stderr, the bar only on a
//! terminal.
//!
//! The sweep keeps totals, not runs: it hands each run on in seed order,
//! and `--report` lines go to disk as they come (see [`ReportFile`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Seek, Write};
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use simloop::check::Invariant;
use simloop::core::Profile;
use simloop::explore::explore::{
    replay_scenario, run_seed, shrink_failures, sweep_with, ExploreConfig, Failure, SeedRules,
    SeedRun, Summary,
};
use simloop::explore::shard::Shard;
use simloop::explore::shrink::size;
use simloop::explore::GenConfig;

use crate::cli::{DenyArg, ExploreArgs, RulesArgs};
use crate::cmd::render::{output_file, write_picture, Format};
use crate::files::{check_dir, write_file, OutputFile};
use crate::output::{errln, out, outln};

pub(crate) fn main(args: ExploreArgs) -> u8 {
    let profiles = args.profile.profiles();
    if profiles.len() == 1 {
        return sweep_profile(&args, profiles[0], false);
    }
    if args.report.is_some() {
        errln!("error: --report needs one profile (a report is one sweep's)");
        return 2;
    }
    let mut code = 0;
    for (i, &profile) in profiles.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        code = code.max(sweep_profile(&args, profile, true));
    }
    code
}

/// One profile's sweep, allowing what CPython itself breaks under it if
/// `cpython_own` (a sweep of every profile).
fn sweep_profile(args: &ExploreArgs, profile: Profile, cpython_own: bool) -> u8 {
    let mut gen = GenConfig::default().for_profile(profile);
    if let Some(d) = args.max_depth {
        gen = gen.max_depth(d);
    }
    if args.seeds > 0 && args.start.checked_add(args.seeds - 1).is_none() {
        errln!(
            "error: --start {} --seeds {}: the seeds would go past {}",
            args.start,
            args.seeds,
            u64::MAX
        );
        return 2;
    }
    let rules = match args.rules.rules(profile) {
        Ok(r) if cpython_own => r.allowing_cpython_own(),
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let mut cfg = ExploreConfig::new(profile)
        .rules(rules)
        .start(args.start)
        .seeds(args.seeds)
        .gen(gen);
    if let Some(shard) = args.shard {
        match shard.resolve() {
            Ok(shard) => cfg = cfg.shard(shard),
            Err(e) => {
                errln!("error: {e}");
                return 2;
            }
        }
    }
    let jobs = crate::cli::jobs(args.jobs, cfg.len());
    cfg = cfg.jobs(jobs);
    // Failure files go to --out-dir, else the current directory.
    if let Err(code) = out_dir(args.out_dir.as_deref()) {
        return code;
    }
    let dir = args.out_dir.clone().unwrap_or_default();
    let report_file = match args.report.as_deref().map(output_file).transpose() {
        Ok(f) => f,
        Err(code) => return code,
    };
    outln!("{}", header(&cfg));

    let bar = progress_bar(cfg.len());
    let t0 = Instant::now();
    let mut report = report_file.map(|file| ReportFile::create(file, profile));
    let mut summary = sweep_with(&cfg, &|n| bar.inc(n), &mut |r| {
        if let Some(report) = &mut report {
            report.add(r);
        }
    });
    let elapsed = t0.elapsed();
    bar.finish_and_clear();
    let t1 = Instant::now();
    if summary.failing_seeds > 0 && io::stderr().is_terminal() {
        errln!("shrinking...");
    }
    shrink_failures(&cfg, &mut summary);
    let shrinking = t1.elapsed();

    print_outcome(&cfg, &summary, &dir);
    if let Some(report) = report {
        let path = report.file.path().to_path_buf();
        if let Err(e) = report.finish(&summary.failures, &totals(&cfg, &summary)) {
            errln!("error: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    errln!(
        "{} seeds in {:.3} s ({:.0} seeds/s, {jobs} jobs); shrinking {:.3} s",
        summary.seeds,
        elapsed.as_secs_f64(),
        summary.seeds as f64 / elapsed.as_secs_f64().max(1e-9),
        shrinking.as_secs_f64()
    );
    u8::from(!summary.is_clean())
}

/// Check `--out-dir`, if given, before the work; the error is printed.
pub(crate) fn out_dir(dir: Option<&Path>) -> Result<(), u8> {
    match dir.map(check_dir) {
        Some(Err(e)) => {
            let dir = dir.expect("given").display();
            errln!("error: --out-dir {dir}: cannot write files there: {e}");
            Err(2)
        }
        _ => Ok(()),
    }
}

/// The first line printed: what the sweep is.
pub(crate) fn header(cfg: &ExploreConfig) -> String {
    let shard = if cfg.shard == Shard::ALL {
        String::new()
    } else {
        format!(", shard {}", cfg.shard)
    };
    format!(
        "simloop explore: {} seeds from {} under {}{shard}, max depth {}{}",
        cfg.len(),
        cfg.start,
        cfg.rules.profile,
        cfg.gen.max_depth,
        cfg.rules.flags()
    )
}

/// Everything printed after the sweep: each shrunk failure (its files
/// written to `dir`), the runs that did not finish, the table.
pub(crate) fn print_outcome(cfg: &ExploreConfig, summary: &Summary, dir: &Path) {
    for f in &summary.failures {
        print_failure(f, &cfg.rules, dir);
    }
    for r in &summary.errors {
        outln!(
            "error: seed {} did not finish: {}",
            r.seed,
            r.error.as_deref().unwrap_or("")
        );
    }
    print_table(summary);
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

pub(crate) fn print_failure(f: &Failure, rules: &SeedRules, dir: &Path) {
    outln!();
    outln!(
        "error: {} violated by seed {} under {}",
        f.invariant,
        f.seed,
        f.profile
    );
    outln!("  {}", f.message);
    outln!("  trace hash: {:#018x}", f.hash);
    let file = dir.join(f.file_name()).display().to_string();
    let json = f.shrunk.to_json_string();
    let written = match write_file(Path::new(&file), format!("{json}\n").as_bytes()) {
        Ok(()) => format!("written to {file}"),
        Err(e) => format!("could not write {file}: {e}"),
    };
    outln!(
        "shrunk scenario (size {} -> {}), {written}:",
        size(&f.original),
        size(&f.shrunk)
    );
    outln!("{json}");
    outln!("  {}", f.shrunk_message);
    outln!(
        "timeline of the shrunk scenario (seed {}, {}):",
        f.seed,
        f.profile
    );
    out!("{}", f.timeline);
    let svg = dir.join(f.file_name()).with_extension("svg");
    let title = format!(
        "{} violated by seed {} under {} (shrunk)",
        f.invariant, f.seed, f.profile
    );
    match replay_scenario(f.shrunk.clone(), f.seed, rules) {
        Ok(r) if write_picture(&r.run, &title, Format::Svg, &svg).is_ok() => {
            outln!("picture of the shrunk failure: {}", svg.display());
        }
        Ok(_) => {}
        Err(e) => outln!("no picture: the shrunk scenario's run failed: {e}"),
    }
    outln!("note: run `{}` to reproduce this failure", f.replay);
    let flags = rules.flags();
    outln!(
        "note: run `simloop run --profile {} --seed {} --jitter {} {file}` to run the shrunk scenario, \
         or `simloop replay --seed {} --profile {}{flags} {file}` to check it",
        f.profile, f.seed, rules.jitter, f.seed, f.profile
    );
}

fn print_table(summary: &Summary) {
    outln!();
    let allowing = summary.tally.iter().any(|t| t.allowed > 0);
    let allowed = |n: u64| {
        if allowing {
            format!(" {n:>8}")
        } else {
            String::new()
        }
    };
    outln!(
        "{:<18} {:>10} {:>11} {:>9}{}",
        "invariant",
        "checked",
        "violations",
        "findings",
        if allowing { "  allowed" } else { "" }
    );
    for t in &summary.tally {
        outln!(
            "{:<18} {:>10} {:>11} {:>9}{}",
            t.invariant.name(),
            t.checked,
            t.violations,
            t.findings,
            allowed(t.allowed)
        );
    }
    let errors = summary.errors.len();
    let mut line = format!("{} seeds, {} failing", summary.seeds, summary.failing_seeds);
    if errors > 0 {
        line.push_str(&format!(", {errors} did not finish"));
    }
    outln!("{line}");
}

/// The `--report` file: one JSON line per notable seed, in seed order,
/// written as the sweep hands runs on, so that no run stays in memory.
///
/// The line of the first seed to violate an invariant ends with the shrunk
/// failure, known only once the sweep is over. So the lines go to a spool,
/// an unnamed temporary file, with those few runs kept aside and their
/// line numbers; [`ReportFile::finish`] then copies the spool to `FILE`,
/// writing those lines afresh.
struct ReportFile {
    file: OutputFile,
    profile: Profile,
    /// The spool; the first error once one happened (`finish` returns it).
    out: io::Result<BufWriter<File>>,
    /// Lines written.
    lines: u64,
    /// Invariants violated by a seed so far.
    violated: Vec<Invariant>,
    /// The runs that were the first to violate an invariant, with their
    /// line numbers.
    firsts: Vec<(u64, SeedRun)>,
}

impl ReportFile {
    fn create(file: OutputFile, profile: Profile) -> ReportFile {
        ReportFile {
            out: tempfile::tempfile().map(BufWriter::new),
            file,
            profile,
            lines: 0,
            violated: Vec::new(),
            firsts: Vec::new(),
        }
    }

    /// The next run in seed order: a line if it is notable.
    fn add(&mut self, r: SeedRun) {
        if !r.is_notable() {
            return;
        }
        let Ok(out) = &mut self.out else { return };
        if let Err(e) = writeln!(out, "{}", report_line(self.profile, &r, &[])) {
            self.out = Err(e);
            return;
        }
        let mut first = false;
        for v in &r.report.violations {
            if !self.violated.contains(&v.invariant) {
                self.violated.push(v.invariant);
                first = true;
            }
        }
        if first {
            self.firsts.push((self.lines, r));
        }
        self.lines += 1;
    }

    /// Write `FILE`: the spool, with the shrunk `failures` on the lines of
    /// their seeds, then the `totals` line.
    fn finish(self, failures: &[Failure], totals: &Totals) -> io::Result<()> {
        let mut spool = self
            .out
            .and_then(|out| out.into_inner().map_err(io::IntoInnerError::into_error))?;
        spool.rewind()?;
        let (profile, firsts) = (self.profile, &self.firsts);
        self.file.write(|out| {
            copy(spool, out, profile, firsts, failures)?;
            writeln!(out, "{}", totals.line())
        })
    }
}

/// Copy `spool` to `out`, writing line `n` afresh, with its seed's
/// `failures`, for each `(n, run)` of `firsts` (in line order).
fn copy(
    spool: File,
    out: &mut dyn Write,
    profile: Profile,
    firsts: &[(u64, SeedRun)],
    failures: &[Failure],
) -> io::Result<()> {
    let mut spool = BufReader::new(spool);
    let mut firsts = firsts.iter().peekable();
    let mut line = Vec::new();
    for n in 0.. {
        line.clear();
        if spool.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        match firsts.next_if(|(at, _)| *at == n) {
            Some((_, r)) => {
                let fs: Vec<&Failure> = failures.iter().filter(|f| f.seed == r.seed).collect();
                writeln!(out, "{}", report_line(profile, r, &fs))?;
            }
            None => out.write_all(&line)?,
        }
    }
    Ok(())
}

pub(crate) fn report_line(profile: Profile, r: &SeedRun, failures: &[&Failure]) -> Value {
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
        m.insert("shrunk".into(), shrunk_entries(failures));
    }
    Value::Object(m)
}

/// A report line's `shrunk` field: its seed's shrunk failures.
pub(crate) fn shrunk_entries(failures: &[&Failure]) -> Value {
    failures
        .iter()
        .map(|f| {
            json!({
                "invariant": f.invariant.name(),
                "shrunk": f.shrunk.to_json(),
                "replay": f.replay,
            })
        })
        .collect()
}

/// The last line of a report: the sweep and its totals, all that
/// `simloop merge` needs besides the seeds' lines.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct Totals {
    pub(crate) command: String,
    pub(crate) profile: String,
    pub(crate) start: u64,
    pub(crate) seeds: u64,
    pub(crate) max_depth: usize,
    pub(crate) jitter: u64,
    pub(crate) pct: Option<u64>,
    pub(crate) deny_findings: bool,
    pub(crate) allow: Vec<String>,
    pub(crate) shard: String,
    pub(crate) ran: u64,
    pub(crate) notable: u64,
    pub(crate) failing: u64,
    pub(crate) tally: Vec<Row>,
    /// The seeds whose runs did not finish.
    pub(crate) errors: Vec<u64>,
}

/// One invariant's totals.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct Row {
    pub(crate) invariant: String,
    pub(crate) checked: u64,
    pub(crate) violations: u64,
    pub(crate) findings: u64,
    pub(crate) allowed: u64,
    pub(crate) failing_seeds: u64,
    pub(crate) first_failing: Option<u64>,
}

pub(crate) fn totals(cfg: &ExploreConfig, summary: &Summary) -> Totals {
    let r = &cfg.rules;
    Totals {
        command: "explore".into(),
        profile: r.profile.name().into(),
        start: cfg.start,
        seeds: cfg.seeds,
        max_depth: cfg.gen.max_depth,
        jitter: r.jitter,
        pct: r.pct,
        deny_findings: r.deny_findings,
        allow: r
            .allow
            .iter()
            .map(|(i, p)| match p {
                Some(p) => format!("{i}@{p}"),
                None => i.to_string(),
            })
            .collect(),
        shard: cfg.shard.to_string(),
        ran: summary.seeds,
        notable: summary.notable_seeds,
        failing: summary.failing_seeds,
        tally: summary
            .tally
            .iter()
            .map(|t| Row {
                invariant: t.invariant.name().into(),
                checked: t.checked,
                violations: t.violations,
                findings: t.findings,
                allowed: t.allowed,
                failing_seeds: t.failing_seeds,
                first_failing: t.first_failing,
            })
            .collect(),
        errors: summary.errors.iter().map(|r| r.seed).collect(),
    }
}

impl Totals {
    pub(crate) fn line(&self) -> Value {
        json!({ "summary": self })
    }

    /// The sweep these totals are of (its shard, `jobs` threads), and
    /// its summary, the runs that did not finish run again; an error
    /// names what does not make sense.
    pub(crate) fn sweep(&self, jobs: usize) -> Result<(ExploreConfig, Summary), String> {
        let profile: Profile = self.profile.parse()?;
        let rules = RulesArgs {
            jitter: self.jitter,
            pct: self.pct,
            deny: if self.deny_findings {
                vec![DenyArg::Findings]
            } else {
                vec![]
            },
            allow: self.allow.clone(),
        }
        .rules(profile)?;
        let shard: Shard = self.shard.parse()?;
        let cfg = ExploreConfig::new(profile)
            .rules(rules)
            .start(self.start)
            .seeds(self.seeds)
            .jobs(jobs)
            .shard(shard)
            .gen(
                GenConfig::default()
                    .for_profile(profile)
                    .max_depth(self.max_depth),
            );
        let mut s = Summary::new();
        s.seeds = self.ran;
        s.notable_seeds = self.notable;
        s.failing_seeds = self.failing;
        for row in &self.tally {
            let invariant: Invariant = row.invariant.parse()?;
            let t = s
                .tally
                .iter_mut()
                .find(|t| t.invariant == invariant)
                .ok_or_else(|| format!("no row for {invariant}"))?;
            t.checked = row.checked;
            t.violations = row.violations;
            t.findings = row.findings;
            t.allowed = row.allowed;
            t.failing_seeds = row.failing_seeds;
            t.first_failing = row.first_failing;
        }
        s.errors = self
            .errors
            .iter()
            .map(|&seed| run_seed(seed, &cfg.rules, &cfg.gen))
            .collect();
        Ok((cfg, s))
    }
}
