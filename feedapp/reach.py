"""Reach: how many people read each subscription feed, counted where the feeds are served.

An aggregator that announces its subscribers in its User-Agent (core/reach.py) is counted at its
latest figure of the day; every other poller once a day, as a keyed hash of its address and
agent (the key is the day's own and is deleted once the day is counted, so no address is
stored and one poller's days cannot be linked). Only answers that deliver the feed count (200,
226, 304), so made-up URLs count nothing.

Each process counts in memory (a dict and a set: nothing measurable per request) and writes what
it counted every REACH_FLUSH_SECONDS, at the end of a request that finds it due, and when the
worker exits; days are the site's (Asia/Tehran). `feedapp stats` reads it back.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

from . import store
from .core.jalali import TEHRAN
from .core.reach import Announcement, announced
from .engine import Engine

log = logging.getLogger(__name__)

COUNTED = frozenset({200, 226, 304})
SUBSCRIPTION_FEED = re.compile(r"(?:/(?:categories|sources)/[^/]{1,200})?/feed\.(?:atom|rss|json)")
AGENT_CHARS = 512  # of an agent kept until the flush hashes it
FLUSH_AT = 100_000  # pollers held before a flush is due anyway (memory stays bounded)
AGENTS_KEPT = 4096  # User-Agents whose announcement a process remembers


def site_day(moment: datetime) -> date:
    return moment.astimezone(TEHRAN).date()


class ReachCounter:
    """One process's counts since its last flush."""

    def __init__(self, engine: Engine, flush_every: float) -> None:
        self._engine = engine
        self._flush_every = flush_every
        self._lock = threading.Lock()
        # (day, feed, aggregator, feed id) -> (subscribers, POSIX time seen)
        self._announced: dict[tuple[str, str, str, str], tuple[int, float]] = {}
        self._pollers: set[tuple[str, str, str, str]] = set()  # (day, feed, address, agent)
        self._due = time.monotonic() + flush_every
        self._closed_before: str | None = None
        self._minute: tuple[int, str] | None = None
        self._agents: dict[str, Announcement | None] = {}

    def count(self, path: str, status: int, agent: str, address: str, now: datetime | None = None) -> None:
        """Count one answer, if it delivered a subscription feed."""
        if status not in COUNTED or not SUBSCRIPTION_FEED.fullmatch(path):
            return
        # A float and a tuple per request; the datetimes and store rows are made at the flush.
        moment = now.timestamp() if now is not None else time.time()
        day = self._day(moment)
        announcement = self._announcement(agent)
        with self._lock:
            if announcement is not None:
                key = (day, path, announcement.aggregator, announcement.feed_id or "")
                self._announced[key] = (announcement.subscribers, moment)
            else:
                self._pollers.add((day, path, address, agent[:AGENT_CHARS]))
                if len(self._pollers) >= FLUSH_AT:
                    self._due = 0

    def _day(self, moment: float) -> str:
        """The site's day at `moment` (a POSIX time), computed once a minute (Tehran's offset is
        whole minutes)."""
        minute = int(moment // 60)
        if self._minute is None or self._minute[0] != minute:
            self._minute = (minute, site_day(datetime.fromtimestamp(moment, timezone.utc)).isoformat())
        return self._minute[1]

    def _announcement(self, agent: str) -> Announcement | None:
        """announced(agent), remembered: an aggregator polls with the same agent all day."""
        if agent not in self._agents:
            if len(self._agents) >= AGENTS_KEPT:
                self._agents.clear()  # made-up agents must not grow the process
            self._agents[agent] = announced(agent)
        return self._agents[agent]

    def due(self) -> bool:
        return time.monotonic() >= self._due

    def flush(self, now: datetime | None = None) -> None:
        """Write what was counted; on a store error keep it for the next flush."""
        with self._lock:
            announcements, self._announced = self._announced, {}
            pollers, self._pollers = self._pollers, set()
            self._due = time.monotonic() + self._flush_every
        try:
            self._write(announcements, pollers, now or datetime.now(timezone.utc))
        except Exception:
            log.exception("reach: could not write what was counted; kept for the next flush")
            with self._lock:
                for key, value in announcements.items():
                    if key not in self._announced or self._announced[key][1] < value[1]:
                        self._announced[key] = value
                self._pollers |= pollers

    def _write(
        self,
        announcements: dict[tuple[str, str, str, str], tuple[int, float]],
        pollers: set[tuple[str, str, str, str]],
        now: datetime,
    ) -> None:
        if not announcements and not pollers:
            return
        keys = {day: store.reach_secret(self._engine, day).encode() for day in {day for day, *_ in pollers}}
        hashed = {(day, feed, poller_hash(keys[day], address, agent)) for day, feed, address, agent in pollers}
        rows = [
            store.Announced(*key, subscribers, datetime.fromtimestamp(seen, timezone.utc))
            for key, (subscribers, seen) in announcements.items()
        ]
        store.record_reach(self._engine, rows, hashed)
        # A day is counted once the next one is over too: a process may still flush its last
        # minutes after midnight.
        before = (site_day(now) - timedelta(days=1)).isoformat()
        if self._closed_before != before:
            store.close_reach_days(self._engine, before)
            self._closed_before = before


def poller_hash(key: bytes, address: str, agent: str) -> str:
    """A poller's id for one day: the same address and agent give the same id that day only."""
    return hmac.new(key, f"{address}\n{agent}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
