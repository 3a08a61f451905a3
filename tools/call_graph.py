"""The await graph of a scenario at given ticks, as CPython 3.14 records it.

Runs a scenario on the reference runner (simloop_ref.py) and, each time the
virtual clock is about to pass one of the ticks, reads every pending task's
`asyncio.capture_call_graph`: the tasks it is awaited by, which is what
`python -m asyncio pstree` draws. simloop's `pstree` is compared with it
(tests/call_graph.rs).

    python3.14 tools/call_graph.py -        # under Pyodide:
    node tools/pyodide/run_py.mjs tools/call_graph.py -

Batch only: each stdin line is {"scenario": {...}, "at": [T, ...]}, each
output line {"at": [GRAPH, ...]} with one GRAPH per tick, in the order
given: a list of {"task": NAME, "awaited_by": [NAME, ...]} for the tasks
pending at that tick, in creation order, their waiters in creation order.
A scenario the runner cannot run gives {"invalid": "message"}.

The state at tick T is the one simloop's `pstree --at T` shows: every
handle due at or before T has run (the clock would move past T next), or
the run has stalled or ended earlier.
"""

import asyncio
import json
import sys

import simloop_ref

if not hasattr(asyncio, "capture_call_graph"):
    sys.exit("call_graph.py needs CPython 3.14+ (asyncio.capture_call_graph)")


def _awaited_by(task):
    try:
        graph = asyncio.capture_call_graph(task, limit=0)
        return [g.future for g in graph.awaited_by]
    except RecursionError:
        # An await cycle: capture_call_graph follows awaited_by upwards
        # without end. Its first level is this set.
        return list(task._asyncio_awaited_by)


def _graph(run):
    index = {id(t): i for i, t in enumerate(run.tasks)}
    graph = []
    for task in run.tasks:
        if task.done():
            continue
        waiters = sorted(_awaited_by(task), key=lambda w: index.get(id(w), len(index)))
        graph.append({"task": task.get_name(),
                      "awaited_by": [w.get_name() for w in waiters]})
    return graph


class _Snapshots:
    """Takes the graph at each tick of `ticks` (ascending) as time passes it."""

    def __init__(self, run, ticks):
        self.run = run
        self.todo = sorted(set(ticks))
        self.graphs = {}

    def take_before(self, new_time):
        """The clock moves to new_time (None: never again)."""
        while self.todo and (new_time is None or self.todo[0] < new_time):
            self.graphs[self.todo.pop(0)] = _graph(self.run)


class _SnapshotSelector(simloop_ref._VirtualSelector):
    def __init__(self, loop, snapshots):
        super().__init__(loop)
        self.snapshots = snapshots

    def select(self, timeout):
        loop = self._loop
        if timeout is None:
            self.snapshots.take_before(None)
        elif timeout > 0:
            if timeout >= simloop_ref.base_events.MAXIMUM_SELECT_TIMEOUT:
                new_time = loop._scheduled[0].when()
            else:
                new_time = loop._now + timeout
            self.snapshots.take_before(new_time)
        return super().select(timeout)


def graphs_at(scenario, ticks):
    program = simloop_ref.compile_scenario(scenario)
    run = simloop_ref._Run(program, simloop_ref._OrderedTaskGroup,
                           simloop_ref._ordered_as_completed)
    snapshots = _Snapshots(run, ticks)
    run.loop._selector = _SnapshotSelector(run.loop, snapshots)
    try:
        run.execute()
        snapshots.take_before(None)  # ticks after the end of the run
    finally:
        run.discard()
    return [snapshots.graphs[t] for t in ticks]


def main():
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"at": graphs_at(request["scenario"], request["at"])}
        except simloop_ref.Invalid as exc:
            answer = {"invalid": str(exc)}
        print(json.dumps(answer, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
