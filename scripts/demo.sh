#!/usr/bin/env bash
# `npm run demo`: bootstraps a fresh clone, then runs the demo (see scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node dist/scripts/demo.js "$@"
