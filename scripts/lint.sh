#!/usr/bin/env bash
# The checks that run themselves: ruff (lint and import order, rules in pyproject.toml) over the
# whole tree, and mypy over feedapp/. Installs the pinned tools (the `lint` extra) into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[lint]'
.venv/bin/ruff check feedapp tests bench scripts wsgi.py
.venv/bin/mypy
