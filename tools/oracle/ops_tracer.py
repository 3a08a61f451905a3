"""Trace real CPython asyncio on simloop's virtual clock, in simloop's event vocabulary.

The tracer behind the record_*_traces.py scripts (imported, not run).

Events kept (the loop operations): create, step (with '<- CancelledError' when
_must_cancel is set at step start), call LABEL (non-step handles), cancel (a
cancel() that returns True, logged before it propagates, as simloop does),
uncancel, done. Timer and future events are not traced.
"""
import asyncio
import importlib.util
import sys
from asyncio import events

spec = importlib.util.spec_from_file_location("simloop_ref", str(__import__("pathlib").Path(__file__).resolve().parent.parent / "simloop_ref.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

EVENTS = []
LOOP = None
_LABELS = {
    "_set_result_unless_cancelled": "sleep",
    "TaskGroup._on_task_done": "TaskGroup._on_task_done",
    "Timeout._on_timeout": "Timeout._on_timeout",
    "_run_until_complete_cb": "_run_until_complete_cb",
    "shield.<locals>._inner_done_callback": "shield._inner_done_callback",
    "shield.<locals>._outer_done_callback": "shield._outer_done_callback",
    # 3.14: the call-graph bookkeeping and the log of a shielded failure
    "shield.<locals>._clear_awaited_by_callback": "shield._clear_awaited_by_callback",
    "_log_on_exception": "shield._log_on_exception",
    "gather.<locals>._done_callback": "gather._done_callback",
}


def now():
    return LOOP.time()


def ev(*parts):
    EVENTS.append((now(),) + parts)


class TracingTask(asyncio.Task):
    def cancel(self, msg=None):
        if not self.done():
            ev("cancel", self, asyncio.current_task(), self.cancelling() + 1)
        return super().cancel(msg)

    def uncancel(self):
        r = super().uncancel()
        ev("uncancel", self, r)
        return r


def factory(loop, coro, **kw):
    t = TracingTask(coro, loop=loop, **kw)
    ev("create", t, asyncio.current_task(loop))
    return t


_orig_run = events.Handle._run


def _run(self):
    cb = self._callback
    task = getattr(cb, "__self__", None)
    if isinstance(task, asyncio.Task):
        ev("step", task, task._must_cancel)
        was_done = task.done()
        _orig_run(self)
        if task.done() and not was_done:
            ev("done", task)
        return
    name = getattr(cb, "__qualname__", repr(cb))
    ev("call", _LABELS.get(name, name))
    _orig_run(self)


events.Handle._run = _run


class _OrderedTaskGroup(asyncio.TaskGroup):
    def __init__(self):
        super().__init__()
        self._tasks = ref._InsertionOrderedSet()


asyncio.TaskGroup = _OrderedTaskGroup
asyncio.taskgroups.TaskGroup = _OrderedTaskGroup


def show(e):
    if isinstance(e, BaseExceptionGroup):
        return f'{type(e).__name__}("{e.message}", [{", ".join(show(x) for x in e.exceptions)}])'
    if e.args:
        return f'{type(e).__name__}("{e.args[0]}")'
    return type(e).__name__


def outcome(t):
    if t.cancelled():
        return "cancelled"
    e = t.exception()
    return "ok" if e is None else f"error {show(e)}"


def render():
    out = []
    for e in EVENTS:
        tick, kind, *rest = e
        if kind == "create":
            t, p = rest
            s = f"create {t.get_name()}" + (f" by {p.get_name()}" if p else "")
        elif kind == "step":
            t, thr = rest
            s = f"step {t.get_name()}" + (" <- CancelledError" if thr else "")
        elif kind == "call":
            s = f"call {rest[0]}"
        elif kind == "cancel":
            t, by, n = rest
            s = f"cancel {t.get_name()}" + (f" by {by.get_name()}" if by else "") + f" (cancelling={n})"
        elif kind == "uncancel":
            t, n = rest
            s = f"uncancel {t.get_name()} (cancelling={n})"
        elif kind == "done":
            s = f"done {rest[0].get_name()} {outcome(rest[0])}"
        out.append(f"{tick:>6} {s}")
    return "\n".join(out)


def run(main_fn, name="main"):
    """Run main_fn() as task `name` until it is done; print the trace and main's outcome."""
    global LOOP
    EVENTS.clear()
    LOOP = ref.VirtualClockLoop()
    LOOP.set_task_factory(factory)
    asyncio.set_event_loop(LOOP)
    main = LOOP.create_task(main_fn(), name=name)
    try:
        LOOP.run_until_complete(main)
    except BaseException:
        pass
    print(render())
    print(f"# main: {outcome(main)}  time={LOOP.time()}")
    return main


def main(tests):
    """The command line of a record_*_traces.py script, whose tests are `tests`
    (name -> async function): `TEST` prints that test's trace, `--list` the
    test names, one a line."""
    if sys.argv[1:] == ["--list"]:
        print("\n".join(tests))
    elif len(sys.argv) == 2 and sys.argv[1] in tests:
        run(tests[sys.argv[1]])
    else:
        sys.exit(f"usage: {sys.argv[0]} TEST | --list  (TEST: one of {', '.join(tests)})")
