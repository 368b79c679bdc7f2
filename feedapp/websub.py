"""WebSub publishing: tell the hub which topic URLs changed (WebSub §7, `hub.mode=publish`).

Called after an ingest has committed and printed its results, so a hub that is down or slow
never fails or delays them: each topic is retried with exponential backoff, then logged and
dropped (subscribers still poll).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable

from . import metrics

log = logging.getLogger(__name__)

ATTEMPTS = 3
FIRST_BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 5


def notify(
    hub: str,
    topics: Iterable[str],
    *,
    attempts: int = ATTEMPTS,
    backoff: float = FIRST_BACKOFF_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Publish each topic to the hub; return the topics the hub never accepted (after logging)."""
    failed = []
    for topic in topics:
        if not _publish_with_retries(hub, topic, attempts, backoff, sleep):
            failed.append(topic)
    return failed


def notify_in_background(hub: str | None, topics: list[str]) -> None:
    """notify() in a daemon thread, for a caller that must not wait on the hub (the API's answer,
    the ingest service's next job); nothing when no hub is configured."""
    if hub and topics:
        threading.Thread(target=notify, args=(hub, topics), daemon=True).start()


def _publish_with_retries(hub: str, topic: str, attempts: int, backoff: float, sleep: Callable[[float], None]) -> bool:
    for attempt in range(1, attempts + 1):
        problem = _publish(hub, topic)
        if problem is None:
            return True
        if attempt < attempts:
            log.warning("WebSub hub %s: %s (topic %s); retrying in %.1f s", hub, problem, topic, backoff)
            sleep(backoff)
            backoff *= 2
        else:
            log.error("WebSub hub %s: %s (topic %s); gave up after %d attempts", hub, problem, topic, attempts)
            metrics.count_websub_failure()
    return False


def _publish(hub: str, topic: str) -> str | None:
    """One publish request; None on success (any 2xx), else what went wrong."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
    request = urllib.request.Request(
        hub, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"unreachable ({getattr(error, 'reason', error)})"
