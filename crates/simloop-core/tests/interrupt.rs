//! `KeyboardInterrupt` and `SystemExit` out of a task's step: `Task.__step`
//! finishes the task with them and re-raises them out of the loop
//! (`Lib/asyncio/tasks.py`), where every other exception only finishes the
//! task.

use std::cell::Cell;
use std::rc::Rc;

use simloop_core::{
    get_running_loop, sleep, spawn, Config, Exc, Profile, RunError, Sim, TaskFactory, TaskId,
};

fn interrupt_of(r: Result<(), RunError>) -> simloop_core::Interrupt {
    match r {
        Err(RunError::Interrupted(i)) => i,
        other => panic!("expected an interrupt, got {other:?}"),
    }
}

/// Port of test_base_events.py::BaseEventLoopTests::test_run_until_complete_baseexception
/// (bpo-22429): `run_until_complete()` must not leave a pending call to
/// `stop()` behind when the future raised a `BaseException`.
#[test]
fn run_until_complete_baseexception() {
    for p in Profile::ALL {
        let sim = Sim::new(Config::new(p));
        let main = sim.spawn("main", async {
            Err::<(), _>(Exc::base("KeyboardInterrupt"))
        });
        let i = interrupt_of(sim.run_until_complete(main.any()));
        assert_eq!(
            (i.kind.as_str(), i.task, i.at),
            ("KeyboardInterrupt", TaskId(0), 0)
        );
        assert_eq!(
            main.result().unwrap().unwrap_err().class_name(),
            "KeyboardInterrupt"
        );

        // run_forever() in CPython's test; here the next run_until_complete,
        // which a left-over stop() would end after its first pass.
        let next = sim.spawn("next", async {
            sleep(0).await?;
            sleep(0).await
        });
        sim.run_until_complete(next.any()).unwrap();
        assert!(next.done(), "{p}");
    }
}

#[test]
fn the_pass_stops_after_the_step_and_the_rest_of_it_runs_later() {
    for p in Profile::ALL {
        let sim = Sim::new(Config::new(p));
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let l = log.clone();
        let main = sim.spawn("main", async move {
            let l2 = l.clone();
            let a = spawn("a", async move {
                l2.borrow_mut().push("a");
                Err::<(), _>(Exc::base("SystemExit"))
            });
            let l3 = l.clone();
            let _b = spawn("b", async move {
                l3.borrow_mut().push("b");
                Ok(())
            });
            sleep(5).await?;
            (&a).await
        });
        let i = interrupt_of(sim.run_until_complete(main.any()));
        assert_eq!(
            (i.name.as_str(), i.kind.as_str(), i.at),
            ("a", "SystemExit", 0),
            "{p}"
        );
        // b was ready in the same pass: still in the queue.
        assert_eq!(*log.borrow(), ["a"], "{p}");
        sim.run_once().unwrap();
        assert_eq!(*log.borrow(), ["a", "b"], "{p}");
    }
}

#[test]
fn only_keyboard_interrupt_and_system_exit_leave_the_loop() {
    for p in Profile::ALL {
        let sim = Sim::new(Config::new(p));
        let r = sim.run_main("main", async {
            let a = spawn("a", async { Err::<(), _>(Exc::base("MyBaseExc")) });
            let b = spawn("b", async {
                let inner = spawn("inner", async {
                    Err::<(), _>(Exc::base("KeyboardInterrupt"))
                });
                sleep(1).await?;
                // Caught: it never leaves b's step.
                Ok((&inner).await.is_err())
            });
            let e = (&a).await.unwrap_err();
            Ok((e.class_name().to_owned(), (&b).await))
        });
        // inner's own step lets it out.
        assert!(
            matches!(r, Err(RunError::Interrupted(ref i)) if i.name == "inner"),
            "{p}: {r:?}"
        );
    }
}

#[test]
fn an_eager_first_step_raises_it_out_of_try_spawn_with() {
    for p in [Profile::Py312, Profile::Py313, Profile::Py314] {
        let sim = Sim::new(Config::new(p).task_factory(TaskFactory::Eager));
        let r = sim.run_main("main", async {
            let sim = get_running_loop();
            let e = sim
                .try_spawn_with("child", simloop_core::Start::Factory, async {
                    Err::<(), _>(Exc::base("KeyboardInterrupt"))
                })
                .map(|_| ())
                .unwrap_err();
            let child = &sim.all_tasks()[1];
            Ok((e.class_name().to_owned(), child.done()))
        });
        assert_eq!(
            r.unwrap().unwrap(),
            ("KeyboardInterrupt".to_owned(), true),
            "{p}"
        );
    }
}

#[test]
fn an_eager_first_step_stops_the_loop_after_the_caller_with_spawn() {
    for p in [Profile::Py312, Profile::Py313, Profile::Py314] {
        let sim = Sim::new(Config::new(p).task_factory(TaskFactory::Eager));
        let after = Rc::new(Cell::new(false));
        let a = after.clone();
        let r = sim.run_main("main", async move {
            let _child = spawn("child", async { Err::<(), _>(Exc::base("SystemExit")) });
            a.set(true);
            sleep(1).await
        });
        assert!(after.get(), "{p}");
        assert!(
            matches!(r, Err(RunError::Interrupted(ref i)) if i.name == "child" && i.at == 0),
            "{p}"
        );
    }
}
