#!/usr/bin/env python3
"""Reference runner: run a simloop scenario on real CPython asyncio, on a virtual clock.

    simloop_ref.py [--native-sets] FILE.json   one scenario, one outcome line
    simloop_ref.py [--native-sets] -           one scenario per stdin line, one outcome line each

The scenario and outcome formats are docs/scenario-format.md (version 1);
docs/scenario-semantics.md gives the Python program behind every step, and
this file is that program. Standard library only; CPython 3.11 to 3.14 (3.14
under Pyodide: tools/pyodide/).
"""

import argparse
import asyncio
import contextlib
import inspect
import json
import re
import platform
import sys
import types
from asyncio import base_events
from collections import namedtuple


class Invalid(Exception):
    """The scenario cannot be run; the message says where and why."""


# --- Virtual clock ------------------------------------------------------------

class _Stall(Exception):
    """The loop would block forever: nothing is ready and no timer is live."""


class _VirtualSelector:
    """Stands in for the loop's selector: never blocks, moves the clock instead.

    BaseEventLoop._run_once calls select(timeout) once per pass: 0 if something
    is ready, None if nothing is ready and no timer is live, otherwise the
    distance to the earliest live timer.
    """

    def __init__(self, loop):
        self._loop = loop

    def select(self, timeout):
        if timeout is None:
            raise _Stall
        if timeout >= base_events.MAXIMUM_SELECT_TIMEOUT:
            # _run_once clamps that distance to a day. The passes in between
            # would do nothing, so go straight to the deadline instead of
            # taking one pass per day of ticks.
            self._loop._now = self._loop._scheduled[0].when()
        else:
            self._loop._now += timeout
        return []


class VirtualClockLoop(asyncio.BaseEventLoop):
    """An event loop without I/O whose time() is an integer tick count from 0."""

    def __init__(self, run=None):
        super().__init__()
        self.run = run        # the _Run, for its tasks' bookkeeping (None: plain tasks, as the oracles and the benchmark use)
        self._now = 0
        # _run_once runs a timer when `when < time() + _clock_resolution`.
        # Deadlines and times are integers, so a resolution of 1 makes a timer
        # at tick T due exactly when the time is T.
        self._clock_resolution = 1
        self._selector = _VirtualSelector(self)

    def time(self):
        return self._now

    def _process_events(self, event_list):
        pass  # no I/O, so never any events


# --- Instrumented asyncio classes ---------------------------------------------

class _CancelCycle(RecursionError):
    """cancel() of a task reached the same task again."""


class _Reraise(BaseException):
    """A reraise step ran: the except or except* block of its clause does the
    bare `raise`, so that the exception keeps its traceback (raised from a
    step's own frame, it would gain entries, and except* would count it new)."""


class _CountingTask(asyncio.Task):
    """A task that counts the cancel() calls that took effect and the uncancel() calls.

    asyncio calls these methods by name wherever it cancels or uncancels a task
    (Task.cancel on the task being awaited, gather, TaskGroup, timeout), so the
    overrides see every call. cancel() also catches cancel cycles.

    The run's bookkeeping (parent, name, creation order, registry) is done in
    __init__ before Task.__init__, because an eager task (eager_start=True,
    or the eager task factory) runs its first step inside Task.__init__: it
    may create tasks of its own, and finish, before its constructor returns.
    """

    cancel_requests = 0
    uncancels = 0
    in_cancel_cycle = False
    _cancelling_now = False

    def __init__(self, coro, *, loop, **kwargs):
        run = loop.run
        self.parent = asyncio.current_task(loop)
        # The scenario's name for the task. Task.get_name() is not it yet
        # while an eager first step runs on 3.12 and 3.13: there
        # loop.create_task calls a task factory without the name and sets it
        # only once the factory has returned.
        self.sim_name, register = run.next_name or (None, False)
        run.next_name = None
        self.children = 0     # tasks it has created, for default names
        self.created = loop.time()
        self.done_at = None
        run.tasks.append(self)
        if register:
            run.registry[self.sim_name] = self
        run.live += 1
        # Which task a KeyboardInterrupt or SystemExit escaped from: the
        # outermost task frame in its traceback. The task keeps its frame
        # alive, so no later frame reuses the id.
        self.sim_frame = coro.cr_frame
        run.frames[id(self.sim_frame)] = self
        try:
            super().__init__(coro, loop=loop, **kwargs)   # an eager task's first step runs here
        except (KeyboardInterrupt, SystemExit):
            # An eager first step raised it: the task is finished with it,
            # and create_task raises it into the caller.
            self.add_done_callback(run._on_task_done)
            raise
        except BaseException:
            # Not a task after all (Task.__init__ refused an argument): undo.
            run.tasks.remove(self)
            if register:
                del run.registry[self.sim_name]
            run.live -= 1
            raise
        if self.sim_name is None:   # not created by a step (none is, so far)
            self.sim_name = self.get_name()
        self.add_done_callback(run._on_task_done)

    def cancel(self, msg=None):
        if self._cancelling_now:
            # Tasks (and gathers) awaiting each other in a cycle: Task.cancel
            # passes the cancel on to what the task awaits before changing any
            # state, so CPython recurses until RecursionError. No outcome can
            # describe that: flag it for execute(), and unwind the way CPython
            # would.
            self.in_cancel_cycle = True
            raise _CancelCycle(f"cancelling {self.sim_name} recursed through an await cycle")
        self._cancelling_now = True
        try:
            requested = super().cancel(msg)
        finally:
            self._cancelling_now = False
        if requested:
            self.cancel_requests += 1
        return requested

    def uncancel(self):
        self.uncancels += 1
        return super().uncancel()


