from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import build_collector
from collectors._text import stable_hex
from collectors.base import CollectorError, MalformedResponseError
from collectors.news import (
    NewsCollector,
    google_news_query,
    parse_date,
    parse_entry,
    parse_feed,
    source_id_for,
    window_operators,
)
from koe.config import Brand, GoogleNewsEdition, NewsSource
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
GUARDIAN = REPO.parent / "shared" / "fixtures" / "api" / "news" / "1-guardian-us-rss.xml"
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
UNTIL = datetime(2026, 11, 21, tzinfo=UTC)
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),
          Brand(name="Borealis", query="borealis")]
RSS = {"content-type": "application/rss+xml; charset=utf-8"}


def guardian() -> bytes:
    if not GUARDIAN.exists():
        pytest.skip(f"shared API fixtures not found at {GUARDIAN} (checkout without ../shared)")
    return GUARDIAN.read_bytes()


def rss(items: list[str], language: str = "ja") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel><title>t</title>'
            f"<language>{language}</language>{''.join(items)}</channel></rss>").encode()


def item(guid: str | None, title: str, pub: str | None = "Fri, 20 Nov 2026 07:00:00 GMT",
         extra: str = "") -> str:
    parts = [f"<title>{title}</title>", f"<link>https://news.example/{guid or 'x'}</link>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if pub is not None:
        parts.append(f"<pubDate>{pub}</pubDate>")
    return "<item>" + "".join(parts) + extra + "</item>"


def collector(handler: Callable[[httpx.Request], httpx.Response],
              brands: list[Brand] = BRANDS, **options: Any) -> NewsCollector:
    options.setdefault("editions", (GoogleNewsEdition(hl="ja", gl="JP"),))
    config = NewsSource(type="news", base_url="https://news.test/rss", **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=brands, client=client, sleep=lambda s: None)
    assert isinstance(made, NewsCollector)
    return made


def recorder(bodies: dict[str, bytes], requests: list[httpx.Request]
             ) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=bodies[request.url.path], headers=RSS)
    return handler


# --- query syntax and window ---------------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ('"aurora coffee" OR オーロラ珈琲', '"aurora coffee" OR オーロラ珈琲'),
    ('acme -"acme bank" lang:ja', 'acme -"acme bank"'),
    ('(acme OR "acme co") coffee', '(acme OR "acme co") coffee'),
    ("aurora coffee OR オーロラ", "(aurora coffee) OR オーロラ"),
    ("acme NOT (bank OR loan)", "acme"),  # grouped exclusions are left to the load step
    ("#aurora OR -spam", "#aurora"),
])
def test_google_news_query_syntax(query: str, expected: str) -> None:
    assert google_news_query(Query.parse(query)) == expected


def test_window_operators_pad_a_utc_day_each_side() -> None:
    assert window_operators(SINCE, UNTIL) == "after:2026-11-19 before:2026-11-22"
    jst = timezone(timedelta(hours=9))
    # 2026-11-20 05:00 JST is 2026-11-19 20:00 UTC.
    assert (window_operators(datetime(2026, 11, 20, 5, tzinfo=jst), UNTIL)
            == "after:2026-11-18 before:2026-11-22")


# --- parse_feed -----------------------------------------------------------------------------

def test_a_truncated_feed_is_malformed_not_read_leniently() -> None:
    raw = guardian()
    assert len(parse_feed(raw, RSS["content-type"]).entries) == 55
    with pytest.raises(ValueError, match="cut short"):
        parse_feed(raw[: len(raw) // 2])


@pytest.mark.parametrize("body", [
    b"<html><body><h1>503 Service Unavailable</h1></body></html>",
    b'{"error": "not a feed"}',
    b"https://news.example/feed.xml",  # never fetched: parsed as a body, found not a feed
    b"",
])
def test_bodies_that_are_not_feeds_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match="not an RSS, Atom or RDF feed"):
        parse_feed(body)


def test_a_complete_feed_with_an_undefined_entity_is_read() -> None:
    parsed = parse_feed(rss([item("a1", "Aurora&nbsp;Coffee &amp; tea")]))
    assert parsed.bozo and parsed.entries[0].title == "Aurora\xa0Coffee & tea"


# --- entries ------------------------------------------------------------------------------

def test_genuine_guardian_feed_entries() -> None:
    requests: list[httpx.Request] = []
    c = collector(recorder({"/us/rss": guardian()}, requests), google_news=False,
                  feeds=("https://feeds.test/us/rss",))
    mentions = list(c.fetch(Query.parse("trump"), datetime(2018, 1, 30, tzinfo=UTC),
                            datetime(2018, 2, 1, tzinfo=UTC)))
    assert len(requests) == 1
    # 55 items, of which 2017-12-08 and 2018-01-29 fall before the window.
    assert len(mentions) == 53
    first = mentions[0]
    assert first.source_id == ("https://www.theguardian.com/us-news/2018/jan/31/"
                               "donald-trump-state-of-the-union-address-unity-discord")
    assert first.url == first.source_id
    assert first.title == "Trump State of the Union address promised unity but emphasized discord"
    assert first.author == "David Smith in Washington"  # dc:creator
    assert first.created_at == datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)
    assert first.language == "en"  # <language>en-gb</language>
    assert first.text.startswith("The president’s ‘new American moment’ speech")
    assert first.text.endswith("Continue reading...")
    assert all("<" not in m.text and "&lt;" not in m.text for m in mentions)
    assert c.notes == []  # the feed reaches back past the window's start


