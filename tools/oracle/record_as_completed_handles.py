from handle_tracer import *
import handle_tracer, sys
V = sys.version_info[:2]
def section(n): print(f"## {n}")
def fresh():
    handle_tracer.LOG.clear()
    loop = VirtualClockLoop()
    asyncio.set_event_loop(loop)
    return loop

async def sleeper(dt, x):
    await asyncio.sleep(dt)
    return x

section("test_as_completed")
loop = fresh()
async def foo():
    b = asyncio.create_task(sleeper(1, 'b'), name='b')
    c = asyncio.create_task(sleeper(15, 'c'), name='c')
    a = asyncio.create_task(sleeper(1, 'a'), name='a')
    values = []
    for f in asyncio.as_completed([b, c, a]):
        values.append(await f)
    return values
print(loop.run_until_complete(loop.create_task(foo(), name='foo')), loop.time())
dump()

if V >= (3, 13):
    section("test_as_completed_async")
    loop = fresh()
    async def foo():
        b = asyncio.create_task(sleeper(1, 'b'), name='b')
        c = asyncio.create_task(sleeper(15, 'c'), name='c')
        a = asyncio.create_task(sleeper(1, 'a'), name='a')
        values = []
        async for f in asyncio.as_completed([b, c, a]):
            values.append(await f)
        return values
    print(loop.run_until_complete(loop.create_task(foo(), name='foo')), loop.time())
    dump()

section("test_as_completed_with_timeout")
loop = fresh()
a = loop.create_task(asyncio.sleep(10, 'a'), name='a')
b = loop.create_task(asyncio.sleep(15, 'b'), name='b')
async def try_iterator():
    values = []
    for f in asyncio.as_completed([a, b], timeout=12):
        try:
            v = await f
            values.append((1, v))
        except asyncio.TimeoutError as exc:
            values.append((2, type(exc).__name__))
    return values
print(loop.run_until_complete(loop.create_task(try_iterator(), name='foo')), loop.time())
loop.run_until_complete(asyncio.wait([a, b]))
print(loop.time())
dump()

if V >= (3, 13):
    section("test_as_completed_with_timeout_async")
    loop = fresh()
    a = loop.create_task(asyncio.sleep(10, 'a'), name='a')
    b = loop.create_task(asyncio.sleep(15, 'b'), name='b')
    async def try_async_iterator():
        values = []
        try:
            async for f in asyncio.as_completed([a, b], timeout=12):
                v = await f
                values.append((1, v))
        except asyncio.TimeoutError as exc:
            values.append((2, type(exc).__name__))
        return values
    print(loop.run_until_complete(loop.create_task(try_async_iterator(), name='foo')), loop.time())
    dump()

section("test_as_completed_with_unused_timeout")
loop = fresh()
async def foo():
    a = asyncio.create_task(asyncio.sleep(1, 'a'), name='a')
    for f in asyncio.as_completed([a], timeout=100):
        v = await f
        print(v)
loop.run_until_complete(loop.create_task(foo(), name='foo'))
print(loop.time(), len(loop._scheduled), loop._timer_cancelled_count)
dump()

section("test_as_completed_reverse_wait")
loop = fresh()
async def test():
    a = asyncio.create_task(asyncio.sleep(5, 'a'), name='a')
    b = asyncio.create_task(asyncio.sleep(10, 'b'), name='b')
    futs = list(asyncio.as_completed([a, b]))
    print(len(futs))
    x = await futs[1]
    print(x, loop.time())
    y = await futs[0]
    print(y, loop.time())
loop.run_until_complete(loop.create_task(test(), name='test'))
dump()

section("test_as_completed_concurrent")
loop = fresh()
async def test():
    a = asyncio.create_task(asyncio.sleep(5, 'a'), name='a')
    b = asyncio.create_task(asyncio.sleep(5, 'b'), name='b')
    futs = list(asyncio.as_completed([a, b]))
    ts = [asyncio.create_task(f, name=f"w{i}") for i, f in enumerate(futs)]
    done, pending = await asyncio.wait(ts)
    print(sorted(f.result() for f in done), loop.time())
loop.run_until_complete(loop.create_task(test(), name='test'))
dump()

section("test_as_completed_resume_iterator")
loop = fresh()
async def coro(i): return i
async def try_iterator():
    ts = [asyncio.create_task(coro(i), name=f"c{i}") for i in range(4)]
    iterations = 0
    iterator = asyncio.as_completed(ts)
    collected = []
    for f in iterator:
        collected.append(await f)
        iterations += 1
        if iterations == 2:
            break
    for f in iterator:
        collected.append(await f)
    return collected
print(loop.run_until_complete(loop.create_task(try_iterator(), name='main')))
dump()

section("leftover_timer")
loop = fresh()
async def main():
    a = asyncio.create_task(asyncio.sleep(2, 'a'), name='a')
    b = asyncio.create_task(asyncio.sleep(50, 'b'), name='b')
    for f in asyncio.as_completed([a, b], timeout=10):
        print(await f)
        break
    await asyncio.sleep(20)
    print(b.done())
loop.run_until_complete(loop.create_task(main(), name='main'))
print(loop.time())
dump()

section("registration_time")
loop = fresh()
async def main():
    a = asyncio.create_task(asyncio.sleep(12, 'a'), name='a')
    it = asyncio.as_completed([a], timeout=10)
    await asyncio.sleep(5)
    f = next(it)
    try:
        print(await f)
    except TimeoutError:
        print("timeout", loop.time())
loop.run_until_complete(loop.create_task(main(), name='main'))
print(loop.time())
dump()

section("done_before_registration")
loop = fresh()
async def main():
    a = asyncio.create_task(coro('a'), name='a')
    b = asyncio.create_task(coro('b'), name='b')
    it = asyncio.as_completed([b, a])
    await asyncio.sleep(0)
    vals = []
    for f in it:
        vals.append(await f)
    print(vals)
loop.run_until_complete(loop.create_task(main(), name='main'))
dump()

section("consumer_cancelled")
loop = fresh()
async def main():
    a = asyncio.create_task(asyncio.sleep(5, 'a'), name='a')
    b = asyncio.create_task(asyncio.sleep(6, 'b'), name='b')
    it = asyncio.as_completed([a, b])
    f0 = next(it); f1 = next(it)
    w0 = asyncio.create_task(f0, name='w0')
    w1 = asyncio.create_task(f1, name='w1')
    await asyncio.sleep(1)
    w0.cancel()
    print(await w1, loop.time())
    try:
        await w0
    except asyncio.CancelledError:
        print("w0 cancelled")
loop.run_until_complete(loop.create_task(main(), name='main'))
dump()