class _InsertionOrderedSet:
    """The part of the set interface TaskGroup and as_completed use, iterating in insertion order."""

    __slots__ = ("_items",)

    def __init__(self):
        self._items = {}

    def add(self, item):
        self._items[item] = None

    def discard(self, item):
        self._items.pop(item, None)

    def remove(self, item):
        del self._items[item]

    def clear(self):
        self._items.clear()

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class _OrderedTaskGroup(asyncio.TaskGroup):
    """A TaskGroup whose abort cancels its children in creation order.

    CPython iterates a plain set there, in an order that follows object
    addresses; this pins it to the order of simloop's asyncio policy.
    """

    def __init__(self):
        super().__init__()
        self._tasks = _InsertionOrderedSet()


# as_completed keeps its pending futures in a set too, and calls
# add_done_callback on each in that set's order. For a future that is done
# already, that schedules the callback at once: so the arrival order of the
# children that were done before the call (eager tasks finishing in their
# first step; 3.12+) is the set's order, which follows object addresses and
# reaches the outcome. Without eager tasks no child is done at that point and
# the order is unobservable. The ordered versions below iterate the futures
# in the order given (creation order); nothing else changes.

if hasattr(asyncio.tasks, "_AsCompletedIterator"):   # 3.13+
    class _OrderedAsCompletedIterator(asyncio.tasks._AsCompletedIterator):
        def __init__(self, aws, timeout):
            super().__init__((), None)   # the queue and fields, nothing pending
            loop = asyncio.get_event_loop()
            todo = _InsertionOrderedSet()
            for aw in aws:
                todo.add(asyncio.ensure_future(aw, loop=loop))
            for f in todo:
                f.add_done_callback(self._handle_completion)
            if todo and timeout is not None:
                self._timeout_handle = loop.call_later(timeout, self._handle_timeout)
            self._todo = todo
            self._todo_left = len(todo)

    def _ordered_as_completed(fs, *, timeout=None):
        return _OrderedAsCompletedIterator(fs, timeout)

elif hasattr(asyncio, "create_eager_task_factory"):   # 3.12: CPython's generator, the set ordered
    def _ordered_as_completed(fs, *, timeout=None):
        done = asyncio.Queue()
        loop = asyncio.get_event_loop()
        todo = _InsertionOrderedSet()
        for f in fs:
            todo.add(asyncio.ensure_future(f, loop=loop))
        timeout_handle = None

        def _on_timeout():
            for f in todo:
                f.remove_done_callback(_on_completion)
                done.put_nowait(None)  # Queue a dummy value for _wait_for_one().
            todo.clear()  # Can't do todo.remove(f) in the loop.

        def _on_completion(f):
            if not todo:
                return  # _on_timeout() was here first.
            todo.remove(f)
            done.put_nowait(f)
            if not todo and timeout_handle is not None:
                timeout_handle.cancel()

        async def _wait_for_one():
            f = await done.get()
            if f is None:
                # Dummy value from _on_timeout().
                raise TimeoutError
            return f.result()  # May raise f.exception().

        for f in todo:
            f.add_done_callback(_on_completion)
        if todo and timeout is not None:
            timeout_handle = loop.call_later(timeout, _on_timeout)
        for _ in range(len(todo)):
            yield _wait_for_one()

else:   # 3.11: no eager tasks, the order cannot be observed
    _ordered_as_completed = asyncio.as_completed


# --- Exceptions and values ----------------------------------------------------

# Exception kind name -> class. Every other name gets its own subclass of
# Exception on first use, kept for the life of the process, so that a `raise`
# and an `except` of the same name always see the same class.
_KINDS = {
    "CancelledError": asyncio.CancelledError,
    "TimeoutError": TimeoutError,
    "Exception": Exception,
    "BaseException": BaseException,
    "ExceptionGroup": BaseExceptionGroup,
    # The builtin, so that `except` catches what an over-released
    # BoundedSemaphore raises.
    "ValueError": ValueError,
    # What set_result or set_exception on a done future raises.
    "InvalidStateError": asyncio.InvalidStateError,
    # What reschedule() on an expired timeout raises.
    "RuntimeError": RuntimeError,
    # The two BaseExceptions a task raises out of the event loop.
    "KeyboardInterrupt": KeyboardInterrupt,
    "SystemExit": SystemExit,
}
_NOT_RAISABLE = ("BaseException", "ExceptionGroup")


def _kind(name):
    cls = _KINDS.get(name)
    if cls is None:
        cls = _KINDS[name] = type(name, (Exception,), {})
    return cls


def _tasks_once(awaitables):
    """The tasks among gather's or wait's arguments, each once: those that can escape."""
    return [a for a in dict.fromkeys(awaitables) if isinstance(a, asyncio.Task)]


def _encode_error(exc):
    if isinstance(exc, BaseExceptionGroup):
        return {"group": exc.message, "errors": [_encode_error(e) for e in exc.exceptions]}
    return {"kind": type(exc).__name__}


def _encode_gather_item(result):
    """One item of gather's result list, which holds exceptions with return_exceptions."""
    if isinstance(result, asyncio.CancelledError):
        return {"cancelled": True}
    if isinstance(result, BaseException):
        return {"error": _encode_error(result)}
    return result


