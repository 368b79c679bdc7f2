#!/usr/bin/env bash
# The checks that run themselves: ruff (lint, import order and formatting, rules in pyproject.toml)
# over the whole tree, and mypy over feedapp/. `ruff format` fixes what the format check
# reports. Installs the pinned tools (the `lint` extra) into .venv (or $FEEDAPP_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
"$VENV"/bin/python -m pip install --quiet --disable-pip-version-check -e '.[lint]'
"$VENV"/bin/ruff check feedapp tests bench eval scripts wsgi.py
"$VENV"/bin/ruff format --check feedapp tests bench eval scripts wsgi.py
"$VENV"/bin/mypy
