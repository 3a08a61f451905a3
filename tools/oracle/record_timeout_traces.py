"""Records CPython's loop operations for the test_timeouts.py ports
(crates/simloop-asyncio/tests/timeouts.rs): the test bodies on integer ticks
(1 s = 1000 ticks).

Usage as record_taskgroup_traces.py (see README.md).
"""
import asyncio
import sys
import ops_tracer

CE = asyncio.CancelledError
T = {}


def test(f):
    T[f.__name__] = f
    return f


def obs(**kw):
    for k, v in kw.items():
        print(f"# {k}={v}")


def exc_name(f):
    """Run-and-catch helper for sync code."""
    try:
        f()
    except BaseException as e:
        return f"{type(e).__name__}: {e}"
    return None


@test
async def timeout_basic():
    try:
        async with asyncio.timeout(10) as cm:
            await asyncio.sleep(10000)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(expired=cm.expired(), time=asyncio.get_running_loop().time())


@test
async def timeout_at_basic():
    loop = asyncio.get_running_loop()
    try:
        deadline = loop.time() + 10
        async with asyncio.timeout_at(deadline) as cm:
            await asyncio.sleep(10000)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(expired=cm.expired(), when=cm.when(), deadline=deadline)


@test
async def nested_timeouts():
    loop = asyncio.get_running_loop()
    cancelled = False
    try:
        deadline = loop.time() + 10
        async with asyncio.timeout_at(deadline) as cm1:
            try:
                async with asyncio.timeout_at(deadline) as cm2:
                    await asyncio.sleep(10000)
            except CE:
                cancelled = True
                raise
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(cancelled=cancelled, e1=cm1.expired(), e2=cm2.expired())


@test
async def waiter_cancelled():
    cancelled = False
    try:
        async with asyncio.timeout(10):
            try:
                await asyncio.sleep(10000)
            except CE:
                cancelled = True
                raise
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(cancelled=cancelled)


@test
async def timeout_not_called():
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10000) as cm:
        await asyncio.sleep(10)
    t1 = loop.time()
    obs(expired=cm.expired(), when=cm.when(), t1=t1)


@test
async def timeout_disabled():
    async with asyncio.timeout(None) as cm:
        await asyncio.sleep(10)
    obs(expired=cm.expired(), when=cm.when())


@test
async def timeout_at_disabled():
    async with asyncio.timeout_at(None) as cm:
        await asyncio.sleep(10)
    obs(expired=cm.expired(), when=cm.when())


@test
async def timeout_zero():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout(0) as cm:
            await asyncio.sleep(10000)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(expired=cm.expired(), t0=t0, when=cm.when(), t1=loop.time())


@test
async def timeout_zero_sleep_zero():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout(0) as cm:
            await asyncio.sleep(0)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(expired=cm.expired(), t0=t0, when=cm.when(), t1=loop.time())


@test
async def timeout_in_the_past_sleep_zero():
    loop = asyncio.get_running_loop()
    await asyncio.sleep(20)  # so that a deadline 11 ticks in the past is >= 0
    t0 = loop.time()
    try:
        async with asyncio.timeout(-11) as cm:
            await asyncio.sleep(0)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(expired=cm.expired(), t0=t0, when=cm.when(), t1=loop.time())


@test
async def foreign_exception_passed():
    try:
        async with asyncio.timeout(10) as cm:
            raise KeyError
    except KeyError:
        obs(raised="KeyError")
    obs(expired=cm.expired())


@test
async def foreign_exception_on_timeout():
    async def crash():
        try:
            await asyncio.sleep(1000)
        finally:
            raise ZeroDivisionError()
    try:
        async with asyncio.timeout(10):
            await crash()
    except ZeroDivisionError:
        obs(raised="ZeroDivisionError")


@test
async def foreign_exception_on_timeout_2():
    try:
        async with asyncio.timeout(10):
            try:
                try:
                    raise ValueError
                finally:
                    await asyncio.sleep(1000)
            finally:
                try:
                    raise KeyError
                finally:
                    raise ZeroDivisionError()
    except ZeroDivisionError:
        obs(raised="ZeroDivisionError")


@test
async def foreign_cancel_doesnt_timeout_if_not_expired():
    try:
        async with asyncio.timeout(10000) as cm:
            asyncio.current_task().cancel()
            await asyncio.sleep(10000)
    except CE:
        obs(raised="CancelledError")
    obs(expired=cm.expired())


@test
async def outer_task_is_not_cancelled():
    async def outer():
        try:
            async with asyncio.timeout(1):
                await asyncio.sleep(10000)
        except TimeoutError:
            obs(raised="TimeoutError")
    task = asyncio.create_task(outer(), name="outer")
    await task
    obs(cancelled=task.cancelled(), done=task.done())


@test
async def reschedule():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    deadline1 = loop.time() + 10000
    deadline2 = deadline1 + 20000

    async def f():
        async with asyncio.timeout_at(deadline1) as cm:
            fut.set_result(cm)
            await asyncio.sleep(50000)

    task = asyncio.create_task(f(), name="f")
    cm = await fut
    obs(when1=cm.when())
    cm.reschedule(deadline2)
    obs(when2=cm.when())
    cm.reschedule(None)
    obs(when3=cm.when())
    task.cancel()
    try:
        await task
    except CE:
        obs(raised="CancelledError")
    obs(expired=cm.expired())


