#!/usr/bin/env bash
# The instruction counts of the README's performance section: each workload
# of `cargo bench --bench side_by_side` run once under callgrind
# (SIMLOOP_BENCH_ONCE), in simloop and, where the same program exists, in
# tokio. Instruction counts do not depend on the machine's load, so they
# compare two builds where timings on a shared VM cannot.
#
#   tools/bench_instructions.sh                 # every workload
#   tools/bench_instructions.sh fanout nesting  # the rows whose name contains one of these
#
# Prints one line per row: workload, runtime, instructions, and instructions
# per unit (task, group, timeout, tree, run). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."

# workload/runtime, units per run, unit
rows=(
  "fanout/simloop 100000 task"
  "fanout/tokio 100000 task"
  "nesting/simloop 1000 group"
  "nesting/tokio 1000 group"
  "timer_churn/simloop 100000 timeout"
  "timer_churn/tokio 100000 timeout"
  "wide_group/simloop 100000 child"
  "wide_group/tokio 100000 child"
  "random_trees/simloop-run 1000 tree"
  "random_trees/simloop-checked 1000 tree"
  "harness/simloop-bare 2000 run"
  "harness/simloop-check 2000 run"
)

bin=$(cargo bench --bench side_by_side --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "side_by_side" and m.get("executable"):
        print(m["executable"])')
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-30s %15s %12s\n' "workload" "instructions" "per unit"
for row in "${rows[@]}"; do
  read -r which units unit <<<"$row"
  if [ $# -gt 0 ]; then
    keep=0
    for want in "$@"; do [[ "$which" == *"$want"* ]] && keep=1; done
    [ "$keep" = 1 ] || continue
  fi
  SIMLOOP_BENCH_ONCE="$which" valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" \
    >/dev/null 2>"$out.log"
  ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.log")
  rm -f "$out.log"
  printf '%-30s %15s %12s\n' "$which" "$ir" "$((ir / units)) /$unit"
done
