//! CPython's recorded traces, read from the data files under `tests/cpython`.
//!
//! Layout: `tests/cpython/<module>/<test>.<profile>.txt`, one file per test
//! and per profile, where `<module>` is the test file (`taskgroups`,
//! `timeouts`, `shield`), `<test>` the name of the test body in the script
//! that recorded it (`tools/oracle/record_<...>_traces.py`) and `<profile>`
//! a [`Profile::name`] (`py311`...). The file holds the trace as
//! `tools/oracle/write_trace_files.py` wrote it: `tick event` lines, ending
//! with a newline. A test names its trace by `<module>/<test>`, so
//! `"taskgroups/taskgroup_01"` under `py313` is
//! `tests/cpython/taskgroups/taskgroup_01.py313.txt`.
//!
//! Every profile has its own file, also where two CPython versions agree
//! (git stores identical files once): a profile added later (py314) then
//! finds no file until its CPython has been recorded, and each test fails
//! naming the file it expected, instead of passing against another
//! version's trace. Nothing here depends on how many profiles there are.
//!
//! The files are read at run time, at a path fixed at compile time from
//! `CARGO_MANIFEST_DIR` (so the working directory does not matter), rather
//! than with `include_str!`: a missing file then fails the one test that
//! needs it with a message naming the file, where `include_str!` would stop
//! the whole test binary from compiling (and would need every path spelled
//! out as a literal). Editing a data file needs no rebuild.

use std::path::PathBuf;

use simloop_core::Profile;

/// The directory of the recorded traces.
fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("cpython")
}

/// CPython's trace of the test `key` (`<module>/<test>`) for `p`, without
/// leading or trailing newlines. Panics, naming the file, when there is no
/// recording for `p` or the file cannot be read.
pub(crate) fn trace(key: &str, p: Profile) -> String {
    let path = data_dir().join(format!("{key}.{}.txt", p.name()));
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim_matches('\n').to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{p}: no CPython {} trace recorded for {key}: expected the file {}\n\
             (record it with tools/oracle/write_trace_files.py under that CPython; \
             see tools/oracle/README.md)",
            p.cpython(),
            path.display()
        ),
        Err(e) => panic!("{p}: cannot read {}: {e}", path.display()),
    }
}