def _encode_outcome(task):
    if not task.done():
        return {"stuck": True}
    if task.cancelled():
        return {"cancelled": True}
    exc = task.exception()
    if exc is not None:
        return {"error": _encode_error(exc)}
    return {"ok": task.result()}


# --- Running a scenario -------------------------------------------------------

class _Run:
    """One execution of a scenario: its loop, its tasks, and the step implementations.

    A compiled block is a tuple of (step function, arguments); run_block calls
    each as step(run, *arguments).
    """

    def __init__(self, program, task_group, as_completed):
        self.program = program
        self.task_group = task_group
        self.as_completed = as_completed
        self.loop = VirtualClockLoop(self)
        if program.task_factory == "eager":
            # What asyncio.eager_task_factory is, with our task class:
            # every task the loop creates starts eagerly (3.14: unless
            # create_task is given eager_start=False).
            self.loop.set_task_factory(asyncio.create_eager_task_factory(_CountingTask))
        else:
            self.loop.set_task_factory(_new_task)
        self.loop.set_exception_handler(_exception_handler)
        # Every task, in creation order (the order of the task constructors'
        # starts). Also keeps them alive: asyncio holds tasks only weakly,
        # and a task waiting on a future nobody else references could be
        # collected in the middle of the run.
        self.tasks = []
        self.registry = {}    # task name -> task, for await and cancel
        self.next_name = None # (name, register) for the next task constructed
        self.escapes = []
        self.interrupts = []  # KeyboardInterrupts and SystemExits out of the loop
        self.frames = {}      # id(task.sim_frame) -> task
        self.live = 0         # tasks whose done-callback has not run yet
        self.semaphores = {name: (asyncio.BoundedSemaphore if bounded else asyncio.Semaphore)(n)
                           for name, (n, bounded) in program.semaphores.items()}
        self.events = {name: asyncio.Event() for name in program.events}
        self.futures = {name: self.loop.create_future() for name in program.futures}

    # Task bookkeeping

    def _on_task_done(self, task):
        # Done-callbacks run one pass after the task finishes, but a pass with
        # callbacks ready never moves the clock, so this is the finishing tick.
        task.done_at = self.loop.time()
        self.live -= 1
        if not self.live:
            # Ends the final phase. In the first phase this can only happen in
            # the pass that runs main's done-callbacks, where
            # run_until_complete stops the loop anyway.
            self.loop.stop()

    def _create_child(self, child, create_task=asyncio.create_task):
        parent = asyncio.current_task()
        name = child.name or f"{parent.sim_name}.{parent.children}"
        parent.children += 1
        kwargs = {} if child.eager_start is None else {"eager_start": child.eager_start}
        coro = self.run_block(child.body)
        self.next_name = (name, True)   # the task registers itself before its first step
        try:
            return create_task(coro, name=name, **kwargs)
        except BaseException:
            # TaskGroup.create_task of an aborting group raises without
            # closing the coroutine on 3.12 (3.13+ closes it): close it, or
            # Python warns that it was never awaited.
            self.next_name = None
            coro.close()
            raise

    def _lookup(self, name):
        task = self.registry.get(name)
        if task is None:
            raise _kind("KeyError")()
        return task

    def _record_interrupt(self, exc):
        tb = exc.__traceback__
        while tb is not None and id(tb.tb_frame) not in self.frames:
            tb = tb.tb_next
        task = self.frames[id(tb.tb_frame)]
        self.interrupts.append({"kind": type(exc).__name__, "task": task.sim_name,
                                "at": self.loop.time()})
        self._fill_done_times()

    def _fill_done_times(self):
        # For the tasks whose done-callbacks (which note the time) may never
        # run now: they finished in this pass, which never moves the clock.
        now = self.loop.time()
        for t in self.tasks:
            if t.done() and t.done_at is None:
                t.done_at = now

    def _record_escapes(self, scope, tasks):
        now = self.loop.time()
        for task in tasks:
            if not task.done():
                self.escapes.append({"scope": scope, "task": task.sim_name, "at": now})

    # Phases

    def execute(self):
        loop = self.loop
        self.next_name = ("main", False)
        main = loop.create_task(self.run_block(self.program.main), name="main")
        stalled = False
        try:
            loop.run_until_complete(main)
        except _Stall:
            stalled = True
        except (KeyboardInterrupt, SystemExit) as exc:
            # Task.__step raised it out of the loop; asyncio.run goes on
            # to cancel what is left.
            self._record_interrupt(exc)
        except BaseException:
            # run_until_complete re-raises main's own error or cancellation:
            # that is an outcome, read from the task below.
            if not main.done():
                raise
        end_time = loop.time()
        orphans = []
        if not stalled:
            orphans = [task for task in self.tasks if not task.done()]
            for task in orphans:
                try:
                    task.cancel()
                except _CancelCycle:
                    pass  # flagged on the task, rejected below
            if self.live:
                try:
                    loop.run_forever()  # until _on_task_done sees the last task done
                except _Stall:
                    pass
                except (KeyboardInterrupt, SystemExit) as exc:
                    # Out of _cancel_all_tasks: asyncio.run raises it,
                    # leaving what is not done pending.
                    self._record_interrupt(exc)
                # A main that finished in the pass an interrupt cut short
                # left _run_until_complete_cb in the queue, whose stop()
                # ends this phase early (asyncio.run's shutdown then raises
                # RuntimeError): the tasks finished in that last pass have
                # not had their done-callbacks.
                self._fill_done_times()
        # Built even for a rejected run: reading every task's outcome marks its
        # exception retrieved, which asyncio would otherwise log.
        outcome = self._outcome(main, orphans, end_time)
        for task in self.tasks:
            if task.in_cancel_cycle:
                raise Invalid(f"await cycle: cancelling {task.sim_name} recurses forever"
                              " (CPython raises RecursionError)")
        return outcome

    def _outcome(self, main, orphans, end_time):
        if main.done():
            main_outcome = _encode_outcome(main)
        elif len(self.interrupts) > 1:
            main_outcome = {"interrupted": True}
        else:
            main_outcome = {"stalled": True}
        outcome = {
            "main": main_outcome,
            "end_time": end_time,
            "quiescent_time": self.loop.time(),
            "orphans": [task.get_name() for task in orphans],
            "scope_escapes": list(self.escapes),  # discard() may still add some
        }
        if self.interrupts:
            outcome["interrupts"] = self.interrupts
        outcome["tasks"] = [_task_record(task) for task in self.tasks]
        return outcome

    def discard(self):
        """Release the loop, finalizing first the tasks a stall left pending.

        Left to the garbage collector, each such task would log "Task was
        destroyed but it is pending!", and closing its coroutine would run its
        cleanup (finally steps, context manager exits) with no loop at all
        and print the resulting errors. The outcome is already recorded, so
        run that cleanup now, with this loop set as the running one (though
        nothing runs), and ignore what it does.
        """
        asyncio._set_running_loop(self.loop)
        try:
            for task in self.tasks:
                if not task.done():
                    task._log_destroy_pending = False
                    _close_coroutine(task.get_coro())
        finally:
            asyncio._set_running_loop(None)
        self.loop.close()

    # Steps

    async def run_block(self, block):
        value = None
        for step, args in block:
            value = await step(self, *args)
        return value

    async def _sleep(self, ticks):
        await asyncio.sleep(ticks)

    async def _return(self, value):
        return value

    async def _raise(self, kind):
        raise kind()

    async def _hang(self):
        await self.loop.create_future()

    async def _spawn(self, child):
        self._create_child(child)

    async def _await(self, name):
        return await self._lookup(name)

    async def _cancel(self, name):
        self._lookup(name).cancel()

    async def _uncancel(self):
        asyncio.current_task().uncancel()

    async def _gather(self, children, return_exceptions):
        tasks = [self._create_child(child) for child in children]
        try:
            results = await asyncio.gather(*tasks, return_exceptions=return_exceptions)
        finally:
            self._record_escapes("gather", tasks)
        return [_encode_gather_item(result) for result in results]

    def _lookup_awaitable(self, name):
        """A name of gather_tasks or wait_tasks: a declared future, else a task."""
        future = self.futures.get(name)
        return future if future is not None else self._lookup(name)

    async def _gather_tasks(self, names, return_exceptions):
        tasks = [self._lookup_awaitable(name) for name in names]
        try:
            results = await asyncio.gather(*tasks, return_exceptions=return_exceptions)
        finally:
            # Each task once, as gather waits for it once.
            self._record_escapes("gather", _tasks_once(tasks))
        return [_encode_gather_item(result) for result in results]

    async def _wait_tasks(self, names, return_when, timeout, cancel_pending):
        tasks = [self._lookup_awaitable(name) for name in names]
        distinct = list(dict.fromkeys(tasks))
        try:
            done, pending = await asyncio.wait(tasks, return_when=return_when, timeout=timeout)
            if cancel_pending:
                for task in distinct:
                    if task in pending:
                        task.cancel()
        finally:
            self._record_escapes("wait", _tasks_once(tasks))
        return [i for i, task in enumerate(tasks) if task in done]

    async def _task_group(self, children, then, slot):
        tasks = []
        try:
            async with self.task_group() as group:
                slot[0] = group
                for child in children:
                    tasks.append(self._create_child(child, group.create_task))
                await self.run_block(then)
        finally:
            self._record_escapes("task_group", tasks)
        return [{"cancelled": True} if task.cancelled() else task.result() for task in tasks]

    async def _wait(self, children, return_when, timeout, cancel_pending):
        tasks = [self._create_child(child) for child in children]
        try:
            done, pending = await asyncio.wait(tasks, return_when=return_when, timeout=timeout)
            if cancel_pending:
                for task in tasks:
                    if task in pending:
                        task.cancel()
        finally:
            self._record_escapes("wait", tasks)
        return [i for i, task in enumerate(tasks) if task in done]

    async def _as_completed(self, children, take, timeout, skip_errors, cancel_rest):
        tasks = [self._create_child(child) for child in children]
        values = []
        try:
            for next_result in self.as_completed(tasks, timeout=timeout):
                if len(values) >= take:
                    next_result.close()  # a coroutine never awaited: close it, or Python warns
                    break
                try:
                    value = await next_result
                except Exception:
                    if skip_errors:
                        continue
                    raise
                values.append(value)
            if cancel_rest:
                for task in tasks:
                    if not task.done():
                        task.cancel()
        finally:
            self._record_escapes("as_completed", tasks)
        return values

    async def _timeout(self, ticks, body, slot):
        async with asyncio.timeout(ticks) as cm:
            slot[0] = cm
            return await self.run_block(body)

    async def _repr(self, kind, of):
        """of: a semaphore's or an event's name, or the slot of a timeout or task group."""
        if kind == "semaphore":
            obj = self.semaphores[of]
        elif kind == "event":
            obj = self.events[of]
        else:
            obj = of[0]
        # Without the module and the address: <asyncio.locks.Event object at 0x7f.. [set]>
        # is <Event [set]>.
        return re.sub(r"^<asyncio\.locks\.(\w+) object at 0x[0-9a-f]+ ", r"<\1 ", repr(obj))

    async def _reraise(self):
        raise _Reraise

    async def run_handler(self, block):
        """run_block(block) for a clause's handler -> (ended at a reraise step, value)."""
        try:
            return False, await self.run_block(block)
        except _Reraise:
            return True, None

    async def _reschedule(self, slot, ticks):
        slot[0].reschedule(None if ticks is None else self.loop.time() + ticks)

    async def _shield(self, child):
        return await asyncio.shield(self._create_child(child))

    async def _acquire(self, semaphore, body):
        async with self.semaphores[semaphore]:
            return await self.run_block(body)

    async def _release(self, semaphore):
        self.semaphores[semaphore].release()

    async def _future_set(self, name, value):
        self.futures[name].set_result(value)

    async def _future_fail(self, name, kind):
        self.futures[name].set_exception(kind())

    async def _future_cancel(self, name):
        self.futures[name].cancel()

    async def _await_future(self, name):
        return await self.futures[name]

    async def _event_set(self, name):
        self.events[name].set()

    async def _event_wait(self, name):
        await self.events[name].wait()

    async def _event_clear(self, name):
        self.events[name].clear()

    async def _try(self, body, final, clauses):
        try:
            value = await self.run_block(body)
        except BaseException as exc:
            for kinds, handler in clauses:
                if isinstance(exc, kinds):
                    reraise, value = await self.run_handler(handler)
                    if reraise:
                        raise
                    break
            else:
                raise
        finally:
            await self.run_block(final)
        return value


