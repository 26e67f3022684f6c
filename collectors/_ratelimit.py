"""Staying inside a service's rate limit instead of running into it.

Two sources of truth, both used: the documented budget (``RateLimiter(100, 60)`` for Reddit's
100 requests a minute) counted on our side, and the counters the service sends back. Services
spell those differently; :func:`reset_wait` reads all of these:

- Reddit: ``x-ratelimit-remaining: 151.0`` (a float), ``x-ratelimit-reset: 128`` (seconds)
- Mastodon: ``x-ratelimit-remaining``, ``x-ratelimit-reset: 2026-08-01T13:55:00.729285Z``
- Bluesky: ``ratelimit-remaining``, ``ratelimit-reset: 1747676784`` (epoch seconds)
- X: ``x-rate-limit-remaining``, ``x-rate-limit-reset: 1665183229`` (epoch seconds)
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

_REMAINING = ("x-ratelimit-remaining", "ratelimit-remaining", "x-rate-limit-remaining")
_RESET = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")
# A reset value above this is an epoch timestamp, below it a number of seconds.
_EPOCH_THRESHOLD = 1e9


def _header(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def remaining(headers: Mapping[str, str]) -> float | None:
    value = _header(headers, _REMAINING)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def reset_wait(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds until the service's rate-limit window resets, from whichever header it sends."""
    value = _header(headers, _RESET)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    if number >= _EPOCH_THRESHOLD:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


class RateLimiter:
    """At most ``max_requests`` per ``per_seconds`` (a sliding window), plus server counters.

    ``acquire`` waits (through the injected ``sleep``) until a request fits the window;
    ``observe`` reads the service's remaining/reset headers and, when it says the budget is
    spent, makes the next ``acquire`` wait for the reset (at most ``max_wait`` seconds).
    """

    def __init__(self, max_requests: int, per_seconds: float, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 max_wait: float = 900.0, source: str = "") -> None:
        if max_requests < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs at least one request per positive period")
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self.source = source
        self._sent: deque[float] = deque()
        self._blocked_until: float | None = None
        self.waited = 0.0

    def _pause(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        logger.info("%s: waiting %.1fs (%s)", self.source or "rate limit", seconds, why)
        self.waited += seconds
        self.sleep(seconds)

    def acquire(self) -> None:
        now = self.clock()
        if self._blocked_until is not None:
            self._pause(self._blocked_until - now, "the service's rate-limit budget is spent")
            self._blocked_until = None
            now = self.clock()
        while self._sent and now - self._sent[0] >= self.per_seconds:
            self._sent.popleft()
        if len(self._sent) >= self.max_requests:
            wait = self.per_seconds - (now - self._sent[0])
            self._pause(wait, f"{self.max_requests} requests per {self.per_seconds:g}s")
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.per_seconds:
                self._sent.popleft()
        self._sent.append(now)

    def observe(self, headers: Mapping[str, str], now: datetime) -> None:
        left = remaining(headers)
        if left is None or left >= 1:
            return
        wait = reset_wait(headers, now)
        if wait is None:
            wait = self.per_seconds
        self._blocked_until = self.clock() + min(wait, self.max_wait)
