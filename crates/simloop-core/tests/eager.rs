//! Eager tasks: 3.12's `asyncio.eager_task_factory` and 3.14's
//! `create_task(..., eager_start=...)` (`Task.__eager_start` in
//! `Lib/asyncio/tasks.py`). What CPython does is recorded in
//! `docs/scenario-semantics.md`, checked there on 3.12.1, 3.13.0 and 3.14.2.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use simloop_core::{
    current_task, get_running_loop, sleep, spawn, spawn_with, Config, Profile, Sim, Start,
    TaskFactory,
};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, s: impl Into<String>) {
    log.borrow_mut().push(s.into());
}

fn eager(profile: Profile) -> Sim {
    Sim::new(Config::new(profile).task_factory(TaskFactory::Eager))
}

#[test]
fn an_eager_task_that_never_suspends_is_done_inside_create_task() {
    for p in [Profile::Py312, Profile::Py313, Profile::Py314] {
        let sim = eager(p);
        let r = sim.run_main("main", async {
            let child = spawn("child", async { Ok(1) });
            let done = child.done();
            // Done before anyone could cancel it: cancel() is refused.
            let refused = !child.cancel(None);
            Ok((done, refused, (&child).await?))
        });
        assert_eq!(r.unwrap().unwrap(), (true, true, 1), "{p}");
    }
}

#[test]
fn a_lazy_task_is_cancelled_before_it_starts() {
    let sim = Sim::new(Config::new(Profile::Py313));
    let r = sim.run_main("main", async {
        let child = spawn("child", async { Ok(1) });
        let accepted = child.cancel(None);
        let r = (&child).await;
        Ok((accepted, r.unwrap_err().is_cancelled()))
    });
    assert_eq!(r.unwrap().unwrap(), (true, true));
}

#[test]
fn the_first_step_runs_inside_create_task_as_the_current_task() {
    let sim = eager(Profile::Py312);
    let log: Log = Rc::default();
    let l = log.clone();
    sim.run_main("main", async move {
        let inner = l.clone();
        let child = spawn("child", async move {
            let me = current_task().expect("a current task");
            push(&inner, format!("child starts as {}", me.name()));
            sleep(1).await?;
            push(&inner, "child resumes");
            Ok(())
        });
        push(
            &l,
            format!(
                "create_task returned; current {}",
                current_task().unwrap().name()
            ),
        );
        (&child).await
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "child starts as child",
            "create_task returned; current main",
            "child resumes"
        ]
    );
}

#[test]
fn eager_tasks_create_their_own_children_before_the_next_sibling() {
    // Creation order main, a, a.0, b (lazily: main, a, b, a.0).
    let order = |sim: &Sim| {
        sim.run_main("main", async {
            let a = spawn("a", async {
                let x = spawn("a.0", async { Ok(1) });
                (&x).await
            });
            let b = spawn("b", async { Ok(3) });
            sleep(1).await?;
            Ok((a.done(), b.done()))
        })
        .unwrap()
        .unwrap();
        let trace = sim.trace_ref();
        (0..sim.tasks().len())
            .map(|i| trace.task_name(simloop_core::TaskId(i as u32)).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&eager(Profile::Py313)), ["main", "a", "a.0", "b"]);
    assert_eq!(
        order(&Sim::new(Config::new(Profile::Py313))),
        ["main", "a", "b", "a.0"]
    );
}

#[test]
fn main_starts_lazily_the_loop_not_running_yet() {
    let sim = eager(Profile::Py312);
    let log: Log = Rc::default();
    let l = log.clone();
    let main = sim.spawn("main", async move {
        push(&l, "main runs");
        Ok(())
    });
    assert!(log.borrow().is_empty() && !main.done());
    sim.run_until_complete(main.any()).unwrap();
    assert_eq!(*log.borrow(), ["main runs"]);
}

#[test]
fn eager_start_overrides_the_factory_on_3_14() {
    let sim = eager(Profile::Py314);
    let r = sim.run_main("main", async {
        let lazy = spawn_with("lazy", Start::Lazy, async { Ok(1) });
        let lazy_pending = !lazy.done();
        (&lazy).await?;
        Ok(lazy_pending)
    });
    assert!(r.unwrap().unwrap());
    let sim = Sim::new(Config::new(Profile::Py314));
    let r = sim.run_main("main", async {
        let e = spawn_with("e", Start::Eager, async { Ok(1) });
        Ok(e.done())
    });
    assert!(r.unwrap().unwrap());
}

#[test]
fn a_profile_without_the_feature_refuses_it() {
    let Err(e) = catch_unwind(|| eager(Profile::Py311)) else {
        panic!("accepted the eager factory under py311");
    };
    let msg = e.downcast_ref::<String>().expect("a message");
    assert!(
        msg.contains("eager_task_factory is new in Python 3.12"),
        "{msg}"
    );

    let sim = Sim::new(Config::new(Profile::Py313));
    let r = catch_unwind(AssertUnwindSafe(|| {
        sim.run_main("main", async {
            let _ = get_running_loop().spawn_with("e", Start::Eager, async { Ok(()) });
            Ok(())
        })
    }));
    let msg = match r {
        // The panic inside the step is caught and reported as the task's.
        Ok(Err(e)) => e.to_string(),
        Ok(Ok(_)) => panic!("accepted eager_start under py313"),
        Err(p) => p.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(
        msg.contains("no eager_start parameter before Python 3.14"),
        "{msg}"
    );
}
