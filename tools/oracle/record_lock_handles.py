from handle_tracer import *
import handle_tracer, sys
def section(n): print(f"## {n}")

section("test_wait")
async def main():
    ev = asyncio.Event()
    result = []
    async def c(i):
        if await ev.wait():
            result.append(i)
    t1 = asyncio.create_task(c(1), name='t1')
    t2 = asyncio.create_task(c(2), name='t2')
    await asyncio.sleep(0)
    print(result)
    t3 = asyncio.create_task(c(3), name='t3')
    ev.set()
    await asyncio.sleep(0)
    print(result, t1.done(), t2.done(), t3.done())
run(main); dump()

section("test_wait_cancel")
async def main():
    ev = asyncio.Event()
    wait = asyncio.create_task(ev.wait(), name='wait')
    asyncio.get_running_loop().call_soon(wait.cancel)
    try:
        await wait
    except asyncio.CancelledError:
        print("cancelled", len(ev._waiters))
run(main); dump()

section("test_clear_with_waiters")
async def main():
    ev = asyncio.Event()
    result = []
    async def c1():
        if await ev.wait():
            result.append(1)
        return True
    t = asyncio.create_task(c1(), name='t')
    await asyncio.sleep(0)
    ev.set(); ev.clear(); print(ev.is_set())
    ev.set(); ev.set(); print(len(ev._waiters))
    await asyncio.sleep(0)
    print(result, len(ev._waiters), t.done(), t.result())
run(main); dump()

section("test_acquire")
async def main():
    sem = asyncio.Semaphore(3)
    result = []
    print(await sem.acquire(), await sem.acquire(), sem.locked())
    async def c(i):
        await sem.acquire()
        result.append(i)
        return True
    t1 = asyncio.create_task(c(1), name='t1')
    t2 = asyncio.create_task(c(2), name='t2')
    t3 = asyncio.create_task(c(3), name='t3')
    await asyncio.sleep(0)
    print(result, sem.locked(), len(sem._waiters), sem._value)
    t4 = asyncio.create_task(c(4), name='t4')
    sem.release(); sem.release()
    print(sem._value)
    await asyncio.sleep(0)
    print(sem._value, len(result), sem.locked(), len(sem._waiters), sem._value, result)
    print([t.done() for t in (t1, t2, t3, t4)])
    sem.release()
    await asyncio.gather(t2, t3, t4)
    print(result)
run(main); dump()

section("test_acquire_cancel")
async def main():
    sem = asyncio.Semaphore()
    await sem.acquire()
    acquire = asyncio.create_task(sem.acquire(), name='acquire')
    asyncio.get_running_loop().call_soon(acquire.cancel)
    try:
        await acquire
    except asyncio.CancelledError:
        print("cancelled", list(sem._waiters or ()), sem._value)
run(main); dump()

section("test_acquire_cancel_before_awoken")
async def main():
    sem = asyncio.Semaphore(value=0)
    ts = [asyncio.create_task(sem.acquire(), name=f't{i}') for i in range(1, 5)]
    t1, t2, t3, t4 = ts
    await asyncio.sleep(0)
    t1.cancel(); t2.cancel()
    sem.release()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print(t3.done(), t4.done(), sem._value, len(sem._waiters))
    t3.cancel(); t4.cancel()
    await asyncio.sleep(0)
    print(t3.cancelled(), t4.cancelled(), sem._value, len(sem._waiters))
run(main); dump()

section("test_acquire_hang")
async def main():
    sem = asyncio.Semaphore(value=0)
    t1 = asyncio.create_task(sem.acquire(), name='t1')
    t2 = asyncio.create_task(sem.acquire(), name='t2')
    await asyncio.sleep(0)
    t1.cancel()
    sem.release()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print(sem.locked(), t2.done(), sem._value)
run(main); dump()

