from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from collectors import build_collector
from collectors.appstore import AppStoreCollector, is_review, parse_review, parse_review_dates
from collectors.base import FetchError, MalformedResponseError
from koe.config import AppStoreSource, Brand

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "appstore"
           / "1-customerreviews-google-app-us-mosthelpful.json")
BRANDS = [Brand(name="Aurora Coffee", query="オーロラ珈琲")]
APP = "1488000001"
T0 = datetime(2026, 11, 20, tzinfo=UTC)
PAGE = re.compile(r"^/(?P<country>[a-z]{2})/rss/customerreviews/page=(?P<page>\d+)/"
                  r"id=(?P<app>\d+)/sortby=mostrecent/json$")


def review(review_id: str, at: datetime, rating: str = "4", text: str = "美味しい",
           **fields: Any) -> dict[str, Any]:
    return {"id": {"label": review_id}, "updated": {"label": at.isoformat()},
            "im:rating": {"label": rating}, "content": {"label": text,
                                                        "attributes": {"type": "text"}},
            **fields}


def feed(entry: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"title": {"label": "iTunes Store: Customer Reviews"}}
    if entry is not None:
        body["entry"] = entry
    return {"feed": body}


def collector(handler: Callable[[httpx.Request], httpx.Response],
              **options: Any) -> AppStoreCollector:
    options.setdefault("app_id", APP)
    options.setdefault("countries", ("jp",))
    config = AppStoreSource(type="appstore", base_url="https://itunes.test", brand="Aurora Coffee",
                            **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=BRANDS, client=client, sleep=lambda s: None)
    assert isinstance(made, AppStoreCollector)
    return made


def pages(by_page: dict[tuple[str, int], Any],
          requests: list[tuple[str, int]]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        m = PAGE.match(request.url.path)
        assert m is not None, request.url
        key = (m["country"], int(m["page"]))
        requests.append(key)
        return httpx.Response(200, json=by_page.get(key, feed()))
    return handler


def test_genuine_review_entry() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE} (checkout without ../shared)")
    entry = json.loads(FIXTURE.read_bytes())["feed"]["entry"][0]
    m = parse_review(entry, "appstore", "us", "284815942")
    assert m is not None
    assert m.source_id == "us:8044879566"
    assert m.created_at == datetime(2021, 11, 20, 17, 25, 34, tzinfo=UTC)  # -07:00 to UTC
    assert m.rating == 4.0 and m.title == "Usually interesting reading but"
    assert m.author == "Lantana, FL"
    assert m.text.startswith("A huge bug is that when I click")
    assert m.engagement.likes == 263
    assert m.url == "https://apps.apple.com/us/app/id284815942"
    assert m.language is None


def test_content_variants_and_optional_fields() -> None:
    both = review("1", T0, content=[
        {"label": "<p>太字&amp;</p>", "attributes": {"type": "html"}},
        {"label": "太字&そのまま", "attributes": {"type": "text"}}])
    m = parse_review(both, "appstore", "jp", APP)
    assert m is not None and m.text == "太字&そのまま"
    html_only = review("2", T0, content={"label": "<p>新作&quot;最高&quot;</p><p>また来ます</p>",
                                          "attributes": {"type": "html"}})
    m = parse_review(html_only, "appstore", "jp", APP)
    assert m is not None and m.text == '新作"最高"\nまた来ます'
    assert (m.author, m.title, m.engagement.likes) == (None, None, None)
    title_only = review("3", T0, content={"label": ""}, title={"label": "星だけ"})
    m = parse_review(title_only, "appstore", "jp", APP)
    assert m is not None and m.text == "星だけ"


@pytest.mark.parametrize("broken", [
    {"id": {"label": ""}},
    {"updated": {"label": "yesterday"}},
    {"im:rating": {"label": "five"}},
    {"im:rating": {"label": "9"}},
    {"content": {"label": " "}},
])
def test_broken_reviews_are_refused(broken: dict[str, Any]) -> None:
    assert parse_review({**review("1", T0), **broken}, "appstore", "jp", APP) is None


