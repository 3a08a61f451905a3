#!/usr/bin/env python3
"""Mutation score of simloop's own bug finders on simloop-asyncio.

cargo-mutants lists the mutants of crates/simloop-asyncio/src (planted.rs
and lib.rs excluded) with their diffs; each is applied to a scratch copy
of the repository, built with the dev profile, and judged by three
columns, each on its own:

  explore       `simloop explore` under every profile: killed by a
                violation (seed, invariant) or an unfinished seed that the
                unmutated build does not report, a panic, or a timeout
  differential  `simloop run --json -` on the bundled scenarios, the
                differential test's hand-written trees and
                generated trees, per profile, against CPython's outcomes
                (recorded once, cached under target/mutation/cpython):
                killed by any outcome that differs, a crash or a timeout
  tests         `cargo test -p simloop-asyncio --tests` (unit tests and
                the CPython test ports): killed by a failure or timeout

Writes target/mutation/results.jsonl (one line per mutant, as it goes)
and target/mutation/table.md (per file, per column, with the survivors
and their judgement from tools/mutation-judgements.txt).

    nice -n 10 python3 tools/mutation.py               # everything
    python3 tools/mutation.py --sample 0/8             # every 8th mutant
    python3 tools/mutation.py --file locks.rs --jobs 1
    python3 tools/mutation.py --table                  # table from results

Standard library only. Needs cargo-mutants (`cargo install cargo-mutants
--locked`), CPython 3.11-3.13 (pyenv or python3.X on PATH) and, for py314,
Node with `bash tools/pyodide/install.sh` done; a profile without its
CPython has no differential column entry (said in the table).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATE = "crates/simloop-asyncio"
EXCLUDED = [f"{CRATE}/src/planted.rs", f"{CRATE}/src/lib.rs"]
PROFILES = ["py311", "py312", "py313", "py314"]
PY_VERSIONS = {"py311": "3.11.7", "py312": "3.12.1", "py313": "3.13.0"}
COLUMNS = ["explore", "differential", "tests"]
JUDGEMENTS = ROOT / "tools" / "mutation-judgements.txt"


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None, stdin=None, timeout=None):
    """(returncode or 'timeout', stdout, seconds, stderr).

    The command runs in a session of its own, killed whole on a timeout:
    `cargo test` leaves a test binary that a mutant sent into a loop
    running otherwise, and it takes a core from every later mutant.
    """
    t0 = time.monotonic()
    with subprocess.Popen(cmd, cwd=cwd, env=env, text=True, start_new_session=True,
                          stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        try:
            out, err = p.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return "timeout", "", time.monotonic() - t0, ""
        return p.returncode, out, time.monotonic() - t0, err


# ---------------------------------------------------------------- mutants

def list_mutants(tree):
    cmd = ["cargo", "mutants", "--list", "--json", "--diff", "-p", "simloop-asyncio"]
    for e in EXCLUDED:
        cmd += ["-e", e]
    code, out, _, err = run(cmd, cwd=tree)
    if code != 0:
        sys.exit(f"cargo mutants --list failed: {err}")
    mutants = json.loads(out)
    for m in mutants:
        m["key"] = key(m)
    return mutants


def key(m):
    """A mutant's name without its line and column, which edits move."""
    name = m["name"]
    file, _, rest = name.partition(":")
    _, _, rest = rest.partition(":")
    _, _, rest = rest.partition(":")
    return f"{Path(file).name}: {rest.strip()}"


def load_judgements():
    """`KEY<TAB>judgement: why` lines; # comments."""
    out = {}
    if JUDGEMENTS.exists():
        for line in JUDGEMENTS.read_text().splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                k, _, v = line.partition("\t")
                out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------- scenarios

