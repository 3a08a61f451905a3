//! What the binary's tests share: a scratch directory, running `simloop`
//! in it, and reading what it printed.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh empty directory for one test (failure files land there).
pub(crate) fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("simloop-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// `simloop ARGS...` run in `dir`.
pub(crate) fn simloop<S: AsRef<str>>(dir: &Path, args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args.iter().map(AsRef::as_ref))
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

/// The commands of the `note: run `...`` lines, split into arguments
/// (without the leading `simloop`).
pub(crate) fn notes(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| l.starts_with("note: run `"))
        .flat_map(|l| l.split('`').skip(1).step_by(2))
        .map(|cmd| {
            let mut words = cmd.split_whitespace().map(str::to_owned);
            assert_eq!(words.next().as_deref(), Some("simloop"), "{cmd}");
            words.collect()
        })
        .collect()
}

/// The repository's root (scenarios/, examples/).
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