# try_star needs real `except*` syntax, whose clause count is fixed in the
# source: one function per count. Kinds are tuples of classes. The value is
# the body's, or that of the last handler that ran.

async def _try_star_1(run, body, final, kinds1, do1):
    try:
        value = await run.run_block(body)
    except* kinds1:
        reraise, value = await run.run_handler(do1)
        if reraise:
            raise
    finally:
        await run.run_block(final)
    return value


async def _try_star_2(run, body, final, kinds1, do1, kinds2, do2):
    try:
        value = await run.run_block(body)
    except* kinds1:
        reraise, value = await run.run_handler(do1)
        if reraise:
            raise
    except* kinds2:
        reraise, value = await run.run_handler(do2)
        if reraise:
            raise
    finally:
        await run.run_block(final)
    return value


async def _try_star_3(run, body, final, kinds1, do1, kinds2, do2, kinds3, do3):
    try:
        value = await run.run_block(body)
    except* kinds1:
        reraise, value = await run.run_handler(do1)
        if reraise:
            raise
    except* kinds2:
        reraise, value = await run.run_handler(do2)
        if reraise:
            raise
    except* kinds3:
        reraise, value = await run.run_handler(do3)
        if reraise:
            raise
    finally:
        await run.run_block(final)
    return value


_TRY_STAR = {1: _try_star_1, 2: _try_star_2, 3: _try_star_3}


