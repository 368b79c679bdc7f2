"""Wrong API tokens counted per client address, shared by every worker process on the host.

A token guesser got about 1,700 tries a second, visible only as 403s. Now each wrong token is
logged and counted; after FEEDAPP_AUTH_FAILURES of them within FEEDAPP_AUTH_WINDOW seconds the
address gets 429 with Retry-After until that window ends, whatever token it sends.

The counts live in a small file that each process maps into memory (a fixed table of slots, so
it never grows, whatever the number of addresses), under an exclusive flock for each update:
gunicorn workers are separate processes, and a count kept in one of them would give a guesser
FEEDAPP_WORKERS times the allowance. Several app servers each keep their own (nginx's
`limit_req` on /api/ caps the rate before them all; deploy/nginx.conf).
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import math
import mmap
import os
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# One slot: the address's digest, when its window started (CLOCK_MONOTONIC: one clock for every
# process of the host, never set back), and its failures in that window.
_SLOT = struct.Struct("<8sdI")
SLOTS = 4096
_PROBES = 8  # slots an address may take


def client_key(address: str | None) -> str:
    """What is counted: the address, or its /64 for IPv6 (one host holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class AuthThrottle:
    """Failures per address in a fixed window, in a file shared by the host's processes."""

    def __init__(self, path: str, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.limit, self.window, self.clock = path, limit, window, clock
        self._pid: int | None = None

    def retry_after(self, address: str | None) -> int:
        """Seconds until the address may try again; 0 when it may now."""
        with self._table() as table:
            index, digest = self._slot(table, address)
            found, started, failures = _SLOT.unpack_from(table, index * _SLOT.size)
        if found != digest:  # the slot this address would take holds another's count
            return 0
        left = started + self.window - self.clock()
        return math.ceil(left) if failures >= self.limit and left > 0 else 0

    def failed(self, address: str | None) -> int:
        """Count one wrong token from the address; return its failures in the current window."""
        now = self.clock()
        with self._table() as table:
            index, digest = self._slot(table, address)
            found, started, failures = _SLOT.unpack_from(table, index * _SLOT.size)
            if found != digest or started + self.window <= now:
                started, failures = now, 0
            failures += 1
            _SLOT.pack_into(table, index * _SLOT.size, digest, started, failures)
        return failures

    def _slot(self, table: mmap.mmap, address: str | None) -> tuple[int, bytes]:
        """The address's slot: its own if present, else an expired or empty one, else the one
        with the fewest failures (so a flood of new addresses never frees a throttled one)."""
        digest = hashlib.blake2b(client_key(address).encode(), digest_size=8).digest()
        first = int.from_bytes(digest, "little") % SLOTS
        now, candidates = self.clock(), []
        for index in ((first + step) % SLOTS for step in range(_PROBES)):
            found, started, failures = _SLOT.unpack_from(table, index * _SLOT.size)
            if found == digest:
                return index, digest
            expired = started + self.window <= now
            candidates.append((not expired, failures, started, index))
        return min(candidates)[3], digest

    @contextmanager
    def _table(self) -> Iterator[mmap.mmap]:
        # Opened per process: flock excludes other open files, and a descriptor inherited across
        # fork would be the same open file in every worker.
        if self._pid != os.getpid():
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(descriptor).st_size < SLOTS * _SLOT.size:
                os.ftruncate(descriptor, SLOTS * _SLOT.size)
            self._descriptor, self._map = descriptor, mmap.mmap(descriptor, SLOTS * _SLOT.size)
            self._pid = os.getpid()
        fcntl.flock(self._descriptor, fcntl.LOCK_EX)
        try:
            yield self._map
        finally:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
