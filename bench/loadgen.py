"""wrk: install it when missing, run it, read its figures.

wrk and the servers share this machine's cores: wrk gets 2 threads, the servers 2 workers, so
absolute requests/s are lower than on separate machines. Every comparison is between servers
measured the same way, alternately, in one run, which is what the ratios rely on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

THREADS = 2
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class LoadError(RuntimeError):
    """wrk is missing and cannot be installed, or a wrk run failed."""


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package with apt-get (as root) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise LoadError("wrk is not installed; run `apt-get install -y wrk` as root (or run this as root)")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True, timeout=600).returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600, check=True)
        subprocess.run(install, capture_output=True, timeout=600, check=True)
    found = shutil.which("wrk")
    if not found:
        raise LoadError("apt-get installed wrk but it is not on PATH")
    return found


def wrk_version(wrk: str) -> str:
    """wrk's version line ('wrk debian/4.1.0-3+b2 [epoll]'): it prints it with usage, exit 1."""
    output = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=30)
    first = (output.stdout or output.stderr).splitlines()[0]
    return first.split(" Copyright")[0].strip()


@dataclass(frozen=True)
class WrkResult:
    """One wrk run's figures."""

    requests_per_second: float
    p99_ms: float
    requests: int
    socket_errors: int
    bad_status: int  # responses other than 2xx/3xx


def _latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise LoadError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> WrkResult:
    """Figures from wrk's text output (run with --latency)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p99 and total):
        raise LoadError("unreadable wrk output:\n" + output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p99_ms=_latency_ms(p99.group(1)),
        requests=int(total.group(1)),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        bad_status=int(bad.group(1)) if bad else 0,
    )


def run(wrk: str, url: str, *, connections: int, seconds: int, headers: dict[str, str] | None = None) -> WrkResult:
    """One wrk run against `url`."""
    command = [wrk, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)
