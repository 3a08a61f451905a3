#!/usr/bin/env node
// The reference runner's own tests on CPython 3.14 (Pyodide), as
//
//   python3 -m unittest discover -s tools -p 'test_*.py' [more unittest args]
//
// run from the repository root. Exit status as unittest's; 3 when Pyodide is
// missing (see boot.mjs). Tests that start subprocesses skip themselves
// there (Pyodide has none); run_ref.test.mjs covers the driver's command line.

import fs from "node:fs";
import path from "node:path";
import { boot, mirror, runMain, REPO, TOOLS } from "./boot.mjs";

process.chdir(REPO);
const pyodide = await boot();
for (const name of fs.readdirSync(TOOLS)) {
  if (name.endsWith(".py")) mirror(pyodide, path.join(TOOLS, name));
}
const args = ["discover", "-s", "tools", "-p", "test_*.py", ...process.argv.slice(2)];
process.exit(runMain(pyodide, null, args, { module: "unittest" }));
