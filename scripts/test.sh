#!/usr/bin/env bash
# Set everything up and run the whole test suite (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Services the tests run for real, from Debian: chromium (browser tests, driven by Playwright,
# which never downloads a browser here), nginx (deploy tests), PostgreSQL (storage tests),
# systemd-analyze (unit checks), openssl (the deploy tests' TLS certificate), feed readers.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-noto-core)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)  # verifies deploy/'s units
command -v openssl >/dev/null 2>&1 || missing+=(openssl)  # a certificate for nginx's TLS server
# Real feed readers (tests/test_readers.py): newsboat (driven through tmux for its article view),
# rss2email, sfeed (its viewer uses lynx, its fetcher curl).
for program in newsboat:newsboat r2e:rss2email sfeed:sfeed lynx:lynx tmux:tmux curl:curl; do
    command -v "${program%%:*}" >/dev/null 2>&1 || missing+=("${program##*:}")
done
if [ ${#missing[@]} -gt 0 ] && [ "${FEEDAPP_NO_APT:-}" = 1 ]; then
    echo "test: FEEDAPP_NO_APT=1: not installing ${missing[*]}; the tests that need them will fail" >&2
elif [ ${#missing[@]} -gt 0 ]; then
    echo "test: installing from Debian with apt-get (FEEDAPP_NO_APT=1 to skip): ${missing[*]}" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# In parallel, one worker per core (FEEDAPP_TEST_WORKERS to choose; `-n 0` in the arguments runs
# in this process), a module to one worker (--dist loadfile: a module's shared server, store or
# reader starts once).
exec "$PYTHON" -m pytest -n "${FEEDAPP_TEST_WORKERS:-auto}" --dist loadfile "$@"
