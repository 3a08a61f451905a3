//! The text timeline of a run: every line kind once, word for word, and
//! the program's words where it has them.

use simloop_asyncio::runner::run;
use simloop_asyncio::timeline::{Plain, Words};
use simloop_asyncio::timeout::{timeout, with_timeout};
use simloop_core::{current_task, sleep, spawn, Config, Exc, Profile, Sim, TaskId, TraceMode};

/// `main` runs a timeout that fires while a child sleeps, swallows the
/// timeout's cancellation itself and withdraws it with `uncancel()`; the
/// timeout's `__aexit__` then calls `uncancel()` too, which leaves 0.
fn report(words: &dyn Words) -> String {
    let sim = Sim::new(Config::new(Profile::Py313).trace(TraceMode::Full));
    let r = run(&sim, "main", async {
        let child = spawn("child", async { sleep(1).await.map(|_| 7u64) });
        let cm = timeout(2);
        let swallowed = with_timeout(&cm, async {
            if let Err(e) = sleep(5).await {
                assert!(e.is_cancelled());
                current_task().expect("in main").uncancel();
            }
            Ok::<_, Exc>(())
        })
        .await;
        assert!(swallowed.is_ok());
        child.await
    })
    .expect("runs");
    r.timeline(words)
}

#[test]
fn every_line_kind_in_the_order_it_happened() {
    assert_eq!(
        report(&Plain),
        "       0  main created
       0  child created by main
       0  main timeout.enter
       1  child returned
       2  main timeout.expired
       2  main cancel requested (cancelling=1)
       2  main uncancel (cancelling=0)
       2  main uncancel (cancelling=0)
       2  main timeout.exit
       2  main returned
outcome: main returned at 2; quiescent at 2
"
    );
}

/// Values in the program's words; the picture's short form defaults to
/// them.
struct Numbers;

impl Words for Numbers {
    fn value(&self, task: TaskId) -> Option<String> {
        Some(format!("#{}", task.0))
    }
}

#[test]
fn the_program_words_its_values() {
    let text = report(&Numbers);
    assert!(text.contains("       1  child returned #1\n"), "{text}");
    assert!(text.contains("outcome: main returned #0 at 2;"), "{text}");
    assert_eq!(Numbers.short_value(TaskId(3)), Some("#3".to_owned()));
    assert_eq!(Plain.short_value(TaskId(3)), None);
}
