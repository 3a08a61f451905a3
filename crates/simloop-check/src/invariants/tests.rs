//! Each invariant holds on a real run and breaks on a case that
//! violates it: a real CPython behaviour where there is one (py311's
//! cancel leak), else the real run's observations altered by hand as a
//! buggy combinator would have produced them.

use simloop_core::scope::FutureRef;
use simloop_core::{Config, Exc, Outcome, Policy, Profile, TaskId};
use simloop_scenario::{parse_scenario, run, Run};

use super::*;
use crate::observe::{LostWakeup, ScopeKind, UserUncancel};

fn run_json(json: &str, profile: Profile) -> Run {
    let s = parse_scenario(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    run(&s, Config::new(profile)).expect("no run limit")
}

fn obs_of(json: &str, profile: Profile) -> Observations {
    Observations::of(&run_json(json, profile).report)
}

fn obs(json: &str) -> Observations {
    obs_of(json, Profile::Py313)
}

fn check_default(o: &Observations) -> Report {
    check_observations(o, &Checks::new())
}

/// The violations of `o`, as `invariant: message` lines.
fn violations(o: &Observations) -> Vec<String> {
    check_default(o)
        .violations
        .iter()
        .map(|v| format!("{}: {}", v.invariant, v.message))
        .collect()
}

#[track_caller]
fn clean(o: &Observations) {
    assert_eq!(violations(o), Vec::<String>::new());
}

#[track_caller]
fn only(o: &Observations, inv: Invariant) -> String {
    let v = check_default(o).violations;
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, inv, "{v:?}");
    v[0].message.clone()
}

#[test]
fn names_parse_back() {
    for i in Invariant::ALL {
        assert_eq!(i.name().parse::<Invariant>(), Ok(i));
    }
    assert!("nope".parse::<Invariant>().is_err());
}

#[test]
fn no_orphans_breaks_when_a_task_group_child_outlives_its_scope() {
    let mut o = obs(r#"{"main": [{"task_group": [[{"sleep": 5}], [{"sleep": 1}]]}]}"#);
    clean(&o);
    let ScopeKind::TaskGroup {
        children,
        pending_at_exit,
    } = &mut o.scopes[0].kind
    else {
        panic!("a task group")
    };
    pending_at_exit.push(children[0]);
    let m = only(&o, Invariant::NoOrphans);
    assert_eq!(
        m,
        "task_group of main (entered at 0) exited at 5 while its child main.0 was still running"
    );
}

#[test]
fn escapes_from_gather_are_findings_not_violations() {
    let o = obs(
        r#"{"main": [{"try": [{"gather": [[{"sleep": 1}, {"raise": "Boom"}], [{"sleep": 10}]]}],
                      "except": [{"kinds": ["Boom"], "do": [{"return": 1}]}]}]}"#,
    );
    let r = check_default(&o);
    assert!(r.is_clean());
    assert_eq!(
        r.findings,
        vec![Finding {
            invariant: Invariant::NoOrphans,
            message: "main.1 outlived its gather at 1".into()
        }]
    );
    // Denied, the same escape is a violation.
    let r = check_observations(&o, &Checks::new().deny_findings(true));
    assert!(r.findings.is_empty());
    assert_eq!(
        r.violations[0].message,
        "main.1 outlived its gather at 1 (findings denied: a child must not outlive its gather)"
    );
}

const TWO_ERRORS: &str = r#"{"main": [{"try": [{"task_group": [[{"raise": "Boom"}], [{"raise": "Oops"}]]}],
                  "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": 1}]}]}]}"#;

fn with_exit_error(mut o: Observations, e: Option<Exc>) -> Observations {
    o.scopes[0].exit_error = e;
    o
}