def _new_task(loop, coro, **kwargs):
    """The default task factory, with our task class: loop.create_task without a factory."""
    return _CountingTask(coro, loop=loop, **kwargs)


def _exception_handler(loop, context):
    # A cancel cycle unwinding through a loop callback (a timeout expiring,
    # TaskGroup cancelling its parent) ends up here; the run is rejected anyway.
    if isinstance(context.get("exception"), _CancelCycle):
        return
    # 3.14's shield logs the error of an inner task that fails after the
    # outer was cancelled ("E exception in shielded future"); 3.11 to 3.13
    # mark it retrieved silently. The outcome has that task's error anyway.
    if context.get("message", "").endswith(" exception in shielded future"):
        return
    loop.default_exception_handler(context)


def _task_record(task):
    # The scenario's names: an eager first step that raises out of
    # create_task leaves the task with asyncio's default name on 3.12 and
    # 3.13, where loop.create_task names it after the factory returns.
    return {
        "name": task.sim_name,
        "parent": None if task.parent is None else task.parent.sim_name,
        "created": task.created,
        "done": task.done_at,
        "outcome": _encode_outcome(task),
        "cancel_requests": task.cancel_requests,
        "uncancels": task.uncancels,
        "cancelling": task.cancelling(),
    }


def _close_coroutine(coro):
    """Close coro and every coroutine it awaits, innermost first.

    close() throws GeneratorExit in, running the cleanup on the way out. That
    cleanup fails (no task is current) or, if it awaits, suspends again and
    close() raises RuntimeError: hence innermost first (an outer coroutine
    that finishes while an inner one is still suspended would leave that one
    to the garbage collector) and the repeat. Each round leaves at least one
    handler or finally block for good, so it ends.
    """
    while coro.cr_frame is not None:
        innermost = coro
        while (isinstance(innermost.cr_await, types.CoroutineType)
               and innermost.cr_await.cr_frame is not None):
            innermost = innermost.cr_await
        try:
            innermost.close()
        except (Exception, asyncio.CancelledError, BaseExceptionGroup,
                KeyboardInterrupt, SystemExit):
            pass


# --- Loading a scenario -------------------------------------------------------

