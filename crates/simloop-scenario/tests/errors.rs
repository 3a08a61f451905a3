//! Every rejected input names the JSON path and says what was expected and
//! what was found. One case per line: (scenario text, expected error).

use simloop_scenario::{parse_scenario, ErrorKind};

/// `main` wrapped around one step.
fn main_with(step: &str) -> String {
    format!(r#"{{"main": [{step}]}}"#)
}

fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (text, want) in cases {
        match parse_scenario(text) {
            Ok(s) => failures.push(format!("{text}\n  accepted: {s:?}")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("{text}\n  want: {want}\n  got:  {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn json_syntax() {
    let e = parse_scenario("{\"main\": [\n  {\"sleep\": 1},\n]}").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Json);
    assert_eq!(
        e.to_string(),
        "$: invalid JSON: trailing comma at line 3 column 1"
    );
    check(&[
        (
            "",
            "$: invalid JSON: EOF while parsing a value at line 1 column 0",
        ),
        (
            "{} {}",
            "$: invalid JSON: trailing characters at line 1 column 4",
        ),
        (
            r#"{"main": [], "main": []}"#,
            "$.main: invalid JSON: duplicate key \"main\" at line 1 column 19",
        ),
    ]);
}

#[test]
fn top_level() {
    check(&[
        ("[]", "$: expected a scenario object {\"main\": [STEP...]}, got an empty list"),
        ("{}", "$: missing key \"main\" (the body of the root task)"),
        (r#"{"mian": []}"#, "$.mian: unknown key \"mian\"; expected one of name, description, semaphores, events, futures, task_factory, main, expect, expect_by_profile, expect_always, allow (did you mean \"main\"?)"),
        (r#"{"name": 3, "main": []}"#, "$.name: expected a string, got 3"),
        (r#"{"main": {}}"#, "$.main: expected a list of steps, got an empty object"),
        (r#"{"main": [], "expect": [1]}"#, "$.expect: expected an object (any subset of the outcome fields), got a list"),
        (r#"{"main": [], "expect_by_profile": {"py310": {}}}"#, "$.expect_by_profile.py310: unknown profile \"py310\"; expected one of py311, py312, py313, py314"),
        (r#"{"main": [], "expect_by_profile": {"py311": 3}}"#, "$.expect_by_profile.py311: expected an object (any subset of the outcome fields), got 3"),
        (r#"{"semaphores": {"api": -1}, "main": []}"#, "$.semaphores.api: expected a non-negative integer or {\"value\": N, \"bounded\": true}, got -1"),
        (r#"{"semaphores": {"a b": 1.5}, "main": []}"#, "$.semaphores[\"a b\"]: expected a non-negative integer or {\"value\": N, \"bounded\": true}, got 1.5"),
        (r#"{"semaphores": {"s": {"value": 1, "bound": true}}, "main": []}"#, "$.semaphores.s.bound: unknown key \"bound\"; a semaphore has the keys value, bounded"),
        (r#"{"semaphores": {"s": {"value": 1, "bounded": 1}}, "main": []}"#, "$.semaphores.s.bounded: expected true or false, got 1"),
        (r#"{"semaphores": {"s": {"value": -1}}, "main": []}"#, "$.semaphores.s.value: expected a non-negative integer, got -1"),
        (r#"{"semaphores": {"s": {"bounded": true}}, "main": []}"#, "$.semaphores.s: missing key \"value\" (the initial value)"),
        (r#"{"semaphores": [], "main": []}"#, "$.semaphores: expected an object of semaphore names to initial values, got an empty list"),
    ]);
}

#[test]
fn step_shape() {
    check(&[
        (&main_with("5"), "$.main[0]: expected a step (an object such as {\"sleep\": 1}), got 5"),
        (&main_with(r#"{"sleeep": 5}"#), "$.main[0]: unknown step \"sleeep\"; expected one of sleep, return, raise, hang, spawn, await, cancel, uncancel, gather, task_group, wait, as_completed, gather_tasks, wait_tasks, timeout, shield, acquire, try, try_star, event_set, event_wait, event_clear, release, future_set, future_fail, future_cancel, await_future, repr, reschedule, reraise (did you mean \"sleep\"?)"),
        (&main_with("{}"), "$.main[0]: expected a step, got an empty object; a step has one of the keys sleep, return, raise, hang, spawn, await, cancel, uncancel, gather, task_group, wait, as_completed, gather_tasks, wait_tasks, timeout, shield, acquire, try, try_star, event_set, event_wait, event_clear, release, future_set, future_fail, future_cancel, await_future, repr, reschedule, reraise"),
        (&main_with(r#"{"then": []}"#), "$.main[0]: step has no kind key: \"then\" is an option of task_group; expected one of sleep, return, raise, hang, spawn, await, cancel, uncancel, gather, task_group, wait, as_completed, gather_tasks, wait_tasks, timeout, shield, acquire, try, try_star, event_set, event_wait, event_clear, release, future_set, future_fail, future_cancel, await_future, repr, reschedule, reraise"),
        (&main_with(r#"{"name": "x", "body": []}"#), "$.main[0]: expected a step, got a child object {\"name\", \"body\"}; a child only goes in spawn, shield, gather, task_group, wait or as_completed"),
        (&main_with(r#"{"sleep": 1, "raise": "E"}"#), "$.main[0].raise: a step has exactly one kind, but this sleep step also has the key \"raise\""),
        (&main_with(r#"{"gather": [], "then": []}"#), "$.main[0].then: \"then\" is not an option of gather; allowed keys: gather, return_exceptions"),
        (&main_with(r#"{"gather": [], "return_exception": true}"#), "$.main[0].return_exception: unknown key \"return_exception\" in a gather step; allowed keys: gather, return_exceptions (did you mean \"return_exceptions\"?)"),
        (&main_with(r#"{"gather": [], "timeout": 5}"#), "$.main[0].timeout: \"timeout\" is not an option of gather; allowed keys: gather, return_exceptions"),
        (&main_with(r#"{"timeout": 5}"#), "$.main[0]: missing key \"body\"; the step is {\"timeout\": N, \"body\": [STEP...]}"),
        (&main_with(r#"{"acquire": "s"}"#), "$.main[0]: missing key \"body\"; the step is {\"acquire\": \"sem\", \"body\": [STEP...]}"),
    ]);
}

#[test]
fn wrong_types() {
    check(&[
        (r#"{"main": [{"gather": [[{"sleep": 1}], [{"sleep": 1}, {"sleep": -5}]]}]}"#, "$.main[0].gather[1][1].sleep: expected a non-negative integer, got -5"),
        (&main_with(r#"{"sleep": 1.5}"#), "$.main[0].sleep: expected a non-negative integer, got 1.5"),
        (&main_with(r#"{"sleep": "1"}"#), "$.main[0].sleep: expected a non-negative integer, got \"1\""),
        (&main_with(r#"{"sleep": 18446744073709551616}"#), "$.main[0].sleep: expected a non-negative integer, got 1.8446744073709552e+19"),
        (&main_with(r#"{"hang": 1}"#), "$.main[0].hang: expected null, got 1"),
        (&main_with(r#"{"uncancel": {}}"#), "$.main[0].uncancel: expected null, got an empty object"),
        (&main_with(r#"{"await": 1}"#), "$.main[0].await: expected a task name (a string), got 1"),
        (&main_with(r#"{"raise": null}"#), "$.main[0].raise: expected an exception kind (a string), got null"),
        (&main_with(r#"{"spawn": 1}"#), "$.main[0].spawn: expected a child (a list of steps, or {\"name\": ..., \"body\": [STEP...], \"eager_start\": ...}), got 1"),
        (&main_with(r#"{"spawn": {"body": []}}"#), "$.main[0].spawn: missing key \"name\" in a child object (an unnamed child is written as its list of steps)"),
        (&main_with(r#"{"spawn": {"name": "x"}}"#), "$.main[0].spawn: missing key \"body\" in a child object"),
        (&main_with(r#"{"spawn": {"name": "x", "bdy": []}}"#), "$.main[0].spawn.bdy: unknown key \"bdy\" in a child; expected name, body, eager_start (did you mean \"body\"?)"),
        (&main_with(r#"{"gather": {}}"#), "$.main[0].gather: expected a list of children, got an empty object"),
        (&main_with(r#"{"gather": [], "return_exceptions": 1}"#), "$.main[0].return_exceptions: expected true or false, got 1"),
        (&main_with(r#"{"wait": [[]], "return_when": "FIRST"}"#), "$.main[0].return_when: expected one of \"ALL_COMPLETED\", \"FIRST_COMPLETED\", \"FIRST_EXCEPTION\", got \"FIRST\""),
        (&main_with(r#"{"wait": [[]], "timeout": -1}"#), "$.main[0].timeout: expected a non-negative integer, got -1"),
        (&main_with(r#"{"as_completed": [], "take": -1}"#), "$.main[0].take: expected a non-negative integer, got -1"),
        (&main_with(r#"{"try": [], "except": {}}"#), "$.main[0].except: expected a list of clauses {\"kinds\": [K...], \"do\": [STEP...]}, got an empty object"),
        (&main_with(r#"{"try": [], "except": [[]]}"#), "$.main[0].except[0]: expected a clause {\"kinds\": [K...], \"do\": [STEP...]}, got an empty list"),
        (&main_with(r#"{"try": [], "except": [{"do": []}]}"#), "$.main[0].except[0]: missing key \"kinds\" in a clause"),
        (&main_with(r#"{"try": [], "except": [{"kinds": "E"}]}"#), "$.main[0].except[0].kinds: expected a list of exception kinds, got \"E\""),
        (&main_with(r#"{"try": [], "except": [{"kinds": ["E"], "then": []}]}"#), "$.main[0].except[0].then: unknown key \"then\" in a clause; expected kinds, do"),
        (&main_with(r#"{"return": true}"#), "$.main[0].return: expected an int, a string, null or a list of those, got true"),
        (&main_with(r#"{"return": [1, [2.5]]}"#), "$.main[0].return[1][0]: expected an int, a string, null or a list of those, got 2.5"),
        (&main_with(r#"{"return": {"a": 1}}"#), "$.main[0].return: expected an int, a string, null or a list of those, got an object with keys \"a\""),
        (&main_with(r#"{"return": 9223372036854775808}"#), "$.main[0].return: expected an int that fits in 64 bits (signed), got 9223372036854775808"),
    ]);
}

#[test]
fn semantics() {
    check(&[
        (r#"{"main": [{"return": 1}, {"sleep": 1}]}"#, "$.main[0]: a return must be the last step of its block, but 1 more step follows"),
        (r#"{"main": [{"acquire": "db", "body": []}]}"#, "$.main[0].acquire: unknown semaphore \"db\": the scenario declares none (add \"semaphores\": {\"db\": 1})"),
        (r#"{"semaphores": {"api": 1}, "main": [{"acquire": "apo", "body": []}]}"#, "$.main[0].acquire: unknown semaphore \"apo\"; declared: \"api\" (did you mean \"api\"?)"),
        (r#"{"main": [{"await_future": "f"}]}"#, "$.main[0].await_future: unknown future \"f\": the scenario declares none (add \"futures\": [\"f\"])"),
        (r#"{"futures": ["fut"], "main": [{"future_cancel": "fit"}]}"#, "$.main[0].future_cancel: unknown future \"fit\"; declared: \"fut\" (did you mean \"fut\"?)"),
        (r#"{"futures": ["f"], "main": [{"future_fail": "f", "error": "CancelledError"}]}"#, "$.main[0].error: CancelledError cannot be set as a future's exception; set a user kind, Exception, TimeoutError, KeyboardInterrupt or SystemExit (future_cancel cancels it)"),
        (r#"{"futures": ["f"], "main": [{"future_fail": "f"}]}"#, "$.main[0]: missing key \"error\"; the step is {\"future_fail\": \"f\", \"error\": K}"),
        (r#"{"futures": ["f"], "main": [{"future_set": "f", "value": 1.5}]}"#, "$.main[0].value: expected an int, a string, null or a list of those, got 1.5"),
        (r#"{"futures": ["main.0"], "main": [{"spawn": []}]}"#, "$.futures: future name \"main.0\" is also a possible task name; gather_tasks and wait_tasks could not tell them apart"),
        (r#"{"futures": ["f", "f"], "main": []}"#, "$.futures[1]: duplicate future name \"f\""),
        (r#"{"main": [{"wait_tasks": []}]}"#, "$.main[0].wait_tasks: expected at least one task name, got an empty list (asyncio.wait raises ValueError)"),
        (r#"{"main": [{"gather_tasks": "a"}]}"#, "$.main[0].gather_tasks: expected a list of task names, got \"a\""),
        (r#"{"main": [{"gather_tasks": [1]}]}"#, "$.main[0].gather_tasks[0]: expected a task name (a string), got 1"),
        (r#"{"main": [{"spawn": {"name": "a", "body": []}}, {"gather_tasks": ["a", "b"]}]}"#, "$.main[1].gather_tasks[1]: no task of the tree can be named \"b\""),
        (r#"{"main": [{"wait_tasks": ["main"]}]}"#, "$.main[0].wait_tasks[0]: \"main\" is the root task; only the tasks it creates can be waited for"),
        (r#"{"main": [{"spawn": {"name": "a", "body": [{"gather_tasks": ["a"]}]}}]}"#, "$.main[0].spawn.body[0].gather_tasks[0]: task \"a\" gathers itself (it would wait forever)"),
        (r#"{"main": [{"wait_tasks": ["x"], "return_exceptions": true}]}"#, "$.main[0].return_exceptions: \"return_exceptions\" is not an option of wait_tasks; allowed keys: wait_tasks, return_when, timeout, cancel_pending"),
        (r#"{"main": [{"release": "db"}]}"#, "$.main[0].release: unknown semaphore \"db\": the scenario declares none (add \"semaphores\": {\"db\": 1})"),
        (r#"{"main": [{"event_wait": "go"}]}"#, "$.main[0].event_wait: unknown event \"go\": the scenario declares none (add \"events\": [\"go\"])"),
        (r#"{"events": ["go"], "main": [{"event_set": "og"}]}"#, "$.main[0].event_set: unknown event \"og\"; declared: \"go\""),
        (r#"{"events": ["go", "go"], "main": []}"#, "$.events[1]: duplicate event name \"go\""),
        (r#"{"main": [{"repr": {"semaphore": "db"}}]}"#, "$.main[0].repr.semaphore: unknown semaphore \"db\": the scenario declares none (add \"semaphores\": {\"db\": 1})"),
        (r#"{"events": ["go"], "main": [{"repr": {"event": "og"}}]}"#, "$.main[0].repr.event: unknown event \"og\"; declared: \"go\""),
        (&main_with(r#"{"repr": "sem"}"#), "$.main[0].repr: expected \"timeout\", \"task_group\", {\"semaphore\": NAME} or {\"event\": NAME}, got \"sem\""),
        (&main_with(r#"{"repr": {"lock": "l"}}"#), "$.main[0].repr: expected \"timeout\", \"task_group\", {\"semaphore\": NAME} or {\"event\": NAME}, got an object with keys \"lock\""),
        (&main_with(r#"{"repr": "timeout"}"#), "$.main[0].repr: repr of \"timeout\" needs to be inside a timeout step (in one of its blocks or children)"),
        (&main_with(r#"{"timeout": 5, "body": [{"repr": "task_group"}]}"#), "$.main[0].body[0].repr: repr of \"task_group\" needs to be inside a task_group step (in one of its blocks or children)"),
        (&main_with(r#"{"task_group": [[{"reschedule": 1}]]}"#), "$.main[0].task_group[0][0].reschedule: reschedule needs to be inside a timeout step (in one of its blocks or children)"),
        (&main_with(r#"{"timeout": 5, "body": [{"reschedule": -1}]}"#), "$.main[0].body[0].reschedule: expected a non-negative integer, got -1"),
        (&main_with(r#"{"reraise": null}"#), "$.main[0].reraise: reraise goes directly in the do block of an except or except* clause (a bare raise there; elsewhere Python raises RuntimeError: No active exception to reraise, or re-raises with a different traceback)"),
        (&main_with(r#"{"try": [{"raise": "A"}], "except": [{"kinds": ["A"], "do": [{"spawn": [{"reraise": null}]}]}]}"#), "$.main[0].except[0].do[0].spawn[0].reraise: reraise goes directly in the do block of an except or except* clause (a bare raise there; elsewhere Python raises RuntimeError: No active exception to reraise, or re-raises with a different traceback)"),
        (&main_with(r#"{"try": [{"raise": "A"}], "except": [{"kinds": ["A"], "do": [{"try": [{"reraise": null}]}]}]}"#), "$.main[0].except[0].do[0].try[0].reraise: reraise goes directly in the do block of an except or except* clause (a bare raise there; elsewhere Python raises RuntimeError: No active exception to reraise, or re-raises with a different traceback)"),
        (&main_with(r#"{"try": [], "except": [{"kinds": ["A"], "do": [{"reraise": 1}]}]}"#), "$.main[0].except[0].do[0].reraise: expected null, got 1"),
        (r#"{"events": {"go": 1}, "main": []}"#, "$.events: expected a list of event names, got an object with keys \"go\""),
        (&main_with(r#"{"raise": "BaseException"}"#), "$.main[0].raise: BaseException cannot be raised; raise a user kind, Exception, TimeoutError, CancelledError, KeyboardInterrupt or SystemExit"),
        (&main_with(r#"{"raise": "ExceptionGroup"}"#), "$.main[0].raise: ExceptionGroup cannot be raised; raise a user kind, Exception, TimeoutError, CancelledError, KeyboardInterrupt or SystemExit"),
        (&main_with(r#"{"raise": "3rd"}"#), "$.main[0].raise: invalid exception kind \"3rd\": expected an identifier (ASCII letters, digits and _, not starting with a digit)"),
        (&main_with(r#"{"raise": "None"}"#), "$.main[0].raise: invalid exception kind \"None\": a Python keyword cannot name a class"),
        (&main_with(r#"{"try": [], "except": [{"kinds": ["A", "b-c"]}]}"#), "$.main[0].except[0].kinds[1]: invalid exception kind \"b-c\": expected an identifier (ASCII letters, digits and _, not starting with a digit)"),
        (&main_with(r#"{"try": [], "except": [{"kinds": []}]}"#), "$.main[0].except[0].kinds: expected at least one exception kind, got an empty list"),
        (&main_with(r#"{"try_star": [], "except_star": [{"kinds": ["ExceptionGroup"]}]}"#), "$.main[0].except_star[0].kinds[0]: except* cannot catch ExceptionGroup (Python raises TypeError); use try/except"),
        (&main_with(r#"{"try_star": [], "except_star": [{"kinds": ["A"]}, {"kinds": ["B"]}, {"kinds": ["C"]}, {"kinds": ["D"]}]}"#), "$.main[0].except_star: expected at most 3 except* clauses, got 4"),
        (&main_with(r#"{"wait": []}"#), "$.main[0].wait: expected at least one child, got an empty list (asyncio.wait raises ValueError)"),
    ]);
}

#[test]
fn error_accessors() {
    let e = parse_scenario(&main_with(r#"{"sleep": -5}"#)).unwrap_err();
    assert_eq!(e.path(), "$.main[0].sleep");
    assert_eq!(e.message(), "expected a non-negative integer, got -5");
    assert_eq!(e.kind(), ErrorKind::Shape);
    let e = parse_scenario(&main_with(r#"{"wait": []}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
}