def test_google_news_items_keep_headline_publisher_and_redirect_link() -> None:
    body = rss([item("CBMiGuid1", "オーロラ珈琲が値上げ - 日本経済新聞",
                     extra='<description>&lt;a href="x"&gt;オーロラ珈琲が値上げ&lt;/a&gt;'
                           '&amp;nbsp;&lt;font&gt;日本経済新聞&lt;/font&gt;</description>'
                           '<source url="https://www.nikkei.com">日本経済新聞</source>')])
    entry = parse_feed(body).entries[0]
    m = parse_entry(entry, "news", "google-news", headline=True, feed_language="ja")
    assert m is not None
    assert m.title == m.text == "オーロラ珈琲が値上げ - 日本経済新聞"
    assert m.author == "日本経済新聞"
    assert m.url == "https://news.example/CBMiGuid1"
    assert m.source_id == stable_hex("google-news", "CBMiGuid1")
    assert m.language == "ja"


def test_rdf_feed_with_dc_date_and_creator() -> None:
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://blog.example/"><title>b</title></channel>
<item rdf:about="https://blog.example/1"><title>Aurora Coffee</title>
<link>https://blog.example/1</link><description>&lt;b&gt;good&lt;/b&gt; coffee</description>
<dc:date>2026-11-20T09:00:00+09:00</dc:date><dc:creator>bob</dc:creator></item></rdf:RDF>"""
    entry = parse_feed(body).entries[0]
    m = parse_entry(entry, "news", "https://blog.example/rdf")
    assert m is not None
    assert m.created_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert (m.author, m.text, m.title, m.language) == ("bob", "good coffee", "Aurora Coffee", None)
    assert m.source_id == "https://blog.example/1"


def test_ids_are_scoped_to_their_feed_and_long_ones_hashed() -> None:
    assert source_id_for("1", "https://a.example/feed") != source_id_for("1", "https://b.example/feed")
    assert source_id_for("tag:a.example,2026:1", "x") == "tag:a.example,2026:1"
    long_url = "https://a.example/" + "p" * 300
    assert source_id_for(long_url, "x") == stable_hex("x", long_url)


def test_entry_without_guid_falls_back_to_link_and_keeps_comment_count() -> None:
    body = rss([item(None, "Aurora Coffee", extra="<slash:comments>7</slash:comments>")])
    m = parse_entry(parse_feed(body).entries[0], "news", "feed")
    assert m is not None and m.source_id == "https://news.example/x"
    assert m.engagement.replies == 7


def test_undated_and_empty_entries_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    body = rss([item("g1", "オーロラ珈琲 1"), item("g2", "オーロラ珈琲 2", pub=None),
                item("g3", "", extra="")])
    requests: list[httpx.Request] = []
    c = collector(recorder({"/rss/search": body}, requests), brands=BRANDS[:1])
    with caplog.at_level(logging.WARNING, logger="collectors.news"):
        mentions = list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    assert [m.title for m in mentions] == ["オーロラ珈琲 1"]
    assert "skipped 2 of 3 entries" in caplog.text


# --- requests, feeds once per run, notes -------------------------------------------------

def test_search_params_per_edition_and_duplicates_across_editions_yielded_once() -> None:
    requests: list[httpx.Request] = []
    body = rss([item("same", "Aurora Coffee news - Pub")])
    c = collector(recorder({"/rss/search": body}, requests),
                  editions=(GoogleNewsEdition(hl="ja", gl="JP"),
                            GoogleNewsEdition(hl="en-US", gl="US")))
    mentions = list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    assert len(mentions) == 1
    assert [dict(r.url.params) for r in requests] == [
        {"q": '"aurora coffee" OR オーロラ珈琲 after:2026-11-19 before:2026-11-22',
         "hl": "ja", "gl": "JP", "ceid": "JP:ja"},
        {"q": '"aurora coffee" OR オーロラ珈琲 after:2026-11-19 before:2026-11-22',
         "hl": "en-US", "gl": "US", "ceid": "US:en"},
    ]


def test_feeds_are_read_in_the_first_brands_job_only() -> None:
    requests: list[httpx.Request] = []
    bodies = {"/rss/search": rss([]), "/feed.xml": rss([item("f1", "Borealis tea")])}
    c = collector(recorder(bodies, requests), feeds=("https://blog.test/feed.xml",))
    second = list(c.fetch(BRANDS[1].parsed_query, SINCE, UNTIL))
    assert second == [] and [r.url.path for r in requests] == ["/rss/search"]
    requests.clear()
    first = list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    # The load step matches the entry to Borealis; it is staged once, in the first job.
    assert [m.title for m in first] == ["Borealis tea"]
    assert [r.url.path for r in requests] == ["/rss/search", "/feed.xml"]
    requests.clear()
    adhoc = list(c.fetch(Query.parse("tea"), SINCE, UNTIL))
    assert len(adhoc) == 1 and [r.url.path for r in requests] == ["/rss/search", "/feed.xml"]


def test_a_search_at_googles_cap_adds_a_note() -> None:
    items = [item(f"g{i}", f"オーロラ珈琲 {i}") for i in range(100)]
    c = collector(recorder({"/rss/search": rss(items)}, []), brands=BRANDS[:1])
    assert len(list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))) == 100
    assert len(c.notes) == 1 and "maximum of 100 items" in c.notes[0] and "ja/JP" in c.notes[0]


def test_a_full_feed_that_no_longer_reaches_the_window_start_adds_a_note() -> None:
    body = rss([item(f"f{i}", "Aurora Coffee", pub=f"Fri, 20 Nov 2026 {23 - i:02d}:00:00 GMT")
                for i in range(12)])
    c = collector(recorder({"/feed.xml": body}, []), google_news=False,
                  feeds=("https://blog.test/feed.xml?token=secret",))
    assert len(list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))) == 12
    assert len(c.notes) == 1
    assert "back to 2026-11-20 12:00" in c.notes[0] and "secret" not in c.notes[0]


def test_a_quiet_feed_with_a_few_entries_is_not_called_cut_short() -> None:
    body = rss([item("f1", "Aurora Coffee", pub="Fri, 20 Nov 2026 12:00:00 GMT")])
    c = collector(recorder({"/feed.xml": body}, []), google_news=False,
                  feeds=("https://blog.test/feed.xml",))
    assert len(list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))) == 1
    assert c.notes == []


def test_truncated_feed_is_retried_then_reported(caplog: pytest.LogCaptureFixture) -> None:
    raw = rss([item("f1", "Aurora Coffee")])
    replies = [raw[:40], raw]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=replies.pop(0) if replies else raw[:40], headers=RSS)

    c = collector(handler, google_news=False, feeds=("https://blog.test/feed.xml",))
    assert len(list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))) == 1
    with pytest.raises(MalformedResponseError) as error:
        list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    assert "news" in str(error.value) and "feed https://blog.test/feed.xml" in str(error.value)


# --- check and probe --------------------------------------------------------------------

def test_check_validates_offline() -> None:
    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError("check() must not make requests")

    assert "ja/JP" in collector(no_network).check()
    with pytest.raises(CollectorError, match="nothing to collect"):
        collector(no_network, google_news=False).check()
    with pytest.raises(CollectorError, match="not an http"):
        collector(no_network, feeds=("ftp://x/feed",)).check()
    with pytest.raises(CollectorError, match="not an http"):
        collector(no_network, feeds=("https://",)).check()
    with pytest.raises(CollectorError, match="editions is empty"):
        collector(no_network, editions=()).check()
    with pytest.raises(CollectorError, match="not a Google News edition"):
        collector(no_network, editions=(GoogleNewsEdition(hl="ja", gl="Japan"),)).check()


def test_probe_makes_one_request() -> None:
    requests: list[httpx.Request] = []
    c = collector(recorder({"/rss/search": rss([item("g1", "オーロラ珈琲")])}, requests),
                  feeds=("https://blog.test/feed.xml",))
    assert "1 items" in c.probe()
    assert len(requests) == 1


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>b</title><entry><id>42</id><link href="/posts/42"/><updated>2026-11-20T01:00:00Z</updated>
<title>Aurora Coffee</title></entry></feed>"""
    entry = parse_feed(body, "application/atom+xml", "https://blog.example/feed/atom.xml").entries[0]
    m = parse_entry(entry, "news", "https://blog.example/feed/atom.xml")
    assert m is not None and m.url == "https://blog.example/posts/42"
    assert m.text == m.title == "Aurora Coffee"  # no summary: the title is the text
    # feedparser resolves Atom ids (IRIs) against the feed URL too.
    assert m.source_id == "https://blog.example/feed/42"


