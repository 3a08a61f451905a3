#!/usr/bin/env python3
"""How much faster a `simloop` sweep runs on two jobs than on one, paired.

This VM's speed drifts over minutes, so the means of two separate runs
(hyperfine's) can differ by more than the effect. Here each round runs the
same command with `--jobs 1` and `--jobs 2` back to back, alternating which
goes first, and the figure is the median of the rounds' ratios.

    tools/bench_jobs.py 21 target/release/simloop explore --seeds 20000
    tools/bench_jobs.py 11 target/release/simloop check scenarios/ --seeds 1000

Prints the median ratio, its quartiles and range, and the median time of
each side.
"""

import statistics
import subprocess
import sys
import time


def timed(command, jobs):
    start = time.perf_counter()
    subprocess.run(
        command + ["--jobs", str(jobs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: tools/bench_jobs.py ROUNDS COMMAND...")
    rounds, command = int(sys.argv[1]), sys.argv[2:]
    ratios, ones, twos = [], [], []
    for i in range(rounds):
        if i % 2:
            two = timed(command, 2)
            one = timed(command, 1)
        else:
            one = timed(command, 1)
            two = timed(command, 2)
        ratios.append(one / two)
        ones.append(one)
        twos.append(two)
    q = statistics.quantiles(ratios, n=4) if rounds > 1 else ratios * 3
    print(
        f"2 jobs / 1 job: median {statistics.median(ratios):.2f}x "
        f"(quartiles {q[0]:.2f}x to {q[2]:.2f}x, range {min(ratios):.2f}x to "
        f"{max(ratios):.2f}x, {rounds} rounds); 1 job {statistics.median(ones):.3f} s, "
        f"2 jobs {statistics.median(twos):.3f} s"
    )


if __name__ == "__main__":
    main()