def normalize(v):
    """The differential test's normalization: group members as a multiset."""
    if isinstance(v, dict):
        out = {k: normalize(x) for k, x in v.items()}
        if "group" in v and isinstance(out.get("errors"), list):
            out["errors"] = sorted(out["errors"], key=lambda e: json.dumps(e, sort_keys=True))
        return out
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def interpreter(profile):
    """The command that runs the reference runner for `profile`, or None."""
    runner = str(ROOT / "tools" / "simloop_ref.py")
    if profile in PY_VERSIONS:
        v = PY_VERSIONS[profile]
        for p in [Path.home() / f".pyenv/versions/{v}/bin/python3",
                  shutil.which(f"python{v.rsplit('.', 1)[0]}")]:
            if p and Path(p).exists():
                return [str(p), runner, "-"]
        return None
    pyodide = Path(os.environ.get("SIMLOOP_PYODIDE", ROOT / "target/pyodide/node_modules/pyodide"))
    if shutil.which("node") and (pyodide / "pyodide.mjs").exists():
        return ["node", str(ROOT / "tools/pyodide/run_ref.mjs"), "-"]
    return None


def scenario_lines(profile, trees, tree):
    """The bundled scenarios, the differential test's hand-written trees
    (`tests/trees/*.jsonl`; those under the eager task factory from py312)
    and `trees` generated ones, one JSON per line."""
    lines = [json.dumps(json.loads(p.read_text()), separators=(",", ":"))
             for p in sorted((tree.dir / "scenarios").glob("*.json"))]
    for p in sorted((tree.dir / "tests" / "trees").glob("*.jsonl")):
        for line in p.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            scenario = json.loads(line)
            if profile == "py311" and scenario.get("task_factory") == "eager":
                continue
            lines.append(json.dumps(scenario, separators=(",", ":")))
    code, out, _, err = run([str(tree.bin / "examples" / "trees"), profile, str(trees)])
    if code != 0:
        sys.exit(f"generating trees failed: {err}")
    return lines + out.splitlines()


def cpython_outcomes(profile, lines, cache):
    """CPython's outcome per line, recorded once per scenario set."""
    cmd = interpreter(profile)
    if cmd is None:
        return None
    digest = hashlib.sha256(("\n".join(lines) + (ROOT / "tools/simloop_ref.py").read_text())
                            .encode()).hexdigest()[:16]
    path = cache / f"{profile}-{digest}.jsonl"
    if not path.exists():
        log(f"recording CPython's outcomes for {profile} ({len(lines)} scenarios)")
        code, out, _, err = run(cmd, stdin="\n".join(lines) + "\n")
        if code != 0 or len(out.splitlines()) != len(lines):
            sys.exit(f"reference runner failed under {profile}: {err[-2000:]}")
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    return [normalize(json.loads(x)) for x in path.read_text().splitlines()]


# ---------------------------------------------------------------- a scratch tree

