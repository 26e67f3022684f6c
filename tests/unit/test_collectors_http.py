from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from collectors._http import USER_AGENT, JsonHttp, RetryPolicy, retry_after_seconds
from collectors.base import CredentialRejectedError, FetchError, MalformedResponseError

URL = "https://api.example.test/v1/search"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering each request with the next step; the last step repeats."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        step = steps[min(len(calls), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return handler, calls


def make(handler: Handler, **kwargs: object) -> tuple[JsonHttp, list[float]]:
    waits: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(handler))
    http = JsonHttp("hackernews", client=client, sleep=waits.append, now=lambda: NOW,
                    **kwargs)  # type: ignore[arg-type]
    return http, waits


OK = httpx.Response(200, json={"hits": []})


def test_429_honours_retry_after_seconds() -> None:
    handler, calls = scripted(httpx.Response(429, headers={"Retry-After": "7"}), OK)
    http, waits = make(handler)
    assert http.get_json(URL, {"query": "x"}, query_label="aurora") == {"hits": []}
    assert waits == [7.0]
    assert len(calls) == 2


def test_429_honours_retry_after_http_date() -> None:
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    handler, _ = scripted(httpx.Response(429, headers={"Retry-After": later}), OK)
    http, waits = make(handler)
    http.get_json(URL, None, query_label="aurora")
    assert waits == [30.0]


def test_retry_after_is_capped() -> None:
    handler, _ = scripted(httpx.Response(503, headers={"Retry-After": "86400"}), OK)
    http, waits = make(handler, policy=RetryPolicy(max_wait=20))
    http.get_json(URL, None, query_label="aurora")
    assert waits == [20.0]


def test_500_then_success_backs_off_with_jitter() -> None:
    handler, calls = scripted(httpx.Response(500), httpx.Response(502), OK)
    http, waits = make(handler, policy=RetryPolicy(initial_wait=1.0, jitter=1.0))
    assert http.get_json(URL, None, query_label="aurora") == {"hits": []}
    assert len(calls) == 3
    assert 1.0 <= waits[0] <= 2.0
    assert 2.0 <= waits[1] <= 3.0


@pytest.mark.parametrize("error", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
def test_timeout_and_transport_errors_are_retried(error: Exception) -> None:
    handler, calls = scripted(error, OK)
    http, waits = make(handler)
    assert http.get_json(URL, None, query_label="aurora") == {"hits": []}
    assert len(calls) == 2 and len(waits) == 1


@pytest.mark.parametrize(("status", "hint"), [(404, "base_url"), (401, "credentials"),
                                              (403, "credentials"), (400, "query")])
def test_other_4xx_fail_at_once_naming_source_and_query(status: int, hint: str) -> None:
    handler, calls = scripted(httpx.Response(status, text="nope"))
    http, waits = make(handler)
    with pytest.raises(FetchError) as info:
        http.get_json(URL, {"query": "aurora coffee"}, query_label='"aurora coffee"')
    message = str(info.value)
    assert "hackernews" in message and '"aurora coffee"' in message
    assert f"HTTP {status}" in message and hint in message
    assert info.value.status == status
    assert len(calls) == 1 and waits == []


def test_retries_exhausted_raise_fetch_error() -> None:
    handler, calls = scripted(httpx.Response(503))
    http, waits = make(handler, policy=RetryPolicy(attempts=4, initial_wait=0.5, jitter=0.1))
    with pytest.raises(FetchError, match=r"hackernews.*'aurora'.*after 4 attempts.*HTTP 503"):
        http.get_json(URL, None, query_label="aurora")
    assert len(calls) == 4 and len(waits) == 3
    assert waits == sorted(waits)


def test_timeouts_exhausted_raise_fetch_error() -> None:
    handler, _ = scripted(httpx.ReadTimeout("slow"))
    http, _ = make(handler, policy=RetryPolicy(attempts=2))
    with pytest.raises(FetchError, match="ReadTimeout") as info:
        http.get_json(URL, None, query_label="aurora")
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


@pytest.mark.parametrize("body", [b"<html><body>Service Unavailable</body></html>",
                                  b'{"hits": [{"objectID": "1", "created_at_i": 14',
                                  b"\xff\xfe not utf-8"])
def test_non_json_or_truncated_body_is_malformed(body: bytes) -> None:
    handler, calls = scripted(httpx.Response(200, content=body))
    http, _ = make(handler)
    with pytest.raises(MalformedResponseError) as info:
        http.get_json(URL, {"query": "x"}, query_label="aurora")
    message = str(info.value)
    assert "hackernews" in message and "'aurora'" in message
    assert URL in message and "not valid JSON" in message
    assert len(calls) == 3  # a truncated body is retried a few times before it counts


def test_messages_never_show_query_strings() -> None:
    handler, _ = scripted(httpx.Response(403))
    http, _ = make(handler)
    with pytest.raises(FetchError) as info:
        http.get_json(URL, {"api_key": "s3cret"}, query_label="aurora")
    assert "s3cret" not in str(info.value)


def test_sends_koe_user_agent() -> None:
    handler, calls = scripted(OK)
    http, _ = make(handler)
    http.get_json(URL, None, query_label="aurora")
    assert calls[0].headers["User-Agent"] == USER_AGENT


def test_own_client_has_timeout_and_user_agent() -> None:
    http = JsonHttp("hackernews")
    client = http.client
    try:
        assert client.headers["User-Agent"] == USER_AGENT
        assert client.timeout.read is not None
    finally:
        http.close()
    assert client.is_closed


@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0), ("", None), (None, None),
    ("soon", None), ("Wed, 01 May 2024 12:01:00 GMT", 60.0), ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
])
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value, NOW) == expected