# --- dates feedparser gets wrong, ids for items without guid or link --------------------

@pytest.mark.parametrize(("raw", "expected"), [
    # RFC 822 names only UT/GMT and the US zones; Japanese government and portal feeds write
    # JST, which feedparser reads as UTC (nine hours off).
    ("Tue, 10 Mar 2026 17:00:00 JST", datetime(2026, 3, 10, 8, tzinfo=UTC)),
    ("06 Mar 07 00:33 JST", datetime(2007, 3, 5, 15, 33, tzinfo=UTC)),  # 2-digit year, no secs
    ("Fri, 20 Nov 2026 10:00:00 CEST", datetime(2026, 11, 20, 8, tzinfo=UTC)),
    ("Thu, 21 Apr 2022 18:00:00 UTC", datetime(2022, 4, 21, 18, tzinfo=UTC)),
    # Year/month/day dates, which feedparser turns into the first of the month.
    ("2026/11/20 10:00:00 +0900", datetime(2026, 11, 20, 1, tzinfo=UTC)),
    ("2026/11/20(金) 10:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),  # no zone: UTC
    ("2026年11月20日 10時05分", datetime(2026, 11, 20, 10, 5, tzinfo=UTC)),
    ("2026-11-20 10:00:00 JST", datetime(2026, 11, 20, 1, tzinfo=UTC)),
    ("2026-11-20T10:00:00.5+09:00", datetime(2026, 11, 20, 1, tzinfo=UTC)),
])
def test_dates_with_zone_names_and_numeric_dates(raw: str, expected: datetime) -> None:
    entry = parse_feed(rss([item("d1", "Aurora Coffee", pub=raw)])).entries[0]
    m = parse_entry(entry, "news", "feed")
    assert m is not None and m.created_at == expected


@pytest.mark.parametrize("raw", ["Tue, 26 Apr 2016 16:26:13 EDT", "Fri, 20 Nov 2026 10:00:00 XYZ",
                                 "2026/13/40", "2026-W47"])
def test_other_dates_are_left_to_feedparser(raw: str) -> None:
    assert parse_date(raw) is None


def test_drupal_time_element_inside_pubdate_gives_the_date() -> None:
    # Drupal's RSS views: the pubDate holds an HTML <time>; only its datetime is a date.
    body = rss([item("d1", "Aurora Coffee recall", pub=None, extra=(
        '<pubDate>\n  <time datetime="2026-11-20T05:21:28Z">Fri, 11/20/2026 - 00:21</time>\n'
        "</pubDate>"))])
    m = parse_entry(parse_feed(body).entries[0], "news", "feed")
    assert m is not None and m.created_at == datetime(2026, 11, 20, 5, 21, 28, tzinfo=UTC)


def test_items_without_guid_or_link_get_a_stable_id_from_what_they_say() -> None:
    # RSS 2.0: "All elements of an item are optional, however at least one of title or
    # description must be present."
    def entry(description: str) -> Any:
        body = rss([f"<item><description>{description}</description>"
                    "<pubDate>Fri, 20 Nov 2026 07:00:00 GMT</pubDate></item>"])
        return parse_feed(body).entries[0]

    first = parse_entry(entry("Aurora Coffee &lt;b&gt;opens&lt;/b&gt;"), "news", "feed-a")
    again = parse_entry(entry("Aurora Coffee &lt;b&gt;opens&lt;/b&gt;"), "news", "feed-a")
    other = parse_entry(entry("Aurora Coffee closes"), "news", "feed-a")
    assert first is not None and again is not None and other is not None
    assert first.text == "Aurora Coffee opens" and first.url is None and first.title is None
    assert first.source_id == again.source_id != other.source_id
    assert len(first.source_id) == 20  # a hash, scoped to the feed


def test_google_news_feeds_are_read_like_searches() -> None:
    # A topic feed has the search's format; its description lists other outlets' headlines.
    body = rss([item("CBMiTopic1", "オーロラ珈琲が新店 - 日本経済新聞", extra=(
        "<description>&lt;ol&gt;&lt;li&gt;&lt;a href=\"x\"&gt;オーロラ珈琲が新店&lt;/a&gt;"
        "&lt;/li&gt;&lt;li&gt;&lt;strong&gt;&lt;a href=\"y\"&gt;View Full coverage on Google "
        "News&lt;/a&gt;&lt;/strong&gt;&lt;/li&gt;&lt;/ol&gt;</description>"
        '<source url="https://www.nikkei.com">日本経済新聞</source>'))])
    c = collector(recorder({"/rss/topics/CAAqJAgK": body}, []), google_news=False,
                  feeds=("https://news.google.com/rss/topics/CAAqJAgK?hl=ja&gl=JP&ceid=JP:ja",))
    [m] = list(c.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    assert m.text == m.title == "オーロラ珈琲が新店 - 日本経済新聞"
    assert m.author == "日本経済新聞"
    assert m.source_id == stable_hex("google-news", "CBMiTopic1")  # as found by search
