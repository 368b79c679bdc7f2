#!/usr/bin/env bash
# Set everything up and run the whole test suite (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
if ! command -v chromium >/dev/null 2>&1; then
    echo "test: installing Debian's chromium and Noto fonts for the browser tests" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-core >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
