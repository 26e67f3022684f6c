from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import build_collector
from collectors.base import CollectorError, MalformedResponseError
from collectors.hackernews import HackerNewsCollector
from koe.config import Brand, HackerNewsSource
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "hackernews"
           / "2-search-by-date-comment-apple.json")
SINCE = datetime(2024, 5, 1, tzinfo=UTC)
UNTIL = datetime(2024, 5, 2, tzinfo=UTC)
T0 = int(SINCE.timestamp())
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]


def collector(handler: Callable[[httpx.Request], httpx.Response],
              **options: Any) -> HackerNewsCollector:
    config = HackerNewsSource(type="hackernews", base_url="https://hn.test/api/v1", **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=BRANDS, client=client, sleep=lambda s: None)
    assert isinstance(made, HackerNewsCollector)
    return made


def hit(object_id: str, at: int, **fields: Any) -> dict[str, Any]:
    return {"objectID": object_id, "created_at_i": at, "author": f"user{object_id}",
            "comment_text": f"comment {object_id} about aurora coffee", **fields}


def body(hits: list[Any], page: int, pages: int, per_page: int | None = None,
         total: int | None = None) -> dict[str, Any]:
    per_page = per_page or max(2, len(hits))
    total = per_page * max(pages - 1, 0) + len(hits) if total is None else total
    return {"hits": hits, "page": page, "nbPages": pages, "hitsPerPage": per_page,
            "nbHits": total}


def pages_by_number(pages: dict[int, dict[str, Any]],
                    requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=pages[int(request.url.params["page"])])
    return handler


def test_genuine_algolia_comment_fixture() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE} (checkout without ../shared)")
    raw = FIXTURE.read_bytes()
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.params["page"] == "0":
            return httpx.Response(200, content=raw, headers={"content-type": "application/json"})
        return httpx.Response(200, json={"hits": [], "page": 1, "nbPages": 1000})

    since, until = datetime(2014, 6, 20, tzinfo=UTC), datetime(2014, 6, 21, tzinfo=UTC)
    mentions = list(collector(handler).fetch(Query.parse("apple"), since, until))
    assert len(mentions) == 1
    m = mentions[0]
    assert m.source == "hackernews" and m.source_id == "7919418"
    assert m.url == "https://news.ycombinator.com/item?id=7919418"
    assert m.author == "fleitz"
    assert m.title == "Starbucks admits it's not contributing to scholarship fund"
    assert m.created_at == datetime(2014, 6, 20, 3, 32, 34, tzinfo=UTC)
    assert m.text.startswith("Yeah the article seems stupid, while technically they aren't "
                             "contributing to the scholarship they do pay tuition")
    assert "<" not in m.text and "&#x27;" not in m.text and "&#x2F;" not in m.text
    assert "Starbucks/Wal-Mart" in m.text
    assert m.text.count("\n") == 2  # three <p> paragraphs
    assert m.engagement.likes == 1 and m.engagement.replies is None
    assert m.language is None and m.brands == ()
    params = requests[0].url.params
    assert params["query"] == "apple" and params["tags"] == "(story,comment)"
    assert params["numericFilters"] == "created_at_i>=1403222400,created_at_i<1403308800"
    # The fixture says nbPages=1000, so the collector asked for page 1 and got an empty page.
    assert [r.url.params["page"] for r in requests] == ["0", "1"]


def test_genuine_fixture_served_for_every_page_is_a_repeated_token() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE} (checkout without ../shared)")
    raw = FIXTURE.read_bytes()
    since, until = datetime(2014, 6, 20, tzinfo=UTC), datetime(2014, 6, 21, tzinfo=UTC)
    made = collector(lambda r: httpx.Response(200, content=raw))
    with pytest.raises(CollectorError, match="again"):
        list(made.fetch(Query.parse("apple"), since, until))