Program = namedtuple("Program", "semaphores main task_factory events futures")
# eager_start: None (absent: create_task is not given the argument), True or False.
_Child = namedtuple("_Child", "name body eager_start")

_RETURN_WHEN = ("ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION")
_ABSENT = object()


def _check(condition, where, message):
    if not condition:
        raise Invalid(f"{where}: {message}")


def _is_int(value):
    return type(value) is int  # bool is not a tick count


class _Compiler:
    """Turns scenario JSON into blocks of (step function, arguments).

    Checks what running needs: structure, types, kind names, semaphore names.
    Full validation (task names, await targets, return placement) is the Rust
    side's; an await of a name never created here raises the user KeyError.
    """

    def __init__(self, semaphores, events=(), futures=()):
        self.semaphores = semaphores
        self.events = events
        self.futures = futures
        # The timeout and task_group steps around the step compiled, innermost
        # last: (kind, slot). A slot is a one-item list the step fills with its
        # context manager when it runs (each step runs at most once), read by
        # the repr and reschedule steps inside it, children included, as a
        # Python closure reads `cm` or `tg`.
        self.open = []

    @contextlib.contextmanager
    def scope(self, kind):
        slot = [None]
        self.open.append((kind, slot))
        try:
            yield slot
        finally:
            self.open.pop()

    def innermost(self, kind, where):
        slot = next((s for k, s in reversed(self.open) if k == kind), None)
        _check(slot is not None, where, f"not inside a {kind} step")
        return slot

    def block(self, steps, where):
        _check(isinstance(steps, list), where, "expected a list of steps")
        return tuple(self.step(step, f"{where}[{i}]") for i, step in enumerate(steps))

    def step(self, step, where):
        _check(isinstance(step, dict), where, "a step must be an object")
        # The discriminating key is the first one in the spec's table order.
        kind = next((k for k in _STEP_KINDS if k in step), None)
        _check(kind is not None, where, f"no step kind among keys {sorted(step)}")
        return _STEP_KINDS[kind](self, step, f"{where}.{kind}")

    def child(self, child, where):
        if isinstance(child, list):
            return _Child(None, self.block(child, where), None)
        _check(isinstance(child, dict) and "body" in child, where,
               "a child is a block or {\"name\": ..., \"body\": [...], \"eager_start\": ...}")
        name = child.get("name")
        _check(name is None or isinstance(name, str), where, "a child's name must be a string")
        eager_start = _optional(child, "eager_start", where, lambda v: type(v) is bool, None,
                                "true or false")
        _check(eager_start is None or _HAS_EAGER_START, f"{where}.eager_start",
               "create_task() has no eager_start parameter before Python 3.14"
               f" (this is {platform.python_version()}, where it raises TypeError)")
        return _Child(name, self.block(child["body"], f"{where}.body"), eager_start)

    def children(self, children, where):
        _check(isinstance(children, list), where, "expected a list of children")
        return tuple(self.child(child, f"{where}[{i}]") for i, child in enumerate(children))

    def kinds(self, names, where, allow_group=True):
        _check(isinstance(names, list), where, "kinds must be a list")
        for name in names:
            _check(isinstance(name, str) and name.isidentifier(), where, f"bad kind {name!r}")
            _check(allow_group or name != "ExceptionGroup", where,
                   "ExceptionGroup is not allowed in except*")
        return tuple(_kind(name) for name in names)

    def clauses(self, clauses, where, allow_group=True):
        _check(isinstance(clauses, list), where, "expected a list of clauses")
        compiled = []
        for i, clause in enumerate(clauses):
            at = f"{where}[{i}]"
            _check(isinstance(clause, dict), at, "a clause must be an object")
            compiled.append((self.kinds(clause.get("kinds"), f"{at}.kinds", allow_group),
                             self.block(clause.get("do", []), f"{at}.do")))
        return compiled


def _optional(step, key, where, is_valid, default, what):
    value = step.get(key, _ABSENT)
    if value is _ABSENT:
        return default
    _check(is_valid(value), f"{where}.{key}", f"expected {what}")
    return value


def _flag(step, key, where):
    return _optional(step, key, where, lambda v: type(v) is bool, False, "true or false")


def _optional_ticks(step, key, where):
    return _optional(step, key, where, lambda v: v is None or _is_int(v), None,
                     "an integer or null")


def _compile_sleep(c, step, where):
    _check(_is_int(step["sleep"]), where, "expected an integer")
    return _Run._sleep, (step["sleep"],)


def _compile_raise(c, step, where):
    name = step["raise"]
    _check(isinstance(name, str) and name.isidentifier(), where, "expected an exception kind")
    _check(name not in _NOT_RAISABLE, where, f"{name} cannot be raised")
    return _Run._raise, (_kind(name),)


def _task_name_step(run_step, key):
    def compile_step(c, step, where):
        _check(isinstance(step[key], str), where, "expected a task name")
        return run_step, (step[key],)
    return compile_step


def _compile_gather(c, step, where):
    return _Run._gather, (c.children(step["gather"], where),
                          _flag(step, "return_exceptions", where))


def _task_names(step, key, where):
    names = step[key]
    _check(isinstance(names, list) and all(isinstance(n, str) for n in names), where,
           "expected a list of task names")
    return tuple(names)


def _compile_gather_tasks(c, step, where):
    return _Run._gather_tasks, (_task_names(step, "gather_tasks", where),
                                _flag(step, "return_exceptions", where))


