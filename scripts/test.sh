#!/usr/bin/env bash
# The project's test command (`npm test`): bootstraps a fresh clone, then runs every test on
# the real servers. Pass test files or folders to run a subset: npm test -- dist/test/workflows/
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's chromium and prometheus (and python3-venv) are installed here when missing, so a
# fresh machine with Node.js 20, Python 3 and apt passes with nothing done by hand.
bash scripts/system-packages.sh
bash scripts/bootstrap.sh
# Lint and format first: a floating promise in a workflow is a bug no test may catch. LINT=0 skips
# them while iterating on a subset.
if [ "${LINT:-1}" != 0 ]; then
  npx eslint . && npx prettier --check . >/dev/null || { echo "test: fix the lint/format problems above (npm run format fixes formatting)" >&2; exit 1; }
fi
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# Every Node process of the run (test files, workers and their workflow threads, the CLI) reads
# the compiled code of modules an earlier process compiled (scripts/compile-cache.ts): the run
# starts a few hundred of them, each loading @temporalio and the AWS SDK. Entries of files that
# changed are never read again; those unused for two days go.
export BLUEGREEN_COMPILE_CACHE_DIR="${BLUEGREEN_COMPILE_CACHE_DIR:-node_modules/.cache/bluegreen-compile}"
mkdir -p "$BLUEGREEN_COMPILE_CACHE_DIR" && find "$BLUEGREEN_COMPILE_CACHE_DIR" -type f -atime +2 -delete 2>/dev/null || true
BLUEGREEN_COMPILE_CACHE_DIR=$(cd "$BLUEGREEN_COMPILE_CACHE_DIR" && pwd)
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require $PWD/dist/scripts/compile-cache.js"
# Servers the run's files share; the EXIT trap stops them.
shared_pids=()
trap 'for p in "${shared_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -f "${shared_log:-}"' EXIT
free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }
# One Temporal dev server for the whole run (in memory): test stacks take a fresh namespace each
# on it instead of starting a server per file (test/support/temporal.ts). Files needing a server
# of their own (the Web UI, dynamic config) still start one, as does a file run with `node --test`.
# SHARED_SERVERS=0 gives every file its own again. One partition per task queue, as
# docs/production.md asks for the Route 53 queue: the fleet tests need it, and no test needs more.
if [ "${SHARED_SERVERS:-1}" != 0 ] && [ -z "${BLUEGREEN_TEST_TEMPORAL_ADDRESS:-}" ]; then
  temporal=$(command -v temporal || echo .venv/bin/temporal)
  export BLUEGREEN_TEST_TEMPORAL_CONFIG="matching.numTaskqueueReadPartitions=1 matching.numTaskqueueWritePartitions=1"
  config_flags=()
  for setting in $BLUEGREEN_TEST_TEMPORAL_CONFIG; do config_flags+=(--dynamic-config-value "$setting"); done
  shared_log=$(mktemp)
  for attempt in 1 2 3; do
    port=$(free_port)
    "$temporal" server start-dev --ip 127.0.0.1 --port "$port" --headless --log-level error \
      "${config_flags[@]}" >"$shared_log" 2>&1 &
    shared_pid=$!
    shared_pids+=("$shared_pid")
    for _ in $(seq 1 300); do
      "$temporal" operator cluster health --address "127.0.0.1:$port" >/dev/null 2>&1 && break
      kill -0 "$shared_pid" 2>/dev/null || break
      sleep 0.2
    done
    if "$temporal" operator cluster health --address "127.0.0.1:$port" >/dev/null 2>&1; then
      export BLUEGREEN_TEST_TEMPORAL_ADDRESS="127.0.0.1:$port"
      break
    fi
    kill "$shared_pid" 2>/dev/null || true
    wait "$shared_pid" 2>/dev/null || true
  done
  [ -n "${BLUEGREEN_TEST_TEMPORAL_ADDRESS:-}" ] || { echo "test: the shared Temporal dev server did not start:" >&2; cat "$shared_log" >&2; exit 1; }
fi
# One moto for the whole run: each test stack takes an AWS account of its own on it
# (test/support/moto.ts), where a moto per stack cost about 0.8 CPU-s to start. SHARED_SERVERS=0
# gives every stack its own again.
if [ "${SHARED_SERVERS:-1}" != 0 ] && [ -z "${BLUEGREEN_TEST_MOTO_ENDPOINT:-}" ]; then
  for attempt in 1 2 3; do
    port=$(free_port)
    .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    moto_pid=$!
    shared_pids+=("$moto_pid")
    if node -e "
      const deadline = Date.now() + 30000;
      (async function poll() {
        try { await (await fetch('http://127.0.0.1:$port/moto-api/')).arrayBuffer(); process.exit(0); } catch {}
        if (Date.now() > deadline) process.exit(1);
        setTimeout(poll, 100);
      })();"; then
      export BLUEGREEN_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
      break
    fi
    kill "$moto_pid" 2>/dev/null || true
  done
  [ -n "${BLUEGREEN_TEST_MOTO_ENDPOINT:-}" ] || { echo "test: the shared moto did not start" >&2; exit 1; }
fi
# Files run side by side, four per core by default (at most 8): most of a file's time is spent
# waiting on real holds and timers, not on the CPU (at two files a 2-core machine sat at a load
# of 1.5; at eight it is busy about 87 % of the run). TEST_CONCURRENCY=n overrides it. (Two per
# core once left time-skipping files hanging: the test server leaked a clock lock from one test
# to the next, fixed by a server per test.)
cores=$(node -p "require('os').availableParallelism()")
concurrency=${TEST_CONCURRENCY:-$((cores * 4 > 8 ? 8 : cores * 4))}
# A test that hangs fails after TEST_TIMEOUT_MS (5 minutes; the longest test takes about 80 s)
# instead of holding the run until CI's limit.
# The test files of each folder (all of dist/test/ by default), the slowest first
# (scripts/test-order.ts); a file given by name runs as given.
files=()
for target in "${@:-dist/test/}"; do
  if [ -d "$target" ]; then mapfile -t -O "${#files[@]}" files < <(node dist/scripts/test-order.js "$target"); else files+=("$target"); fi
done
node --test --test-timeout="${TEST_TIMEOUT_MS:-300000}" --test-concurrency="$concurrency" --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./dist/scripts/slowest-reporter.js --test-reporter-destination=stdout "${files[@]}"
