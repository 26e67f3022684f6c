"""The one HTTP base every HTTP collector uses; it alone decides what is retried.

429, 5xx, timeouts and transport errors are retried with exponential backoff and jitter
(``Retry-After`` wins when the server sends it, then the rate-limit reset headers); a body
that does not parse (truncated, an HTML error page) is retried a few times, then fails as
malformed; 401 asks the source's :class:`Auth` for fresh credentials once; any other 4xx
fails at once with a message naming the source, the query and what to check. Waits go
through the injected ``sleep`` so tests record them instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from collectors._ratelimit import RateLimiter, reset_wait
from collectors._text import excerpt
from collectors.base import CredentialRejectedError, FetchError, MalformedResponseError

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
    #: A 429 may ask for a longer wait than ``max_wait`` through its reset headers (X and
    #: Mastodon windows are 15 and 5 minutes); waits up to this long are honoured.
    max_rate_limit_wait: float = 900.0
    #: Bodies that fail to parse are retried fewer times than transport errors.
    malformed_attempts: int = 3


class _Retriable(Exception):
    """A response worth trying again (429/5xx); carries what the server asked us to wait."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class _BadBody(Exception):
    """A 2xx whose body did not parse; retried a few times (truncation is usually transient)."""

    def __init__(self, error: Exception, response: httpx.Response) -> None:
        super().__init__(str(error))
        self.error = error
        self.response = response


T = TypeVar("T")


class Auth(Protocol):
    """Credentials for one source: headers to send, and a way to renew them after a 401."""

    def headers(self) -> Mapping[str, str]:
        """Headers carrying the credential (fetching a token on first use if needed)."""
        ...

    def refresh(self) -> bool:
        """Get fresh credentials after the service refused them; False when impossible."""
        ...

    def fix(self) -> str:
        """What the user should do when the credentials are refused."""
        ...


@dataclass(frozen=True)
class Reply(Generic[T]):
    """A parsed response with the headers paging needs (``Link``, rate-limit counters)."""

    body: T
    headers: httpx.Headers
    url: httpx.URL


def parse_json(response: httpx.Response) -> Any:
    return json.loads(response.content)


def parse_text(response: httpx.Response) -> str:
    return response.content.decode(response.encoding or "utf-8")


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


def redact(url: httpx.URL) -> str:
    # Query strings can carry API keys; messages and logs show only scheme, host and path.
    return str(url.copy_with(query=None))


