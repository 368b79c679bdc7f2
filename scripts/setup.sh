#!/usr/bin/env bash
# Create .venv with the newest Python (3.13, 3.12, then 3.11) that actually runs, and install
# feedapp with its test dependencies into it. Sourced by scripts/serve.sh and scripts/test.sh.
# Not 3.14 or later: hazm 0.12.1 declares Requires-Python <3.14 (see the message below).
set -euo pipefail
cd "$(dirname "$0")/.."

works() {  # a shim (pyenv's python3.12) may exist without a working interpreter behind it
    "$1" -c 'import sys, venv, sqlite3, ssl; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' >/dev/null 2>&1
}

pick_python() {
    local candidates=() version root
    root=$(pyenv root 2>/dev/null || true)
    for version in 3.13 3.12 3.11; do
        candidates+=("python$version")
        if [ -n "$root" ]; then
            candidates+=($(ls -d "$root"/versions/"$version"*/bin/python3 2>/dev/null | sort -rV))
        fi
        candidates+=("/usr/bin/python$version" "/usr/local/bin/python$version")
    done
    candidates+=(python3)
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 && works "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    {
        echo "setup: feedapp needs Python 3.11, 3.12 or 3.13, and none was found that runs."
        echo "  3.11 is the oldest the code is written for; hazm 0.12.1, the Persian normalizer, declares"
        echo "  Requires-Python <3.14, so pip refuses it on 3.14 and later."
        echo "  python3 here is: $(python3 --version 2>&1 || echo 'missing')."
        echo "  Install one, e.g. \`pyenv install 3.13\` or your distribution's python3.13 (with venv), then run this again."
    } >&2
    return 1
}

# FEEDAPP_PYTHON picks the interpreter and FEEDAPP_VENV the environment's folder (.venv): CI also
# runs the version-dependent tests on 3.11, where hazm 0.10 installs instead of 0.12 (.ci/run).
VENV=${FEEDAPP_VENV:-.venv}
if [ -n "${FEEDAPP_PYTHON:-}" ] && ! works "$FEEDAPP_PYTHON"; then
    echo "setup: FEEDAPP_PYTHON=$FEEDAPP_PYTHON is not a working Python 3.11 to 3.13" >&2
    exit 1
fi
if [ -x "$VENV/bin/python" ] && works "$VENV/bin/python" && { [ -z "${FEEDAPP_PYTHON:-}" ] ||
    [ "$("$VENV/bin/python" -c 'import sys; print(sys.version_info[:2])')" = "$("$FEEDAPP_PYTHON" -c 'import sys; print(sys.version_info[:2])')" ]; }; then
    PYTHON=$VENV/bin/python
else
    base=${FEEDAPP_PYTHON:-$(pick_python)}
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
    PYTHON=$VENV/bin/python
fi
echo "setup: using $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')" >&2

# Reinstall only when the project's declared dependencies change.
stamp=$VENV/.feedapp-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test]'
    echo "$want" > "$stamp"
fi
