"""Virtual-clock loop + handle tracer for comparing against simloop traces.

The tracer behind the record_*_handles.py scripts (imported, not run): it logs
each handle the loop runs as `TICK step TASK` or `TICK call LABEL`, the lines
of common_gw::handles in crates/simloop-asyncio/tests.
"""
import asyncio, sys
from asyncio import events
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent.parent))
from simloop_ref import VirtualClockLoop

LOG = []
NAMES = {}

def describe(cb):
    self_ = getattr(cb, '__self__', None)
    if isinstance(self_, asyncio.Task):
        return f"step {self_.get_name()}"
    qn = getattr(cb, '__qualname__', None) or type(cb).__name__
    qn = qn.replace('.<locals>', '')
    if qn == '_set_result_unless_cancelled':
        qn = 'sleep'
    return f"call {qn}"

_orig_run = events.Handle._run
def _run(self):
    LOG.append(f"{self._loop.time()} {describe(self._callback)}")
    return _orig_run(self)
events.Handle._run = _run

def run(coro_fn, name="main"):
    LOG.clear()
    loop = VirtualClockLoop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(coro_fn(), name=name)
    try:
        loop.run_until_complete(main)
    except BaseException as e:
        pass
    return loop, main

def dump():
    for l in LOG: print(l)

def dumps():
    return "\n".join(LOG)
