from handle_tracer import *
import handle_tracer

def section(n): print(f"## {n}")

def fresh():
    handle_tracer.LOG.clear()
    loop = VirtualClockLoop()
    asyncio.set_event_loop(loop)
    return loop

def names(s, d):
    return sorted(d[t] for t in s)

section("test_wait")
loop = fresh()
a = loop.create_task(asyncio.sleep(10), name='a')
b = loop.create_task(asyncio.sleep(15), name='b')
N = {a:'a', b:'b'}
async def foo():
    done, pending = await asyncio.wait([b, a])
    print(names(done,N), names(pending,N))
    return 42
print(loop.run_until_complete(loop.create_task(foo(), name='foo')), loop.time())
print(loop.run_until_complete(loop.create_task(foo(), name='foo2')), loop.time())
dump()

section("test_wait_first_completed")
loop = fresh()
a = loop.create_task(asyncio.sleep(1000), name='a')
b = loop.create_task(asyncio.sleep(10), name='b')
N = {a:'a', b:'b'}
task = loop.create_task(asyncio.wait([b, a], return_when=asyncio.FIRST_COMPLETED), name='wait')
done, pending = loop.run_until_complete(task)
print(names(done,N), names(pending,N), a.done(), b.done(), loop.time())
dump()

section("test_wait_really_done")
loop = fresh()
async def coro1():
    await asyncio.sleep(0)
async def coro2():
    await asyncio.sleep(0)
    await asyncio.sleep(0)
a = loop.create_task(coro1(), name='a')
b = loop.create_task(coro2(), name='b')
N = {a:'a', b:'b'}
task = loop.create_task(asyncio.wait([b, a], return_when=asyncio.FIRST_COMPLETED), name='wait')
done, pending = loop.run_until_complete(task)
print(names(done,N), names(pending,N))
dump()

section("test_wait_first_exception")
loop = fresh()
a = loop.create_task(asyncio.sleep(1000), name='a')
async def exc():
    raise ZeroDivisionError('err')
b = loop.create_task(exc(), name='b')
N = {a:'a', b:'b'}
task = loop.create_task(asyncio.wait([b, a], return_when=asyncio.FIRST_EXCEPTION), name='wait')
done, pending = loop.run_until_complete(task)
print(names(done,N), names(pending,N), loop.time())
dump()

section("test_wait_first_exception_in_wait")
loop = fresh()
a = loop.create_task(asyncio.sleep(1000), name='a')
async def exc():
    await asyncio.sleep(1)
    raise ZeroDivisionError('err')
b = loop.create_task(exc(), name='b')
N = {a:'a', b:'b'}
task = loop.create_task(asyncio.wait([b, a], return_when=asyncio.FIRST_EXCEPTION), name='wait')
done, pending = loop.run_until_complete(task)
print(names(done,N), names(pending,N), loop.time())
dump()

section("test_wait_with_exception")
loop = fresh()
a = loop.create_task(asyncio.sleep(10), name='a')
async def sleeper():
    await asyncio.sleep(15)
    raise ZeroDivisionError('really')
b = loop.create_task(sleeper(), name='b')
async def foo():
    done, pending = await asyncio.wait([b, a])
    print(len(done), len(pending), len([f for f in done if f.exception() is not None]))
loop.run_until_complete(loop.create_task(foo(), name='foo'))
print(loop.time())
loop.run_until_complete(loop.create_task(foo(), name='foo2'))
print(loop.time())
dump()

section("test_wait_with_timeout")
loop = fresh()
a = loop.create_task(asyncio.sleep(10), name='a')
b = loop.create_task(asyncio.sleep(15), name='b')
N = {a:'a', b:'b'}
async def foo():
    done, pending = await asyncio.wait([b, a], timeout=11)
    print(names(done,N), names(pending,N))
loop.run_until_complete(loop.create_task(foo(), name='foo'))
print(loop.time())
dump()

section("test_wait_concurrent_complete")
loop = fresh()
a = loop.create_task(asyncio.sleep(10), name='a')
b = loop.create_task(asyncio.sleep(15), name='b')
N = {a:'a', b:'b'}
done, pending = loop.run_until_complete(loop.create_task(asyncio.wait([b, a], timeout=10), name='wait'))
print(names(done,N), names(pending,N), loop.time())
dump()

section("test_yield_wait_does_not_shield_cancel")
loop = fresh()
proof = 0
waiter = loop.create_future()
async def inner():
    global proof
    await waiter
    proof += 1
async def outer():
    global proof
    d, p = await asyncio.wait([asyncio.create_task(inner(), name='inner')])
    proof += 100
f = loop.create_task(outer(), name='outer')
def run_briefly(loop):
    # test.test_asyncio.utils.run_briefly, copied: Pyodide has no test package.
    async def once():
        pass
    gen = once()
    t = loop.create_task(gen)
    t._log_destroy_pending = False
    try:
        loop.run_until_complete(t)
    finally:
        gen.close()
run_briefly(loop)
f.cancel()
try:
    loop.run_until_complete(f)
except asyncio.CancelledError:
    print("cancelled")
waiter.set_result(None)
run_briefly(loop)
print(proof)
dump()

section("cancel_with_message")
loop = fresh()
async def sleep():
    await asyncio.sleep(10)
async def coro():
    task = asyncio.create_task(sleep(), name='t')
    await asyncio.sleep(0)
    task.cancel('my message')
    done, pending = await asyncio.wait([task])
    task.result()
try:
    loop.run_until_complete(loop.create_task(coro(), name='coro'))
except asyncio.CancelledError as e:
    print(repr(e))
dump()

section("cancel_with_message_before_starting")
loop = fresh()
async def coro():
    task = asyncio.create_task(sleep(), name='t')
    task.cancel('my message')
    done, pending = await asyncio.wait([task])
    task.exception()
try:
    loop.run_until_complete(loop.create_task(coro(), name='coro'))
except asyncio.CancelledError as e:
    print(repr(e))
dump()

section("already_done_and_timeout_left")
loop = fresh()
async def main():
    a = asyncio.create_task(asyncio.sleep(0), name='a')
    b = asyncio.create_task(asyncio.sleep(5), name='b')
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    done, pending = await asyncio.wait([a, b], timeout=3, return_when=asyncio.FIRST_COMPLETED)
    print(len(done), len(pending), asyncio.get_running_loop().time())
    await asyncio.sleep(10)
loop.run_until_complete(loop.create_task(main(), name='main'))
print(loop.time())
dump()

section("cancelled_waiter")
loop = fresh()
async def main():
    b = asyncio.create_task(asyncio.sleep(5), name='b')
    w = asyncio.create_task(asyncio.wait([b], timeout=3), name='w')
    await asyncio.sleep(1)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print("w cancelled", b.done(), b.cancelling())
    await b
loop.run_until_complete(loop.create_task(main(), name='main'))
print(loop.time(), loop._timer_cancelled_count, len(loop._scheduled))
dump()
