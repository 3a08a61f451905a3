//! What fails a check, and what it reports: a panic in a task (caught,
//! with its message and the task's name), a property's error, a run limit;
//! and that a value `main` returns is an outcome, not a failure.

use simloop_check::{Check, Problem};
use simloop_core::{sleep, spawn, Exc, Limits, Profile};

fn quick<T: Clone + 'static>() -> Check<T> {
    Check::new()
        .seeds(20)
        .profiles(&[Profile::Py313])
        .env(Vec::new())
        .name("t")
}

#[test]
fn a_panic_in_a_task_fails_the_check_with_its_message() {
    let failure = quick::<()>()
        .try_run(|| async {
            let child = spawn("child", async {
                sleep(2).await?;
                let empty: Vec<u32> = Vec::new();
                Ok(empty[3])
            });
            child.await.map(drop)
        })
        .unwrap_err();
    let Problem::Panic { task, message } = &failure.problems[0] else {
        panic!("{failure}");
    };
    assert_eq!(task.as_deref(), Some("child"));
    assert!(message.contains("index out of bounds"), "{message}");
    assert!(failure
        .to_string()
        .contains("task child panicked: index out of bounds"));
    // CPython's own order already fails: no seed, nothing to shrink.
    assert_eq!(failure.seed, None);
    assert!(failure
        .reproduce()
        .contains("SIMLOOP_SCHEDULE=none cargo test t "));
}

#[test]
fn a_property_error_fails_the_check_and_a_raising_main_does_not() {
    let summary = quick::<u32>()
        .try_run(|| async { Err(Exc::new("ValueError")) })
        .unwrap();
    assert_eq!(summary.runs, 21);
    let failure = quick::<u32>()
        .property(|r| {
            if r.end_time > 3 {
                Err(format!("took {} ticks", r.end_time))
            } else {
                Ok(())
            }
        })
        .try_run(|| async { sleep(5).await.map(|_| 1) })
        .unwrap_err();
    assert_eq!(
        failure.problems,
        [Problem::Property {
            index: 0,
            message: "took 5 ticks".into()
        }]
    );
}

#[test]
fn a_run_limit_fails_the_check() {
    let failure = quick::<()>()
        .limits(Limits::default().max_time(100))
        .try_run(|| async { sleep(1_000).await })
        .unwrap_err();
    assert_eq!(failure.problems[0].kind(), "run-error:time-limit");
}
