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

# Enough for every format and page of the busiest feeds; old archive pages fall out first.
DEFAULT_CAPACITY = 512


class RenderCache(Generic[T]):
    """Maps a key to the value built for one data version; least recently used out first.

    Bounded in entries (`capacity`) and, with `max_bytes`, in the bytes the values hold as
    `weigh` counts them: a worker serving every sitemap page of a large site must not keep them
    all. The newest value always stays, even alone over the bound.
    """

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, max_bytes: int | None = None, weigh: Callable[[T], int] | None = None
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, T, int]] = OrderedDict()
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._weigh = weigh or (lambda _value: 0)
        self.bytes = 0  # what the values weigh together
        self._lock = threading.Lock()
        self.builds = 0  # how many times a value was built (tests and benchmarks read it)

    def has(self, key: Hashable, version: Hashable) -> bool:
        """Whether `get` would find a value for `key` at `version` without building it."""
        hit = self._entries.get(key)
        return hit is not None and hit[0] == version

    def get(self, key: Hashable, version: Hashable, build: Callable[[], T]) -> T:
        """The value for `key` at `version`, built (once) if missing or built for another version.

        `version` is the store's data version, with whatever else the value depends on (the
        news sitemap adds the minute, since releases leave it as time passes).
        """
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version:
                self._entries.move_to_end(key)
                return hit[1]
        value = build()
        weight = self._weigh(value)
        with self._lock:
            self.builds += 1
            replaced = self._entries.pop(key, None)
            self.bytes += weight - (replaced[2] if replaced else 0)
            self._entries[key] = (version, value, weight)
            while len(self._entries) > 1 and (
                len(self._entries) > self._capacity or (self._max_bytes is not None and self.bytes > self._max_bytes)
            ):
                self.bytes -= self._entries.popitem(last=False)[1][2]
        return value
