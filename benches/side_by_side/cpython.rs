//! Timing CPython: `tools/bench_cpython.py` runs a workload `iters` times
//! in one process and prints the seconds those runs took (start-up, imports
//! and loading excluded), which `iter_custom` hands to criterion.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The interpreter to time, or `None` when CPython is left out or missing.
pub(crate) fn python() -> Option<PathBuf> {
    if std::env::var_os("SIMLOOP_BENCH_NO_CPYTHON").is_some() {
        return None;
    }
    if let Some(p) = std::env::var_os("SIMLOOP_BENCH_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let pyenv = home.map(|h| h.join(".pyenv/versions/3.13.0/bin/python3"));
    pyenv
        .into_iter()
        .chain(["python3.13", "python3"].map(PathBuf::from))
        .find(|p| {
            Command::new(p)
                .args(["-c", "import sys; assert sys.version_info >= (3, 11)"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The time CPython took for `iters` runs of `workload arg`.
pub(crate) fn time(python: &PathBuf, workload: &str, arg: &str, iters: u64) -> Duration {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/bench_cpython.py");
    let out = Command::new(python)
        .arg(script)
        .args([workload, &iters.to_string(), arg])
        .output()
        .expect("start tools/bench_cpython.py");
    assert!(
        out.status.success(),
        "bench_cpython.py {workload} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secs: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("bench_cpython.py prints seconds");
    Duration::from_secs_f64(secs)
}
