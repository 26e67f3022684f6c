"""Hacker News (Algolia search_by_date): the genuine recording, and a two-page Japanese search."""

from __future__ import annotations

from datetime import UTC, datetime

from contract.scenario import Reply, Route, Scenario, recording
from koe.config import Brand, HackerNewsSource

PATH = "/api/v1/search_by_date"


def _source(url: str) -> HackerNewsSource:
    return HackerNewsSource(type="hackernews", base_url=f"{url}/api/v1", hits_per_page=2)


def _genuine_routes() -> list[Route]:
    return [
        Route("GET", PATH, Reply(body=recording("hackernews/2-search-by-date-comment-apple.json")),
              params={"query": "starbucks", "page": "0"}),
        # The recording says nbPages 1000; the service's next page is past the window: empty.
        Route("GET", PATH, Reply(body={"hits": [], "page": 1, "nbPages": 1000, "hitsPerPage": 1,
                                       "nbHits": 106472}),
              params={"query": "starbucks", "page": "1"}),
    ]


T0 = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())


def _hit(object_id: str, offset: int, **fields: object) -> dict[str, object]:
    return {"objectID": object_id, "created_at_i": T0 + offset, **fields}


def _japanese_routes() -> list[Route]:
    page0 = [
        _hit("41000001", 7200, author="tanaka", points=3, num_comments=2,
             title="オーロラ珈琲のアプリが&amp;重い", story_text="<p>注文が通らない。</p>"),
        _hit("41000002", 3600, comment_text="Aurora Coffee&#x27;s <i>new</i> app &gt; old one",
             story_title="Aurora Coffee app", parent_id=41000001),
    ]
    page1 = [
        _hit("41000003", 1800, comment_text="オーロラ珈琲、値上げしすぎ"),  # no author, no points
        {"created_at_i": T0 + 900, "comment_text": "a hit without objectID is skipped"},
    ]
    common = {"nbPages": 2, "hitsPerPage": 2, "nbHits": 4}
    return [
        Route("GET", PATH, Reply(body={"hits": page0, "page": 0, **common}),
              params={"query": "オーロラ珈琲", "page": "0"}),
        Route("GET", PATH, Reply(body={"hits": page1, "page": 1, **common}),
              params={"query": "オーロラ珈琲", "page": "1"}),
        Route("GET", PATH, Reply(body={"hits": [], "page": 0, "nbPages": 0, "nbHits": 0}),
              params={"query": '"aurora coffee"'}),
    ]


SCENARIOS = [
    Scenario(
        id="hackernews-genuine",
        source=_source,
        routes=_genuine_routes,
        brands=(Brand(name="Starbucks", query="starbucks"),),
        since=datetime(2014, 6, 20, tzinfo=UTC),
        until=datetime(2014, 6, 21, tzinfo=UTC),
        expect_ids=frozenset({"7919418"}),
        expect_text={"7919418": "they aren't contributing to the scholarship"},
        genuine=True,
    ),
    Scenario(
        id="hackernews-japanese-two-pages",
        source=_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=datetime(2026, 11, 21, tzinfo=UTC),
        expect_ids=frozenset({"41000001", "41000002", "41000003"}),
        expect_text={"41000001": "オーロラ珈琲のアプリが&重い", "41000003": "値上げしすぎ",
                     "41000002": "Aurora Coffee's new app > old one"},
        narrow=(datetime(2026, 11, 20, 1, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
    ),
]