class Tree:
    """A copy of the repository with its own target directory, where one
    mutant at a time is applied, built and judged."""

    def __init__(self, base, index, rev):
        self.dir = base / f"tree-{index}"
        # No debug info: linking it is most of a dev rebuild.
        self.env = dict(os.environ, CARGO_TERM_COLOR="never", CARGO_PROFILE_DEV_DEBUG="0",
                        CARGO_TARGET_DIR=str(base / f"target-{index}"))
        self.bin = base / f"target-{index}" / "debug"
        seed = ROOT / "target" / "debug"
        if not self.bin.exists() and seed.exists():
            # Dependencies built once are reused (only the workspace's own
            # crates rebuild, their sources being elsewhere).
            self.bin.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-a", str(seed), str(self.bin)], check=True)
        if rev:
            # A commit's files, as they were (the score before a change).
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(self.dir)], input=archive, check=True)
        else:
            files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"],
                                   cwd=ROOT, capture_output=True, check=True).stdout
            for f in files.decode().split("\0"):
                if not f or not (ROOT / f).is_file():
                    continue
                dst = self.dir / f
                if not dst.exists() or dst.read_bytes() != (ROOT / f).read_bytes():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / f, dst)
        # The tree generator's command line (older commits lack it; it
        # uses only their public API).
        example = Path("crates/simloop-explore/examples/trees.rs")
        if not (self.dir / example).exists():
            (self.dir / example).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / example, self.dir / example)

    def build(self, timeout):
        """Build the binary and the crate's tests; (ok, seconds, message)."""
        t0 = time.monotonic()
        for cmd in (["cargo", "build", "-p", "simloop-cli", "--bin", "simloop"],
                    ["cargo", "test", "-p", "simloop-asyncio", "--tests", "--no-run"]):
            code, _, _, err = run(cmd, cwd=self.dir, env=self.env, timeout=timeout)
            if code != 0:
                return False, time.monotonic() - t0, err.strip().splitlines()[-3:]
        return True, time.monotonic() - t0, None

    def explore(self, profile, seeds, timeout):
        """The violations and unfinished seeds of a sweep, or why it died."""
        with tempfile.TemporaryDirectory() as d:
            report = Path(d) / "report.jsonl"
            code, _, secs, _ = run([str(self.bin / "simloop"), "explore", "--seeds", str(seeds),
                                    "--profile", profile, "--jobs", "1", "--report", str(report)],
                                   cwd=d, timeout=timeout)
            if code not in (0, 1):
                return f"exit {code}", secs
            found = set()
            for line in report.read_text().splitlines():
                r = json.loads(line)
                if "seed" not in r:
                    continue
                found |= {(r["seed"], v["invariant"]) for v in r["violations"]}
                if "error" in r:
                    found.add((r["seed"], "error"))
            return found, secs

    def outcomes(self, profile, lines, timeout):
        code, out, secs, _ = run([str(self.bin / "simloop"), "run", "--json", "--profile",
                                  profile, "-"], stdin="\n".join(lines) + "\n", timeout=timeout)
        if code not in (0, 1, 2) or len(out.splitlines()) != len(lines):
            return f"exit {code}", secs
        return [normalize(json.loads(x)) for x in out.splitlines()], secs

    def tests(self, timeout):
        code, _, secs, _ = run(["cargo", "test", "-p", "simloop-asyncio", "--tests"],
                               cwd=self.dir, env=self.env, timeout=timeout)
        return code == 0, code, secs


# ---------------------------------------------------------------- the measurement

class Baseline:
    """What the unmutated build reports, and how long each check takes."""

    def __init__(self, tree, args, cache):
        ok, secs, msg = tree.build(timeout=None)
        if not ok:
            sys.exit(f"the unmutated tree does not build: {msg}")
        code, _, _, err = run(["cargo", "build", "-p", "simloop-explore", "--example", "trees"],
                              cwd=tree.dir, env=tree.env)
        if code != 0:
            sys.exit(f"cannot build the trees example: {err}")
        self.explore, self.explore_secs = {}, {}
        self.lines, self.cpython, self.diff_secs, self.skipped = {}, {}, {}, []
        self.excluded = {}
        for p in PROFILES:
            found, secs = tree.explore(p, args.seeds, None)
            if isinstance(found, str):
                sys.exit(f"explore under {p} fails unmutated: {found}")
            self.explore[p], self.explore_secs[p] = found, secs
            lines = scenario_lines(p, args.trees, tree)
            cpython = cpython_outcomes(p, lines, cache)
            if cpython is None:
                self.skipped.append(p)
                continue
            ours, secs = tree.outcomes(p, lines, None)
            if isinstance(ours, str):
                sys.exit(f"simloop run under {p} fails unmutated: {ours}")
            # Lines where even the unmutated build disagrees with CPython
            # (an `invalid` message worded differently) judge nothing.
            keep = [i for i in range(len(lines)) if ours[i] == cpython[i]]
            self.excluded[p] = len(lines) - len(keep)
            self.lines[p] = [lines[i] for i in keep]
            self.cpython[p] = [cpython[i] for i in keep]
            self.diff_secs[p] = secs
        passed, code, self.test_secs = tree.tests(None)
        if not passed:
            sys.exit(f"cargo test -p simloop-asyncio fails unmutated (exit {code})")
        log(f"baseline: explore {sum(self.explore_secs.values()):.1f} s, "
            f"differential {sum(self.diff_secs.values()):.1f} s, tests {self.test_secs:.1f} s; "
            f"lines per profile {[len(x) for x in self.lines.values()]}, "
            f"excluded {self.excluded}, no CPython for {self.skipped}")


