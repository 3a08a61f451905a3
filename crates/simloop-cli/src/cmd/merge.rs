//! `simloop merge`: join the `--report` files of the shards of one
//! `explore` or `check` into what a single run would have printed and
//! written.
//!
//! A report ends with a `{"summary": ...}` line: the run's settings, its
//! shard and its totals. The reports must be of one command with the same
//! settings, and their shards must be `0/M` to `M-1/M`, each once.
//!
//! - `explore`: the totals add up, each invariant's first failing seed is
//!   the earliest of the shards', and that seed is shrunk again: stdout
//!   after the first line, and `--report`, are byte for byte a single
//!   sweep's.
//! - `check`: the scenarios' lines in the order of the files, each
//!   failure, the summary; only the times differ from a single run (the
//!   merged time is the shards' sum).
//!
//! Exit codes as the command's own: 0, 1 (a failure), 2 (bad input: a
//! report that cannot be read, or reports that do not fit together).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use simloop::explore::explore::{shrink_failures, Failure, Summary};
use simloop::explore::shard::Shard;

use crate::cli::MergeArgs;
use crate::cmd::{check, explore};
use crate::files::OutputFile;
use crate::output::{errln, outln};

/// One report: its lines before the summary, and the summary.
struct ReportFile {
    path: PathBuf,
    lines: Vec<Value>,
    summary: Value,
}

pub(crate) fn main(args: MergeArgs) -> u8 {
    let outputs = match check::Outputs::create(
        args.out_dir.as_deref(),
        args.junit.as_deref(),
        args.report.as_deref(),
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    match merge(&args, outputs) {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}

fn merge(args: &MergeArgs, outputs: check::Outputs) -> Result<u8, String> {
    let reports = args
        .reports
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let command = |r: &ReportFile| r.summary["command"].as_str().unwrap_or_default().to_owned();
    let first = command(&reports[0]);
    if let Some(other) = reports.iter().find(|r| command(r) != first) {
        return Err(format!(
            "{} is a report of `{first}`, {} of `{}`: merge the shards of one run",
            reports[0].path.display(),
            other.path.display(),
            command(other)
        ));
    }
    match first.as_str() {
        "explore" => merge_explore(args, &reports, outputs),
        "check" => merge_check(args, &reports, outputs),
        c => Err(format!(
            "{}: a summary of {c:?}; expected explore or check",
            reports[0].path.display()
        )),
    }
}

fn read(path: &Path) -> Result<ReportFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(l)
            .map_err(|e| format!("{}:{}: not a JSON line: {e}", path.display(), n + 1))?;
        lines.push(v);
    }
    let summary = match lines.pop() {
        Some(Value::Object(mut m)) if m.contains_key("summary") => {
            m.remove("summary").expect("it is there")
        }
        _ => {
            return Err(format!(
                "{}: the last line is not a {{\"summary\": ...}} line; is it a whole --report \
                 of explore or check?",
                path.display()
            ))
        }
    };
    Ok(ReportFile {
        path: path.to_path_buf(),
        lines,
        summary,
    })
}

