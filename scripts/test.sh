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
# Each test file starts its own servers on free ports, so files may run side by side.
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./dist/scripts/slowest-reporter.js --test-reporter-destination=stdout "${@:-dist/test/}"
