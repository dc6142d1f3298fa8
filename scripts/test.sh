#!/usr/bin/env bash
# The project's test command: installs the real servers if needed, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-servers.sh
npx tsc -p tsconfig.json
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# Each test file starts its own servers on free ports, so files may run side by side.
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=spec "${@:-dist/test/}"
