"""A per-process cache of rendered documents, valid while the store's data version holds.

Every process (gunicorn worker, CLI) reads the data version, one indexed row, per request; an
ingest anywhere bumps it in the same transaction as its change, so no process ever serves a
document older than the data it could read. Query parameters are not part of any key, so
cache-busting parameters (NewsBlur's `?_=…`) cost nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
V = TypeVar("V")

# Enough for every format and page of the busiest feeds; old archive pages fall out first.
DEFAULT_CAPACITY = 512
# Light copies (validators): every sitemap page of a site of 200 million releases.
LIGHT_CAPACITY = 4096


class BoundedLRU(Generic[V]):
    """Values by key, least recently used (or stored) out first, bounded in entries and, with `max_bytes`,
    in the bytes they weigh together: a worker serving every sitemap page of a large site must
    not keep them all. The newest value always stays, even alone over the bound.

    Shared by the render caches and the fast path.
    """

    def __init__(self, capacity: int, max_bytes: int | None = None) -> None:
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self.bytes = 0  # what the values weigh together

    def get(self, key: Hashable, *, refresh: bool = False) -> V | None:
        """The value for `key`; with `refresh`, it counts as used now (else a plain dictionary
        read, safe without the lock: the fast path's per-request look-up)."""
        if not refresh:
            found = self._entries.get(key)
            return None if found is None else found[0]
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: V, weight: int = 0) -> None:
        with self._lock:
            replaced = self._entries.pop(key, None)
            self.bytes += weight - (replaced[1] if replaced else 0)
            self._entries[key] = (value, weight)
            while len(self._entries) > 1 and (
                len(self._entries) > self._capacity or (self._max_bytes is not None and self.bytes > self._max_bytes)
            ):
                self.bytes -= self._entries.popitem(last=False)[1][1]

    def keys(self) -> list[Hashable]:
        """The keys held, the next to go first."""
        return list(self._entries)


class RenderCache(Generic[T]):
    """Maps a key to the value built for one data version (see BoundedLRU for the bounds;
    `weigh` says what a value weighs in bytes)."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        max_bytes: int | None = None,
        weigh: Callable[[T], int] | None = None,
        lighten: Callable[[T], T] | None = None,
    ) -> None:
        self._values: BoundedLRU[tuple[Hashable, T]] = BoundedLRU(capacity, max_bytes)
        self._weigh = weigh or (lambda _value: 0)
        # With `lighten`, what each value keeps without its bytes (its validators), held apart and
        # bounded in entries only: a few hundred bytes each.
        self._lighten = lighten
        self._light: BoundedLRU[tuple[Hashable, T]] = BoundedLRU(LIGHT_CAPACITY)
        self.builds = 0  # how many times a value was built (tests and benchmarks read it)

    @property
    def bytes(self) -> int:
        return self._values.bytes

    def has(self, key: Hashable, version: Hashable) -> bool:
        """Whether `get` would find a value for `key` at `version` without building it."""
        hit = self._values.get(key)
        return hit is not None and hit[0] == version

    def get(self, key: Hashable, version: Hashable, build: Callable[[], T]) -> T:
        """The value for `key` at `version`, built (once) if missing or built for another version.

        `version` is the store's data version, with whatever else the value depends on (the
        news sitemap adds the minute, since releases leave it as time passes).
        """
        hit = self._values.get(key, refresh=True)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        self.builds += 1
        self._values.put(key, (version, value), self._weigh(value))
        if self._lighten is not None and value is not None:
            self._light.put(key, (version, self._lighten(value)))
        return value

    def light(self, key: Hashable, version: Hashable) -> T | None:
        """The light copy (see `lighten`) of the value built for `key` at `version` in this
        process, kept after the value itself made room for others: enough to answer a
        conditional request with 304 without building the value again."""
        hit = self._light.get(key)
        return hit[1] if hit is not None and hit[0] == version else None
