//! The CPython reference runner's own test suite, under every interpreter
//! found, so that `cargo test` covers the oracle too.

mod support;

#[test]
fn reference_runner_unit_tests_pass_on_every_cpython() {
    for (profile, python) in support::interpreters() {
        let out = python.unit_tests().output().expect("run python");
        assert!(
            out.status.success(),
            "reference runner tests failed under {profile} ({}):\n{}",
            python.describe(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
