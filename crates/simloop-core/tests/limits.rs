//! Stall detection and run limits, each with its own error.

use simloop_core::{sleep, spawn, yield_now, Config, Limits, Profile, RunError, Sim};

#[test]
fn a_stall_reports_every_blocked_task_and_what_it_waits_on() {
    let sim = Sim::new(Config::new(Profile::Py313));
    let err = sim
        .run_main("main", async {
            let lp = simloop_core::get_running_loop();
            let child = spawn("child", async move { lp.create_future::<()>("hang").await });
            sleep(3).await?;
            child.await
        })
        .unwrap_err();
    let RunError::Stalled(report) = &err else {
        panic!("{err}")
    };
    assert_eq!(report.at, 3);
    let lines: Vec<_> = report
        .blocked
        .iter()
        .map(|b| {
            (
                b.name.as_str(),
                b.waiting_on.as_ref().map(ToString::to_string),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("main", Some("task child".to_owned())),
            ("child", Some("future #1 (hang)".to_owned())),
        ]
    );
    assert_eq!(
        err.to_string(),
        "stalled at tick 3: nothing is ready and no timer is left\n  main waits on task child\n  child waits on future #1 (hang)"
    );
}

fn limited(limits: Limits) -> Sim {
    Sim::new(Config::new(Profile::Py313).limits(limits))
}

#[test]
fn step_limit() {
    let mut l = Limits::default();
    l.max_steps = 100;
    let err = limited(l)
        .run_main("main", async {
            loop {
                yield_now().await?;
            }
            #[allow(unreachable_code)]
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err, RunError::StepLimit { limit: 100, at: 0 });
    assert_eq!(
        err.to_string(),
        "step limit: more than 100 handles ran (at tick 0)"
    );
}

#[test]
fn time_limit() {
    let mut l = Limits::default();
    l.max_time = 1000;
    let err = limited(l)
        .run_main("main", async { sleep(5000).await })
        .unwrap_err();
    assert_eq!(
        err,
        RunError::TimeLimit {
            limit: 1000,
            next: 5000
        }
    );
    assert!(err.to_string().starts_with("time limit:"));
}

#[test]
fn task_limit() {
    let mut l = Limits::default();
    l.max_tasks = 5;
    let err = limited(l)
        .run_main("main", async {
            for i in 0..10 {
                spawn(format!("t{i}"), async { Ok(()) });
            }
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err, RunError::TaskLimit { limit: 5 });
    assert_eq!(
        err.to_string(),
        "task limit: more than 5 tasks were created"
    );
}

#[test]
fn cancelling_an_await_cycle_ends_the_run_instead_of_recursing() {
    use simloop_core::Task;
    use std::cell::RefCell;
    use std::rc::Rc;

    let sim = Sim::new(Config::new(Profile::Py313));
    let err = sim
        .run_main("main", async {
            // a awaits b and b awaits a; a finds b through a slot.
            let slot: Rc<RefCell<Option<Task<()>>>> = Rc::new(RefCell::new(None));
            let s = slot.clone();
            let a = spawn("a", async move {
                yield_now().await?;
                let b = s.borrow().clone().expect("b exists");
                b.await
            });
            let a2 = a.clone();
            let b = spawn("b", async move { a2.await });
            *slot.borrow_mut() = Some(b);
            sleep(1).await?;
            a.cancel(None);
            Ok(())
        })
        .unwrap_err();
    assert_eq!(
        err,
        RunError::AwaitCycle {
            task: "a".into(),
            at: None
        }
    );
    assert_eq!(
        err.to_string(),
        "await cycle: cancelling a recurses forever (CPython raises RecursionError)"
    );
}

#[test]
fn close_frees_what_a_stalled_run_left_in_a_cycle() {
    use std::cell::Cell;
    use std::rc::Rc;

    /// Sets its flag when dropped.
    struct Guard(Rc<Cell<bool>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }

    let dropped = Rc::new(Cell::new(false));
    let sim = Sim::new(Config::new(Profile::Py313));
    let d = dropped.clone();
    let err = sim
        .run_main("main", async move {
            let lp = simloop_core::get_running_loop();
            let t = spawn("t", async move { lp.create_future::<()>("hang").await });
            // The task's own done-callback holds the task: a cycle that
            // only close() can break, since the task never finishes.
            let (me, guard) = (t.clone(), Guard(d));
            t.add_done_callback("cycle", move || drop((me, guard)));
            t.await
        })
        .unwrap_err();
    assert!(matches!(err, RunError::Stalled(_)));
    assert!(!dropped.get());
    sim.close();
    assert!(
        dropped.get(),
        "the callback (and the task it holds) was freed"
    );
}

#[test]
fn close_frees_a_pending_timer_whose_callback_holds_its_handle() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    /// What `as_completed` keeps: its timeout's handle, whose callback
    /// holds this state back. Sets its flag when dropped.
    struct State {
        handle: RefCell<Option<simloop_core::Handle>>,
        dropped: Rc<Cell<bool>>,
    }
    impl Drop for State {
        fn drop(&mut self) {
            self.dropped.set(true);
        }
    }

    let dropped = Rc::new(Cell::new(false));
    let sim = Sim::new(Config::new(Profile::Py313));
    let d = dropped.clone();
    sim.run_main("main", async move {
        let lp = simloop_core::get_running_loop();
        let state = Rc::new(State {
            handle: RefCell::new(None),
            dropped: d,
        });
        let st = state.clone();
        let h = lp.call_later(100, "timeout", move || drop(st));
        *state.handle.borrow_mut() = Some(h);
        // main returns before the timer fires: it stays in the heap.
        Ok(())
    })
    .unwrap()
    .unwrap();
    assert!(!dropped.get());
    sim.close();
    assert!(
        dropped.get(),
        "close() dropped the pending timer's callback, and the state with it"
    );
}

#[test]
fn a_panicking_task_ends_the_run_with_its_name_and_message() {
    let sim = Sim::new(Config::new(Profile::Py313));
    let err = sim
        .run_main("main", async {
            let child = spawn("child", async {
                sleep(3).await?;
                let v: Vec<u8> = Vec::new();
                Ok(v[7])
            });
            child.await
        })
        .unwrap_err();
    let RunError::TaskPanicked { task, message } = &err else {
        panic!("{err}");
    };
    assert_eq!(task, "child");
    assert!(message.contains("index out of bounds"), "{message}");
    assert_eq!(sim.time(), 3);
    assert!(err
        .to_string()
        .starts_with("task child panicked: index out of bounds"));
}

#[test]
fn awaiting_a_foreign_future_is_an_error_not_a_hang() {
    let sim = Sim::new(Config::new(Profile::Py313));
    let err = sim
        .run_main("main", async {
            std::future::pending::<()>().await;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "task main panicked: it is pending on something that is not a simloop future \
         (a simloop task can only await simloop futures)"
    );
}

/// `main` spawns `t0..t{n-1}`, `t{i}` awaiting `t{i+1}` and the last one
/// a future nobody resolves, lets them start, then cancels `t0` `times`
/// times (each cancel goes down the chain while `t0` is not done). Also
/// the cancel requests recorded.
fn cancel_chain(limits: Limits, n: usize, times: usize) -> (Result<(), RunError>, usize) {
    use simloop_core::Task;
    use std::cell::RefCell;
    use std::rc::Rc;

    let sim = Sim::new(Config::new(Profile::Py313).limits(limits));
    let r = sim.run_main("main", async move {
        let tasks: Rc<RefCell<Vec<Task<()>>>> = Rc::new(RefCell::new(Vec::new()));
        for i in 0..n {
            let ts = tasks.clone();
            let t = spawn(format!("t{i}"), async move {
                if i + 1 < n {
                    let next = ts.borrow()[i + 1].clone();
                    next.await
                } else {
                    simloop_core::get_running_loop()
                        .create_future::<()>("hang")
                        .await
                }
            });
            tasks.borrow_mut().push(t);
        }
        yield_now().await?;
        let head = tasks.borrow()[0].clone();
        for _ in 0..times {
            head.cancel(None);
        }
        Ok(())
    });
    let requests = sim
        .trace_ref()
        .records()
        .iter()
        .filter(|r| matches!(r.event, simloop_core::Event::CancelRequested { .. }))
        .count();
    (r.map(drop), requests)
}

#[test]
fn a_cancel_passed_down_too_long_a_chain_ends_the_run_as_cpython_raises() {
    // CPython 3.11.7 cancels the head of a chain of 985 tasks, not of 986.
    assert_eq!(Limits::default().max_cancel_depth, 985);
    assert!(cancel_chain(Limits::default(), 985, 1).0.is_ok());
    let err = cancel_chain(Limits::default(), 986, 1).0.unwrap_err();
    assert_eq!(
        err,
        RunError::CancelDepth {
            task: "t985".into(),
            limit: 985,
            at: None
        }
    );
    assert!(err.is_invalid_program());
    assert_eq!(
        err.to_string(),
        "cancel chain too deep: the cancel reached t985 after passing through 985 awaiting \
         tasks (Limits::max_cancel_depth); CPython raises RecursionError"
    );
    // Once the run is ending, no further cancel goes down the chain: the
    // 10,000 cancels below cost a request each, not a chain each.
    let (r, requests) = cancel_chain(Limits::default().max_cancel_depth(10), 50, 10_000);
    assert!(matches!(r, Err(RunError::CancelDepth { .. })), "{r:?}");
    assert_eq!(requests, 11 + 9_999);
}

#[test]
fn a_trace_past_its_bound_ends_the_run() {
    // 200 cancels of a chain of 900: 180,000 requests recorded.
    let limits = Limits::default().max_trace_records(100_000);
    let err = cancel_chain(limits, 900, 200).0.unwrap_err();
    assert_eq!(err, RunError::TraceLimit { limit: 100_000 });
    assert_eq!(
        err.to_string(),
        "trace limit: more than 100000 trace records (Limits::max_trace_records)"
    );
    assert!(!err.is_invalid_program());
    assert!(cancel_chain(Limits::default(), 900, 2).0.is_ok());
}

#[test]
fn values_counted_past_the_bound_end_the_run() {
    let sim = Sim::new(Config::new(Profile::Py313).limits(Limits::default().max_values(10)));
    let err = sim
        .run_main("main", async {
            let lp = simloop_core::get_running_loop();
            lp.count_values(6);
            assert_eq!(lp.values_left(), 4);
            lp.count_values(5);
            assert_eq!(lp.values_left(), 0);
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err, RunError::ValueLimit { limit: 10 });
    assert_eq!(
        err.to_string(),
        "value limit: the tasks' results hold more than 10 values (Limits::max_values)"
    );
}
