#!/usr/bin/env bash
# Set up, then run a benchmark: `./scripts/bench.sh COMMAND [OPTIONS]` is `python -m bench …` in
# the repository root (`./scripts/bench.sh --help` lists the commands; bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec "$VENV"/bin/python -m bench "$@"
