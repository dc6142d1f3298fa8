#!/usr/bin/env bash
# Brings a fresh clone to a runnable state: npm packages (which also compile the TypeScript)
# and the real servers. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "bootstrap: Node.js 20+ is required" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-servers.sh
npx tsc -p tsconfig.json
# The workflow bundle workers load (worker/bundle.ts); rebuilt only when the workflows changed.
node dist/worker/bundle.js --if-stale
