#!/usr/bin/env node
// Any Python script of tools/ on CPython 3.14 (Pyodide), as `python3 SCRIPT
// ARGS...` would run it: the script's directory first on sys.path, the
// .py files of tools/ and tools/oracle/ visible at their own paths. The
// trace oracles use it to record under 3.14 (tools/oracle/README.md):
//
//   node tools/pyodide/run_py.mjs tools/oracle/record_shield_traces.py --list
//   node tools/pyodide/run_py.mjs --version        "Python 3.14.x", exit 0
//
// Exit status as python3's; 3 when Pyodide is missing (see boot.mjs).

import fs from "node:fs";
import path from "node:path";
import { boot, mirror, runMain, writeAll, TOOLS } from "./boot.mjs";

const [script, ...args] = process.argv.slice(2);
if (!script) {
  writeAll(2, Buffer.from("usage: run_py.mjs SCRIPT [ARGS...] | --version\n"));
  process.exit(2);
}
const pyodide = await boot();
if (script === "--version") {
  const version = pyodide.runPython("import sys; sys.version.split()[0]");
  writeAll(1, Buffer.from(`Python ${version}\n`));
  process.exit(0);
}
for (const dir of [TOOLS, path.join(TOOLS, "oracle")]) {
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(".py")) mirror(pyodide, path.join(dir, name));
  }
}
const abs = path.resolve(script);
mirror(pyodide, abs);
pyodide.globals.set("_simloop_script_dir", path.dirname(abs));
pyodide.runPython("import sys; sys.path.insert(0, _simloop_script_dir)");
process.exit(runMain(pyodide, abs, args));
