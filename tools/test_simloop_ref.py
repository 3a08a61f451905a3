"""Tests of the reference runner. Run from the repository root with

    python3 -m unittest discover -s tools -p 'test_*.py'

under CPython 3.11, 3.12 or 3.13, and with `node tools/pyodide/run_tests.mjs`
under CPython 3.14 (Pyodide, where the tests that start subprocesses skip).
Expected values were worked out from asyncio's code, then confirmed on all
four interpreters.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import simloop_ref

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simloop_ref.py")
PY312 = sys.version_info >= (3, 12)
PY313 = sys.version_info >= (3, 13)
PY314 = sys.version_info >= (3, 14)
# Pyodide (CPython in WebAssembly) cannot start processes.
needs_subprocesses = unittest.skipIf(sys.platform in ("emscripten", "wasi"),
                                     f"{sys.platform} has no subprocesses")

# The interpreters the project checks against, where installed.
INTERPRETERS = {
    version: os.path.expanduser(f"~/.pyenv/versions/{version}/bin/python3")
    for version in ("3.11.7", "3.12.1", "3.13.0")
}

GATHER_GHOST = {
    "name": "gather-ghost",
    "main": [{"try": [{"gather": [[{"sleep": 2000}, {"return": "ok"}],
                                  [{"sleep": 500}, {"raise": "ValueError"}]]}],
              "except": [{"kinds": ["ValueError"], "do": [{"return": "caught"}]}]}],
}

CANCEL_LEAK = {"main": [{"task_group": [[{"raise": "Boom"}]]}]}

# a and b await each other, and are cancelled as orphans when main returns.
AWAIT_CYCLE = {"main": [{"spawn": {"name": "a", "body": [{"await": "b"}]}},
                        {"spawn": {"name": "b", "body": [{"await": "a"}]}},
                        {"sleep": 1}]}

TASK_GROUP_MESSAGE = "unhandled errors in a TaskGroup"


def run(main, **scenario):
    return simloop_ref.run_scenario({"main": main, **scenario})


def task(outcome, name):
    (record,) = [t for t in outcome["tasks"] if t["name"] == name]
    return record


def group(*errors, message=TASK_GROUP_MESSAGE):
    return {"group": message, "errors": list(errors)}


def kind(name):
    return {"kind": name}


def run_cli(args, stdin="", python=sys.executable, python_flags=()):
    return subprocess.run([python, *python_flags, RUNNER, *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


class SpecExampleTest(unittest.TestCase):
    def test_gather_ghost(self):
        # The sibling still sleeping when gather fails is never cancelled by
        # gather; asyncio.run's shutdown reaps it at 500.
        self.assertEqual(simloop_ref.run_scenario(GATHER_GHOST), {
            "main": {"ok": "caught"},
            "end_time": 500,
            "quiescent_time": 500,
            "orphans": ["main.0"],
            "scope_escapes": [{"scope": "gather", "task": "main.0", "at": 500}],
            "tasks": [
                {"name": "main", "parent": None, "created": 0, "done": 500,
                 "outcome": {"ok": "caught"},
                 "cancel_requests": 0, "uncancels": 0, "cancelling": 0},
                {"name": "main.0", "parent": "main", "created": 0, "done": 500,
                 "outcome": {"cancelled": True},
                 "cancel_requests": 1, "uncancels": 0, "cancelling": 1},
                {"name": "main.1", "parent": "main", "created": 0, "done": 500,
                 "outcome": {"error": kind("ValueError")},
                 "cancel_requests": 0, "uncancels": 0, "cancelling": 0},
            ],
        })


class VirtualClockTest(unittest.TestCase):
    def test_long_sleep_takes_no_wall_time(self):
        start = time.monotonic()
        outcome = run([{"sleep": 10**6}, {"return": "woke"}])
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertEqual(outcome["main"], {"ok": "woke"})
        self.assertEqual((outcome["end_time"], outcome["quiescent_time"]), (10**6, 10**6))
        self.assertEqual(task(outcome, "main")["done"], 10**6)

    def test_sleep_beyond_the_select_clamp_lands_exactly(self):
        # _run_once caps a wait at 86400; the clock must still land on the deadline.
        start = time.monotonic()
        outcome = run([{"sleep": 10**18 + 1}])
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertEqual(outcome["end_time"], 10**18 + 1)

    def test_timers_fire_at_their_tick(self):
        outcome = run([{"gather": [[{"sleep": 5}, {"return": 1}],
                                   [{"sleep": 3}, {"sleep": 4}, {"return": 2}],
                                   [{"sleep": 0}, {"return": 3}]]}])
        self.assertEqual(outcome["main"], {"ok": [1, 2, 3]})
        self.assertEqual([task(outcome, f"main.{i}")["done"] for i in range(3)], [5, 7, 0])
        self.assertEqual(outcome["end_time"], 7)


class StallTest(unittest.TestCase):
    def test_main_awaiting_a_hang_stalls(self):
        outcome = run([{"spawn": [{"hang": None}]}, {"sleep": 30}, {"await": "main.0"}])
        self.assertEqual(outcome["main"], {"stalled": True})
        self.assertEqual((outcome["end_time"], outcome["quiescent_time"]), (30, 30))
        self.assertEqual(outcome["orphans"], [])
        for name in ("main", "main.0"):
            self.assertEqual(task(outcome, name)["outcome"], {"stuck": True})
            self.assertIsNone(task(outcome, name)["done"])

    def test_stall_while_reaping_orphans(self):
        # The orphan survives its cancellation, then hangs: the final phase
        # stalls at 15, after main finished at 10.
        outcome = run([
            {"spawn": [{"try": [{"hang": None}],
                        "except": [{"kinds": ["CancelledError"],
                                    "do": [{"sleep": 5}, {"hang": None}]}]}]},
            {"sleep": 10}, {"return": "done"}])
        self.assertEqual(outcome["main"], {"ok": "done"})
        self.assertEqual((outcome["end_time"], outcome["quiescent_time"]), (10, 15))
        self.assertEqual(outcome["orphans"], ["main.0"])
        orphan = task(outcome, "main.0")
        self.assertEqual((orphan["outcome"], orphan["done"]), ({"stuck": True}, None))
        self.assertEqual((orphan["cancel_requests"], orphan["cancelling"]), (1, 1))

    @needs_subprocesses
    def test_stall_is_silent_and_cleanup_does_not_leak_into_the_outcome(self):
        # Stuck tasks whose cleanup would await, spawn and record a scope
        # escape: nothing of it may reach stdout or stderr.
        scenario = {"semaphores": {"s": 1}, "main": [
            {"task_group": [[{"try": [{"hang": None}],
                              "except": [{"kinds": ["BaseException"], "do": [{"sleep": 1}]}],
                              "finally": [{"spawn": [{"sleep": 1}]},
                                          {"raise": "CancelledError"}]}]],
             "then": [{"acquire": "s", "body": [{"hang": None}]}]}]}
        result = run_cli(["-"], json.dumps(scenario) + "\n",
                         python_flags=("-X", "dev", "-W", "error"))
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        outcome = json.loads(result.stdout)
        self.assertEqual(outcome["main"], {"stalled": True})
        self.assertEqual(outcome["scope_escapes"], [])
        self.assertEqual([t["name"] for t in outcome["tasks"]], ["main", "main.0"])


class NamesTest(unittest.TestCase):
    def test_default_names_count_every_creation_by_the_parent(self):
        outcome = run([{"spawn": {"name": "x", "body": []}},
                       {"spawn": []},
                       {"gather": [[{"spawn": []}], [{"return": 1}]]}])
        self.assertEqual(outcome["main"], {"ok": [None, 1]})
        self.assertEqual([(t["name"], t["parent"]) for t in outcome["tasks"]], [
            ("main", None), ("x", "main"), ("main.1", "main"), ("main.2", "main"),
            ("main.3", "main"), ("main.2.0", "main.2")])

    def test_name_not_created_yet_raises_user_key_error(self):
        # main.0 runs before main has created main.1.
        outcome = run([{"spawn": [{"try": [{"await": "main.1"}],
                                   "except": [{"kinds": ["KeyError"],
                                               "do": [{"return": "missing"}]}]}]},
                       {"sleep": 0}, {"spawn": [{"return": 7}]}, {"await": "main.0"}])
        self.assertEqual(outcome["main"], {"ok": "missing"})
        outcome = run([{"try": [{"cancel": "later"}],
                        "except": [{"kinds": ["KeyError"], "do": [{"return": "missing"}]}]}])
        self.assertEqual(outcome["main"], {"ok": "missing"})
        self.assertEqual(run([{"await": "main.0"}])["main"], {"error": kind("KeyError")})


class CountersTest(unittest.TestCase):
    def test_cancel_requests_and_uncancels(self):
        # Two cancels of a waiting task both take effect (the second sets
        # _must_cancel); a cancel of a done task returns False and is not
        # counted; uncancel at 0 is counted but leaves cancelling() at 0.
        outcome = run([{"spawn": [{"sleep": 100}]}, {"sleep": 1},
                       {"cancel": "main.0"}, {"cancel": "main.0"}, {"sleep": 0},
                       {"cancel": "main.0"}, {"uncancel": None}, {"uncancel": None}])
        child = task(outcome, "main.0")
        self.assertEqual((child["outcome"], child["done"]), ({"cancelled": True}, 1))
        self.assertEqual((child["cancel_requests"], child["uncancels"], child["cancelling"]),
                         (2, 0, 2))
        main = task(outcome, "main")
        self.assertEqual((main["cancel_requests"], main["uncancels"], main["cancelling"]),
                         (0, 2, 0))

    def test_cancel_reaches_the_awaited_task(self):
        # Task.cancel on a task awaiting another task cancels that one too.
        outcome = run([{"spawn": [{"spawn": [{"sleep": 100}]}, {"await": "main.0.0"}]},
                       {"sleep": 1}, {"cancel": "main.0"}, {"sleep": 1}])
        for name in ("main.0", "main.0.0"):
            record = task(outcome, name)
            self.assertEqual((record["outcome"], record["done"], record["cancel_requests"]),
                             ({"cancelled": True}, 1, 1))

    def test_cancelling_gather_cancels_each_child(self):
        outcome = run([{"spawn": [{"gather": [[{"sleep": 100}], [{"sleep": 100}]]}]},
                       {"sleep": 1}, {"cancel": "main.0"}, {"sleep": 1}])
        self.assertEqual(outcome["scope_escapes"], [])  # the children were done first
        for name in ("main.0", "main.0.0", "main.0.1"):
            record = task(outcome, name)
            self.assertEqual((record["outcome"], record["done"], record["cancel_requests"]),
                             ({"cancelled": True}, 1, 1))

    def test_uncancel_withdraws_an_undelivered_cancel_only_on_313(self):
        outcome = run([{"spawn": [{"cancel": "main.0"}, {"uncancel": None}, {"sleep": 0},
                                  {"return": "survived"}]},
                       {"sleep": 1}])
        child = task(outcome, "main.0")
        self.assertEqual(child["outcome"], {"ok": "survived"} if PY313 else {"cancelled": True})
        self.assertEqual((child["cancel_requests"], child["uncancels"], child["cancelling"]),
                         (1, 1, 0))


class TaskGroupTest(unittest.TestCase):
    def test_child_error_cancels_siblings_and_raises_a_group(self):
        outcome = run([{"task_group": [[{"sleep": 10}, {"return": "slow"}],
                                       [{"sleep": 1}, {"raise": "Boom"}]]}])
        self.assertEqual(outcome["main"], {"error": group(kind("Boom"))})
        self.assertEqual(outcome["end_time"], 1)
        sibling = task(outcome, "main.0")
        self.assertEqual((sibling["outcome"], sibling["done"], sibling["cancel_requests"]),
                         ({"cancelled": True}, 1, 1))
        self.assertEqual(outcome["scope_escapes"], [])

    def test_value_lists_results_and_cancelled_children(self):
        outcome = run([{"task_group": [[{"sleep": 5}, {"return": "a"}], [{"hang": None}]],
                        "then": [{"sleep": 1}, {"cancel": "main.1"}]}])
        self.assertEqual(outcome["main"], {"ok": ["a", {"cancelled": True}]})
        self.assertEqual(outcome["end_time"], 5)

    def test_cancel_leak(self):
        # The child fails once the body is over and the group waits in
        # __aexit__: it cancels main, and 3.11/3.12 never uncancel it.
        outcome = simloop_ref.run_scenario(CANCEL_LEAK)
        self.assertEqual(outcome["main"], {"error": group(kind("Boom"))})
        main = task(outcome, "main")
        self.assertEqual((main["cancel_requests"], main["uncancels"], main["cancelling"]),
                         (1, 1, 0) if PY313 else (1, 0, 1))

    @needs_subprocesses
    def test_cancel_leak_on_each_interpreter(self):
        for version, python in INTERPRETERS.items():
            with self.subTest(version=version):
                if not os.path.exists(python):
                    self.skipTest(f"{python} is not installed")
                result = run_cli(["-"], json.dumps(CANCEL_LEAK) + "\n", python=python)
                self.assertEqual((result.returncode, result.stderr), (0, ""))
                main = task(json.loads(result.stdout), "main")
                self.assertEqual(main["cancelling"], 0 if version.startswith("3.13") else 1)

    # Six children that turn their cancellation into an error of their own:
    # the group lists those errors in the order the abort cancelled them.
    # (With CPython's own set, that order practically never matches.)
    SURVIVORS = "ABCDEF"
    ABORT = [{"task_group": [[{"sleep": 1}, {"raise": "Boom"}]] + [
        [{"try": [{"hang": None}],
          "except": [{"kinds": ["CancelledError"], "do": [{"raise": name}]}]}]
        for name in SURVIVORS]}]

    def test_abort_cancels_children_in_creation_order(self):
        outcome = run(self.ABORT)
        self.assertEqual(outcome["main"],
                         {"error": group(kind("Boom"), *map(kind, self.SURVIVORS))})

    def test_native_sets_keep_the_same_members(self):
        outcome = simloop_ref.run_scenario({"main": self.ABORT}, native_sets=True)
        errors = outcome["main"]["error"]["errors"]
        self.assertEqual(errors[0], kind("Boom"))
        self.assertCountEqual(errors[1:], map(kind, self.SURVIVORS))


class ExceptStarTest(unittest.TestCase):
    THREE_ERRORS = {"task_group": [[{"raise": "A"}], [{"raise": "B"}], [{"raise": "C"}]]}

    def test_one_clause_reraises_the_rest(self):
        outcome = run([{"try_star": [self.THREE_ERRORS],
                        "except_star": [{"kinds": ["A"], "do": [{"return": "a"}]}]}])
        self.assertEqual(outcome["main"], {"error": group(kind("B"), kind("C"))})

    def test_two_clauses_value_of_the_last_handler_and_finally(self):
        outcome = run([{"try_star": [self.THREE_ERRORS],
                        "except_star": [{"kinds": ["A"], "do": [{"return": "a"}]},
                                        {"kinds": ["B", "C"], "do": [{"return": "bc"}]}],
                        "finally": [{"sleep": 7}]}])
        self.assertEqual(outcome["main"], {"ok": "bc"})
        self.assertEqual(outcome["end_time"], 7)

    def test_three_clauses_run_in_clause_order(self):
        outcome = run([{"try_star": [self.THREE_ERRORS],
                        "except_star": [{"kinds": ["C"], "do": [{"return": "c"}]},
                                        {"kinds": ["B"], "do": [{"return": "b"}]},
                                        {"kinds": ["A"], "do": [{"return": "a"}]}]}])
        self.assertEqual(outcome["main"], {"ok": "a"})

    def test_handler_error_joins_the_unhandled_rest(self):
        outcome = run([{"try_star": [{"task_group": [[{"raise": "A"}], [{"raise": "B"}]]}],
                        "except_star": [{"kinds": ["A"], "do": [{"raise": "X"}]}]}])
        self.assertEqual(outcome["main"],
                         {"error": group(kind("X"), group(kind("B")), message="")})

    def test_naked_exception(self):
        caught = [{"try_star": [{"raise": "A"}],
                   "except_star": [{"kinds": ["A"], "do": [{"return": "caught"}]}]}]
        missed = [{"try_star": [{"raise": "A"}],
                   "except_star": [{"kinds": ["B"], "do": [{"return": "caught"}]}]}]
        self.assertEqual(run(caught)["main"], {"ok": "caught"})
        self.assertEqual(run(missed)["main"], {"error": kind("A")})  # re-raised unwrapped


class TryTest(unittest.TestCase):
    def test_first_matching_clause_and_reserved_kinds(self):
        outcome = run([{"try": [{"raise": "E"}],
                        "except": [{"kinds": ["TimeoutError"], "do": [{"return": "timeout"}]},
                                   {"kinds": ["Exception"], "do": [{"return": "exception"}]},
                                   {"kinds": ["E"], "do": [{"return": "e"}]}]}])
        self.assertEqual(outcome["main"], {"ok": "exception"})

    def test_exception_does_not_match_cancellation(self):
        outcome = run([{"try": [{"raise": "CancelledError"}],
                        "except": [{"kinds": ["Exception"], "do": [{"return": "no"}]}]}])
        self.assertEqual(outcome["main"], {"cancelled": True})

    def test_exception_group_kind_matches_a_group(self):
        outcome = run([{"try": [{"task_group": [[{"raise": "A"}]]}],
                        "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": "group"}]}]}])
        self.assertEqual(outcome["main"], {"ok": "group"})


class TimeoutTest(unittest.TestCase):
    def test_expiry_becomes_timeout_error(self):
        outcome = run([{"timeout": 10, "body": [{"sleep": 20}]}])
        self.assertEqual(outcome["main"], {"error": kind("TimeoutError")})
        main = task(outcome, "main")
        self.assertEqual((main["done"], main["cancel_requests"], main["uncancels"],
                          main["cancelling"]), (10, 1, 1, 0))

    def test_body_in_time(self):
        outcome = run([{"timeout": 10, "body": [{"sleep": 5}, {"return": "in time"}]}])
        self.assertEqual((outcome["main"], outcome["end_time"]), ({"ok": "in time"}, 5))

    def test_caught(self):
        outcome = run([{"try": [{"timeout": 10, "body": [{"sleep": 20}]}],
                        "except": [{"kinds": ["TimeoutError"], "do": [{"return": "late"}]}]}])
        self.assertEqual((outcome["main"], outcome["end_time"]), ({"ok": "late"}, 10))


class SemaphoreTest(unittest.TestCase):
    def test_fifo_without_barging(self):
        # At 10 main.0 releases and at once asks again, but the unit went to
        # main.1, waiting since 1: main.0 queues behind it.
        outcome = run([{"gather": [
            [{"acquire": "s", "body": [{"sleep": 10}]},
             {"acquire": "s", "body": [{"sleep": 10}]}, {"return": "a"}],
            [{"sleep": 1}, {"acquire": "s", "body": [{"sleep": 10}]}, {"return": "b"}],
        ]}], semaphores={"s": 1})
        self.assertEqual(outcome["main"], {"ok": ["a", "b"]})
        self.assertEqual((task(outcome, "main.0")["done"], task(outcome, "main.1")["done"]),
                         (30, 20))


class BoundedSemaphoreTest(unittest.TestCase):
    def test_an_extra_release_raises_the_builtin_value_error(self):
        outcome = run([{"try": [{"release": "s"}], "except": [
            {"kinds": ["ValueError"], "do": [{"return": "caught"}]}]}],
            semaphores={"s": {"value": 1, "bounded": True}})
        self.assertEqual(outcome["main"], {"ok": "caught"})

    def test_the_exit_of_async_with_raises_after_a_release_inside(self):
        # The release inside is allowed (0 -> 1); __aexit__'s is one too
        # many, and its ValueError replaces the body's TimeoutError.
        outcome = run([{"acquire": "s", "body": [{"release": "s"}, {"raise": "TimeoutError"}]}],
                      semaphores={"s": {"value": 1, "bounded": True}})
        self.assertEqual(outcome["main"], {"error": kind("ValueError")})

    def test_a_plain_release_adds_a_unit_a_waiter_takes(self):
        outcome = run([{"gather": [
            [{"acquire": "s", "body": [{"return": "a"}]}],
            [{"sleep": 1}, {"release": "s"}, {"release": "s"}, {"return": "b"}],
        ]}], semaphores={"s": 0, "b": {"value": 0, "bounded": False}})
        self.assertEqual(outcome["main"], {"ok": ["a", "b"]})
        self.assertEqual(task(outcome, "main.0")["done"], 1)


class ByNameTest(unittest.TestCase):
    def test_gather_of_a_done_task_twice_waits_once_and_repeats_its_result(self):
        outcome = run([{"spawn": {"name": "a", "body": [{"return": 1}]}},
                       {"spawn": {"name": "b", "body": [{"sleep": 2}, {"raise": "E"}]}},
                       {"sleep": 1},
                       {"gather_tasks": ["a", "b", "a"], "return_exceptions": True}])
        self.assertEqual(outcome["main"], {"ok": [1, {"error": kind("E")}, 1]})
        self.assertEqual(task(outcome, "main")["done"], 2)

    def test_wait_is_a_set_and_cancels_a_pending_duplicate_once(self):
        outcome = run([{"spawn": {"name": "a", "body": [{"sleep": 5}]}},
                       {"spawn": {"name": "b", "body": [{"sleep": 1}]}},
                       {"wait_tasks": ["a", "b", "a"], "return_when": "FIRST_COMPLETED",
                        "cancel_pending": True}])
        self.assertEqual(outcome["main"], {"ok": [1]})
        self.assertEqual(task(outcome, "a")["outcome"], {"cancelled": True})
        self.assertEqual(task(outcome, "a")["cancel_requests"], 1)
        self.assertEqual(outcome["scope_escapes"], [{"scope": "wait", "task": "a", "at": 1}])

    def test_a_name_not_created_yet_raises_key_error(self):
        outcome = run([{"gather_tasks": ["a"]}, {"spawn": {"name": "a", "body": []}}])
        self.assertEqual(outcome["main"], {"error": kind("KeyError")})


class FutureTest(unittest.TestCase):
    def test_a_set_future_wakes_its_awaiter_and_can_be_awaited_again(self):
        outcome = run([{"spawn": {"name": "w", "body": [{"await_future": "f"}]}},
                       {"sleep": 1}, {"future_set": "f", "value": 7},
                       {"await_future": "f"}, {"await": "w"}], futures=["f"])
        self.assertEqual(outcome["main"], {"ok": 7})
        self.assertEqual(task(outcome, "w")["done"], 1)

    def test_a_second_resolution_raises_invalid_state_error(self):
        outcome = run([{"future_fail": "f", "error": "E"},
                       {"try": [{"future_set": "f", "value": 1}], "except": [
                           {"kinds": ["InvalidStateError"],
                            "do": [{"gather_tasks": ["f"], "return_exceptions": True}]}]}],
                      futures=["f"])
        self.assertEqual(outcome["main"], {"ok": [{"error": kind("E")}]})

    def test_cancelling_an_awaiter_cancels_the_future(self):
        outcome = run([{"spawn": {"name": "w", "body": [{"await_future": "f"}]}},
                       {"sleep": 1}, {"cancel": "w"}, {"sleep": 1},
                       {"wait_tasks": ["f", "w"]}, {"future_cancel": "f"}], futures=["f"])
        self.assertEqual(outcome["main"], {"ok": None})
        self.assertEqual(task(outcome, "w")["outcome"], {"cancelled": True})

    def test_gather_takes_futures_and_tasks_alike(self):
        outcome = run([{"spawn": {"name": "a", "body": [{"return": 1}]}},
                       {"future_cancel": "f"},
                       {"gather_tasks": ["a", "f", "a"], "return_exceptions": True}],
                      futures=["f"])
        self.assertEqual(outcome["main"], {"ok": [1, {"cancelled": True}, 1]})


class EventTest(unittest.TestCase):
    def test_set_wakes_every_waiter_even_if_cleared_at_once(self):
        # main.0 waits from 0, main.2 from 1; main.1 sets and clears at 3:
        # both were woken, so both go on; main waits again after the clear.
        outcome = run([{"gather": [
            [{"event_wait": "e"}, {"return": "a"}],
            [{"sleep": 3}, {"event_set": "e"}, {"event_clear": "e"}, {"return": "b"}],
            [{"sleep": 1}, {"event_wait": "e"}, {"return": "c"}],
        ]}, {"timeout": 5, "body": [{"event_wait": "e"}]}], events=["e"])
        self.assertEqual(outcome["main"], {"error": kind("TimeoutError")})
        self.assertEqual([t["done"] for t in outcome["tasks"]], [8, 3, 3, 3])

    def test_a_set_event_does_not_wait_and_a_cancelled_waiter_leaves(self):
        outcome = run([{"spawn": {"name": "w", "body": [{"event_wait": "e"}]}},
                       {"sleep": 1}, {"cancel": "w"}, {"sleep": 1},
                       {"event_set": "e"}, {"event_wait": "e"}, {"return": 2}], events=["e"])
        self.assertEqual(outcome["main"], {"ok": 2})
        self.assertEqual(task(outcome, "w")["outcome"], {"cancelled": True})


class AsCompletedTest(unittest.TestCase):
    CHILDREN = [[{"sleep": 3}, {"return": "a"}], [{"sleep": 1}, {"raise": "E"}],
                [{"sleep": 2}, {"return": "b"}], [{"sleep": 9}, {"return": "c"}]]

    def test_take_skip_errors_cancel_rest(self):
        outcome = run([{"as_completed": self.CHILDREN, "take": 2,
                        "skip_errors": True, "cancel_rest": True}])
        self.assertEqual(outcome["main"], {"ok": ["b", "a"]})
        self.assertEqual(outcome["end_time"], 3)
        self.assertEqual(outcome["scope_escapes"],
                         [{"scope": "as_completed", "task": "main.3", "at": 3}])
        rest = task(outcome, "main.3")
        self.assertEqual((rest["outcome"], rest["done"], rest["cancel_requests"]),
                         ({"cancelled": True}, 3, 1))
        self.assertEqual(outcome["orphans"], [])  # it finished in main's last pass

    def test_error_propagates_without_skip_errors(self):
        outcome = run([{"as_completed": self.CHILDREN}])
        self.assertEqual(outcome["main"], {"error": kind("E")})
        self.assertEqual(outcome["end_time"], 1)
        self.assertEqual(outcome["orphans"], ["main.0", "main.2", "main.3"])
        self.assertEqual([e["task"] for e in outcome["scope_escapes"]],
                         ["main.0", "main.2", "main.3"])

    def test_timeout(self):
        children = [[{"sleep": 5}, {"return": "a"}], [{"sleep": 50}, {"return": "b"}]]
        failed = run([{"as_completed": children, "timeout": 10}])
        self.assertEqual((failed["main"], failed["end_time"]),
                         ({"error": kind("TimeoutError")}, 10))
        self.assertEqual(failed["orphans"], ["main.1"])
        skipped = run([{"as_completed": children, "timeout": 10, "skip_errors": True}])
        self.assertEqual((skipped["main"], skipped["end_time"]), ({"ok": ["a"]}, 10))


class GatherWaitShieldTest(unittest.TestCase):
    def test_gather_return_exceptions(self):
        outcome = run([{"gather": [[{"return": 1}], [{"raise": "E"}],
                                   [{"raise": "CancelledError"}]],
                        "return_exceptions": True}])
        self.assertEqual(outcome["main"],
                         {"ok": [1, {"error": kind("E")}, {"cancelled": True}]})

    def test_wait_first_completed_cancel_pending(self):
        # The cancelled children finish in the pass that runs main's
        # done-callbacks, so they are not orphans.
        outcome = run([{"wait": [[{"sleep": 5}], [{"sleep": 1}], [{"sleep": 9}]],
                        "return_when": "FIRST_COMPLETED", "cancel_pending": True}])
        self.assertEqual(outcome["main"], {"ok": [1]})
        self.assertEqual(outcome["orphans"], [])
        self.assertEqual(outcome["scope_escapes"],
                         [{"scope": "wait", "task": "main.0", "at": 1},
                          {"scope": "wait", "task": "main.2", "at": 1}])
        for name in ("main.0", "main.2"):
            self.assertEqual(task(outcome, name)["outcome"], {"cancelled": True})

    def test_wait_timeout_key_belongs_to_wait(self):
        outcome = run([{"wait": [[{"sleep": 5}], [{"sleep": 20}]], "timeout": 10}])
        self.assertEqual((outcome["main"], outcome["end_time"]), ({"ok": [0]}, 10))
        self.assertEqual(outcome["orphans"], ["main.1"])

    def test_inner_failure_after_the_outer_was_cancelled_is_not_logged(self):
        # 3.14's shield logs it through the loop's exception handler; the
        # runner leaves it to the outcome, as 3.11 to 3.13 do.
        with self.assertNoLogs("asyncio"):
            outcome = run([{"spawn": [{"shield": [{"sleep": 2}, {"raise": "E"}]}]},
                           {"sleep": 1}, {"cancel": "main.0"}, {"sleep": 3}])
        self.assertEqual(task(outcome, "main.0")["outcome"], {"cancelled": True})
        self.assertEqual(task(outcome, "main.0.0")["outcome"], {"error": kind("E")})

    def test_shield_protects_the_inner_task(self):
        outcome = run([{"spawn": [{"shield": [{"sleep": 10}, {"return": "inner"}]}]},
                       {"sleep": 1}, {"cancel": "main.0"}, {"await": "main.0.0"}])
        self.assertEqual((outcome["main"], outcome["end_time"]), ({"ok": "inner"}, 10))
        self.assertEqual(task(outcome, "main.0")["outcome"], {"cancelled": True})
        self.assertEqual(task(outcome, "main.0.0")["cancel_requests"], 0)



def eager(*children, name=None):
    """A child in object form with eager_start: true (3.14's create_task(..., eager_start=True))."""
    child = {"body": list(children), "eager_start": True}
    if name is not None:
        child["name"] = name
    return child


def factory(main, **scenario):
    """Run main under loop.set_task_factory(eager_task_factory)."""
    return run(main, task_factory="eager", **scenario)


def tasks_summary(outcome):
    return [(t["name"], t["outcome"], t["done"], t["cancel_requests"], t["uncancels"],
             t["cancelling"]) for t in outcome["tasks"]]


needs_eager_factory = unittest.skipUnless(PY312, "asyncio.eager_task_factory is 3.12+")
needs_eager_start = unittest.skipUnless(PY314, "create_task(eager_start=...) is 3.14+")

# The smallest trees where eager start changes the outcome: each is run lazily
# and under the eager task factory (3.12+), and with eager_start on every
# child (3.14+), which gives the same outcome as the factory here.
EAGER_DIFFERS = {
    # Eager: main.0 returns inside create_task, the cancel finds it done.
    "cancel right after spawn": [{"spawn": [{"return": 1}]}, {"cancel": "main.0"},
                                 {"await": "main.0"}],
    # Eager: main.0 creates main.0.0 before main creates main.1.
    "creation order": [{"spawn": [{"spawn": [{"return": 1}]}, {"return": 2}]},
                       {"spawn": [{"return": 3}]}, {"sleep": 1}],
    # Eager: gather gets a done failure, raises without suspending; main.1
    # (asleep for 0 ticks) is still pending then: a scope escape.
    "gather escape": [{"try": [{"gather": [[{"raise": "Boom"}], [{"sleep": 0}, {"return": 2}]]}],
                       "except": [{"kinds": ["Boom"], "do": [{"return": "caught"}]}]}],
    # Eager: the body never suspends, the timeout never fires.
    "timeout 0": [{"try": [{"timeout": 0, "body": [{"gather": [[{"return": 1}]]}]}],
                   "except": [{"kinds": ["TimeoutError"], "do": [{"return": "timeout"}]}]}],
}
# Trees where it does not: same outcome, field by field.
EAGER_SAME = {
    "gather of finished children": [{"gather": [[{"return": 1}], [{"return": 2}]]}],
    "gather return_exceptions": [{"gather": [[{"raise": "Boom"}], [{"return": 2}],
                                             [{"raise": "CancelledError"}]],
                                  "return_exceptions": True}],
    "task group, all finish at once": [{"task_group": [[{"return": 1}], [{"return": 2}]]}],
    "task group, failure after an await": [{"task_group": [[{"sleep": 1}, {"raise": "Boom"}],
                                                           [{"sleep": 5}]]}],
    "wait FIRST_COMPLETED": [{"wait": [[{"sleep": 3}], [{"return": 1}]],
                              "return_when": "FIRST_COMPLETED", "cancel_pending": True}],
    "wait FIRST_EXCEPTION": [{"wait": [[{"sleep": 3}], [{"raise": "Boom"}], [{"sleep": 0}]],
                              "return_when": "FIRST_EXCEPTION"}],
    "as_completed": [{"as_completed": [[{"sleep": 1}, {"return": "a"}], [{"return": "b"}],
                                       [{"return": "c"}]]}],
    "shield": [{"shield": [{"return": 5}]}],
    "self-cancel before the first await": [{"spawn": {"name": "x", "body": [
        {"cancel": "x"}, {"return": 1}]}}, {"sleep": 1}],
    "semaphore": [{"gather": [[{"acquire": "s", "body": [{"return": 1}]}],
                              [{"acquire": "s", "body": [{"sleep": 1}, {"return": 2}]}],
                              [{"acquire": "s", "body": [{"return": 3}]}]]}],
}


def all_eager(value):
    """The same tree with eager_start: true on every child."""
    if isinstance(value, list):
        return [all_eager(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if key in ("gather", "task_group", "wait", "as_completed"):
            out[key] = [as_eager_child(c) for c in v]
        elif key in ("spawn", "shield"):
            out[key] = as_eager_child(v)
        else:
            out[key] = all_eager(v)
    return out


def as_eager_child(child):
    if isinstance(child, list):
        return {"body": all_eager(child), "eager_start": True}
    return {**all_eager(child), "eager_start": True}


class EagerTest(unittest.TestCase):
    """task_factory "eager" (3.12+) and eager_start (3.14+)."""

    @needs_eager_factory
    def test_child_finishes_inside_create_task(self):
        # The eager child runs to its end inside create_task: spawn's cancel
        # finds it done (cancel() returns False, not counted), where a lazy
        # child, not started yet, is cancelled.
        main = EAGER_DIFFERS["cancel right after spawn"]
        lazy, eager_ = run(main), factory(main)
        self.assertEqual(lazy["main"], {"cancelled": True})
        self.assertEqual(tasks_summary(lazy)[1], ("main.0", {"cancelled": True}, 0, 1, 0, 1))
        self.assertEqual(eager_["main"], {"ok": 1})
        self.assertEqual(tasks_summary(eager_)[1], ("main.0", {"ok": 1}, 0, 0, 0, 0))
        if PY314:
            self.assertEqual(run(all_eager(main)), eager_)

    @needs_eager_start
    def test_eager_start_false_opts_out_of_the_factory(self):
        main = [{"spawn": {"body": [{"return": 1}], "eager_start": False}},
                {"cancel": "main.0"}, {"await": "main.0"}]
        self.assertEqual(factory(main)["main"], {"cancelled": True})

    @needs_eager_start
    def test_eager_sibling_cancels_a_lazy_task_before_its_first_step(self):
        # x is scheduled, not started, when the eager child cancels it: x
        # ends cancelled without running its body (no x.0). Lazily, x runs
        # first, creates x.0, then hangs and is cancelled there.
        main = [{"spawn": {"name": "x", "body": [{"spawn": [{"return": 1}]}, {"hang": None}]}},
                {"spawn": eager({"cancel": "x"})}, {"sleep": 1}]
        outcome = run(main)
        self.assertEqual([t["name"] for t in outcome["tasks"]], ["main", "x", "main.1"])
        self.assertEqual(tasks_summary(outcome)[1], ("x", {"cancelled": True}, 0, 1, 0, 1))
        lazy = run([main[0], {"spawn": [{"cancel": "x"}]}, main[2]])
        self.assertEqual([t["name"] for t in lazy["tasks"]], ["main", "x", "main.1", "x.0"])

    @needs_eager_factory
    def test_failure_before_the_first_await_in_a_task_group(self):
        main = [{"task_group": [[{"raise": "Boom"}], [{"sleep": 5}]]}]
        outcome = factory(main)
        if PY314:
            # The group learns of the failure from a scheduled done-callback,
            # as for a lazy child: main.1 is created, then cancelled.
            self.assertEqual(outcome, run(main))
            self.assertEqual(outcome["main"], {"error": group(kind("Boom"))})
            self.assertEqual([t["name"] for t in outcome["tasks"]], ["main", "main.0", "main.1"])
        else:
            # 3.12/3.13 TaskGroup.create_task calls _on_task_done at once on
            # a done task: the group aborts (cancelling main) inside the
            # first create_task, so the second raises RuntimeError ("is
            # shutting down"), which the group adds as the body's error;
            # main.1 never exists.
            self.assertEqual(outcome["main"], {"error": group(kind("Boom"), kind("RuntimeError"))})
            self.assertEqual([t["name"] for t in outcome["tasks"]], ["main", "main.0"])
        # Abort and uncancel both happen before __aexit__ waits: no leaked
        # count even on 3.12, where the lazy run leaks one.
        self.assertEqual(tasks_summary(outcome)[0][3:], (1, 1, 0))

    @needs_eager_factory
    def test_task_group_failure_caught_leaves_main_cancelled_on_312(self):
        # On 3.12 the abort's parent.cancel() hit main while it was running
        # (create_task), setting _must_cancel; __aexit__'s uncancel() brings
        # the count to 0 but, before 3.13, leaves _must_cancel set, so main
        # ends cancelled although it caught the group and returned.
        main = [{"try": [{"task_group": [[{"raise": "Boom"}]]}],
                 "except": [{"kinds": ["ExceptionGroup"], "do": [{"return": "caught"}]}]}]
        self.assertEqual(run(main)["main"], {"ok": "caught"})
        outcome = factory(main)
        self.assertEqual(outcome["main"], {"ok": "caught"} if PY313 else {"cancelled": True})
        self.assertEqual(tasks_summary(outcome)[0][3:], (1, 1, 0))

    @needs_eager_factory
    def test_task_group_of_finished_children_suspends_only_on_314(self):
        # 3.14's create_task always registers the done-callback, so __aexit__
        # waits one pass for it even when every child is done: a timeout of
        # 0 around the group fires. 3.12/3.13 handle a done child at once and
        # the block never suspends.
        main = [{"try": [{"timeout": 0, "body": [{"task_group": [[{"return": 1}]]}]}],
                 "except": [{"kinds": ["TimeoutError"], "do": [{"return": "timeout"}]}]}]
        self.assertEqual(run(main)["main"], {"ok": "timeout"})
        self.assertEqual(factory(main)["main"], {"ok": "timeout"} if PY314 else {"ok": [1]})

    @needs_eager_factory
    def test_gather_and_wait_see_done_children(self):
        outcome = factory([{"gather": [[{"return": 1}], [{"return": 2}]]}])
        self.assertEqual(outcome["main"], {"ok": [1, 2]})
        # A done failure: gather raises without suspending, main.1 escapes.
        outcome = factory(EAGER_DIFFERS["gather escape"])
        self.assertEqual(outcome["main"], {"ok": "caught"})
        self.assertEqual(outcome["scope_escapes"], [{"scope": "gather", "task": "main.1", "at": 0}])
        self.assertEqual(run(EAGER_DIFFERS["gather escape"])["scope_escapes"], [])
        outcome = factory([{"wait": [[{"sleep": 3}], [{"return": 1}]],
                            "return_when": "FIRST_COMPLETED", "cancel_pending": True}])
        self.assertEqual(outcome["main"], {"ok": [1]})
        self.assertEqual(outcome["scope_escapes"], [{"scope": "wait", "task": "main.0", "at": 0}])

    @needs_eager_factory
    def test_as_completed_takes_done_children_in_creation_order(self):
        # Their callbacks are scheduled in the order of as_completed's set:
        # pinned to creation order, as for TaskGroup (else address order).
        main = [{"as_completed": [[{"sleep": 1}, {"return": "a"}]] +
                 [[{"return": c}] for c in "bcdefgh"]}]
        for _ in range(5):
            self.assertEqual(factory(main)["main"], {"ok": list("bcdefgha")})

    @needs_eager_factory
    def test_names(self):
        # Default names come from the scenario's name of the creating task,
        # even while Task.get_name() is still "Task-N" (3.12/3.13: the name
        # is set only after the task factory returns, after the eager step).
        main = [{"spawn": [{"spawn": [{"return": 1}]},
                           {"spawn": {"name": "x", "body": [{"spawn": []}]}}]},
                {"sleep": 1}]
        expected = [("main", None), ("main.0", "main"), ("main.0.0", "main.0"),
                    ("x", "main.0"), ("x.0", "x")]
        for outcome in [factory(main)] + ([run(all_eager(main))] if PY314 else []):
            self.assertEqual([(t["name"], t["parent"]) for t in outcome["tasks"]], expected)
        # Lazily, main.0's children come after it ran, in the same order here.
        self.assertEqual([t["name"] for t in run(main)["tasks"]],
                         [name for name, _ in expected])

    @needs_eager_factory
    def test_eager_task_registers_before_its_first_step(self):
        # A task can cancel itself by name inside its eager first step.
        outcome = factory([{"spawn": {"name": "x", "body": [{"cancel": "x"}, {"sleep": 0}]}},
                           {"sleep": 1}])
        self.assertEqual(tasks_summary(outcome)[1], ("x", {"cancelled": True}, 0, 1, 0, 1))

    @needs_eager_factory
    def test_seed_claim_results_identical(self):
        # Seed 002: "This is a performance optimization, not a behavioral
        # change. The results are identical". True of these trees...
        for title, main in EAGER_SAME.items():
            with self.subTest(same=title):
                scenario = {"semaphores": {"s": 1}}
                lazy = run(main, **scenario)
                self.assertEqual(factory(main, **scenario), lazy)
                if PY314:
                    self.assertEqual(run(all_eager(main), **scenario), lazy)
        # ...and false of these.
        for title, main in EAGER_DIFFERS.items():
            with self.subTest(differs=title):
                lazy = run(main)
                self.assertNotEqual(factory(main), lazy)
                if PY314:
                    self.assertEqual(run(all_eager(main)), factory(main))

    def test_unsupported_features_are_invalid(self):
        spawn_eager = {"main": [{"spawn": eager({"return": 1})}]}
        if not PY314:
            with self.assertRaisesRegex(simloop_ref.Invalid,
                                        r"^main\[0\]\.spawn\.eager_start: create_task\(\) has no "
                                        r"eager_start parameter before Python 3\.14"):
                simloop_ref.run_scenario(spawn_eager)
        if not PY312:
            with self.assertRaisesRegex(simloop_ref.Invalid, r"^scenario\.task_factory: .*3\.12"):
                simloop_ref.run_scenario({"task_factory": "eager", "main": []})
        for bad in ({"task_factory": "lazy", "main": []}, {"task_factory": True, "main": []},
                    {"main": [{"spawn": {"body": [], "eager_start": 1}}]},
                    {"main": [{"gather": [{"body": [], "eager_start": "yes"}]}]}):
            with self.subTest(bad=bad), self.assertRaises(simloop_ref.Invalid):
                simloop_ref.run_scenario(bad)
        self.assertEqual(run([], task_factory=None)["main"], {"ok": None})


class ValidationTest(unittest.TestCase):
    def assertInvalid(self, scenario):
        with self.assertRaises(simloop_ref.Invalid):
            simloop_ref.run_scenario(scenario)

    def test_rejected(self):
        self.assertInvalid([])
        self.assertInvalid({"semaphores": {}})
        self.assertInvalid({"main": [{"bogus": 1}]})
        self.assertInvalid({"main": [{"sleep": 1.5}]})
        self.assertInvalid({"main": [{"raise": "BaseException"}]})
        self.assertInvalid({"main": [{"wait": []}]})
        self.assertInvalid({"main": [{"acquire": "nope", "body": []}]})
        self.assertInvalid({"main": [{"event_set": "nope"}]})
        self.assertInvalid({"main": [{"release": "nope"}]})
        self.assertInvalid({"main": [{"wait_tasks": []}]})
        self.assertInvalid({"main": [{"await_future": "nope"}]})
        self.assertInvalid({"futures": ["f"], "main": [{"future_fail": "f", "error": "CancelledError"}]})
        self.assertInvalid({"futures": ["f", "f"], "main": []})
        self.assertInvalid({"main": [{"gather_tasks": "a"}]})
        self.assertInvalid({"semaphores": {"s": {"value": 1, "bounded": 1}}, "main": []})
        self.assertInvalid({"semaphores": {"s": {"bounded": True}}, "main": []})
        self.assertInvalid({"events": ["e", "e"], "main": []})
        self.assertInvalid({"events": {"e": 1}, "main": []})
        self.assertInvalid({"main": [{"try_star": [], "except_star": [
            {"kinds": ["ExceptionGroup"], "do": []}]}]})
        self.assertInvalid({"main": [{"try_star": [], "except_star": [
            {"kinds": [k], "do": []} for k in "ABCD"]}]})

    def test_cancelling_an_await_cycle_is_rejected(self):
        # a and b await each other; at shutdown a.cancel() passes the cancel
        # to b, which passes it back to a: CPython recurses until
        # RecursionError, which no outcome describes.
        with self.assertRaisesRegex(simloop_ref.Invalid, "await cycle: cancelling a "):
            simloop_ref.run_scenario(AWAIT_CYCLE)
        # Left alone, the same cycle is just a stall; so it is in a task group
        # whose body hangs, which only the teardown of the stalled run aborts.
        for main in (AWAIT_CYCLE["main"][:-1] + [{"await": "a"}],
                     [{"task_group": [AWAIT_CYCLE["main"][0]["spawn"],
                                      AWAIT_CYCLE["main"][1]["spawn"]],
                       "then": [{"hang": None}]}]):
            self.assertEqual(run(main)["main"], {"stalled": True})

    def test_extra_keys_are_ignored(self):
        outcome = simloop_ref.run_scenario({"name": "n", "description": "d", "expect": {"x": 1},
                                            "main": [{"return": 1, "note": "ignored"}]})
        self.assertEqual(outcome["main"], {"ok": 1})


@needs_subprocesses
class CommandLineTest(unittest.TestCase):
    def test_file(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "gather-ghost.json")
            with open(path, "w") as f:
                json.dump(GATHER_GHOST, f)
            result = run_cli([path])
        self.assertEqual(result.returncode, 0)
        line = result.stdout
        self.assertEqual(line.count("\n"), 1)
        self.assertTrue(line.startswith('{"main":{"ok":"caught"},"end_time":500,'), line)
        self.assertEqual(list(json.loads(line)), ["main", "end_time", "quiescent_time",
                                                  "orphans", "scope_escapes", "tasks"])
        self.assertEqual(list(json.loads(line)["tasks"][0]), [
            "name", "parent", "created", "done", "outcome",
            "cancel_requests", "uncancels", "cancelling"])

    def test_invalid_file_exits_2_without_traceback(self):
        result = run_cli(["/nonexistent/scenario.json"])
        self.assertEqual(result.returncode, 2)
        self.assertNotIn("Traceback", result.stderr)
        for scenario, message in (({"semaphores": {}}, "missing main"),
                                  (AWAIT_CYCLE, "await cycle")):
            result = run_cli(["/dev/stdin"], stdin=json.dumps(scenario))
            self.assertEqual(result.returncode, 2)
            self.assertIn(message, result.stderr)
            self.assertNotIn("Traceback", result.stderr)

    def test_batch(self):
        lines = [json.dumps(GATHER_GHOST), "not json", '{"name": "no main"}',
                 json.dumps({"main": [{"hang": None}]}), json.dumps(AWAIT_CYCLE)]
        result = run_cli(["-"], "\n".join(lines) + "\n")
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        outcomes = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual(len(outcomes), 5)
        self.assertEqual(outcomes[0], simloop_ref.run_scenario(GATHER_GHOST))
        self.assertEqual(list(outcomes[1]), ["invalid"])
        self.assertEqual(outcomes[2], {"invalid": "scenario: missing main"})
        self.assertEqual(outcomes[3]["main"], {"stalled": True})
        self.assertIn("await cycle", outcomes[4]["invalid"])

    def test_features_this_python_lacks_are_invalid(self):
        scenarios = []
        if not PY314:
            scenarios.append(({"main": [{"spawn": {"body": [], "eager_start": True}}]},
                              "main[0].spawn.eager_start: create_task() has no eager_start"))
        if not PY312:
            scenarios.append(({"task_factory": "eager", "main": []}, "scenario.task_factory: "))
        if not scenarios:
            self.skipTest("this Python has both")
        lines = "".join(json.dumps(scenario) + "\n" for scenario, _ in scenarios)
        result = run_cli(["-"], lines)
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        for line, (scenario, message) in zip(result.stdout.splitlines(), scenarios):
            self.assertIn(message, json.loads(line)["invalid"])
            file_result = run_cli(["/dev/stdin"], stdin=json.dumps(scenario))
            self.assertEqual((file_result.returncode, file_result.stdout), (2, ""))
            self.assertIn(message, file_result.stderr)
            self.assertNotIn("Traceback", file_result.stderr)

class InterruptTest(unittest.TestCase):
    """KeyboardInterrupt and SystemExit leave the loop from the task's step."""

    def test_main_raising_it_ends_the_first_phase_and_the_shutdown_reaps(self):
        outcome = run([{"spawn": {"name": "bg", "body": [{"sleep": 10}]}},
                       {"sleep": 1}, {"raise": "KeyboardInterrupt"}])
        self.assertEqual(outcome["main"], {"error": kind("KeyboardInterrupt")})
        self.assertEqual(outcome["interrupts"],
                         [{"kind": "KeyboardInterrupt", "task": "main", "at": 1}])
        self.assertEqual((outcome["orphans"], task(outcome, "bg")["outcome"]),
                         (["bg"], {"cancelled": True}))

    def test_a_task_group_raises_the_base_error_again_during_the_shutdown(self):
        outcome = run([{"task_group": [
            {"name": "a", "body": [{"sleep": 2}, {"raise": "SystemExit"}]},
            {"name": "b", "body": [{"sleep": 5}]}]}])
        self.assertEqual(outcome["interrupts"],
                         [{"kind": "SystemExit", "task": "a", "at": 2},
                          {"kind": "SystemExit", "task": "main", "at": 2}])
        self.assertEqual(outcome["orphans"], ["main", "b"])

    def test_a_handler_catches_it_before_it_leaves_the_task(self):
        outcome = run([{"try": [{"raise": "KeyboardInterrupt"}], "except": [
            {"kinds": ["Exception"], "do": [{"return": 1}]},
            {"kinds": ["KeyboardInterrupt"], "do": [{"return": 2}]}]}])
        self.assertEqual(outcome["main"], {"ok": 2})
        self.assertNotIn("interrupts", outcome)

    def test_a_second_one_in_the_shutdown_leaves_the_rest_pending(self):
        outcome = run([{"spawn": {"name": "a", "body": [{"sleep": 1}, {"raise": "KeyboardInterrupt"}]}},
                       {"spawn": {"name": "b", "body": [{"try": [{"sleep": 9}],
                                                         "finally": [{"raise": "SystemExit"}]}]}},
                       {"spawn": {"name": "c", "body": [{"try": [{"sleep": 9}],
                                                         "finally": [{"sleep": 1}]}]}},
                       {"sleep": 5}])
        self.assertEqual([i["task"] for i in outcome["interrupts"]], ["a", "b"])
        self.assertEqual(outcome["main"], {"cancelled": True})
        self.assertEqual(task(outcome, "c")["outcome"], {"stuck": True})

    @needs_eager_factory
    def test_an_eager_first_step_raises_it_out_of_create_task(self):
        outcome = run([{"try": [{"spawn": {"name": "a", "body": [{"raise": "KeyboardInterrupt"}]}}],
                        "except": [{"kinds": ["KeyboardInterrupt"], "do": [{"return": "caught"}]}]}],
                      task_factory="eager")
        self.assertEqual(outcome["main"], {"ok": "caught"})
        self.assertEqual(task(outcome, "a")["outcome"], {"error": kind("KeyboardInterrupt")})
        self.assertNotIn("interrupts", outcome)


class ReprTest(unittest.TestCase):
    """repr without the module and the address; reschedule of the timeout around."""

    def test_primitives_print_their_state(self):
        outcome = run([{"acquire": "s", "body": [
                           {"spawn": {"name": "w", "body": [{"acquire": "s", "body": []}]}},
                           {"spawn": {"name": "e", "body": [{"event_wait": "go"}]}},
                           {"sleep": 1},
                           {"gather": [[{"repr": {"semaphore": "s"}}], [{"repr": {"event": "go"}}],
                                       [{"repr": {"semaphore": "b"}}]]}]},
                       ],
                      semaphores={"s": 1, "b": {"value": 2, "bounded": True}}, events=["go"])
        self.assertEqual(outcome["main"], {"ok": ["<Semaphore [locked, waiters:1]>",
                                                  "<Event [unset, waiters:1]>",
                                                  "<BoundedSemaphore [unlocked, value:2]>"]})

    def test_a_child_sees_the_scopes_it_was_created_in(self):
        outcome = run([{"timeout": 9, "body": [{"task_group": [
            [{"repr": "task_group"}],
            [{"reschedule": 4}, {"repr": "timeout"}]]}]}])
        self.assertEqual(outcome["main"], {"ok": ["<TaskGroup tasks=2 entered>",
                                                  "<Timeout [active] when=4>"]})

    def test_rescheduling_an_expired_timeout_raises_runtime_error(self):
        outcome = run([{"timeout": 1, "body": [{"try": [{"sleep": 5}], "except": [
            {"kinds": ["CancelledError"], "do": [
                {"try": [{"reschedule": 3}],
                 "except": [{"kinds": ["RuntimeError"], "do": [{"repr": "timeout"}]}]}]}]}]}])
        self.assertEqual(outcome["main"], {"ok": "<Timeout [expiring]>"})
        self.assertEqual(outcome["end_time"], 1)

class ReraiseTest(unittest.TestCase):
    """reraise is a bare raise in the except or except* block itself."""

    def test_except_star_puts_a_re_raised_part_back_in_the_original_shape(self):
        tree = [{"task_group": [[{"raise": "Boom"}], [{"raise": "Oops"}]]}]
        reraised = run([{"try_star": tree, "except_star": [
            {"kinds": ["Boom"], "do": [{"reraise": None}]}]}])
        self.assertEqual(reraised["main"], {"error": group(kind("Boom"), kind("Oops"))})
        raised_new = run([{"try_star": tree, "except_star": [
            {"kinds": ["Boom"], "do": [{"raise": "Boom"}]}]}])
        self.assertEqual(raised_new["main"],
                         {"error": group(kind("Boom"), group(kind("Oops")), message="")})

    def test_except_raises_the_handled_exception_after_the_handler_steps(self):
        outcome = run([{"try": [{"raise": "A"}], "except": [
            {"kinds": ["A"], "do": [{"sleep": 2}, {"reraise": None}, {"return": 1}]}]}])
        self.assertEqual((outcome["main"], outcome["end_time"]), ({"error": kind("A")}, 2))

if __name__ == "__main__":
    unittest.main()
