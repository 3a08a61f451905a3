// The Pyodide driver's command line: node --test tools/pyodide/
// Each test starts Pyodide (a few seconds of CPU); without the package they
// skip, unless CI is set, where they must run (.ci/run installs it first).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import { HERE, installedVersion, pyodideDir } from "./boot.mjs";

const DRIVER = path.join(HERE, "run_ref.mjs");
const inCI = ["", "0", "false"].indexOf(process.env.CI ?? "") === -1;
const skip = installedVersion() === null && !inCI
  ? `no Pyodide at ${pyodideDir()} (tools/pyodide/install.sh installs it)`
  : false;

function driver(args, input = "", env = {}) {
  return spawnSync(process.execPath, [DRIVER, ...args], {
    input, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000,
  });
}

const GHOST = {
  main: [{ try: [{ gather: [[{ sleep: 2000 }, { return: "ok" }],
                            [{ sleep: 500 }, { raise: "ValueError" }]] }],
           except: [{ kinds: ["ValueError"], do: [{ return: "caught" }] }] }],
};
const GHOST_OUTCOME = '{"main":{"ok":"caught"},"end_time":500,"quiescent_time":500,' +
  '"orphans":["main.0"],"scope_escapes":[{"scope":"gather","task":"main.0","at":500}],' +
  '"tasks":[{"name":"main","parent":null,"created":0,"done":500,"outcome":{"ok":"caught"},' +
  '"cancel_requests":0,"uncancels":0,"cancelling":0},{"name":"main.0","parent":"main",' +
  '"created":0,"done":500,"outcome":{"cancelled":true},"cancel_requests":1,"uncancels":0,' +
  '"cancelling":1},{"name":"main.1","parent":"main","created":0,"done":500,' +
  '"outcome":{"error":{"kind":"ValueError"}},"cancel_requests":0,"uncancels":0,"cancelling":0}]}';

test("--version reports CPython 3.14", { skip }, () => {
  const r = driver(["--version"]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Python 3\.14\.\d+\n$/);
});

test("batch mode: one outcome line per input line, in order", { skip }, () => {
  const eager = { main: [{ spawn: { body: [{ return: 1 }], eager_start: true } }] };
  const lines = [JSON.stringify(GHOST), "not json", '{"name": "no main"}',
                 JSON.stringify(eager), JSON.stringify({ main: [{ hang: null }] })];
  const r = driver(["-"], lines.join("\n") + "\n");
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const out = r.stdout.split("\n");
  assert.equal(out.length, 6);
  assert.equal(out[5], "");
  assert.equal(out[0], GHOST_OUTCOME);
  assert.deepEqual(Object.keys(JSON.parse(out[1])), ["invalid"]);
  assert.equal(out[2], '{"invalid":"scenario: missing main"}');
  assert.equal(JSON.parse(out[3]).tasks[1].outcome.ok, 1);   // eager_start is 3.14's
  assert.deepEqual(JSON.parse(out[4]).main, { stalled: true });
});

test("file mode: outcome, or exit 2 and a message", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simloop-pyodide-"));
  try {
    const file = path.join(dir, "ghost.json");
    fs.writeFileSync(file, JSON.stringify(GHOST));
    const r = driver([file]);
    assert.deepEqual([r.status, r.stderr, r.stdout], [0, "", GHOST_OUTCOME + "\n"]);
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, '{"semaphores": {}}');
    const b = driver([bad]);
    assert.deepEqual([b.status, b.stdout], [2, ""]);
    assert.equal(b.stderr, `simloop_ref: ${bad}: scenario: missing main\n`);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test("exit 3 when the package is missing", () => {
  const r = driver(["-"], "", { SIMLOOP_PYODIDE: path.join(os.tmpdir(), "no-such-pyodide") });
  assert.equal(r.status, 3);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /Pyodide not found/);
});