#[test]
fn errors_collected_breaks_on_a_lost_a_duplicated_or_an_invented_error() {
    let o = obs(TWO_ERRORS);
    clean(&o);
    let group = o.scopes[0].exit_error.clone().expect("a group");
    let members = group.members().expect("a group").to_vec();
    assert_eq!(members.len(), 2);

    let lost = Exc::group("unhandled errors in a TaskGroup", vec![members[0].clone()]);
    let m = only(
        &with_exit_error(o.clone(), Some(lost)),
        Invariant::ErrorsCollected,
    );
    assert!(m.ends_with("lost Oops from child main.1"), "{m}");

    let twice = vec![members[0].clone(), members[0].clone(), members[1].clone()];
    let dup = Exc::group("unhandled errors in a TaskGroup", twice);
    let m = only(
        &with_exit_error(o.clone(), Some(dup)),
        Invariant::ErrorsCollected,
    );
    assert!(m.ends_with("Boom from child main.0 2 times"), "{m}");

    // An equal but different exception is not the child's.
    let other = Exc::group(
        "unhandled errors in a TaskGroup",
        vec![members[0].clone(), Exc::new("Oops")],
    );
    let m = only(
        &with_exit_error(o.clone(), Some(other)),
        Invariant::ErrorsCollected,
    );
    assert!(m.contains("that no child nor the body raised"), "{m}");

    let m = only(&with_exit_error(o, None), Invariant::ErrorsCollected);
    assert!(m.contains("raising nothing instead of a group"), "{m}");

    let mut quiet = obs(r#"{"main": [{"task_group": [[{"sleep": 1}]]}]}"#);
    clean(&quiet);
    quiet.scopes[0].exit_error = Some(group);
    let m = only(&quiet, Invariant::ErrorsCollected);
    assert!(m.contains("although nothing raised"), "{m}");
}

#[test]
fn errors_collected_counts_one_exception_raised_by_two_children_twice() {
    // Both children re-raise s's very exception object: CPython's group
    // holds it twice, and so does simloop's.
    let o = obs(
        r#"{"main": [{"spawn": {"name": "s", "body": [{"sleep": 1}, {"raise": "Boom"}]}},
                     {"try": [{"task_group": [[{"await": "s"}], [{"await": "s"}]]}],
                      "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": 1}]}]}]}"#,
    );
    let members = o.scopes[0].exit_error.as_ref().unwrap().members().unwrap();
    assert_eq!(members.len(), 2);
    assert!(members[0].same(&members[1]));
    clean(&o);
}

const LEAK: &str = r#"{"main": [{"task_group": [[{"raise": "Boom"}]]}]}"#;

#[test]
fn cancel_balance_breaks_on_cpython_311s_leak_and_holds_on_313() {
    for profile in [Profile::Py311, Profile::Py312] {
        let o = obs_of(LEAK, profile);
        let m = only(&o, Invariant::CancelBalance);
        assert_eq!(
            m,
            "task_group of main (entered at 0) exited at 0 with cancelling()=1, expected 0: \
             entry 0 + 0 outside requests - 0 uncancel steps (the scope machinery's own \
             1 request not counted)"
        );
    }
    clean(&obs_of(LEAK, Profile::Py313));
}

#[test]
fn cancel_balance_counts_the_request_a_task_group_keeps_when_it_raises_a_base_error() {
    // The group asks main to cancel, then raises the KeyboardInterrupt
    // before its uncancel(): main's cancelling() stays 2 (the shutdown's
    // request and the group's), in the group and in the timeout around
    // it, even when a handler inside the timeout catches the interrupt.
    let kept = [
        r#"{"main": [{"timeout": 5, "body": [{"task_group": [[{"raise": "KeyboardInterrupt"}]]}]}]}"#,
        r#"{"main": [{"timeout": 5, "body": [{"try": [{"task_group": [[{"raise": "SystemExit"}]]}],
                      "except": [{"kinds": ["BaseException"]}]}]}]}"#,
    ];
    for json in kept {
        for profile in [Profile::Py313, Profile::Py314] {
            let o = obs_of(json, profile);
            assert!(
                o.scopes.iter().all(|s| s.cancelling_at_exit == Some(2)),
                "{json}"
            );
            clean(&o);
            // Without the kept request, the scopes count one too many.
            let mut wrong = o.clone();
            for s in &mut wrong.scopes {
                s.machinery_requests += 1;
            }
            assert_eq!(check_default(&wrong).violations.len(), 2, "{json}");
        }
    }
}