def test_app_metadata_entry_is_not_a_review() -> None:
    assert not is_review({"im:name": {"label": "オーロラ珈琲"}, "id": {"label": "https://x"}})
    assert is_review(review("1", T0))


def test_pages_until_an_empty_page_skipping_bad_and_metadata_entries(
        caplog: pytest.LogCaptureFixture) -> None:
    requests: list[tuple[str, int]] = []
    page1 = [{"im:name": {"label": "app"}}, review("5", T0), review("4", T0 - timedelta(hours=1)),
             review("bad", T0, rating="")]
    page2 = review("3", T0 - timedelta(hours=2))  # a single review: an object, not a list
    c = collector(pages({("jp", 1): feed(page1), ("jp", 2): feed(page2)}, requests))
    with caplog.at_level(logging.WARNING, logger="collectors.appstore"):
        mentions = list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1)))
    assert [m.source_id for m in mentions] == ["jp:5", "jp:4", "jp:3"]
    assert requests == [("jp", 1), ("jp", 2), ("jp", 3)]
    assert "skipped 1 reviews in jp" in caplog.text
    assert c.notes == []


def test_stops_at_a_page_entirely_older_than_the_window() -> None:
    requests: list[tuple[str, int]] = []
    old = T0 - timedelta(days=30)
    by_page = {("jp", 1): feed([review("3", T0), review("2", T0 - timedelta(days=2))]),
               ("jp", 2): feed([review("1", old), review("0", old)]),
               ("jp", 3): feed([review("-1", old)])}
    c = collector(pages(by_page, requests))
    mentions = list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1)))
    assert [m.source_id for m in mentions] == ["jp:3"]
    assert requests == [("jp", 1), ("jp", 2)]
    assert c.notes == []


def test_an_unsorted_page_reaching_into_the_window_does_not_stop_paging() -> None:
    requests: list[tuple[str, int]] = []
    by_page = {("jp", 1): feed([review("2", T0 - timedelta(days=400)), review("1", T0)])}
    c = collector(pages(by_page, requests))
    assert [m.source_id for m in c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1))] \
        == ["jp:1"]
    assert requests == [("jp", 1), ("jp", 2)]


def test_apples_500_review_cap_adds_a_note() -> None:
    requests: list[tuple[str, int]] = []
    by_page = {("jp", n): feed([review(f"{n}-{i}", T0 - timedelta(hours=n)) for i in range(2)])
               for n in range(1, 11)}
    c = collector(pages(by_page, requests))
    mentions = list(c.fetch(None, T0 - timedelta(days=5), T0 + timedelta(days=1)))
    assert len(mentions) == 20 and len(requests) == 10
    assert len(c.notes) == 1
    assert "latest 500 reviews" in c.notes[0] and "back to 2026-11-19 14:00" in c.notes[0]


def test_a_lower_max_pages_says_so_in_the_note() -> None:
    by_page = {("jp", n): feed([review(str(n), T0 - timedelta(hours=n))]) for n in range(1, 4)}
    requests: list[tuple[str, int]] = []
    c = collector(pages(by_page, requests), max_pages=2)
    assert len(list(c.fetch(None, T0 - timedelta(days=5), T0 + timedelta(days=1)))) == 2
    assert requests == [("jp", 1), ("jp", 2)]
    assert "max_pages = 2" in c.notes[0]


def test_reviews_shifting_between_pages_are_yielded_once_per_country() -> None:
    requests: list[tuple[str, int]] = []
    by_page = {("jp", 1): feed([review("2", T0), review("1", T0)]),
               ("jp", 2): feed([review("1", T0)]),
               ("us", 1): feed([review("1", T0)])}
    c = collector(pages(by_page, requests), countries=("jp", "us"))
    ids = [m.source_id for m in c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1))]
    assert ids == ["jp:2", "jp:1", "us:1"]
    assert requests == [("jp", 1), ("jp", 2), ("jp", 3), ("us", 1), ("us", 2)]


