#!/usr/bin/env python3
"""Print the README's performance table from criterion's last results.

    cargo bench --bench side_by_side
    python3 tools/bench_table.py [TARGET_DIR]

Reads TARGET_DIR/criterion/<workload>/<runtime>/new/{estimates,benchmark}.json
(default target/), as written by benches/side_by_side, and prints one
markdown row per workload: each runtime's throughput (median time per
iteration, elements per iteration) and simloop's ratio to the others.
"""

import json
import os
import sys

WORKLOADS = [
    # (criterion group, unit, simloop's runtime id, {column: runtime id})
    ("fanout", "tasks/s", "simloop", {"tokio": "tokio", "cpython": "cpython"}),
    ("nesting", "groups/s", "simloop", {"tokio": "tokio", "cpython": "cpython"}),
    ("timer_churn", "timeouts/s", "simloop", {"tokio": "tokio", "cpython": "cpython"}),
    ("random_trees", "trees/s", "simloop-checked", {"cpython": "cpython"}),
    ("random_trees", "trees/s", "simloop-run", {"cpython": "cpython"}),
    ("explore_scaling", "seeds/s", "simloop-2-jobs", {"1 job": "simloop-1-jobs"}),
    ("wide_group", "children/s", "simloop", {"tokio": "tokio", "cpython": "cpython"}),
]


def load(root, group, runtime):
    d = os.path.join(root, "criterion", group, runtime, "new")
    try:
        with open(os.path.join(d, "estimates.json")) as f:
            est = json.load(f)
        with open(os.path.join(d, "benchmark.json")) as f:
            bench = json.load(f)
    except OSError:
        return None
    ns = est["median"]["point_estimate"]
    elements = bench["throughput"]["Elements"]
    return elements / (ns / 1e9), ns


def human(rate):
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if rate >= div:
            return f"{rate / div:.3g}{suffix}"
    return f"{rate:.3g}"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "target"
    print("| workload | simloop | tokio (paused clock) | CPython reference | simloop ÷ tokio | simloop ÷ CPython |")
    print("|---|---|---|---|---|---|")
    for group, unit, ours, others in WORKLOADS:
        mine = load(root, group, ours)
        if mine is None:
            continue
        cells = {}
        for column, runtime in others.items():
            r = load(root, group, runtime)
            cells[column] = r
        def col(name):
            r = cells.get(name)
            return f"{human(r[0])} {unit}" if r else "n/a"
        def ratio(name):
            r = cells.get(name)
            return f"{mine[0] / r[0]:.2f}×" if r else "n/a"
        label = f"{group} ({ours})"
        if "1 job" in others:
            r = cells["1 job"]
            print(f"| {label} | {human(mine[0])} {unit} (1 job: {human(r[0])}) | n/a | n/a "
                  f"| 2 jobs ÷ 1 job: {mine[0] / r[0]:.2f}× | n/a |")
            continue
        print(f"| {label} | {human(mine[0])} {unit} | {col('tokio')} | {col('cpython')} "
              f"| {ratio('tokio')} | {ratio('cpython')} |")


if __name__ == "__main__":
    main()
