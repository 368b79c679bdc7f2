#!/usr/bin/env bash
# Set everything up and run the whole test suite (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