#[test]
fn cancel_balance_counts_outside_requests_and_uncancels_that_withdraw() {
    // A timeout fires; its task swallows the cancellation and
    // uncancels it itself: the timeout's own uncancel() then finds 0.
    let swallow = r#"{"main": [{"timeout": 5, "body": [
        {"try": [{"sleep": 10}],
         "except": [{"kinds": ["CancelledError"], "do": [{"uncancel": null}, {"return": 1}]}]}]}]}"#;
    for p in Profile::ALL {
        clean(&obs_of(swallow, p));
    }
    // By hand: an uncancel step with nothing outside to withdraw, then
    // one outside request: the total is entry + 1. Exiting at 0 means
    // the step took back the machinery's request: uncancel() misused,
    // a finding rather than a violation.
    let mut o = obs(r#"{"main": [{"timeout": 5, "body": [{"sleep": 1}]}]}"#);
    clean(&o);
    let s = &mut o.scopes[0];
    s.user_uncancels.push(UserUncancel {
        at: 0,
        outside_before: 0,
        cancelling_before: 0,
    });
    s.requests = 1;
    let r = check_default(&o);
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let m = &r
        .findings
        .iter()
        .find(|f| f.invariant == Invariant::CancelBalance)
        .unwrap()
        .message;
    assert!(m.contains("cancelling()=0, expected 1"), "{m}");
    assert!(
        m.ends_with("an uncancel step withdrew a request the task did not make"),
        "{m}"
    );
    o.scopes[0].cancelling_at_exit = Some(1);
    clean(&o);
    // The same step after the outside request withdraws that one: the
    // total is entry + 1 - 1, and exiting at 1 is a violation.
    o.scopes[0].user_uncancels[0].outside_before = 1;
    let m = only(&o, Invariant::CancelBalance);
    assert!(m.contains("cancelling()=1, expected 0"), "{m}");
}

const FIRES: &str = r#"{"main": [{"try": [{"timeout": 5, "body": [{"sleep": 10}]}],
                                 "except": [{"kinds": ["TimeoutError"], "do": [{"return": 1}]}]}]}"#;

#[test]
fn deadline_breaks_on_a_late_firing_or_a_timeout_error_without_firing() {
    let o = obs(FIRES);
    clean(&o);
    let with = |at: Option<u64>| {
        let mut o = o.clone();
        if let ScopeKind::Timeout { fired, due, .. } = &mut o.scopes[0].kind {
            *fired = at.map(|at| (at, *due));
        }
        o
    };
    let m = only(&with(Some(6)), Invariant::Deadline);
    assert_eq!(
        m,
        "timeout of main (entered at 0) fired at 6, its deadline is 5"
    );
    let m = only(&with(None), Invariant::Deadline);
    assert_eq!(
        m,
        "timeout of main (entered at 0) raised TimeoutError at 5 but never fired (deadline 5)"
    );
    // The body's own TimeoutError is not the timeout's.
    clean(&obs(
        r#"{"main": [{"try": [{"timeout": 5, "body": [{"raise": "TimeoutError"}]}],
                      "except": [{"kinds": ["TimeoutError"], "do": [{"return": 1}]}]}]}"#,
    ));
}

const SEM: &str = r#"{"semaphores": {"s": 1},
    "main": [{"gather": [[{"acquire": "s", "body": [{"sleep": 2}]}],
                         [{"acquire": "s", "body": [{"sleep": 2}]}],
                         [{"acquire": "s", "body": [{"sleep": 2}]}]]}]}"#;