@pytest.mark.parametrize(("body", "found"), [
    ({"error": "no such app"}, "has no 'feed' object (got ['error'])"),
    ([1, 2], "has no 'feed' object (got list)"),
    ({"feed": {"entry": "nope"}}, "feed.entry that is a str"),
])
def test_a_body_of_another_shape_is_malformed(body: Any, found: str) -> None:
    c = collector(lambda request: httpx.Response(200, json=body))
    with pytest.raises(MalformedResponseError) as error:
        list(c.fetch(None, T0, T0 + timedelta(days=1)))
    assert "appstore" in str(error.value) and "jp page 1" in str(error.value)
    assert found in str(error.value)


def test_a_body_that_is_not_json_is_malformed_after_retries() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=b'{"feed": {"entry": [')

    with pytest.raises(MalformedResponseError, match="appstore"):
        list(collector(handler).fetch(None, T0, T0 + timedelta(days=1)))
    assert len(calls) == 3


def test_check_is_offline_and_validates_countries() -> None:
    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError("check() must not make requests")

    described = collector(no_network, countries=("jp", "us")).check()
    assert APP in described and "jp, us" in described and "Aurora Coffee" in described
    for bad in (("JP",), ("jpn",), ("日本",), ()):
        with pytest.raises(ValidationError, match="countries"):
            collector(no_network, countries=bad)


def test_probe_reads_one_page() -> None:
    requests: list[tuple[str, int]] = []
    c = collector(pages({("jp", 1): feed([{"im:name": {"label": "app"}}, review("1", T0)])},
                        requests))
    assert c.probe() == f"App Store answered: 1 reviews on page 1 for app {APP} in jp"
    assert requests == [("jp", 1)]


# --- JSON pages without review dates (the feed's format until about 2021) -----------------

XML_PAGE = re.compile(r"^/(?P<country>[a-z]{2})/rss/customerreviews/page=(?P<page>\d+)/"
                      r"id=(?P<app>\d+)/sortby=mostrecent/xml$")


def undated(review_id: str, text: str, rating: str = "4") -> dict[str, Any]:
    """A review as the JSON feed wrote it before about 2021: every field but ``updated``."""
    return {"author": {"uri": {"label": "https://itunes.apple.com/jp/reviews/id1"},
                       "name": {"label": "珈琲好き"}, "label": ""},
            "im:version": {"label": "4.2.0"}, "im:rating": {"label": rating},
            "id": {"label": review_id}, "title": {"label": "タイトル"},
            "content": {"label": text, "attributes": {"type": "text"}},
            "im:voteSum": {"label": "2"}, "im:voteCount": {"label": "3"}}


def atom_page(reviews: list[tuple[str, str]]) -> bytes:
    """The XML (Atom) version of a page as Apple serves it: raw ``&`` in attributes and
    unescaped HTML in ``<content type="html">``, so not well-formed XML."""
    entries = "".join(
        f"<entry><updated>{when}</updated><id>{review_id}</id><title>タイトル</title>"
        '<content type="text">本文</content><im:rating>4</im:rating>'
        '<link rel="related" href="https://itunes.apple.com/jp/review?id=1&type=Purple"/>'
        '<content type="html"><table border="0"><tr><td>本文<br/></td></tr></table></content>'
        "</entry>\n"
        for review_id, when in reviews)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns:im="http://itunes.apple.com/rss" '
            'xmlns="http://www.w3.org/2005/Atom" xml:lang="ja"><id>https://itunes.apple.com/jp/rss/'
            "customerreviews/page=1/id=1/sortby=mostrecent/xml</id>"
            '<link rel="alternate" type="text/html" href="https://music.apple.com/x?cc=jp&id=1"/>'
            f"\n{entries}</feed>\n").encode()


