#!/usr/bin/env python3
"""CPython side of the benchmarks: the workloads of benches/side_by_side.rs on
real asyncio, on the reference runner's virtual-clock loop.

    bench_cpython.py WORKLOAD ITERS [ARG]

runs WORKLOAD ITERS times in this process and prints one line, the total
seconds those runs took, measured with time.perf_counter around the runs
only: interpreter start-up, imports and (for `trees`) reading and compiling
the scenarios are left out. The Rust benchmark calls this from criterion's
`iter_custom`, so all three runtimes are reported in the same units.

Workloads (each the same program as its Rust counterpart):

    fanout N      N tasks each sleep delay(i) ticks and return it; gather all
    nesting D     task groups nested D deep (each level a child task of the
                  group above), the bottom task raises
    nesting-inline D
                  the same D task groups nested inside one task (`async with`
                  in `async with`): D nested coroutine frames
    timers T      T tasks, each enters 1,000 `asyncio.timeout(100)` in turn,
                  reschedules every other one to now + 200, sleeps 1 tick
                  inside; no timeout ever fires
    wide W        one TaskGroup of W children: child i sleeps delay(i) ticks
                  and returns, child 0 sleeps 10 ticks and raises, so the
                  group cancels the rest
    trees FILE    every scenario of FILE (one JSON per line) through the
                  reference runner's run_program, which returns the outcome
                  as a dict

delay(i) is splitmix64(i) % 20, as in the Rust benchmark.
"""

import asyncio
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import simloop_ref  # noqa: E402  (after the path insert)

MASK = (1 << 64) - 1
TIMEOUTS_PER_TASK = 1000


def splitmix64(x):
    """One output of SplitMix64 seeded with x (the Rust benches use the same)."""
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def delay(i):
    return splitmix64(i) % 20


def run_loop(coro):
    loop = simloop_ref.VirtualClockLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


# --- fanout -------------------------------------------------------------------

async def _sleeper(d):
    await asyncio.sleep(d)
    return d


async def _fanout(n):
    tasks = [asyncio.create_task(_sleeper(delay(i))) for i in range(n)]
    results = await asyncio.gather(*tasks)
    return len(results)


def fanout(n):
    assert run_loop(_fanout(n)) == n


# --- nesting ------------------------------------------------------------------

class Boom(Exception):
    pass


async def _level(depth):
    if depth == 0:
        raise Boom()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(_level(depth - 1))
    return 0


async def _nesting(depth):
    try:
        await _level(depth)
    except BaseExceptionGroup as eg:
        n = 0
        while isinstance(eg, BaseExceptionGroup):
            eg = eg.exceptions[0]
            n += 1
        return n
    raise AssertionError("no ExceptionGroup")


def nesting(depth):
    # main runs the top level itself: `depth` task groups, `depth` tasks
    # below main.
    assert run_loop(_nesting(depth)) == depth


async def _inline(depth):
    if depth == 0:
        raise Boom()
    async with asyncio.TaskGroup():
        await _inline(depth - 1)
    return 0


def nesting_inline(depth):
    async def main():
        try:
            await _inline(depth)
        except BaseExceptionGroup:
            return "group"

    return run_loop(main())


# --- timers -------------------------------------------------------------------

async def _churner(k):
    loop = asyncio.get_running_loop()
    for j in range(TIMEOUTS_PER_TASK):
        async with asyncio.timeout(100) as cm:
            if (k + j) % 2:
                cm.reschedule(loop.time() + 200)
            await asyncio.sleep(1)


async def _timers(tasks):
    await asyncio.gather(*(_churner(k) for k in range(tasks)))
    return asyncio.get_running_loop().time()


def timers(tasks):
    assert run_loop(_timers(tasks)) == TIMEOUTS_PER_TASK


# --- trees --------------------------------------------------------------------

def load_trees(path):
    with open(path, encoding="utf-8") as f:
        return [simloop_ref.load_scenario(line) for line in f if line.strip()]


def trees(programs):
    for p in programs:
        simloop_ref.run_program(p)


# --- wide group ---------------------------------------------------------------

async def _wide_child(i):
    if i == 0:
        await asyncio.sleep(10)
        raise Boom()
    await asyncio.sleep(delay(i))
    return i


async def _wide(w):
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(w):
                tg.create_task(_wide_child(i))
    except BaseExceptionGroup as eg:
        return len(eg.exceptions)
    raise AssertionError("no ExceptionGroup")


def wide(w):
    assert run_loop(_wide(w)) == 1


def main(argv):
    workload, iters = argv[1], int(argv[2])
    arg = argv[3] if len(argv) > 3 else None
    if workload == "fanout":
        n = int(arg or 100_000)
        fn = lambda: fanout(n)  # noqa: E731
    elif workload == "nesting":
        d = int(arg or 1000)
        fn = lambda: nesting(d)  # noqa: E731
    elif workload == "nesting-inline":
        d = int(arg or 1000)
        fn = lambda: nesting_inline(d)  # noqa: E731
    elif workload == "timers":
        t = int(arg or 100)
        fn = lambda: timers(t)  # noqa: E731
    elif workload == "wide":
        w = int(arg or 100_000)
        fn = lambda: wide(w)  # noqa: E731
    elif workload == "trees":
        programs = load_trees(arg)
        fn = lambda: trees(programs)  # noqa: E731
    else:
        sys.exit(f"bench_cpython.py: unknown workload {workload!r}")
    total = 0.0
    for _ in range(iters):
        gc.collect()
        start = time.perf_counter()
        fn()
        total += time.perf_counter() - start
    print(f"{total:.9f}")


if __name__ == "__main__":
    main(sys.argv)
