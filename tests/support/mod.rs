//! Finding the CPython interpreters the reference runner needs.
//!
//! 3.11 to 3.13: pyenv's exact version, else a `python3.X` on PATH that
//! reports the right minor version. 3.14: a `python3.14` on PATH, else
//! CPython 3.14 compiled to WebAssembly (the npm package `pyodide`, which
//! `tools/pyodide/install.sh` puts under `target/pyodide`, or
//! `$SIMLOOP_PYODIDE`) run by `node` through the drivers in `tools/pyodide/`.
//! A profile whose interpreter is missing is skipped with a note on stderr,
//! except in CI (`CI` set), where every profile must run.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;
use std::process::Command;

use simloop::core::Profile;

/// An interpreter of one CPython version.
pub(crate) enum Interpreter {
    /// A `python3` binary.
    Native(PathBuf),
    /// Pyodide under `node`.
    Pyodide,
}

impl Interpreter {
    /// `simloop_ref.py ARGS...` under this interpreter.
    pub(crate) fn reference_runner(&self, args: &[&str]) -> Command {
        match self {
            Interpreter::Native(python) => {
                let mut c = Command::new(python);
                c.arg(tools().join("simloop_ref.py")).args(args);
                c
            }
            Interpreter::Pyodide => {
                let mut c = Command::new("node");
                c.arg(tools().join("pyodide/run_ref.mjs")).args(args);
                c
            }
        }
    }

    /// `tools/SCRIPT ARGS...` (a script beside the reference runner) under
    /// this interpreter.
    pub(crate) fn tool(&self, script: &str, args: &[&str]) -> Command {
        match self {
            Interpreter::Native(python) => {
                let mut c = Command::new(python);
                c.arg(tools().join(script)).args(args);
                c
            }
            Interpreter::Pyodide => {
                let mut c = Command::new("node");
                c.arg(tools().join("pyodide/run_py.mjs"))
                    .arg(tools().join(script))
                    .args(args);
                c
            }
        }
    }

    /// Feeds `input` to `command`'s stdin and returns its stdout lines,
    /// failing with its stderr if it fails.
    pub(crate) fn batch(&self, mut command: Command, input: String) -> Vec<String> {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the interpreter");
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().expect("the interpreter's output");
        // Its failure first: a broken pipe only says that it stopped reading.
        assert!(
            out.status.success(),
            "{command:?} failed under {}:\n{}",
            self.describe(),
            String::from_utf8_lossy(&out.stderr)
        );
        writer.join().unwrap().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The reference runner's own unit tests under this interpreter.
    pub(crate) fn unit_tests(&self) -> Command {
        match self {
            Interpreter::Native(python) => {
                let mut c = Command::new(python);
                c.args(["-m", "unittest", "discover", "-p", "test_*.py", "-s"])
                    .arg(tools());
                c
            }
            Interpreter::Pyodide => {
                let mut c = Command::new("node");
                c.arg(tools().join("pyodide/run_tests.mjs"));
                c
            }
        }
    }

    /// For messages: the binary, or `Pyodide (node)`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Interpreter::Native(p) => p.display().to_string(),
            Interpreter::Pyodide => format!("Pyodide under node ({})", pyodide_dir().display()),
        }
    }
}

/// The interpreter for `profile`, if this machine has one.
pub(crate) fn interpreter(profile: Profile) -> Option<Interpreter> {
    let version = profile.cpython();
    let minor = &version[..version.rfind('.').unwrap()];
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let pyenv = home.map(|h| h.join(format!(".pyenv/versions/{version}/bin/python3")));
    let native = pyenv
        .into_iter()
        .chain([PathBuf::from(format!("python{minor}"))])
        .find(|p| reports(p, minor))
        .map(Interpreter::Native);
    native.or_else(|| {
        (profile == Profile::Py314 && pyodide_available()).then_some(Interpreter::Pyodide)
    })
}

fn reports(python: &PathBuf, minor: &str) -> bool {
    Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == minor)
}

/// Where the drivers look for the package (`tools/pyodide/boot.mjs`).
fn pyodide_dir() -> PathBuf {
    std::env::var_os("SIMLOOP_PYODIDE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyodide/node_modules/pyodide"),
        PathBuf::from,
    )
}

fn pyodide_available() -> bool {
    pyodide_dir().join("pyodide.mjs").is_file()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// `CI` is set to something true.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The interpreter for `profile`, or `None` after a note on stderr;
/// panics in CI, where it must be there.
pub(crate) fn required(profile: Profile) -> Option<Interpreter> {
    let found = interpreter(profile);
    if found.is_none() {
        if in_ci() {
            panic!(
                "CI: no CPython {} for the {profile} profile (3.11-3.13: pyenv; 3.14: node and \
                 tools/pyodide/install.sh)",
                profile.cpython()
            );
        }
        eprintln!(
            "note: no CPython {} found; the {profile} profile is not compared (3.14: run \
             tools/pyodide/install.sh and have node on PATH)",
            profile.cpython()
        );
    }
    found
}

/// Every profile whose interpreter was found. Panics if none is, and in CI
/// if any is missing.
pub(crate) fn interpreters() -> Vec<(Profile, Interpreter)> {
    let found: Vec<_> = Profile::ALL
        .into_iter()
        .filter_map(|p| required(p).map(|i| (p, i)))
        .collect();
    assert!(
        !found.is_empty(),
        "no CPython 3.11+ found (looked for ~/.pyenv/versions/3.1x.y and python3.1x on PATH)"
    );
    found
}

/// `tools/` of this repository.
pub(crate) fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools")
}