def test_pages_through_to_the_last_page() -> None:
    requests: list[httpx.Request] = []
    pages = {
        0: body([hit("1", T0 + 300, points=5, num_comments=2), hit("2", T0 + 200)], 0, 3),
        1: body([hit("3", T0 + 150), hit("4", T0 + 100)], 1, 3),
        2: body([hit("5", T0 + 50)], 2, 3),
    }
    mentions = list(collector(pages_by_number(pages, requests), hits_per_page=2)
                    .fetch(Query.parse('"aurora coffee"'), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["1", "2", "3", "4", "5"]
    assert [r.url.params["page"] for r in requests] == ["0", "1", "2"]
    params = requests[0].url.params
    assert params["numericFilters"] == f"created_at_i>={T0},created_at_i<{T0 + 86400}"
    assert params["hitsPerPage"] == "2" and params["query"] == '"aurora coffee"'
    assert str(requests[0].url).startswith("https://hn.test/api/v1/search_by_date?")
    assert mentions[0].engagement.likes == 5 and mentions[0].engagement.replies == 2
    assert mentions[0].created_at == datetime.fromtimestamp(T0 + 300, UTC)


def test_empty_page_ends_paging() -> None:
    requests: list[httpx.Request] = []
    pages = {0: body([hit("1", T0 + 10)], 0, 9), 1: body([], 1, 9)}
    mentions = list(collector(pages_by_number(pages, requests))
                    .fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(mentions) == 1 and len(requests) == 2


def test_max_pages_is_respected(caplog: pytest.LogCaptureFixture) -> None:
    requests: list[httpx.Request] = []
    pages = {n: body([hit(str(n), T0 + 1000 - n)], n, 10) for n in range(10)}
    mentions = list(collector(pages_by_number(pages, requests), max_pages=3)
                    .fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(mentions) == 3 and len(requests) == 3
    assert "max_pages=3" in caplog.text


def test_missing_optional_fields_and_skipped_hits(caplog: pytest.LogCaptureFixture) -> None:
    story = {"objectID": "10", "created_at_i": T0 + 5, "title": "Aurora Coffee raises prices",
             "url": None, "story_text": None, "author": None, "points": None}
    ask = {"objectID": 11, "created_at": "2024-05-01T00:00:09.000Z", "title": "Ask HN: Aurora?",
           "story_text": "Anyone tried it?<p>Curious &amp; cautious."}
    bare_comment = {"objectID": "12", "created_at_i": T0 + 7, "comment_text": "meh"}
    no_id = {"created_at_i": T0 + 1, "comment_text": "x"}
    no_date = {"objectID": "13", "comment_text": "x"}
    no_text = {"objectID": "14", "created_at_i": T0, "comment_text": None}
    outside = hit("15", T0 - 1)
    pages = {0: body([story, ask, bare_comment, no_id, no_date, no_text, "junk", outside], 0, 1)}
    mentions = {m.source_id: m for m in collector(pages_by_number(pages, []))
                .fetch(Query.parse("aurora"), SINCE, UNTIL)}
    assert sorted(mentions) == ["10", "11", "12"]
    assert mentions["10"].text == "Aurora Coffee raises prices"
    assert mentions["10"].title == "Aurora Coffee raises prices"
    assert mentions["10"].author is None and mentions["10"].engagement.likes is None
    assert mentions["11"].text == "Ask HN: Aurora?\nAnyone tried it?\nCurious & cautious."
    assert mentions["11"].created_at == datetime(2024, 5, 1, 0, 0, 9, tzinfo=UTC)
    assert mentions["12"].title is None and mentions["12"].text == "meh"
    assert "skipped 4 hits" in caplog.text


def test_one_search_per_alternative_deduplicated_by_object_id() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.params["query"] == '"aurora coffee"':
            return httpx.Response(200, json=body([hit("1", T0 + 9), hit("2", T0 + 8)], 0, 1))
        return httpx.Response(200, json=body([hit("2", T0 + 8), hit("3", T0 + 7)], 0, 1))

    query = Query.parse('"aurora coffee" OR オーロラ珈琲 -"aurora borealis"')
    mentions = list(collector(handler).fetch(query, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["1", "2", "3"]
    assert [r.url.params["query"] for r in requests] == ['"aurora coffee"', "オーロラ珈琲"]


def test_result_cap_continues_before_the_oldest_hit() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        upper = int(request.url.params["numericFilters"].split("<")[-1])
        page = int(request.url.params["page"])
        if upper == T0 + 86400:  # first window: Algolia stops after 2 pages of 2 (capped)
            hits = [[hit("a", T0 + 90), hit("b", T0 + 80)], [hit("c", T0 + 70), hit("d", T0 + 60)]]
            return httpx.Response(200, json=body(hits[page], page, 2, per_page=2, total=500))
        assert upper == T0 + 61  # <= the oldest second seen, so same-second hits are kept
        return httpx.Response(200, json=body([hit("d", T0 + 60), hit("e", T0 + 60)], 0, 1,
                                             total=2))

    mentions = list(collector(handler, hits_per_page=2).fetch(Query.parse("x"), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["a", "b", "c", "d", "e"]
    assert len(requests) == 3


def test_cap_is_seen_when_nbhits_is_only_an_estimate() -> None:
    # Algolia's nbHits is approximate when "exhaustive": {"nbHits": false} (as in today's
    # HN answers); a last page ending at the 1000th hit is the cap even if nbHits says 1000.
    requests: list[httpx.Request] = []
    first = [hit(str(n), T0 + 5000 - n) for n in range(1000)]

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        upper = int(request.url.params["numericFilters"].split("<")[-1])
        page = int(request.url.params["page"])
        if upper == T0 + 86400:
            reply = body(first[page * 500:(page + 1) * 500], page, 2, per_page=500, total=1000)
            reply["exhaustive"] = {"nbHits": False, "typo": False}
            return httpx.Response(200, json=reply)
        assert upper == T0 + 4002
        return httpx.Response(200, json=body([hit("999", T0 + 4001), hit("x", T0 + 3000)], 0, 1,
                                             per_page=500))

    mentions = list(collector(handler, hits_per_page=500).fetch(Query.parse("x"), SINCE, UNTIL))
    assert len(mentions) == 1001 and mentions[-1].source_id == "x"
    assert len(requests) == 3


def test_a_short_last_page_is_not_the_cap() -> None:
    requests: list[httpx.Request] = []
    pages = {0: body([hit("1", T0 + 9), hit("2", T0 + 8)], 0, 1, per_page=1000, total=2)}
    mentions = list(collector(pages_by_number(pages, requests), hits_per_page=1000)
                    .fetch(Query.parse("x"), SINCE, UNTIL))
    assert len(mentions) == 2 and len(requests) == 1


def test_hit_shapes_of_every_kind_and_age() -> None:
    # Shapes of search_by_date hits in Algolia's answers: 2014-era records give comments
    # title/url "" or null and points; polls and Ask HN carry HTML story_text; a link story
    # has story_text "" (older) or none at all, and newer records add children/updated_at
    # and may date a hit only by created_at without milliseconds.
    old_comment = {"created_at": "2014-03-30T00:12:35.000Z", "title": "", "url": "",
                   "author": "pg", "points": 8, "story_text": None,
                   "comment_text": "Is there a forum that doesn&#x27;t ban <i>Aurora</i>?",
                   "num_comments": None, "story_id": 7493856,
                   "story_title": "Aurora Coffee takes over", "parent_id": 7494175,
                   "created_at_i": T0 + 1, "objectID": "7494555"}
    poll = {"created_at_i": T0 + 2, "objectID": "7884224", "title": "Poll: Aurora Coffee?",
            "url": None, "author": "w", "points": 1, "num_comments": 2, "comment_text": None,
            "story_text": "Yes if you drink it.<p>No if you don&#x27;t care.",
            "_tags": ["poll", "author_w", "story_7884224"]}
    link = {"created_at_i": T0 + 3, "objectID": "7913476", "title": "Aurora Coffee &amp; art",
            "url": "http://example.com/a", "story_text": "", "comment_text": None,
            "points": 1, "num_comments": 0}
    modern = {"created_at": "2024-05-01T17:08:53Z", "objectID": "18717168",
              "title": "Bye Bye Mongo, Hello Aurora", "url": "https://example.com/b",
              "author": "ph", "points": 1562, "num_comments": 417, "story_id": 18717168,
              "children": [18717600], "updated_at": "2024-11-21T14:24:44Z",
              "_tags": ["story", "author_ph", "story_18717168"]}
    modern_comment = {"created_at_i": T0 + 4, "objectID": "40000001", "author": "c",
                      "points": None, "comment_text": "<p>Aurora &gt; others", "parent_id": 1,
                      "story_id": 1, "story_title": "Coffee thread", "children": []}
    pages = {0: body([modern, modern_comment, link, poll, old_comment], 0, 1)}
    mentions = {m.source_id: m for m in collector(pages_by_number(pages, []))
                .fetch(Query.parse("aurora"), SINCE, UNTIL)}
    assert mentions["7494555"].text == "Is there a forum that doesn't ban Aurora?"
    assert mentions["7494555"].title == "Aurora Coffee takes over"
    assert mentions["7494555"].engagement.likes == 8
    assert mentions["7884224"].text == (
        "Poll: Aurora Coffee?\nYes if you drink it.\nNo if you don't care.")
    assert mentions["7913476"].text == "Aurora Coffee & art"
    assert mentions["18717168"].text == "Bye Bye Mongo, Hello Aurora"
    assert mentions["18717168"].created_at == datetime(2024, 5, 1, 17, 8, 53, tzinfo=UTC)
    assert mentions["18717168"].engagement.replies == 417
    assert mentions["40000001"].text == "Aurora > others"
    assert mentions["40000001"].engagement.likes is None
    assert mentions["40000001"].url == "https://news.ycombinator.com/item?id=40000001"


def test_body_without_hits_is_malformed() -> None:
    made = collector(lambda r: httpx.Response(200, json={"message": "index does not exist"}))
    with pytest.raises(MalformedResponseError, match=r"hackernews.*'aurora'.*hn\.test.*'hits'"):
        list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))


def test_hits_not_a_list_is_malformed() -> None:
    made = collector(lambda r: httpx.Response(200, content=json.dumps({"hits": {}}).encode()))
    with pytest.raises(MalformedResponseError):
        list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))


def test_needs_a_query_and_aware_window() -> None:
    made = collector(lambda r: httpx.Response(200, json=body([], 0, 0)))
    assert made.per_query is True and made.name == "hackernews"
    with pytest.raises(CollectorError, match="per brand query"):
        list(made.fetch(None, SINCE, UNTIL))
    with pytest.raises(CollectorError, match="timezone"):
        list(made.fetch(Query.parse("x"), datetime(2024, 5, 1), UNTIL))
