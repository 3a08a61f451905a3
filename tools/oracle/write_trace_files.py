"""Write CPython's recorded traces to the data files the Rust test ports read.

    python3.X write_trace_files.py MODULE [TEST...]

MODULE is taskgroups, timeouts or shield (the test file
crates/simloop-asyncio/tests/MODULE.rs); without TEST, every test of its
record_*_traces.py script. Each test runs in a fresh interpreter (the one
running this script), and its trace, without the '# ...' observation lines,
goes to

    crates/simloop-asyncio/tests/cpython/MODULE/TEST.PROFILE.txt

where PROFILE is py3XY for the running CPython 3.X.Y: run it once under each
CPython a profile reproduces. Run it from anywhere; it finds the files from
its own location.

With ORACLE_PYTHON set to a command, the tests run under that interpreter
instead (and PROFILE is its version's): CPython 3.14 under Pyodide is

    ORACLE_PYTHON="node tools/pyodide/run_py.mjs" python3 write_trace_files.py MODULE
"""
import os
import pathlib
import shlex
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent.parent / "crates" / "simloop-asyncio" / "tests" / "cpython"
SCRIPTS = {
    "taskgroups": "record_taskgroup_traces.py",
    "timeouts": "record_timeout_traces.py",
    "shield": "record_shield_traces.py",
}
# The CPython release each profile reproduces (simloop_core::Profile::cpython).
PINNED = {"py311": "3.11.7", "py312": "3.12.1", "py313": "3.13.0", "py314": "3.14.2"}
ROOT = HERE.parent.parent
PYTHON = shlex.split(os.environ.get("ORACLE_PYTHON", "")) or [sys.executable]


def record(script, *args):
    # From the repository's root, where ORACLE_PYTHON's relative paths point.
    out = subprocess.run([*PYTHON, str(HERE / script), *args],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout


def interpreter_version():
    if PYTHON == [sys.executable]:
        return "%d.%d.%d" % sys.version_info[:3]
    out = subprocess.run([*PYTHON, "--version"], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()[1]   # "Python 3.14.2"


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SCRIPTS:
        sys.exit(__doc__)
    module, tests = sys.argv[1], sys.argv[2:]
    script = SCRIPTS[module]
    tests = tests or record(script, "--list").split()
    version = interpreter_version()
    profile = "py" + "".join(version.split(".")[:2])
    if PINNED.get(profile) != version:
        print(f"warning: CPython {version}, but the {profile} profile reproduces "
              f"{PINNED.get(profile, 'no release yet')}", file=sys.stderr)
    (DATA / module).mkdir(parents=True, exist_ok=True)
    for test in tests:
        lines = [l for l in record(script, test).splitlines() if not l.startswith("#")]
        path = DATA / module / f"{test}.{profile}.txt"
        path.write_text("\n".join(lines) + "\n")
        print(path.relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main()
