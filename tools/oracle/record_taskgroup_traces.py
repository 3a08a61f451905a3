"""Records CPython's loop operations for the test_taskgroups.py ports
(crates/simloop-asyncio/tests/taskgroups.rs): the test bodies on integer ticks
(1 s = 1000 ticks), every task named.

Usage (see README.md): record_taskgroup_traces.py TEST   prints the trace
(ops_tracer) and '# key=value' observations; --list prints the test names.
write_trace_files.py taskgroups writes them to the tests' data files.
"""
import asyncio
import contextlib
import sys
import ops_tracer

TG = asyncio.TaskGroup
CE = asyncio.CancelledError
V = sys.version_info[:2]


class MyExc(Exception): pass
class MyBaseExc(BaseException): pass
class CustomException(Exception): pass


def types(eg):
    return sorted({type(e).__name__ for e in eg.exceptions})


def obs(**kw):
    for k, v in kw.items():
        print(f"# {k}={v}")


T = {}


def test(f):
    T[f.__name__] = f
    return f


@test
async def taskgroup_01():
    async def foo1():
        await asyncio.sleep(100); return 42
    async def foo2():
        await asyncio.sleep(200); return 11
    async with TG() as g:
        t1 = g.create_task(foo1(), name="t1")
        t2 = g.create_task(foo2(), name="t2")
    obs(t1=t1.result(), t2=t2.result())


@test
async def taskgroup_02():
    async def foo1():
        await asyncio.sleep(100); return 42
    async def foo2():
        await asyncio.sleep(200); return 11
    async with TG() as g:
        t1 = g.create_task(foo1(), name="t1")
        await asyncio.sleep(150)
        t2 = g.create_task(foo2(), name="t2")
    obs(t1=t1.result(), t2=t2.result())


@test
async def taskgroup_03():
    async def foo1():
        await asyncio.sleep(1000); return 42
    async def foo2():
        await asyncio.sleep(200); return 11
    async with TG() as g:
        t1 = g.create_task(foo1(), name="t1")
        await asyncio.sleep(150)
        t1.cancel()
        t2 = g.create_task(foo2(), name="t2")
    obs(t1_cancelled=t1.cancelled(), t2=t2.result())


@test
async def taskgroup_04():
    NUM = 0; t2_cancel = False; t2 = None
    async def foo1():
        await asyncio.sleep(100); raise ZeroDivisionError()
    async def foo2():
        nonlocal NUM, t2_cancel
        try:
            await asyncio.sleep(1000)
        except CE:
            t2_cancel = True; raise
        NUM += 1
    async def runner():
        nonlocal NUM, t2
        async with TG() as g:
            g.create_task(foo1(), name="foo1")
            t2 = g.create_task(foo2(), name="foo2")
        NUM += 10
    try:
        await asyncio.create_task(runner(), name="runner")
    except ExceptionGroup as e:
        obs(types=types(e))
    obs(NUM=NUM, t2_cancel=t2_cancel, t2_cancelled=t2.cancelled())


@test
async def cancel_children_on_child_error():
    NUM = 0; t2_cancel = False; runner_cancel = False
    async def foo1():
        await asyncio.sleep(100); raise ZeroDivisionError()
    async def foo2():
        nonlocal NUM, t2_cancel
        try:
            await asyncio.sleep(5000)
        except CE:
            t2_cancel = True; raise
        NUM += 1
    async def runner():
        nonlocal NUM, runner_cancel
        async with TG() as g:
            g.create_task(foo1(), name="a")
            g.create_task(foo1(), name="b")
            g.create_task(foo1(), name="c")
            g.create_task(foo2(), name="d")
            try:
                await asyncio.sleep(10000)
            except CE:
                runner_cancel = True; raise
        NUM += 10
    try:
        await asyncio.create_task(runner(), name="runner")
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(NUM=NUM, t2_cancel=t2_cancel, runner_cancel=runner_cancel)


@test
async def cancellation():
    NUM = 0
    async def foo():
        nonlocal NUM
        try:
            await asyncio.sleep(5000)
        except CE:
            NUM += 1; raise
    async def runner():
        async with TG() as g:
            for i in range(5):
                g.create_task(foo(), name=f"foo{i}")
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except CE:
        obs(r="cancelled")
    obs(NUM=NUM)


@test
async def taskgroup_07():
    NUM = 0
    async def foo():
        nonlocal NUM
        try:
            await asyncio.sleep(5000)
        except CE:
            NUM += 1; raise
    async def runner():
        nonlocal NUM
        async with TG() as g:
            for i in range(5):
                g.create_task(foo(), name=f"foo{i}")
            try:
                await asyncio.sleep(10000)
            except CE:
                NUM += 10; raise
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except CE:
        obs(r="cancelled")
    obs(NUM=NUM)


