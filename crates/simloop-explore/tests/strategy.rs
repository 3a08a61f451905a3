//! `scenarios()`: a proptest strategy over the generated trees, shrinking
//! with the shrink candidates.
//!
//! Regression files: the `proptest!` block below persists failures to
//! `tests/strategy.proptest-regressions` (proptest's file persistence; the
//! default `SourceParallel` would fall back to this very file, with a
//! warning, as this crate keeps `lib.rs` in `src/`). Commit that file if a
//! failure ever creates it; there is none today because the property has
//! never failed. The deliberately false property runs on a `TestRunner`
//! without persistence, so it never writes one.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestError, TestRng, TestRunner};
use simloop_explore::shrink::size;
use simloop_explore::{scenarios, GenConfig};
use simloop_scenario::{parse_scenario, validate, Block, Limits, Scenario, Step};

/// Whether some task-group child raises, at any depth inside its body.
fn task_group_child_raises(b: &Block) -> bool {
    fn raises(b: &Block) -> bool {
        b.iter()
            .any(|s| matches!(s, Step::Raise(_)) || s.blocks().iter().any(|b| raises(b)))
    }
    b.iter().any(|s| {
        let here = match s {
            Step::TaskGroup { children, .. } => children.iter().any(|c| raises(&c.body)),
            _ => false,
        };
        here || s.blocks().iter().any(|b| task_group_child_raises(b))
    })
}

/// A runner with a fixed RNG, no persistence, and this many shrink steps.
fn runner(max_shrink_iters: u32) -> TestRunner {
    let config = Config {
        cases: 256,
        failure_persistence: None,
        max_shrink_iters,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    TestRunner::new_with_rng(config, rng)
}

/// A false property must fail, and proptest must shrink the counterexample
/// with our value tree down to the minimal tree.
#[test]
fn a_false_property_shrinks_to_the_minimal_tree() {
    let mut runner = runner(5_000);
    let result = runner.run(&scenarios(GenConfig::default()), |s| {
        prop_assert!(!task_group_child_raises(&s.main));
        Ok(())
    });
    let Err(TestError::Fail(_, minimal)) = result else {
        panic!("expected a failure, got {result:?}");
    };
    println!("shrunk to {}", minimal.to_json_string());
    assert!(minimal.semaphores.is_empty());
    match minimal.main.as_slice() {
        [Step::TaskGroup { children, then }] => {
            assert!(then.is_empty());
            assert_eq!(children.len(), 1);
            assert_eq!(children[0].name, None);
            assert!(matches!(children[0].body.as_slice(), [Step::Raise(_)]));
        }
        _ => panic!("not minimal: {}", minimal.to_json_string()),
    }
    // 3 steps and children, plus 1 if the kind raised is a user kind.
    assert!(size(&minimal) <= 4);
}

/// The same runs from the same RNG give the same minimal tree, also when
/// the shrink budget runs out early (the runner backs off with
/// `complicate()` to the last failing value).
#[test]
fn shrinking_through_proptest_is_deterministic_and_backs_off() {
    let property = |s: Scenario| {
        prop_assert!(!task_group_child_raises(&s.main));
        Ok(())
    };
    let run = |iters: u32| match runner(iters).run(&scenarios(GenConfig::default()), property) {
        Err(TestError::Fail(_, s)) => s,
        other => panic!("expected a failure, got {other:?}"),
    };
    assert_eq!(run(5_000), run(5_000));
    for iters in [1, 2, 5, 20] {
        let s = run(iters);
        assert!(
            task_group_child_raises(&s.main),
            "{iters}: {}",
            s.to_json_string()
        );
        assert!(validate(&s, &Limits::default()).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Every generated scenario is valid and survives its canonical JSON.
    #[test]
    fn generated_scenarios_round_trip(s in scenarios(GenConfig::default())) {
        prop_assert!(validate(&s, &Limits::default()).is_ok());
        let back = parse_scenario(&s.to_json_string());
        prop_assert_eq!(back.as_ref(), Ok(&s));
    }
}
