#!/usr/bin/env bash
# The project's test command (`npm test`): bootstraps a fresh clone, then runs every test on
# the real servers. Pass test files or folders to run a subset: npm test -- dist/test/workflows/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# Each test file starts its own servers on free ports, so files may run side by side.
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${@:-dist/test/}"