async def _crash_in_finally():
    try:
        await asyncio.sleep(10000)
    finally:
        raise ZeroDivisionError()


@test
async def taskgroup_08():
    async def runner():
        async with TG() as g:
            for i in range(5):
                g.create_task(_crash_in_finally(), name=f"foo{i}")
            await asyncio.sleep(10000)
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_09():
    t1 = t2 = None
    async def foo1():
        await asyncio.sleep(1000); return 42
    async def foo2():
        await asyncio.sleep(2000); return 11
    async def runner():
        nonlocal t1, t2
        async with TG() as g:
            t1 = g.create_task(foo1(), name="t1")
            t2 = g.create_task(foo2(), name="t2")
            await asyncio.sleep(100)
            raise ZeroDivisionError()
    try:
        await runner()
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(t1=t1.cancelled(), t2=t2.cancelled())


@test
async def taskgroup_10():
    t1 = t2 = None
    async def foo1():
        await asyncio.sleep(1000); return 42
    async def foo2():
        await asyncio.sleep(2000); return 11
    async def runner():
        nonlocal t1, t2
        async with TG() as g:
            t1 = g.create_task(foo1(), name="t1")
            t2 = g.create_task(foo2(), name="t2")
            raise ZeroDivisionError()
    try:
        await runner()
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(t1=t1.cancelled(), t2=t2.cancelled())


@test
async def taskgroup_11():
    async def runner():
        async with TG():
            async with TG() as g2:
                for i in range(5):
                    g2.create_task(_crash_in_finally(), name=f"foo{i}")
                await asyncio.sleep(10000)
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_12():
    async def runner():
        async with TG() as g1:
            g1.create_task(asyncio.sleep(10000), name="sleeper")
            async with TG() as g2:
                for i in range(5):
                    g2.create_task(_crash_in_finally(), name=f"foo{i}")
                await asyncio.sleep(10000)
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


async def _crash_after(t):
    await asyncio.sleep(t)
    raise ValueError()


@test
async def taskgroup_13():
    async def runner():
        async with TG() as g1:
            g1.create_task(_crash_after(100), name="c1")
            async with TG() as g2:
                g2.create_task(_crash_after(10000), name="c2")
    r = asyncio.create_task(runner(), name="runner")
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_14():
    async def runner():
        async with TG() as g1:
            g1.create_task(_crash_after(10000), name="c1")
            async with TG() as g2:
                g2.create_task(_crash_after(100), name="c2")
    r = asyncio.create_task(runner(), name="runner")
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


async def _crash_soon():
    await asyncio.sleep(300)
    raise ZeroDivisionError()


@test
async def taskgroup_15():
    async def runner():
        async with TG() as g1:
            g1.create_task(_crash_soon(), name="crash")
            try:
                await asyncio.sleep(10000)
            except CE:
                await asyncio.sleep(500)
                raise
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_16():
    async def nested_runner():
        async with TG() as g1:
            g1.create_task(_crash_soon(), name="crash")
            try:
                await asyncio.sleep(10000)
            except CE:
                await asyncio.sleep(500)
                raise
    async def runner():
        t = asyncio.create_task(nested_runner(), name="nested")
        await t
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_17():
    NUM = 0
    async def runner():
        nonlocal NUM
        async with TG():
            try:
                await asyncio.sleep(10000)
            except CE:
                NUM += 10; raise
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except CE:
        obs(r="cancelled")
    obs(NUM=NUM)


@test
async def taskgroup_18():
    NUM = 0
    async def runner():
        nonlocal NUM
        async with TG():
            try:
                await asyncio.sleep(10000)
            except CE:
                NUM += 10
                raise MyExc()
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(100)
    assert not r.done()
    r.cancel()
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(NUM=NUM)


async def _crash_soon_100():
    await asyncio.sleep(100)
    raise ZeroDivisionError()


def _nested_raising(exc):
    async def nested():
        try:
            await asyncio.sleep(10000)
        finally:
            raise exc()
    return nested


@test
async def taskgroup_19():
    async def runner():
        async with TG() as g:
            g.create_task(_crash_soon_100(), name="crash")
            await _nested_raising(MyExc)()
    r = asyncio.create_task(runner(), name="runner")
    try:
        await r
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_20():
    async def runner():
        async with TG() as g:
            g.create_task(_crash_soon_100(), name="crash")
            await _nested_raising(KeyboardInterrupt)()
    try:
        await runner()
    except KeyboardInterrupt:
        obs(raised="KeyboardInterrupt")


