"""The HN collector over a real socket: a local http.server on 127.0.0.1, a real httpx.Client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from collectors import build_collector
from collectors.base import FetchError
from koe.config import Brand, HackerNewsSource
from koe.query import Query

SINCE = datetime(2024, 5, 1, tzinfo=UTC)
UNTIL = datetime(2024, 5, 2, tzinfo=UTC)
T0 = int(SINCE.timestamp())
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]

PAGES: dict[str, list[list[dict[str, Any]]]] = {
    '"aurora coffee"': [
        [{"objectID": "101", "created_at_i": T0 + 900, "author": "pg", "points": 12,
          "num_comments": 4, "title": "Aurora Coffee opens an API", "url": "https://x.test",
          "story_text": None},
         {"objectID": "102", "created_at_i": T0 + 800, "author": "dang",
          "comment_text": "Aurora Coffee&#x27;s app <i>is</i> slow.<p>Second paragraph.",
          "story_title": "Aurora Coffee opens an API", "parent_id": 101}],
        [{"objectID": "103", "created_at_i": T0 + 700, "comment_text": "aurora coffee again"}],
    ],
    "オーロラ珈琲": [
        [{"objectID": "102", "created_at_i": T0 + 800, "comment_text": "dup"},
         {"objectID": "201", "created_at_i": T0 + 600, "comment_text": "オーロラ珈琲おいしい"}],
    ],
}


class Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    rate_limited_once = False

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append({"path": url.path, "ua": self.headers["User-Agent"], **params})
        if url.path != "/api/v1/search_by_date":
            return self._send(404, {"message": "not found"})
        if not type(self).rate_limited_once:
            type(self).rate_limited_once = True
            return self._send(429, {"message": "slow down"}, {"Retry-After": "2"})
        pages = PAGES.get(params["query"], [])
        page = int(params["page"])
        hits = pages[page] if page < len(pages) else []
        self._send(200, {"hits": hits, "page": page, "nbPages": len(pages),
                         "hitsPerPage": int(params["hitsPerPage"]),
                         "nbHits": sum(map(len, pages))})

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.requests = []
    Handler.rate_limited_once = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_collects_over_http_with_rate_limit_paging_and_dedup(server: str) -> None:
    waits: list[float] = []
    config = HackerNewsSource(type="hackernews", base_url=f"{server}/api/v1", hits_per_page=2)
    with httpx.Client(timeout=5) as client:
        collector = build_collector(config, brands=BRANDS, client=client, sleep=waits.append)
        mentions = list(collector.fetch(Query.parse(BRANDS[0].query), SINCE, UNTIL))
    assert waits == [2.0]  # the 429's Retry-After, recorded instead of slept
    assert [m.source_id for m in mentions] == ["101", "102", "103", "201"]
    story, comment = mentions[0], mentions[1]
    assert story.text == "Aurora Coffee opens an API" and story.engagement.likes == 12
    assert comment.text == "Aurora Coffee's app is slow.\nSecond paragraph."
    assert comment.title == "Aurora Coffee opens an API"
    assert comment.url == "https://news.ycombinator.com/item?id=102"
    searches = [(r["query"], r["page"]) for r in Handler.requests]
    assert searches == [('"aurora coffee"', "0"), ('"aurora coffee"', "0"),
                        ('"aurora coffee"', "1"), ("オーロラ珈琲", "0")]
    assert all(r["numericFilters"] == f"created_at_i>={T0},created_at_i<{T0 + 86400}"
               for r in Handler.requests)
    assert all(r["tags"] == "(story,comment)" for r in Handler.requests)
    assert all(r["ua"].startswith("Koe/") for r in Handler.requests)


def test_wrong_base_url_fails_fast(server: str) -> None:
    Handler.rate_limited_once = True
    config = HackerNewsSource(type="hackernews", base_url=f"{server}/wrong")
    collector = build_collector(config, brands=BRANDS, sleep=lambda s: None)
    try:
        with pytest.raises(FetchError, match=r"hackernews: HTTP 404 .*'\"aurora coffee\"'.*base_url"):
            list(collector.fetch(Query.parse(BRANDS[0].query), SINCE, UNTIL))
    finally:
        collector.close()
    assert len(Handler.requests) == 1
