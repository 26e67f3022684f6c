from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collectors._ratelimit import RateLimiter, remaining, reset_wait

NOW = datetime(2026, 8, 1, 13, 50, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("headers", "left", "wait"), [
    # Reddit: a float count and seconds until the reset
    ({"x-ratelimit-remaining": "151.0", "x-ratelimit-reset": "128"}, 151.0, 128.0),
    # Mastodon: an ISO timestamp
    ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2026-08-01T13:55:00.729285Z"},
     0.0, 300.729285),
    # Bluesky and X: epoch seconds
    ({"ratelimit-remaining": "2983", "ratelimit-reset": str(int(NOW.timestamp()) + 60)},
     2983.0, 60.0),
    ({"x-rate-limit-remaining": "448", "x-rate-limit-reset": str(int(NOW.timestamp()) + 900)},
     448.0, 900.0),
    ({}, None, None),
    ({"x-ratelimit-remaining": "lots", "x-ratelimit-reset": "soon"}, None, None),
])
def test_every_services_rate_limit_headers(headers: dict[str, str], left: float | None,
                                           wait: float | None) -> None:
    assert remaining(headers) == left
    got = reset_wait(headers, NOW)
    assert got == (pytest.approx(wait) if wait is not None else None)


def test_window_waits_only_when_the_budget_is_used() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, sleep=clock.sleep, clock=clock)
    for _ in range(3):
        limiter.acquire()
    assert clock.slept == []
    clock.now += 20
    limiter.acquire()  # the 4th request within a minute waits for the first to age out
    assert clock.slept == [pytest.approx(40)]
    limiter.acquire()
    limiter.acquire()
    assert len(clock.slept) == 1  # the 2nd and 3rd requests aged out during that wait


def test_spent_server_budget_waits_until_the_reset_capped() -> None:
    clock = Clock()
    limiter = RateLimiter(100, 60, sleep=clock.sleep, clock=clock, max_wait=120)
    limiter.observe({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "30"}, NOW)
    limiter.acquire()
    assert clock.slept == [pytest.approx(30)]
    limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "3600"}, NOW)
    limiter.acquire()
    assert clock.slept[-1] == pytest.approx(120)
    limiter.observe({"x-ratelimit-remaining": "5", "x-ratelimit-reset": "3600"}, NOW)
    limiter.acquire()
    assert len(clock.slept) == 2


def test_a_limit_needs_a_positive_budget() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