/// A report's summary, typed; `shard` and the fields in `own` (its
/// totals) may differ between shards, every other field must not.
fn summaries<T: DeserializeOwned>(
    reports: &[ReportFile],
    own: &[&str],
) -> Result<Vec<(T, Shard)>, String> {
    let settings = |r: &ReportFile| {
        let mut s = r.summary.clone();
        if let Value::Object(m) = &mut s {
            m.remove("shard");
            for k in own {
                m.remove(*k);
            }
        }
        s
    };
    let base = settings(&reports[0]);
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut count = None;
    for r in reports {
        if settings(r) != base {
            return Err(format!(
                "{} and {} are not shards of one run: their settings differ\n  {}\n  {}",
                reports[0].path.display(),
                r.path.display(),
                base,
                settings(r)
            ));
        }
        let shard: Shard = r.summary["shard"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("{}: shard: {e}", r.path.display()))?;
        if *count.get_or_insert(shard.count()) != shard.count() || !seen.insert(shard.index()) {
            return Err(format!(
                "{}: shard {shard} does not fit with the others (each of 0/M to M-1/M once)",
                r.path.display()
            ));
        }
        let typed = serde_json::from_value(r.summary.clone())
            .map_err(|e| format!("{}: summary: {e}", r.path.display()))?;
        out.push((typed, shard));
    }
    let m = count.unwrap_or(1);
    let missing: Vec<String> = (0..m)
        .filter(|k| !seen.contains(k))
        .map(|k| format!("{k}/{m}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard{}: {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    Ok(out)
}

fn merge_explore(
    args: &MergeArgs,
    reports: &[ReportFile],
    outputs: check::Outputs,
) -> Result<u8, String> {
    let own = ["ran", "notable", "failing", "tally", "errors"];
    let parts = summaries::<explore::Totals>(reports, &own)?;
    let mut merged = Summary::new();
    let mut cfg = None;
    for (totals, _) in parts {
        let (c, s) = totals.sweep(crate::cli::jobs(None, totals.seeds))?;
        merged.merge(s, c.start);
        cfg = Some(c);
    }
    let cfg = cfg.expect("one report at least").shard(Shard::ALL);
    shrink_failures(&cfg, &mut merged);
    let dir = args.out_dir.clone().unwrap_or_default();
    outln!("{}", explore::header(&cfg));
    explore::print_outcome(&cfg, &merged, &dir);
    if let Some(file) = outputs.report {
        let path = file.path().display().to_string();
        let mut lines: Vec<Value> = reports
            .iter()
            .flat_map(|r| r.lines.iter().cloned())
            .collect();
        lines.sort_by_key(|l| l["seed"].as_u64().unwrap_or(0).wrapping_sub(cfg.start));
        write_explore_report(
            file,
            lines,
            &merged.failures,
            &explore::totals(&cfg, &merged),
        )
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    errln!("merged {} shards of {} seeds", reports.len(), merged.seeds);
    Ok(u8::from(!merged.is_clean()))
}

/// The seeds' lines, each first failing seed's with its shrunk failures
/// (and no other's), then the totals: a single sweep's report.
fn write_explore_report(
    file: OutputFile,
    lines: Vec<Value>,
    failures: &[Failure],
    totals: &explore::Totals,
) -> std::io::Result<()> {
    file.write(|out| {
        for line in lines {
            explore_line(out, line, failures)?;
        }
        writeln!(out, "{}", totals.line())
    })
}

/// A seed's line, with its shrunk failures.
fn explore_line(out: &mut dyn Write, mut line: Value, failures: &[Failure]) -> std::io::Result<()> {
    let seed = line["seed"].as_u64();
    if let Value::Object(m) = &mut line {
        m.shift_remove("shrunk");
        let fs: Vec<&Failure> = failures.iter().filter(|f| Some(f.seed) == seed).collect();
        if !fs.is_empty() {
            m.insert("shrunk".into(), explore::shrunk_entries(&fs));
        }
    }
    writeln!(out, "{line}")
}

fn merge_check(
    args: &MergeArgs,
    reports: &[ReportFile],
    outputs: check::Outputs,
) -> Result<u8, String> {
    let parts = summaries::<check::Totals>(reports, &["time_ms"])?;
    let time_ms = parts.iter().map(|(t, _)| t.time_ms).sum();
    let totals = check::Totals {
        shard: Shard::ALL.to_string(),
        time_ms,
        ..parts[0].0.clone()
    };
    let mut lines = Vec::new();
    for r in reports {
        for l in &r.lines {
            let line: check::ScenarioLine = serde_json::from_value(l.clone())
                .map_err(|e| format!("{}: a scenario line: {e}", r.path.display()))?;
            lines.push(line);
        }
    }
    lines.sort_by_key(|l| l.index);
    let indexes: Vec<usize> = lines.iter().map(|l| l.index).collect();
    if indexes != (0..totals.scenarios).collect::<Vec<_>>() {
        return Err(format!(
            "the reports hold scenarios {indexes:?}, not each of the {} once",
            totals.scenarios
        ));
    }
    outln!("{}", totals.header(lines.len()));
    for line in &lines {
        line.print(false);
    }
    let dir = args.out_dir.clone().unwrap_or_default();
    Ok(check::finish(&lines, &totals, false, &dir, outputs))
}