#[test]
fn semaphore_bound_breaks_on_too_many_holders_or_barging() {
    let o = obs(SEM);
    clean(&o);
    let s = &o.semaphores[0];
    assert_eq!(s.acquired, vec![0, 1, 2]);
    assert!(s.holders.iter().all(|&(_, n)| n <= 1));

    let mut over = o.clone();
    over.semaphores[0].holders.insert(1, (0, 2));
    let m = only(&over, Invariant::SemaphoreBound);
    assert_eq!(m, "semaphore s had 2 holders at 0, its limit is 1");

    let mut barge = o;
    barge.semaphores[0].acquired = vec![0, 2, 1];
    let m = only(&barge, Invariant::SemaphoreBound);
    assert_eq!(
        m,
        "semaphore s: call #2 by main.2 at 0 acquired before call #1 by main.1 at 0, \
         which also acquired (not FIFO)"
    );
}

#[test]
fn no_lost_wakeup_holds_through_waits_and_give_ups_and_breaks_on_a_free_unit() {
    // main.1 waits while main.0 holds the unit over an idle tick; main.2
    // gives up (cancelled by a timeout) while waiting.
    let o = obs(r#"{"semaphores": {"s": 1}, "main": [{"gather": [
        [{"acquire": "s", "body": [{"sleep": 5}]}],
        [{"acquire": "s", "body": [{"sleep": 1}]}],
        [{"try": [{"timeout": 2, "body": [{"acquire": "s", "body": []}]}],
          "except": [{"kinds": ["TimeoutError"], "do": [{"sleep": 10}]}]}]]}]}"#);
    clean(&o);
    assert!(o.lost_wakeups.is_empty());
    assert_eq!(
        check_default(&o).checked.get(&Invariant::NoLostWakeup),
        Some(&1)
    );

    let mut lost = o;
    lost.lost_wakeups.push(LostWakeup {
        primitive: "semaphore s".into(),
        open: "had 1 free unit".into(),
        at: 6,
        waiter: (Some(TaskId(3)), 0),
    });
    let m = only(&lost, Invariant::NoLostWakeup);
    assert_eq!(
        m,
        "semaphore s had 1 free unit at 6 with nothing left to run, while main.2 still \
         waited on it since 0"
    );

    // An event: waiters woken by set() are ready, so never seen idle, even
    // if it is cleared at once; a cancelled waiter stops waiting.
    let o = obs(r#"{"events": ["e"], "main": [{"gather": [
        [{"event_wait": "e"}],
        [{"sleep": 3}, {"event_set": "e"}, {"event_clear": "e"}],
        [{"timeout": 1, "body": [{"event_wait": "e"}]}]]}]}"#);
    clean(&o);
    assert_eq!(o.events, 1);
}

#[test]
fn timers_cancelled_holds_on_cpython_and_breaks_on_a_timer_left_live() {
    let o = obs(r#"{"main": [
        {"as_completed": [[{"sleep": 1}], [{"sleep": 2}]], "timeout": 5},
        {"wait": [[{"sleep": 1}]], "timeout": 5},
        {"wait": [[{"sleep": 9}]], "timeout": 5, "cancel_pending": true},
        {"as_completed": [[{"sleep": 9}]], "timeout": 5, "skip_errors": true}]}"#);
    clean(&o);
    let calls: Vec<_> = o.timers.iter().map(|t| (t.call, t.due, t.live)).collect();
    assert_eq!(
        calls,
        [
            ("as_completed", Some(5), false),
            ("wait", Some(7), false),
            ("wait", Some(8), false),
            ("as_completed", Some(13), false)
        ]
    );

    let mut left = o;
    left.timers[0].outlived = Some((2, "as_completed handed out every child"));
    let m = only(&left, Invariant::TimersCancelled);
    assert_eq!(
        m,
        "the timer of main's as_completed (due at 5) was still live at 2, when as_completed \
         handed out every child"
    );
}

