#!/usr/bin/env node
// tools/simloop_ref.py on CPython 3.14, compiled to WebAssembly by Pyodide.
//
//   node tools/pyodide/run_ref.mjs [--native-sets] FILE.json   one outcome line
//   node tools/pyodide/run_ref.mjs [--native-sets] -           batch, as python3 simloop_ref.py -
//   node tools/pyodide/run_ref.mjs --version                   "Python 3.14.x", exit 0
//
// Same arguments, stdin, stdout, stderr and exit status as
// `python3 tools/simloop_ref.py ...`; in addition, exit status 3 with a
// message on stderr when the Pyodide package is missing or does not start.
// See boot.mjs for where the package is looked for.

import path from "node:path";
import { boot, mirror, runMain, writeAll, TOOLS } from "./boot.mjs";

const args = process.argv.slice(2);
const pyodide = await boot();

if (args.length === 1 && args[0] === "--version") {
  const version = pyodide.runPython("import sys; sys.version.split()[0]");
  writeAll(1, Buffer.from(`Python ${version}\n`));
  process.exit(0);
}

const runner = path.join(TOOLS, "simloop_ref.py");
mirror(pyodide, runner);
// File mode: the scenario file must be visible to Python under its own name.
for (const arg of args) {
  if (!arg.startsWith("-")) mirror(pyodide, arg);
}
process.exit(runMain(pyodide, runner, args));
