"""The one HTTP base every HTTP collector uses; it alone decides what is retried.

429, 5xx, timeouts and transport errors are retried with exponential backoff and jitter
(``Retry-After`` wins when the server sends it); any other 4xx fails at once with a
message naming the source, the query and what to check. Waits go through the injected
``sleep`` so tests record them instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from collectors._text import excerpt
from collectors.base import FetchError, MalformedResponseError

logger = logging.getLogger(__name__)

USER_AGENT = "Koe/0.1 (self-hosted social listening; +https://github.com/koe-listening/koe)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Params = Mapping[str, str | int | float]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    initial_wait: float = 1.0
    max_wait: float = 60.0
    jitter: float = 1.0


class _Retriable(Exception):
    """A response worth trying again (429/5xx); carries what the server asked us to wait."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or an HTTP-date) into seconds from ``now``."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


_HINTS = {
    400: "the API rejected the request; check the query syntax and this source's options",
    401: "the API wants credentials; check the key/token configured for this source",
    403: "access denied; check this source's credentials and their permissions",
    404: "not found; check base_url (and any id) in this source's config",
    410: "this endpoint is gone; check base_url in this source's config",
}


def _redact(url: httpx.URL) -> str:
    # Query strings can carry API keys; messages and logs show only scheme, host and path.
    return str(url.copy_with(query=None))


class JsonHttp:
    """GET JSON for one source through an ``httpx.Client``, with Koe's retry rules."""

    def __init__(
        self,
        source: str,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy = RetryPolicy(),
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.source = source
        self._client = client
        self._owns_client = client is None
        self.sleep = sleep
        self.policy = policy
        self._now = now or (lambda: datetime.now(UTC))
        self._backoff = wait_exponential_jitter(
            initial=policy.initial_wait, max=policy.max_wait, jitter=policy.jitter
        )

    @property
    def client(self) -> httpx.Client:
        # Created on first request: building a collector (e.g. to plan jobs) opens nothing.
        if self._client is None:
            self._client = httpx.Client(
                timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT}, follow_redirects=True
            )
        return self._client

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def _headers(self) -> dict[str, str]:
        # An injected client keeps its own User-Agent unless it is httpx's default.
        if self.client.headers.get("User-Agent", "").startswith("python-httpx"):
            return {"User-Agent": USER_AGENT}
        return {}

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retriable) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.max_wait)
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState, query_label: str | None) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "%s: %s for query %r (attempt %d of %d); retrying in %.1fs",
            self.source, exc.__class__.__name__ if not isinstance(exc, _Retriable) else exc,
            query_label, state.attempt_number, self.policy.attempts,
            state.next_action.sleep if state.next_action else 0.0,
        )

    def get_json(self, url: str, params: Params | None = None, *, query_label: str | None) -> Any:
        """GET ``url`` and return the decoded JSON body.

        Raises :class:`FetchError` for fatal statuses or exhausted retries and
        :class:`MalformedResponseError` for a body that is not complete JSON.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception_type((_Retriable, httpx.TransportError)),
            sleep=self.sleep,
            before_sleep=lambda state: self._log_retry(state, query_label),
        )
        try:
            response: httpx.Response = retrying(self._attempt, url, params, query_label)
        except RetryError as e:
            last = e.last_attempt.exception()
            what = str(last) if isinstance(last, _Retriable) else f"{type(last).__name__}: {last}"
            raise FetchError(
                f"{self.source}: GET {_redact(httpx.URL(url))} for query {query_label!r} still "
                f"failed after {self.policy.attempts} attempts (last: {what}); the service is down "
                "or rate-limiting us: rerun later, or lower hits_per_page/max_pages for this source"
            ) from last
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as e:
            raise MalformedResponseError(
                f"{self.source}: response to query {query_label!r} from "
                f"{_redact(response.request.url)} is not valid JSON ({e}); it starts with "
                f"{excerpt(response.content)!r}. The API may have changed or sent an error page"
            ) from e

    def _attempt(self, url: str, params: Params | None, query_label: str | None) -> httpx.Response:
        response = self.client.get(url, params=params, headers=self._headers())
        status = response.status_code
        if status == 429 or status >= 500:
            response.close()
            raise _Retriable(status, retry_after_seconds(response.headers.get("Retry-After"),
                                                         self._now()))
        if 200 <= status < 300:
            return response
        hint = _HINTS.get(status)
        if hint is None:
            hint = ("unexpected redirect; check base_url" if 300 <= status < 400
                    else "the API refused the request; check this source's config")
        raise FetchError(
            f"{self.source}: HTTP {status} from {_redact(response.request.url)} for query "
            f"{query_label!r}: {hint} (response: {excerpt(response.text, 200)!r})"
        )