@test
async def repr_active():
    async with asyncio.timeout(10000) as cm:
        obs(repr=repr(cm))


@test
async def repr_expired():
    try:
        async with asyncio.timeout(10) as cm:
            await asyncio.sleep(10000)
    except TimeoutError:
        pass
    obs(repr=repr(cm))


@test
async def repr_finished():
    async with asyncio.timeout(10000) as cm:
        await asyncio.sleep(0)
    obs(repr=repr(cm))


@test
async def repr_disabled():
    async with asyncio.timeout(None) as cm:
        obs(repr=repr(cm))


@test
async def nested_timeout_in_finally():
    try:
        async with asyncio.timeout(10):
            try:
                await asyncio.sleep(1000)
            finally:
                try:
                    async with asyncio.timeout(10):
                        await asyncio.sleep(10000)
                except TimeoutError:
                    obs(inner="TimeoutError")
    except TimeoutError:
        obs(outer="TimeoutError")


@test
async def timeout_after_cancellation():
    try:
        asyncio.current_task().cancel()
        await asyncio.sleep(1000)
    except CE:
        pass
    finally:
        try:
            async with asyncio.timeout(0):
                await asyncio.sleep(1000)
        except TimeoutError:
            obs(raised="TimeoutError")
    obs(cancelling=asyncio.current_task().cancelling())


@test
async def cancel_in_timeout_after_cancellation():
    try:
        asyncio.current_task().cancel()
        await asyncio.sleep(1000)
    except CE:
        pass
    finally:
        try:
            async with asyncio.timeout(1000):
                asyncio.current_task().cancel()
                await asyncio.sleep(2000)
        except CE:
            obs(raised="CancelledError")
    obs(cancelling=asyncio.current_task().cancelling())


@test
async def timeout_exception_cause():
    try:
        async with asyncio.timeout(0):
            await asyncio.sleep(1000)
    except TimeoutError as e:
        obs(cause=type(e.__cause__).__name__)


@test
async def timeout_already_entered():
    async with asyncio.timeout(10) as cm:
        try:
            async with cm:
                pass
        except RuntimeError as e:
            obs(err=str(e))


@test
async def timeout_double_enter():
    async with asyncio.timeout(10) as cm:
        pass
    try:
        async with cm:
            pass
    except RuntimeError as e:
        obs(err=str(e))


@test
async def timeout_finished():
    async with asyncio.timeout(10) as cm:
        pass
    obs(err=exc_name(lambda: cm.reschedule(20)))


@test
async def timeout_expired():
    try:
        async with asyncio.timeout(10) as cm:
            await asyncio.sleep(1000)
    except TimeoutError:
        pass
    obs(err=exc_name(lambda: cm.reschedule(20)))


@test
async def timeout_expiring():
    async with asyncio.timeout(10) as cm:
        try:
            await asyncio.sleep(1000)
        except CE:
            obs(raised="CancelledError")
        obs(err=exc_name(lambda: cm.reschedule(20)))
    obs(cancelling=asyncio.current_task().cancelling())


@test
async def timeout_not_entered():
    cm = asyncio.timeout(10)
    obs(err=exc_name(lambda: cm.reschedule(20)))


@test
async def timeout_exception_context():
    try:
        async with asyncio.timeout(10):
            try:
                raise ZeroDivisionError()
            finally:
                await asyncio.sleep(1000)
    except TimeoutError:
        obs(raised="TimeoutError")


@test
async def timeout_taskgroup():
    async def task():
        try:
            await asyncio.sleep(2000)
        finally:
            raise ZeroDivisionError()
    try:
        async with asyncio.timeout(10):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(task(), name="task")
                try:
                    raise ValueError
                finally:
                    await asyncio.sleep(1000)
    except ExceptionGroup as eg:
        obs(eg=ops_tracer.show(eg))
    obs(cancelling=asyncio.current_task().cancelling())
    # the 3.13 TaskGroup re-arms the cancel; the timeout's uncancel to 0 withdraws it
    await asyncio.sleep(0)
    obs(after="not cancelled")


@test
async def timeout_in_taskgroup_child():
    # not a CPython test: a timeout inside a group's child, expiring while the group waits
    async def child():
        async with asyncio.timeout(10):
            await asyncio.sleep(100)
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child(), name="child")
    except ExceptionGroup as eg:
        obs(eg=ops_tracer.show(eg))


@test
async def reschedule_to_past():
    # not a CPython test: reschedule to a due deadline uses call_soon
    async with asyncio.timeout(1000) as cm:
        await asyncio.sleep(5)
        cm.reschedule(asyncio.get_running_loop().time())
        try:
            await asyncio.sleep(1000)
        except CE:
            obs(raised="CancelledError")
            raise


if __name__ == "__main__":
    ops_tracer.main(T)
