#!/usr/bin/env bash
# Installs the Pyodide version pinned by tools/pyodide/package-lock.json into
# target/pyodide/node_modules (or $1/node_modules), from the npm registry.
# Does nothing when that directory already holds an install of this very
# lockfile. Run from anywhere; needs node and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dest="${1:-$repo/target/pyodide}"

want="$(node -p 'require(process.argv[1]).dependencies.pyodide' "$here/package.json")"
have="$(node -p 'try { require(process.argv[1]).version } catch { "" }' \
        "$dest/node_modules/pyodide/package.json")"
if [ "$have" = "$want" ] && cmp -s "$here/package-lock.json" "$dest/package-lock.json"; then
  echo "pyodide $have already in $dest/node_modules"
  exit 0
fi
mkdir -p "$dest"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
# npm ci: exactly the lockfile's versions (integrity-checked), node_modules anew.
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "pyodide $want installed in $dest/node_modules"
