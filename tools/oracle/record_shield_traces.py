"""Records CPython's loop operations for the shield ports
(crates/simloop-asyncio/tests/shield.rs): test_tasks.py's shield tests, in a
task (run_briefly -> await asyncio.sleep(0)).

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


@test
async def shield_result():
    loop = asyncio.get_running_loop()
    inner = loop.create_future()
    outer = asyncio.shield(inner)
    inner.set_result(42)
    res = await outer
    obs(res=res)


@test
async def shield_exception():
    loop = asyncio.get_running_loop()
    inner = loop.create_future()
    outer = asyncio.shield(inner)
    await asyncio.sleep(0)
    exc = RuntimeError('expected')
    inner.set_exception(exc)
    await asyncio.sleep(0)
    obs(same=outer.exception() is exc)


@test
async def shield_cancel_inner():
    loop = asyncio.get_running_loop()
    inner = loop.create_future()
    outer = asyncio.shield(inner)
    await asyncio.sleep(0)
    inner.cancel()
    await asyncio.sleep(0)
    obs(outer_cancelled=outer.cancelled())


@test
async def shield_cancel_outer():
    loop = asyncio.get_running_loop()
    inner = loop.create_future()
    outer = asyncio.shield(inner)
    await asyncio.sleep(0)
    outer.cancel()
    await asyncio.sleep(0)
    obs(outer_cancelled=outer.cancelled(), callbacks=0 if outer._callbacks is None else len(outer._callbacks))
    # not in CPython's test: the inner's callback is gone, finishing it touches nothing
    inner.set_result(1)
    await asyncio.sleep(0)
    obs(outer_cancelled_after=outer.cancelled())


@test
async def shield_shortcut():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    fut.set_result(42)
    res = await asyncio.shield(fut)
    obs(res=res)


@test
async def shield_effect():
    loop = asyncio.get_running_loop()
    proof = 0
    waiter = loop.create_future()

    async def inner():
        nonlocal proof
        await waiter
        proof += 1

    async def outer():
        nonlocal proof
        await asyncio.shield(asyncio.create_task(inner(), name="inner"))
        proof += 100

    f = asyncio.create_task(outer(), name="outer")
    await asyncio.sleep(0)
    f.cancel()
    try:
        await f
    except CE:
        obs(f="cancelled")
    waiter.set_result(None)
    await asyncio.sleep(0)
    obs(proof=proof)


@test
async def shield_gather():
    loop = asyncio.get_running_loop()
    child1 = loop.create_future()
    child2 = loop.create_future()
    parent = asyncio.gather(child1, child2)
    outer = asyncio.shield(parent)
    await asyncio.sleep(0)
    outer.cancel()
    await asyncio.sleep(0)
    obs(outer_cancelled=outer.cancelled())
    child1.set_result(1)
    child2.set_result(2)
    await asyncio.sleep(0)
    obs(parent=parent.result())


@test
async def gather_shield():
    loop = asyncio.get_running_loop()
    child1 = loop.create_future()
    child2 = loop.create_future()
    inner1 = asyncio.shield(child1)
    inner2 = asyncio.shield(child2)
    parent = asyncio.gather(inner1, inner2)
    await asyncio.sleep(0)
    parent.cancel()
    await asyncio.sleep(0)
    obs(parent_exc=type(parent.exception()).__name__, i1=inner1.cancelled(), i2=inner2.cancelled())
    child1.set_result(1)
    child2.set_result(2)
    await asyncio.sleep(0)


@test
async def shield_coroutine_use_running_loop():
    async def coro():
        return 42
    outer = asyncio.shield(asyncio.create_task(coro(), name="coro"))
    res = await outer
    obs(res=res)


@test
async def waiter_cancelled_inner_continues():
    # the scenario step {"shield": CHILD}, its awaiting task cancelled
    async def child():
        await asyncio.sleep(100)
        return 7
    async def waiter():
        t = asyncio.create_task(child(), name="child")
        return await asyncio.shield(t)
    w = asyncio.create_task(waiter(), name="waiter")
    await asyncio.sleep(10)
    w.cancel()
    try:
        await w
    except CE:
        obs(w="cancelled")
    await asyncio.sleep(100)
    c = [t for t in asyncio.all_tasks() if t.get_name() == "child"]
    obs(done_at=asyncio.get_running_loop().time())


@test
async def inner_cancelled_cancels_outer():
    async def child():
        await asyncio.sleep(100)
        return 7
    t = asyncio.create_task(child(), name="child")
    async def waiter():
        return await asyncio.shield(t)
    w = asyncio.create_task(waiter(), name="waiter")
    await asyncio.sleep(10)
    t.cancel()
    try:
        await w
    except CE:
        obs(w="cancelled", w_cancelled=w.cancelled())


@test
async def inner_error_propagates():
    class Boom(Exception): pass
    async def child():
        await asyncio.sleep(100)
        raise Boom()
    async def waiter():
        t = asyncio.create_task(child(), name="child")
        return await asyncio.shield(t)
    w = asyncio.create_task(waiter(), name="waiter")
    try:
        await w
    except Boom:
        obs(w="Boom")



@test
async def shield_in_timeout():
    # not a CPython test: the deadline cancels the waiter, not the shielded task
    async def child():
        await asyncio.sleep(100)
        return 7
    t = asyncio.create_task(child(), name="child")
    try:
        async with asyncio.timeout(10):
            await asyncio.shield(t)
    except TimeoutError:
        obs(raised="TimeoutError")
    obs(v=await t)


if __name__ == "__main__":
    ops_tracer.main(T)
