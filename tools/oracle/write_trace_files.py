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
"""
import pathlib
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
PINNED = {"py311": "3.11.7", "py312": "3.12.1", "py313": "3.13.0"}


def record(script, *args):
    out = subprocess.run([sys.executable, str(HERE / script), *args],
                         cwd=HERE, capture_output=True, text=True, check=True)
    return out.stdout


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SCRIPTS:
        sys.exit(__doc__)
    module, tests = sys.argv[1], sys.argv[2:]
    script = SCRIPTS[module]
    tests = tests or record(script, "--list").split()
    version = "%d.%d.%d" % sys.version_info[:3]
    profile = "py%d%d" % sys.version_info[:2]
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