class JsonHttp:
    """Requests for one source through an ``httpx.Client``, with Koe's retry rules."""

    def __init__(
        self,
        source: str,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy = RetryPolicy(),
        now: Callable[[], datetime] | None = None,
        auth: Auth | None = None,
        limiter: RateLimiter | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.source = source
        self._client = client
        self._owns_client = client is None
        self.sleep = sleep
        self.policy = policy
        self._now = now or (lambda: datetime.now(UTC))
        self.auth = auth
        self.limiter = limiter
        self.user_agent = user_agent or USER_AGENT
        self.requests = 0
        self._backoff = wait_exponential_jitter(
            initial=policy.initial_wait, max=policy.max_wait, jitter=policy.jitter
        )

    @property
    def client(self) -> httpx.Client:
        # Created on first request: building a collector (e.g. to plan jobs) opens nothing.
        if self._client is None:
            self._client = httpx.Client(
                timeout=DEFAULT_TIMEOUT, headers={"User-Agent": self.user_agent},
                follow_redirects=True,
            )
        return self._client

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def _headers(self, use_auth: bool) -> dict[str, str]:
        headers: dict[str, str] = {}
        # An injected client keeps its own User-Agent unless it is httpx's default.
        if (self.user_agent != USER_AGENT
                or self.client.headers.get("User-Agent", "").startswith("python-httpx")):
            headers["User-Agent"] = self.user_agent
        if use_auth and self.auth is not None:
            headers.update(self.auth.headers())
        return headers

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retriable) and exc.retry_after is not None:
            cap = self.policy.max_rate_limit_wait if exc.status == 429 else self.policy.max_wait
            return min(exc.retry_after, cap)
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState, query_label: str | None) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "%s: %s for query %r (attempt %d of %d); retrying in %.1fs",
            self.source, exc.__class__.__name__ if not isinstance(exc, _Retriable) else exc,
            query_label, state.attempt_number, self.policy.attempts,
            state.next_action.sleep if state.next_action else 0.0,
        )

    def _stop(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        limit = self.policy.malformed_attempts if isinstance(exc, _BadBody) else self.policy.attempts
        return state.attempt_number >= limit

    def get_json(self, url: str, params: Params | None = None, *, query_label: str | None,
                 headers: Mapping[str, str] | None = None, use_auth: bool = True) -> Any:
        """GET ``url`` and return the decoded JSON body.

        Raises :class:`FetchError` for fatal statuses or exhausted retries and
        :class:`MalformedResponseError` for a body that is not complete JSON.
        """
        return self.request("GET", url, params=params, query_label=query_label,
                            headers=headers, use_auth=use_auth).body

    def request(
        self,
        method: str,
        url: str,
        *,
        query_label: str | None,
        params: Params | None = None,
        data: Mapping[str, str] | str | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        parse: Callable[[httpx.Response], T] = parse_json,  # type: ignore[assignment]
        use_auth: bool = True,
        what: str = "valid JSON",
    ) -> Reply[T]:
        """Send one request with retries; ``parse`` turns a 2xx into the body (it may raise
        ``ValueError``/``MalformedResponseError`` for a body that does not parse)."""
        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type((_Retriable, _BadBody, httpx.TransportError)),
            sleep=self.sleep,
            before_sleep=lambda state: self._log_retry(state, query_label),
        )
        refreshed = False
        while True:
            try:
                reply: Reply[T] = retrying(self._attempt, method, url, params, data, json_body,
                                           headers, parse, use_auth, query_label)
                return reply
            except RetryError as e:
                last = e.last_attempt.exception()
                if isinstance(last, _BadBody):
                    response = last.response
                    raise MalformedResponseError(
                        f"{self.source}: response to query {query_label!r} from "
                        f"{redact(response.request.url)} is not {what} ({last.error}) after "
                        f"{self.policy.malformed_attempts} attempts; it starts with "
                        f"{excerpt(response.content)!r}. The API may have changed or sent an "
                        "error page"
                    ) from last.error
                shown = str(last) if isinstance(last, _Retriable) else f"{type(last).__name__}: {last}"
                status = last.status if isinstance(last, _Retriable) else None
                raise FetchError(
                    f"{self.source}: {method} {redact(httpx.URL(url))} for query {query_label!r} "
                    f"still failed after {self.policy.attempts} attempts (last: {shown}); the "
                    "service is down or rate-limiting us: rerun later (the cursor did not move, so "
                    "nothing is lost), or lower max_pages for this source", status
                ) from last
            except CredentialRejectedError:
                if refreshed or not use_auth or self.auth is None or not self.auth.refresh():
                    raise
                refreshed = True
                logger.info("%s: credentials were refused; renewed them, retrying", self.source)

    def _attempt(self, method: str, url: str, params: Params | None,
                 data: Mapping[str, str] | str | None, json_body: Any,
                 headers: Mapping[str, str] | None, parse: Callable[[httpx.Response], T],
                 use_auth: bool, query_label: str | None) -> Reply[T]:
        if self.limiter is not None:
            self.limiter.acquire()
        sent = {**self._headers(use_auth), **(headers or {})}
        self.requests += 1
        kwargs: dict[str, Any] = {"params": params, "headers": sent}
        if isinstance(data, str):
            kwargs["content"] = data.encode("utf-8")
        elif data is not None:
            kwargs["data"] = data
        if json_body is not None:
            kwargs["json"] = json_body
        response = self.client.request(method, url, **kwargs)
        if self.limiter is not None:
            self.limiter.observe(response.headers, self._now())
        status = response.status_code
        if status == 429 or status >= 500:
            response.close()
            wait = retry_after_seconds(response.headers.get("Retry-After"), self._now())
            if wait is None and status == 429:
                wait = reset_wait(response.headers, self._now())
            raise _Retriable(status, wait)
        if 200 <= status < 300:
            try:
                return Reply(parse(response), response.headers, response.url)
            except (ValueError, UnicodeDecodeError, MalformedResponseError) as e:
                raise _BadBody(e, response) from e
        hint = _HINTS.get(status)
        if hint is None:
            hint = ("unexpected redirect; check base_url" if 300 <= status < 400
                    else "the API refused the request; check this source's config")
        message = (f"{self.source}: HTTP {status} from {redact(response.request.url)} for query "
                   f"{query_label!r}: {hint} (response: {excerpt(response.text, 200)!r})")
        if status == 401 or (self.auth is not None and use_auth and self.credential_refused(response)):
            if self.auth is not None and use_auth:
                message += f". {self.auth.fix()}"
            raise CredentialRejectedError(message, status)
        raise FetchError(message, status)

    def credential_refused(self, response: httpx.Response) -> bool:
        """Whether a 4xx other than 401 means the credential was refused (a hook for sources).

        By default: Bluesky's XRPC answers an expired session with 400 ExpiredToken.
        """
        if response.status_code != 400:
            return False
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("error") in {"ExpiredToken", "InvalidToken"}