@test
async def taskgroup_20a():
    async def runner():
        async with TG() as g:
            g.create_task(_crash_soon_100(), name="crash")
            await _nested_raising(MyBaseExc)()
    try:
        await runner()
    except BaseExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_21a():
    async def crash_soon():
        await asyncio.sleep(100)
        raise MyBaseExc()
    async def runner():
        async with TG() as g:
            g.create_task(crash_soon(), name="crash")
            await _nested_raising(TypeError)()
    try:
        await runner()
    except BaseExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def taskgroup_22():
    async def foo1():
        await asyncio.sleep(1000); return 42
    async def foo2():
        await asyncio.sleep(2000); return 11
    async def runner():
        async with TG() as g:
            g.create_task(foo1(), name="t1")
            g.create_task(foo2(), name="t2")
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(50)
    r.cancel()
    try:
        await r
    except CE:
        obs(r="cancelled")


@test
async def taskgroup_23():
    async def do_job(delay):
        await asyncio.sleep(delay)
    async with TG() as g:
        for count in range(10):
            await asyncio.sleep(100)
            g.create_task(do_job(300), name=f"job{count}")
            if count == 5:
                obs(len_at_5=len(g._tasks))
        await asyncio.sleep(1350)
        obs(len_end=len(g._tasks))


@test
async def taskgroup_24():
    async def root(g):
        await asyncio.sleep(100)
        g.create_task(coro1(100), name="c1")
        g.create_task(coro1(200), name="c2")
    async def coro1(delay):
        await asyncio.sleep(delay)
    async def runner():
        async with TG() as g:
            g.create_task(root(g), name="root")
    await runner()


@test
async def taskgroup_25():
    nhydras = 0
    async def hydra(g):
        nonlocal nhydras
        nhydras += 1
        await asyncio.sleep(10)
        g.create_task(hydra(g), name=f"hydra{nhydras}a")
        g.create_task(hydra(g), name=f"hydra{nhydras}b")
    async def hercules():
        while nhydras < 10:
            await asyncio.sleep(15)
        raise ZeroDivisionError()
    async def runner():
        async with TG() as g:
            g.create_task(hydra(g), name="hydra")
            g.create_task(hercules(), name="hercules")
    try:
        await runner()
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(nhydras=nhydras)


@test
async def taskgroup_task_name():
    async def coro():
        await asyncio.sleep(0)
    async with TG() as g:
        t = g.create_task(coro(), name="yolo")
        obs(name=t.get_name())


@test
async def no_create_task_after_failure():
    async def coro1():
        await asyncio.sleep(1)
        raise ZeroDivisionError()
    async def coro2(g):
        try:
            await asyncio.sleep(1000)
        except CE:
            c1 = coro1()
            try:
                g.create_task(c1, name="late")
            except RuntimeError as e:
                obs(err=str(e))
            if V < (3, 13):
                try:
                    await c1
                except ZeroDivisionError:
                    obs(c1="ZeroDivisionError")
            else:
                c1.close()
    try:
        async with TG() as g:
            g.create_task(coro1(), name="c1")
            g.create_task(coro2(g), name="c2")
    except ExceptionGroup as e:
        obs(eg=ops_tracer.show(e))


@test
async def context_manager_exit_raises():
    async def raise_exc():
        raise CustomException()

    @contextlib.asynccontextmanager
    async def database():
        try:
            yield
        finally:
            raise CustomException()

    async def main():
        task = asyncio.current_task()
        try:
            async with TG() as tg:
                async with database():
                    tg.create_task(raise_exc(), name="raise_exc")
                    await asyncio.sleep(1000)
        except* CustomException as err:
            obs(cancelling=task.cancelling(), n=len(err.exceptions))
        else:
            obs(fail="not raised")

    await asyncio.create_task(main(), name="inner_main")


@test
async def already_entered():
    tg = TG()
    async with tg:
        try:
            async with tg:
                pass
        except RuntimeError as e:
            obs(err=str(e))


@test
async def double_enter():
    tg = TG()
    async with tg:
        pass
    try:
        async with tg:
            pass
    except RuntimeError as e:
        obs(err=str(e))


@test
async def finished():
    tg = TG()
    async with tg:
        pass
    coro = asyncio.sleep(0)
    try:
        tg.create_task(coro)
    except RuntimeError as e:
        obs(err=str(e))
    coro.close()