section("test_acquire_no_hang")
async def main():
    sem = asyncio.Semaphore(1)
    async def c1():
        async with sem:
            await asyncio.sleep(0)
        t2.cancel()
    async def c2():
        async with sem:
            assert False
    t1 = asyncio.create_task(c1(), name='t1')
    t2 = asyncio.create_task(c2(), name='t2')
    r1, r2 = await asyncio.gather(t1, t2, return_exceptions=True)
    print(r1, repr(r2), sem._value, sem.locked())
    await sem.acquire()
    print(sem._value)
run(main); dump()

section("test_release_no_waiters")
async def main():
    sem = asyncio.Semaphore()
    await sem.acquire()
    print(sem.locked())
    sem.release()
    print(sem.locked())
run(main); dump()

section("test_acquire_fifo_order")
async def main():
    sem = asyncio.Semaphore(1)
    result = []
    async def coro(tag):
        await sem.acquire()
        result.append(f'{tag}_1')
        await asyncio.sleep(1)
        sem.release()
        await sem.acquire()
        result.append(f'{tag}_2')
        await asyncio.sleep(1)
        sem.release()
    ts = [asyncio.create_task(coro(f'c{i}'), name=f'c{i}') for i in (1, 2, 3)]
    for t in ts:
        await t
    print(result, asyncio.get_running_loop().time())
run(main); dump()

section("test_acquire_fifo_order_2")
async def main():
    sem = asyncio.Semaphore(1)
    result = []
    async def c1(result):
        await sem.acquire()
        result.append(1)
        return True
    async def c2(result):
        await sem.acquire()
        result.append(2)
        sem.release()
        await sem.acquire()
        result.append(4)
        return True
    async def c3(result):
        await sem.acquire()
        result.append(3)
        return True
    t1 = asyncio.create_task(c1(result), name='t1')
    t2 = asyncio.create_task(c2(result), name='t2')
    t3 = asyncio.create_task(c3(result), name='t3')
    await asyncio.sleep(0)
    sem.release()
    sem.release()
    await asyncio.gather(t1, t2, t3)
    print(result)
run(main); dump()

section("test_acquire_fifo_order_3")
async def main():
    sem = asyncio.Semaphore(0)
    result = []
    async def c(i):
        await sem.acquire()
        result.append(i)
        return True
    t1 = asyncio.create_task(c(1), name='t1')
    t2 = asyncio.create_task(c(2), name='t2')
    t3 = asyncio.create_task(c(3), name='t3')
    await asyncio.sleep(0)
    t1.cancel()
    await asyncio.sleep(0)
    sem.release()
    sem.release()
    await asyncio.gather(t1, t2, t3, return_exceptions=True)
    print(result)
run(main); dump()

section("test_acquire_fifo_order_4")
async def main():
    sem = asyncio.Semaphore(0)
    result = []
    t4 = None
    async def c1(result):
        nonlocal t4
        await sem.acquire()
        print("c1 value after acquire", sem._value)
        t4 = asyncio.create_task(c4(result), name='t4')
        result.append(1)
        return True
    async def c2(result):
        sem.release(); sem.release(); sem.release()
        print("c2", sem._value, sem.locked())
        await sem.acquire()
        result.append(2)
        return True
    async def c3(result):
        await sem.acquire()
        print("c3 locked", sem.locked())
        result.append(3)
        return True
    async def c4(result):
        result.append(4)
        return True
    t1 = asyncio.create_task(c1(result), name='t1')
    t2 = asyncio.create_task(c2(result), name='t2')
    t3 = asyncio.create_task(c3(result), name='t3')
    await asyncio.sleep(0)
    print(sem._value, len(sem._waiters))
    await asyncio.sleep(0)
    tasks = [t1, t2, t3, t4]
    print([t is not None and t.done() for t in tasks])
    try:
        await asyncio.wait_for(asyncio.gather(*[t for t in tasks if t]), 100)
    except TimeoutError:
        print("TIMEOUT", [t.done() for t in tasks if t], sem._value, len(sem._waiters))
    print(result)
run(main); dump()