def with_xml(by_page: dict[tuple[str, int], Any], xml: dict[tuple[str, int], httpx.Response],
             requests: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    json_pages = pages(by_page, [])

    def handler(request: httpx.Request) -> httpx.Response:
        m = XML_PAGE.match(request.url.path)
        requests.append(f"{'xml' if m else 'json'} {request.url.path.split('/')[4]}")
        if m:
            return xml.get((m["country"], int(m["page"])), httpx.Response(404))
        return json_pages(request)
    return handler


def test_undated_json_pages_take_their_dates_from_the_xml_page() -> None:
    requests: list[str] = []
    by_page = {("jp", 1): feed([{"im:name": {"label": "app"}}, undated("3", "新しい"),
                                undated("2", "古い")])}
    xml = {("jp", 1): httpx.Response(200, content=atom_page(
        [("3", "2026-11-20T01:00:00-07:00"), ("2", "2026-10-01T01:00:00-07:00")]),
        headers={"content-type": "text/xml; charset=UTF-8"})}
    c = collector(with_xml(by_page, xml, requests))
    mentions = list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1)))
    assert requests == ["json page=1", "xml page=1", "json page=2"]
    assert [(m.source_id, m.created_at) for m in mentions] == [
        ("jp:3", datetime(2026, 11, 20, 8, tzinfo=UTC))]
    assert (mentions[0].author, mentions[0].engagement.likes) == ("珈琲好き", 2)
    assert c.notes == []


def test_unreadable_xml_skips_the_undated_reviews_with_a_note() -> None:
    requests: list[str] = []
    by_page = {("jp", 1): feed([undated("3", "新しい")])}
    c = collector(with_xml(by_page, {}, requests))  # the XML page answers 404
    assert list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1))) == []
    assert requests == ["json page=1", "xml page=1", "json page=2"]
    assert len(c.notes) == 1
    assert "gives no review dates" in c.notes[0] and "1 reviews were skipped" in c.notes[0]


def test_xml_page_down_fails_the_source_instead_of_skipping() -> None:
    requests: list[str] = []
    by_page = {("jp", 1): feed([undated("3", "新しい")])}
    c = collector(with_xml(by_page, {("jp", 1): httpx.Response(503)}, requests))
    with pytest.raises(FetchError, match="HTTP 503"):
        list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1)))


def test_xml_of_another_page_dates_nothing_and_says_so() -> None:
    requests: list[str] = []
    by_page = {("jp", 1): feed([undated("3", "新しい"), undated("2", "古い")])}
    xml = {("jp", 1): httpx.Response(200, content=atom_page([("99", "2026-11-20T01:00:00Z")]))}
    c = collector(with_xml(by_page, xml, requests))
    assert list(c.fetch(None, T0 - timedelta(days=1), T0 + timedelta(days=1))) == []
    assert len(c.notes) == 1 and "dates none of its 2 reviews" in c.notes[0]


def test_a_broken_date_is_a_bad_review_not_the_undated_format() -> None:
    requests: list[str] = []
    by_page = {("jp", 1): feed([review("1", T0), {**review("2", T0), "updated": {"label": ""}}])}
    c = collector(with_xml(by_page, {}, requests))
    assert [m.source_id for m in c.fetch(None, T0, T0 + timedelta(days=1))] == ["jp:1"]
    assert requests == ["json page=1", "json page=2"]  # no XML request for a dated page


def test_review_dates_from_apples_xml() -> None:
    body = atom_page([("11", "2020-08-07T20:17:03-07:00"), ("12", "2020-08-07T10:00:00Z")])
    assert parse_review_dates(body) == {"11": datetime(2020, 8, 8, 3, 17, 3, tzinfo=UTC),
                                        "12": datetime(2020, 8, 7, 10, tzinfo=UTC)}
    with pytest.raises(ValueError, match="cut short"):
        parse_review_dates(body[: len(body) // 2])
    with pytest.raises(ValueError, match="not an Atom feed"):
        parse_review_dates(b'{"feed": {"entry": []}}')
    # An empty page (past the last one) is a feed without entries.
    assert parse_review_dates(atom_page([])) == {}