def _compile_wait_tasks(c, step, where):
    names = _task_names(step, "wait_tasks", where)
    _check(names, where, "wait_tasks needs at least one task")
    return_when = _optional(step, "return_when", where, lambda v: v in _RETURN_WHEN,
                            "ALL_COMPLETED", f"one of {', '.join(_RETURN_WHEN)}")
    return _Run._wait_tasks, (names, return_when, _optional_ticks(step, "timeout", where),
                              _flag(step, "cancel_pending", where))


def _compile_task_group(c, step, where):
    with c.scope("task_group") as slot:
        return _Run._task_group, (c.children(step["task_group"], where),
                                  c.block(step.get("then", []), f"{where}.then"), slot)


def _compile_wait(c, step, where):
    children = c.children(step["wait"], where)
    _check(children, where, "wait needs at least one child")
    return_when = _optional(step, "return_when", where, lambda v: v in _RETURN_WHEN,
                            "ALL_COMPLETED", f"one of {', '.join(_RETURN_WHEN)}")
    return _Run._wait, (children, return_when, _optional_ticks(step, "timeout", where),
                        _flag(step, "cancel_pending", where))


def _compile_as_completed(c, step, where):
    children = c.children(step["as_completed"], where)
    take = _optional(step, "take", where, lambda v: _is_int(v) and v >= 0, len(children),
                     "a non-negative integer")
    return _Run._as_completed, (children, take, _optional_ticks(step, "timeout", where),
                                _flag(step, "skip_errors", where),
                                _flag(step, "cancel_rest", where))


def _compile_timeout(c, step, where):
    _check(_is_int(step["timeout"]), where, "expected an integer")
    with c.scope("timeout") as slot:
        return _Run._timeout, (step["timeout"], c.block(step.get("body", []), f"{where}.body"),
                               slot)


def _compile_acquire(c, step, where):
    name = step["acquire"]
    _check(isinstance(name, str) and name in c.semaphores, where, f"no semaphore {name!r}")
    return _Run._acquire, (name, c.block(step.get("body", []), f"{where}.body"))


def _future_name(c, step, key, where):
    name = step[key]
    _check(isinstance(name, str) and name in c.futures, where, f"no future {name!r}")
    return name


def _compile_future_set(c, step, where):
    return _Run._future_set, (_future_name(c, step, "future_set", where), step.get("value"))


def _compile_future_fail(c, step, where):
    name = _future_name(c, step, "future_fail", where)
    kind = step.get("error")
    _check(isinstance(kind, str) and kind not in _NOT_RAISABLE + ("CancelledError",),
           f"{where}.error", "expected an exception kind other than CancelledError")
    return _Run._future_fail, (name, _kind(kind))


def _compile_release(c, step, where):
    name = step["release"]
    _check(isinstance(name, str) and name in c.semaphores, where, f"no semaphore {name!r}")
    return _Run._release, (name,)


def _event_step(function, key):
    def compile_step(c, step, where):
        name = step[key]
        _check(isinstance(name, str) and name in c.events, where, f"no event {name!r}")
        return function, (name,)
    return compile_step


def _compile_repr(c, step, where):
    of = step["repr"]
    if of in ("timeout", "task_group"):
        return _Run._repr, (of, c.innermost(of, where))
    _check(isinstance(of, dict) and len(of) == 1, where,
           'expected "timeout", "task_group", {"semaphore": NAME} or {"event": NAME}')
    (kind, name), = of.items()
    declared = {"semaphore": c.semaphores, "event": c.events}.get(kind)
    _check(declared is not None and name in declared, f"{where}.{kind}", f"no {kind} {name!r}")
    return _Run._repr, (kind, name)


def _compile_reschedule(c, step, where):
    ticks = step["reschedule"]
    _check(ticks is None or (_is_int(ticks) and ticks >= 0), where,
           "expected a non-negative integer or null")
    return _Run._reschedule, (c.innermost("timeout", where), ticks)


def _compile_try(c, step, where):
    return _Run._try, (c.block(step["try"], where),
                       c.block(step.get("finally", []), f"{where}.finally"),
                       c.clauses(step.get("except", []), f"{where}.except"))


def _compile_try_star(c, step, where):
    body = c.block(step["try_star"], where)
    final = c.block(step.get("finally", []), f"{where}.finally")
    clauses = c.clauses(step.get("except_star", []), f"{where}.except_star", allow_group=False)
    _check(len(clauses) <= 3, where, "at most 3 except* clauses")
    if not clauses:
        return _Run._try, (body, final, ())  # no handler: a plain try/finally
    return _TRY_STAR[len(clauses)], (body, final, *(x for clause in clauses for x in clause))