@test
async def not_entered():
    tg = TG()
    coro = asyncio.sleep(0)
    try:
        tg.create_task(coro)
    except RuntimeError as e:
        obs(err=str(e))
    coro.close()


@test
async def cancelling_level_preserved():
    async def raise_after(t, e):
        await asyncio.sleep(t)
        raise e()
    try:
        async with TG() as tg:
            tg.create_task(raise_after(0, RuntimeError), name="r")
    except* RuntimeError:
        pass
    obs(cancelling=asyncio.current_task().cancelling())


@test
async def nested_groups_both_cancelled():
    async def raise_after(t, e):
        await asyncio.sleep(t)
        raise e()
    try:
        async with TG() as outer_tg:
            try:
                async with TG() as inner_tg:
                    inner_tg.create_task(raise_after(0, RuntimeError), name="inner_r")
                    outer_tg.create_task(raise_after(0, ValueError), name="outer_v")
            except* RuntimeError:
                pass
            else:
                obs(fail="RuntimeError not raised")
            obs(cancelling_inside=asyncio.current_task().cancelling())
    except* ValueError:
        pass
    else:
        obs(fail="ValueError not raised")
    obs(cancelling_after=asyncio.current_task().cancelling())


@test
async def error_and_cancel():
    loop = asyncio.get_running_loop()
    event = loop.create_future()  # stands in for asyncio.Event: one waiter

    async def raise_error():
        event.set_result(True)
        await asyncio.sleep(0)
        raise RuntimeError()

    async def inner():
        try:
            async with TG() as tg:
                tg.create_task(raise_error(), name="raise_error")
                await asyncio.sleep(1000)
                obs(fail="Sleep in group should have been cancelled")
        except* RuntimeError:
            obs(in_handler=asyncio.current_task().cancelling())
        obs(after_group=asyncio.current_task().cancelling())
        await asyncio.sleep(1000)
        obs(reached="sleep after group not cancelled")

    async def outer():
        t = asyncio.create_task(inner(), name="inner")
        await event
        obs(before=t.cancelling())
        t.cancel()
        obs(after_cancel=t.cancelling())
        try:
            await t
            obs(t="returned")
        except CE:
            obs(t="CancelledError")
        obs(t_cancelled=t.cancelled())

    await outer()


@test
async def seed():
    class Boom(Exception): pass
    async def child():
        raise Boom()
    try:
        async with TG() as g:
            g.create_task(child(), name="main.0")
    finally:
        obs(cancelling=asyncio.current_task().cancelling())



@test
async def parent_cancelled_twice_while_exiting():
    # not a CPython test: the parent is cancelled twice while __aexit__ waits
    # for children that delay their exit after being cancelled
    async def stubborn(t):
        try:
            await asyncio.sleep(1000)
        except CE:
            await asyncio.sleep(t)
            raise
    async def runner():
        async with TG() as g:
            g.create_task(stubborn(30), name="s1")
            g.create_task(stubborn(50), name="s2")
    r = asyncio.create_task(runner(), name="runner")
    await asyncio.sleep(10)
    r.cancel()
    await asyncio.sleep(10)
    r.cancel()
    try:
        await r
    except CE:
        obs(r="cancelled", cancelling=r.cancelling())


@test
async def timeout_around_group():
    # not a CPython test: the deadline comes while __aexit__ waits
    async def child(t):
        await asyncio.sleep(t)
        return t
    try:
        async with asyncio.timeout(50):
            async with TG() as g:
                g.create_task(child(20), name="fast")
                g.create_task(child(100), name="slow")
    except TimeoutError:
        obs(raised="TimeoutError", cancelling=asyncio.current_task().cancelling())


@test
async def child_error_while_body_handles_cancel():
    # not a CPython test: two children fail in different passes; the second
    # error arrives while the group aborts
    async def fail(t, name):
        await asyncio.sleep(t)
        raise {"A": MyExc, "B": ValueError}[name]()
    async def slow_cleanup():
        try:
            await asyncio.sleep(1000)
        except CE:
            await asyncio.sleep(5)
            raise TypeError()
    try:
        async with TG() as g:
            g.create_task(fail(10, "A"), name="a")
            g.create_task(slow_cleanup(), name="slow")
            g.create_task(fail(12, "B"), name="b")
            await asyncio.sleep(1000)
    except BaseExceptionGroup as e:
        obs(eg=ops_tracer.show(e))
    obs(cancelling=asyncio.current_task().cancelling())


if __name__ == "__main__":
    ops_tracer.main(T)
