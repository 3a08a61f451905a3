// Loads Pyodide (CPython compiled to WebAssembly) in Node.js and wires its
// standard streams to this process's file descriptors 0, 1 and 2, so that a
// Python program run in it reads and writes exactly as under `python3`.
//
// Where the package is: $SIMLOOP_PYODIDE (the directory holding pyodide.mjs),
// else <repository>/target/pyodide/node_modules/pyodide, where .ci/run
// installs the version pinned by package.json and package-lock.json here.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TOOLS = path.dirname(HERE);
export const REPO = path.dirname(TOOLS);

// Exit status when Pyodide itself is missing or cannot start: distinct from
// the runner's own 0 (ran), 1 (uncaught exception) and 2 (invalid scenario).
export const EXIT_NO_PYODIDE = 3;

export function pyodideDir() {
  return process.env.SIMLOOP_PYODIDE
    ? path.resolve(process.env.SIMLOOP_PYODIDE)
    : path.join(REPO, "target", "pyodide", "node_modules", "pyodide");
}

// The pyodide version package.json here pins.
export function pinnedVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(HERE, "package.json"), "utf8"));
  return pkg.dependencies.pyodide;
}

export function installedVersion(dir = pyodideDir()) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

export function fail(message, status = EXIT_NO_PYODIDE) {
  writeAll(2, Buffer.from(`${path.basename(process.argv[1])}: ${message}\n`));
  process.exit(status);
}

// A blocking pause for the rare descriptor that the parent left non-blocking.
const pause = new Int32Array(new SharedArrayBuffer(4));
function retrying(op) {
  for (;;) {
    try {
      return op();
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

export function writeAll(fd, buffer) {
  let done = 0;
  while (done < buffer.length) {
    done += retrying(() => fs.writeSync(fd, buffer, done, buffer.length - done));
  }
  return buffer.length;
}

function readSome(buffer) {
  try {
    return retrying(() => fs.readSync(0, buffer, 0, buffer.length, null));
  } catch (err) {
    if (err.code === "EOF") return 0; // Windows pipes
    throw err;
  }
}

// Loads Pyodide with stdin, stdout and stderr on fds 0, 1 and 2 (no
// buffering on the JS side: Python's own io buffering and flushes decide
// when bytes leave, as under CPython), and Python's working directory set to
// this process's. Exits with EXIT_NO_PYODIDE if the package is missing.
export async function boot() {
  const dir = pyodideDir();
  const entry = path.join(dir, "pyodide.mjs");
  if (!fs.existsSync(entry)) {
    fail(`Pyodide not found: no ${entry}. Install it with tools/pyodide/install.sh` +
         ` (as .ci/run does), or set SIMLOOP_PYODIDE to the package directory.`);
  }
  const { loadPyodide } = await import(pathToFileURL(entry).href);
  let pyodide;
  try {
    pyodide = await loadPyodide({ indexURL: dir + path.sep });
  } catch (err) {
    fail(`Pyodide at ${dir} failed to start: ${err}`);
  }
  pyodide.setStdin({ read: readSome, isatty: false });
  pyodide.setStdout({ write: (b) => writeAll(1, b), isatty: false });
  pyodide.setStderr({ write: (b) => writeAll(2, b), isatty: false });
  const cwd = process.cwd();
  pyodide.FS.mkdirTree(cwd);
  pyodide.FS.chdir(cwd);
  return pyodide;
}

// Copies a host file into Pyodide's in-memory file system at the same
// absolute path, so that Python sees the same name (tracebacks, __file__,
// messages). Paths that do not exist on the host stay absent there too;
// /dev is left to Pyodide (its /dev/stdin reads our fd 0).
export function mirror(pyodide, hostPath) {
  const abs = path.resolve(hostPath);
  if (abs === "/dev" || abs.startsWith("/dev/")) return;
  let stat;
  try {
    stat = fs.statSync(abs);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    pyodide.FS.mkdirTree(abs);
    return;
  }
  let data;
  try {
    data = fs.readFileSync(abs);
  } catch {
    return;
  }
  pyodide.FS.mkdirTree(path.dirname(abs));
  pyodide.FS.writeFile(abs, data);
}

// Runs a Python program like `python3 script args...` (or, with module set,
// `python3 -m module args...`) and returns the exit status CPython would
// give: SystemExit's code, 1 after printing the traceback of an uncaught
// exception, else 0. Standard streams are flushed before it returns.
export function runMain(pyodide, script, args, { module = null } = {}) {
  const run = pyodide.runPython(`
def _simloop_run_main(script, args, module):
    import asyncio.events, os, runpy, sys, traceback
    # Pyodide installs its own loop (WebLoop) as the running loop of the
    # main thread; with it set, run_until_complete of any other loop raises
    # "Cannot run the event loop while another loop is running".
    asyncio.events._set_running_loop(None)
    status = 0
    try:
        if module is None:
            sys.argv = [script, *args]
            runpy.run_path(script, run_name="__main__")
        else:
            sys.argv = [module, *args]
            sys.path.insert(0, os.getcwd())   # as python3 -m does
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            status = 0
        elif isinstance(exc.code, int):
            status = exc.code
        else:
            print(exc.code, file=sys.stderr)
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return status
_simloop_run_main
`);
  try {
    // undefined, not null: Pyodide turns a JS null into pyodide.ffi.jsnull, not None.
    return run(script ?? undefined, pyodide.toPy(args), module ?? undefined);
  } finally {
    run.destroy();
  }
}