def judge(tree, m, base, args):
    """Apply `m` to `tree`, build, run the columns; restore the file."""
    path = tree.dir / m["file"]
    original = path.read_bytes()
    result = {"name": m["name"], "key": m["key"], "file": Path(m["file"]).name}
    t0 = time.monotonic()
    try:
        p = subprocess.run(["patch", "-s", "-p0", "--no-backup-if-mismatch", str(path)],
                           input=m["diff"], text=True, capture_output=True)
        if p.returncode != 0:
            result["status"] = "patch failed"
            return result
        ok, secs, msg = tree.build(timeout=args.build_timeout)
        result["build_secs"] = round(secs, 1)
        if not ok:
            result["status"] = "unviable"
            return result
        result["status"] = "viable"
        # explore: a new violation or unfinished seed under any profile
        killed = None
        for prof in PROFILES:
            found, _ = tree.explore(prof, args.seeds, 5 * base.explore_secs[prof] + 20)
            if isinstance(found, str):
                killed = f"{prof}: {found}"
            elif found - base.explore[prof]:
                seed, inv = sorted(found - base.explore[prof])[0]
                killed = f"{prof}: {inv} on seed {seed}"
            if killed:
                break
        result["explore"] = killed
        # differential: any outcome unlike CPython's
        killed = None
        for prof, lines in base.lines.items():
            ours, _ = tree.outcomes(prof, lines, 5 * base.diff_secs[prof] + 20)
            if isinstance(ours, str):
                killed = f"{prof}: {ours}"
            else:
                bad = next((i for i, o in enumerate(ours) if o != base.cpython[prof][i]), None)
                if bad is not None:
                    killed = f"{prof}: scenario {lines[bad][:120]}"
            if killed:
                break
        result["differential"] = killed
        passed, code, _ = tree.tests(5 * base.test_secs + 60)
        result["tests"] = None if passed else f"exit {code}"
        return result
    finally:
        path.write_bytes(original)
        result["secs"] = round(time.monotonic() - t0, 1)


def selected(mutants, args):
    out = []
    k, _, n = args.sample.partition("/")
    keys = None
    if args.keys:
        keys = {json.loads(x)["key"] for x in args.keys.read_text().splitlines()}
    for i, m in enumerate(mutants):
        if args.file and not any(f in m["file"] for f in args.file):
            continue
        if keys is not None:
            if m["key"] in keys:
                out.append(m)
            continue
        if n and i % int(n) != int(k):
            continue
        out.append(m)
    return out


# ---------------------------------------------------------------- the table

def pct(n, d):
    return f"{100 * n / d:.0f}%" if d else "-"