# Step kind -> compiler(c, step, where), which returns (step function,
# arguments); c is the _Compiler, where the step's path for messages. In the
# order of the spec's table: a step's kind is the first of these keys it has.
_STEP_KINDS = {
    "sleep": _compile_sleep,
    "return": lambda c, step, where: (_Run._return, (step["return"],)),
    "raise": _compile_raise,
    "hang": lambda c, step, where: (_Run._hang, ()),
    "spawn": lambda c, step, where: (_Run._spawn, (c.child(step["spawn"], where),)),
    "await": _task_name_step(_Run._await, "await"),
    "cancel": _task_name_step(_Run._cancel, "cancel"),
    "uncancel": lambda c, step, where: (_Run._uncancel, ()),
    "gather": _compile_gather,
    "task_group": _compile_task_group,
    "wait": _compile_wait,
    "as_completed": _compile_as_completed,
    # Before "timeout", which is also their option: the first kind present wins.
    "gather_tasks": _compile_gather_tasks,
    "wait_tasks": _compile_wait_tasks,
    "timeout": _compile_timeout,
    "shield": lambda c, step, where: (_Run._shield, (c.child(step["shield"], where),)),
    "acquire": _compile_acquire,
    "try": _compile_try,
    "try_star": _compile_try_star,
    "event_set": _event_step(_Run._event_set, "event_set"),
    "event_wait": _event_step(_Run._event_wait, "event_wait"),
    "event_clear": _event_step(_Run._event_clear, "event_clear"),
    "release": _compile_release,
    "future_set": _compile_future_set,
    "future_fail": _compile_future_fail,
    "future_cancel": lambda c, step, where: (
        _Run._future_cancel, (_future_name(c, step, "future_cancel", where),)),
    "await_future": lambda c, step, where: (
        _Run._await_future, (_future_name(c, step, "await_future", where),)),
    "repr": _compile_repr,
    "reschedule": _compile_reschedule,
    "reraise": lambda c, step, where: (_Run._reraise, ()),
}


def _takes_eager_start(function):
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == "eager_start" or p.kind is p.VAR_KEYWORD for p in parameters)


# create_task(..., eager_start=...): asyncio.create_task, loop.create_task and
# TaskGroup.create_task all pass it on to the task (3.14+); before, they take
# only name and context.
_HAS_EAGER_START = all(map(_takes_eager_start, (asyncio.create_task,
                                                asyncio.BaseEventLoop.create_task,
                                                asyncio.TaskGroup.create_task)))
# asyncio.create_eager_task_factory (3.12+).
_HAS_EAGER_TASK_FACTORY = hasattr(asyncio, "create_eager_task_factory")


def compile_scenario(scenario):
    """A parsed scenario -> Program; raises Invalid."""
    _check(isinstance(scenario, dict), "scenario", "expected an object")
    _check("main" in scenario, "scenario", "missing main")
    task_factory = _optional(scenario, "task_factory", "scenario", lambda v: v in (None, "eager"),
                             None, '"eager" or null')
    _check(task_factory is None or _HAS_EAGER_TASK_FACTORY, "scenario.task_factory",
           "asyncio.eager_task_factory is new in Python 3.12"
           f" (this is {platform.python_version()})")
    declared = scenario.get("semaphores", {})
    _check(isinstance(declared, dict), "semaphores", "expected an object")
    semaphores = {}   # name -> (initial value, bounded)
    for name, capacity in declared.items():
        bounded = False
        if isinstance(capacity, dict):
            _check(set(capacity) <= {"value", "bounded"} and "value" in capacity,
                   f"semaphores.{name}", 'expected {"value": N, "bounded": B}')
            bounded = capacity.get("bounded", False)
            _check(type(bounded) is bool, f"semaphores.{name}.bounded", "expected true or false")
            capacity = capacity["value"]
        _check(_is_int(capacity) and capacity >= 0, f"semaphores.{name}",
               "expected a non-negative integer")
        semaphores[name] = (capacity, bounded)
    events = scenario.get("events", [])
    _check(isinstance(events, list) and all(isinstance(e, str) for e in events)
           and len(set(events)) == len(events), "events", "expected a list of distinct names")
    futures = scenario.get("futures", [])
    _check(isinstance(futures, list) and all(isinstance(f, str) for f in futures)
           and len(set(futures)) == len(futures), "futures", "expected a list of distinct names")
    try:
        main = _Compiler(semaphores, events, futures).block(scenario["main"], "main")
    except RecursionError:
        raise Invalid("main: nested too deeply") from None
    return Program(semaphores, main, task_factory, events, futures)


def load_scenario(text):
    """Scenario JSON text -> Program; raises Invalid."""
    try:
        scenario = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"not JSON: {exc}") from None
    return compile_scenario(scenario)


def run_program(program, native_sets=False):
    """Run a Program and return its outcome as a dict, keys in the spec's order."""
    if native_sets:
        run = _Run(program, asyncio.TaskGroup, asyncio.as_completed)
    else:
        run = _Run(program, _OrderedTaskGroup, _ordered_as_completed)
    try:
        return run.execute()
    finally:
        run.discard()


def run_scenario(scenario, native_sets=False):
    """Parsed scenario JSON -> outcome dict; raises Invalid."""
    return run_program(compile_scenario(scenario), native_sets)


def _dumps(outcome):
    return json.dumps(outcome, separators=(",", ":"))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run a simloop scenario on CPython asyncio with a virtual clock.")
    parser.add_argument("scenario",
                        help="a scenario JSON file, or - for one scenario per stdin line")
    parser.add_argument("--native-sets", action="store_true",
                        help="leave the task sets of TaskGroup and as_completed plain sets"
                             " (address order) instead of pinning them to creation order")
    args = parser.parse_args(argv)

    if args.scenario == "-":
        for line in sys.stdin:
            try:
                outcome = run_program(load_scenario(line), args.native_sets)
            except Invalid as exc:
                outcome = {"invalid": str(exc)}
            print(_dumps(outcome), flush=True)
        return 0

    try:
        with open(args.scenario, encoding="utf-8") as f:
            outcome = run_program(load_scenario(f.read()), args.native_sets)
    except (OSError, UnicodeDecodeError, Invalid) as exc:
        print(f"simloop_ref: {args.scenario}: {exc}", file=sys.stderr)
        return 2
    print(_dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