#[test]
fn result_order_breaks_on_a_shuffled_gather_or_as_completed() {
    let mut o = obs(
        r#"{"main": [{"gather": [[{"sleep": 3}, {"return": 1}], [{"sleep": 1}, {"return": 2}]]},
                     {"as_completed": [[{"sleep": 3}, {"return": 1}], [{"sleep": 1}, {"return": 2}]]}]}"#,
    );
    clean(&o);
    let (a, b) = (FutureRef::Task(TaskId(3)), FutureRef::Task(TaskId(4)));
    assert_eq!(o.as_completed[0].handed, vec![Some(b), Some(a)]);
    let mut g = o.clone();
    g.gathers[0].items.as_mut().unwrap().swap(0, 1);
    let m = only(&g, Invariant::ResultOrder);
    assert_eq!(
        m,
        "gather of main: item 0 is the outcome of main.1, but child 0 is main.0 (not input order)"
    );
    let mut wrong = o.clone();
    wrong.gathers[0].items.as_mut().unwrap()[1].outcome = Outcome::Cancelled;
    let m = only(&wrong, Invariant::ResultOrder);
    assert_eq!(
        m,
        "gather of main: item 1 is a cancellation but child main.1 ended with a value"
    );
    o.as_completed[0].handed.swap(0, 1);
    let m = only(&o, Invariant::ResultOrder);
    assert_eq!(
        m,
        "as_completed of main handed out main.3 after main.2, which finished later"
    );
    // Children done when it registered come first, in any order.
    o.as_completed[0].done_at_registration = vec![a, b];
    clean(&o);
}

#[test]
fn no_deadlock_names_what_each_stuck_task_waits_on() {
    let hang = r#"{"main": [{"spawn": {"name": "w", "body": [{"hang": null}]}}, {"await": "w"}]}"#;
    let o = obs(hang);
    // Off by default: explore's trees hang on purpose.
    clean(&o);
    let r = check_observations(&o, &Checks::new().no_deadlock(true));
    assert_eq!(r.violations.len(), 1, "{:?}", r.violations);
    assert_eq!(r.violations[0].invariant, Invariant::NoDeadlock);
    assert_eq!(
        r.violations[0].message,
        "main never finished: the loop stalled at 0 (nothing ready, no timer left); \
         main waits on task w, w waits on future #0 (hang)"
    );
    let done = obs(r#"{"main": [{"sleep": 1}]}"#);
    let r = check_observations(&done, &Checks::new().no_deadlock(true));
    assert!(r.is_clean());
    assert_eq!(r.checked[&Invariant::NoDeadlock], 1);
}

#[test]
fn determinism_breaks_when_a_second_run_differs() {
    let s = parse_scenario(FIRES).unwrap();
    let config = Config::new(Profile::Py313).policy(Policy::Seeded { seed: 7, jitter: 0 });
    let a = run(&s, config.clone()).unwrap();
    let b = run(&s, config).unwrap();
    let h = b.sim.trace_ref().hash();
    let checks = |h| Checks::new().rerun_hash(h);
    assert!(check(&a.report, &checks(h)).is_clean());
    assert_eq!(
        check(&a.report, &checks(h)).checked[&Invariant::Determinism],
        1
    );
    let r = check(&a.report, &checks(h ^ 1));
    assert_eq!(r.violations.len(), 1);
    assert_eq!(r.violations[0].invariant, Invariant::Determinism);
}

/// The walk keeps its lists on the thread between runs (a check of many
/// runs allocates them once): what one run leaves there must not show in
/// the next one's observations or report.
#[test]
fn observations_do_not_depend_on_the_runs_checked_before_on_the_thread() {
    std::thread::spawn(|| {
        // A semaphore's lists and a task group's children are kept for
        // the next run: both kinds of run come first.
        for first in [SEM, TWO_ERRORS] {
            let first = run_json(first, Profile::Py313);
            let fresh = format!("{:?}", Observations::of(&first.report));
            let fresh_report = check(&first.report, &Checks::new());
            for other in [TWO_ERRORS, LEAK, FIRES, SEM] {
                for p in [Profile::Py311, Profile::Py313] {
                    check(&run_json(other, p).report, &Checks::new());
                }
            }
            assert_eq!(format!("{:?}", Observations::of(&first.report)), fresh);
            assert_eq!(check(&first.report, &Checks::new()), fresh_report);
        }
    })
    .join()
    .expect("the same observations");
}