def table(results, judgements, meta):
    viable = [r for r in results if r["status"] == "viable"]
    files = sorted({r["file"] for r in results})
    rows = []
    head = ("| file | mutants | viable | explore | differential | explore + differential "
            "| tests | any column |")
    rows += [head, "|" + "---|" * 8]

    def row(name, rs):
        v = [r for r in rs if r["status"] == "viable"]
        k = {c: sum(1 for r in v if r.get(c)) for c in COLUMNS}
        ed = sum(1 for r in v if r.get("explore") or r.get("differential"))
        anyk = sum(1 for r in v if any(r.get(c) for c in COLUMNS))
        rows.append(f"| {name} | {len(rs)} | {len(v)} | {pct(k['explore'], len(v))} "
                    f"| {pct(k['differential'], len(v))} | {pct(ed, len(v))} "
                    f"| {pct(k['tests'], len(v))} | {pct(anyk, len(v))} |")

    for f in files:
        row(f"`{f}`", [r for r in results if r["file"] == f])
    row("**all**", results)
    equivalent = [r for r in viable if judgements.get(r["key"], "").startswith("equivalent")]
    ne = [r for r in viable if r not in equivalent]
    ed = sum(1 for r in ne if r.get("explore") or r.get("differential"))
    ex = sum(1 for r in ne if r.get("explore"))
    out = ["\n".join(rows), "",
           f"Of the {len(ne)} viable mutants not judged equivalent ({len(equivalent)} are): "
           f"explore + differential kill {ed} ({pct(ed, len(ne))}), explore alone {ex} "
           f"({pct(ex, len(ne))}).", "", meta, "",
           "Survivors of explore and the differential (their judgement; `tests` if the "
           "CPython test ports kill them):", ""]
    for r in viable:
        if r.get("explore") or r.get("differential"):
            continue
        by_tests = " (killed by tests)" if r.get("tests") else ""
        out.append(f"- `{r['key']}`{by_tests}: {judgements.get(r['key'], 'unjudged')}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2, help="scratch trees judging in parallel")
    ap.add_argument("--sample", default="", help="K/M: every M-th mutant from the K-th")
    ap.add_argument("--file", action="append", help="only mutants of files containing this")
    ap.add_argument("--seeds", type=int, default=2000, help="explore seeds per profile")
    ap.add_argument("--trees", type=int, default=400, help="generated trees per profile")
    ap.add_argument("--build-timeout", type=float, default=600)
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "mutation")
    ap.add_argument("--rev", help="measure this commit instead of the working tree")
    ap.add_argument("--keys", type=Path,
                    help="only the mutants of this results.jsonl (the same ones, after a change)")
    ap.add_argument("--table", action="store_true", help="only print the table of --out")
    args = ap.parse_args()
    args.out = args.out.resolve()
    results_path = args.out / "results.jsonl"
    if args.table:
        results = [json.loads(x) for x in results_path.read_text().splitlines()]
        meta = (args.out / "meta.txt").read_text().strip() if (args.out / "meta.txt").exists() else ""
        print(table(results, load_judgements(), meta), end="")
        return
    t0 = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    trees = [Tree(args.out, j, args.rev) for j in range(max(1, args.jobs))]
    mutants = selected(list_mutants(trees[0].dir), args)
    log(f"{len(mutants)} mutants selected")
    base = Baseline(trees[0], args, args.out / "cpython")
    for t in trees[1:]:
        t.build(timeout=None)
    free = list(trees)
    lock = threading.Lock()
    results = []
    with open(results_path, "w") as out:
        def work(m):
            with lock:
                tree = free.pop()
            try:
                return judge(tree, m, base, args)
            finally:
                with lock:
                    free.append(tree)
        with concurrent.futures.ThreadPoolExecutor(len(trees)) as pool:
            for i, r in enumerate(pool.map(work, mutants)):
                results.append(r)
                out.write(json.dumps(r) + "\n")
                out.flush()
                cols = " ".join(f"{c}={'K' if r.get(c) else '-'}" for c in COLUMNS)
                log(f"[{i + 1}/{len(mutants)}] {r['status']} {cols} {r['secs']} s {r['key']}")
    elapsed = time.monotonic() - t0
    meta = (f"{'Commit ' + args.rev + ': ' if args.rev else ''}Measured with `python3 tools/mutation.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`"
            f" ({len(mutants)} mutants, {args.jobs} jobs, explore {args.seeds} seeds and "
            f"{len(base.lines.get('py313', []))} py313 scenarios per profile) in "
            f"{elapsed / 60:.1f} min; no CPython for: {', '.join(base.skipped) or 'none'}.")
    (args.out / "meta.txt").write_text(meta + "\n")
    text = table(results, load_judgements(), meta)
    (args.out / "table.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
