//! Finding the CPython interpreters the reference runner needs.

use std::path::PathBuf;
use std::process::Command;

use simloop::core::Profile;

/// The CPython interpreter for `profile`: pyenv's exact version, else a
/// `python3.X` on PATH that reports the right minor version.
pub(crate) fn interpreter(profile: Profile) -> Option<PathBuf> {
    let version = profile.cpython();
    let minor = &version[..version.rfind('.').unwrap()];
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let pyenv = home.map(|h| h.join(format!(".pyenv/versions/{version}/bin/python3")));
    let candidates = pyenv
        .into_iter()
        .chain([PathBuf::from(format!("python{minor}"))]);
    candidates.into_iter().find(|p| reports(p, minor))
}

fn reports(python: &PathBuf, minor: &str) -> bool {
    Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == minor)
}

/// Every profile whose interpreter was found; panics if none is.
pub(crate) fn interpreters() -> Vec<(Profile, PathBuf)> {
    let found: Vec<_> = Profile::ALL
        .into_iter()
        .filter_map(|p| interpreter(p).map(|i| (p, i)))
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