class FakeAuth:
    def __init__(self, can_refresh: bool = True) -> None:
        self.token = "old"
        self.can_refresh = can_refresh
        self.refreshes = 0

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self) -> bool:
        self.refreshes += 1
        if self.can_refresh:
            self.token = "new"
        return self.can_refresh

    def fix(self) -> str:
        return "check KOE_TEST_TOKEN"


def test_refused_credential_is_renewed_once_and_the_request_repeated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"error": "expired"})
        return OK

    auth = FakeAuth()
    http, waits = make(handler, auth=auth)
    assert http.get_json(URL, None, query_label="aurora") == {"hits": []}
    assert auth.refreshes == 1 and waits == []


def test_credential_that_cannot_be_renewed_fails_naming_the_fix() -> None:
    handler, calls = scripted(httpx.Response(401, json={"error": "revoked"}))
    auth = FakeAuth(can_refresh=False)
    http, _ = make(handler, auth=auth)
    with pytest.raises(CredentialRejectedError, match="HTTP 401.*check KOE_TEST_TOKEN"):
        http.get_json(URL, None, query_label="aurora")
    assert len(calls) == 1


def test_bluesky_style_expired_token_counts_as_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(400, json={"error": "ExpiredToken", "message": "expired"})
        return OK

    auth = FakeAuth()
    http, _ = make(handler, auth=auth)
    assert http.get_json(URL, None, query_label="aurora") == {"hits": []}
    assert auth.refreshes == 1


def test_429_without_retry_after_waits_for_the_rate_limit_reset() -> None:
    reset = str(int(NOW.timestamp()) + 90)
    handler, _ = scripted(httpx.Response(429, headers={"x-rate-limit-remaining": "0",
                                                       "x-rate-limit-reset": reset}), OK)
    http, waits = make(handler)
    http.get_json(URL, None, query_label="aurora")
    assert waits == [90.0]


def test_post_form_and_own_parser_whose_failure_is_retried_as_malformed() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        text = ")]}'\n[1,2" if len(bodies) == 1 else ")]}'\n[1,2,3]"
        return httpx.Response(200, text=text)

    def parse(response: httpx.Response) -> list[int]:
        text = response.text
        if not text.startswith(")]}'"):
            raise ValueError("no XSSI guard")
        return list(json.loads(text[4:]))

    http, waits = make(handler)
    reply = http.request("POST", URL, data={"f.req": "[1]"}, parse=parse, query_label="app")
    assert reply.body == [1, 2, 3] and len(waits) == 1
    assert bodies[0] == b"f.req=%5B1%5D"
