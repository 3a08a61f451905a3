//! The CPython reference runner's own test suite, under every interpreter
//! found, so that `cargo test` covers the oracle too.

mod support;

use std::process::Command;

#[test]
fn reference_runner_unit_tests_pass_on_every_cpython() {
    for (profile, python) in support::interpreters() {
        let out = Command::new(&python)
            .args(["-m", "unittest", "discover", "-p", "test_*.py", "-s"])
            .arg(support::tools())
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "reference runner tests failed under {profile} ({}):\n{}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
