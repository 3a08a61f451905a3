from handle_tracer import *
import sys
from asyncio import events

def section(n):
    print(f"## {n}")

# gather over done children: outer done right after gather()?
section("done_children")
async def main():
    async def child(v): return v
    a = asyncio.create_task(child(1), name='a')
    b = asyncio.create_task(child(2), name='b')
    await asyncio.sleep(0)
    g = asyncio.gather(a, b)
    print("done right after gather:", g.done())
    print(await g)
run(main); dump()

section("first_error_siblings_keep_running")
async def main():
    async def child(d, v, err=False):
        await asyncio.sleep(d)
        if err: raise ZeroDivisionError()
        return v
    a = asyncio.create_task(child(5, 'a'), name='a')
    b = asyncio.create_task(child(3, 'b', True), name='b')
    c = asyncio.create_task(child(7, 'c'), name='c')
    try:
        await asyncio.gather(a, b, c)
    except ZeroDivisionError:
        print("raised at", asyncio.get_running_loop().time(), a.done(), c.done())
    await asyncio.sleep(10)
    print(a.result(), c.result())
run(main); dump()

section("duplicate_cancel_twice")
async def main():
    async def child():
        await asyncio.sleep(10)
    a = asyncio.create_task(child(), name='a')
    g = asyncio.gather(a, a, return_exceptions=True)
    await asyncio.sleep(1)
    print("cancel", g.cancel())
    print("cancelling", a.cancelling())
    try:
        await g
    except asyncio.CancelledError as e:
        print("raised", repr(e))
run(main); dump()

section("cancel_gather_2")
async def test():
    time = 0
    while True:
        time += 5
        await asyncio.gather(asyncio.create_task(asyncio.sleep(5), name=f"s{time}"), return_exceptions=True)
        if time > 100:
            return
async def main():
    qwe = asyncio.create_task(test(), name="qwe")
    await asyncio.sleep(20)
    qwe.cancel('my message')
    await qwe
loop, m = run(main)
print(m.cancelled(), repr(m.exception()) if not m.cancelled() else "", loop.time())
try: m.result()
except asyncio.CancelledError as e: print(repr(e))
dump()
