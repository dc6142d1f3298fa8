#!/usr/bin/env bash
# The Debian packages the tests drive for real: chromium (the Web UI browser test), prometheus
# (metric provider tests), haproxy (the HAProxy router) and python3-venv (the venv the servers live in). Missing ones are
# installed with apt-get when we run as root; otherwise this stops with the one command to run.
# Quiet and instant when everything is there. CHROMIUM_PATH / PROMETHEUS_PATH / HAPROXY_PATH point elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -x "${PROMETHEUS_PATH:-/usr/bin/prometheus}" ] || command -v prometheus >/dev/null || missing+=(prometheus)
[ -x "${HAPROXY_PATH:-/usr/sbin/haproxy}" ] || command -v haproxy >/dev/null || missing+=(haproxy)
if [ ! -x .venv/bin/pip ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get install -y ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "test: missing ${missing[*]}; install with: sudo $command" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "test: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
  exit 1
fi
echo "test: installing ${missing[*]} (apt-get, once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "test: apt-get could not install ${missing[*]}; run: $command" >&2
  exit 1
fi
