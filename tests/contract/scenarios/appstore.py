"""App Store review feed: the genuine Google-app page, Japanese reviews over two pages, and
the older JSON format without review dates (dates from the XML version of each page)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contract.scenario import Reply, Route, Scenario, recording
from koe.config import AppStoreSource, Brand

GOOGLE_APP = "284815942"
AURORA_APP = "1488000001"


def _path(country: str, page: int, app_id: str, form: str = "json") -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/{form}"


def _feed(country: str, app_id: str, entry: Any = None) -> dict[str, Any]:
    """The feed envelope as Apple sends it; ``entry`` left out when there are no reviews."""
    base = f"https://itunes.apple.com/{country}/rss/customerreviews"
    feed: dict[str, Any] = {
        "author": {"name": {"label": "iTunes Store"},
                   "uri": {"label": "http://www.apple.com/itunes/"}},
        "updated": {"label": "2026-11-20T23:10:00-07:00"},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": "iTunes Store: Customer Reviews"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": [
            {"attributes": {"rel": "self", "href": f"{base}/id={app_id}/sortBy=mostRecent/json"}},
            {"attributes": {"rel": "next", "href": f"{base}/page=2/id={app_id}/sortby=mostrecent/"
                            f"xml?urlDesc=/customerreviews/id={app_id}/sortBy=mostRecent/json"}},
        ],
        "id": {"label": f"{base}/id={app_id}/sortBy=mostRecent/json"},
    }
    if entry is not None:
        feed["entry"] = entry
    return {"feed": feed}


# --- genuine: the recorded page (sorted by helpfulness, not date) as page 1 ----------------

def _genuine_source(url: str) -> AppStoreSource:
    return AppStoreSource(type="appstore", base_url=url, app_id=GOOGLE_APP, countries=("us",),
                          brand="Google")


def _genuine_routes() -> list[Route]:
    return [
        # Recorded with sortBy=mostHelpful; served for the mostrecent URL the collector asks for.
        Route("GET", _path("us", 1, GOOGLE_APP),
              Reply(body=recording("appstore/1-customerreviews-google-app-us-mosthelpful.json"),
                    content_type="text/javascript; charset=utf-8")),
        Route("GET", _path("us", 2, GOOGLE_APP), Reply(body=_feed("us", GOOGLE_APP))),
    ]


# --- hand-written: Japanese reviews, two pages and an empty third -------------------------

def _review(review_id: str, updated: str, rating: str | None, content: Any, *,
            title: str | None = None, author: str | None = None,
            votes: tuple[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "updated": {"label": updated},
        "im:version": {"label": "4.2.0"},
        "id": {"label": review_id},
        "content": content,
        "link": {"attributes": {"rel": "related",
                                "href": f"https://itunes.apple.com/jp/review?id={AURORA_APP}"
                                        "&type=Purple%20Software"}},
        "im:contentType": {"attributes": {"term": "Application", "label": "アプリ"}},
    }
    if rating is not None:
        entry["im:rating"] = {"label": rating}
    if title is not None:
        entry["title"] = {"label": title}
    if author is not None:
        entry["author"] = {"uri": {"label": "https://itunes.apple.com/jp/reviews/id100"},
                           "name": {"label": author}, "label": ""}
    if votes is not None:
        entry["im:voteSum"], entry["im:voteCount"] = {"label": votes[0]}, {"label": votes[1]}
    return entry


def _text(label: str) -> dict[str, Any]:
    return {"label": label, "attributes": {"type": "text"}}


def _html(label: str) -> dict[str, Any]:
    return {"label": label, "attributes": {"type": "html"}}


# The app-metadata entry older feeds put first: no im:rating, skipped without a warning.
APP_METADATA = {
    "im:name": {"label": "オーロラ珈琲"},
    "rights": {"label": "© 2026 Aurora Coffee K.K."},
    "im:price": {"label": "入手", "attributes": {"amount": "0.00", "currency": "JPY"}},
    "id": {"label": f"https://apps.apple.com/jp/app/id{AURORA_APP}",
           "attributes": {"im:id": AURORA_APP, "im:bundleId": "jp.aurora.coffee"}},
    "im:artist": {"label": "Aurora Coffee K.K."},
}

PAGE_1 = [
    APP_METADATA,
    _review("11000000005", "2026-11-20T21:15:00-08:00", "1",
            [_text("注文が通らない。アプリが落ちます & 返金もない"),
             _html("<p>注文が通らない。アプリが落ちます &amp; 返金もない</p>")],
            title="最悪", author="珈琲好き", votes=("12", "15")),
    # Only the HTML variant: tags and entities are removed.
    _review("11000000004", "2026-11-20T09:00:00+09:00", "5",
            _html("<p>新しいブレンドが&quot;最高&quot;。</p><p>ポイントも貯まる&lt;笑&gt;</p>"),
            title="オーロラ珈琲 最高", author="taro"),
    # No title, no author, no votes: optional fields absent.
    _review("11000000003", "2026-11-18T12:00:00+09:00", "3", _text("普通のコーヒーアプリ")),
    # Broken: an empty date (the undated format has no "updated" at all). Skipped, counted.
    _review("11000000002", "", "4", _text("日付が壊れたレビュー"), author="ghost"),
]
# One review: Apple sends entry as an object, not a list of one.
PAGE_2 = _review("11000000001", "2026-10-28T08:00:00+09:00", "2",
                 _text("値段が高すぎる。"), title="高い", author="hanako", votes=("0", "1"))


def _japanese_source(url: str) -> AppStoreSource:
    return AppStoreSource(type="appstore", base_url=url, app_id=AURORA_APP, countries=("jp",),
                          brand="Aurora Coffee")


def _japanese_routes() -> list[Route]:
    return [
        Route("GET", _path("jp", 1, AURORA_APP), Reply(body=_feed("jp", AURORA_APP, PAGE_1))),
        Route("GET", _path("jp", 2, AURORA_APP), Reply(body=_feed("jp", AURORA_APP, PAGE_2))),
        Route("GET", _path("jp", 3, AURORA_APP), Reply(body=_feed("jp", AURORA_APP))),
    ]


# --- hand-written: the JSON format without per-review dates (until about 2021) ---------

OLD_APP = "1488000002"


def _undated(review_id: str, rating: str, text: str, title: str, author: str) -> dict[str, Any]:
    """A review as the JSON feed wrote it before about 2021: no ``updated``."""
    return {
        "author": {"uri": {"label": "https://itunes.apple.com/jp/reviews/id200"},
                   "name": {"label": author}, "label": ""},
        "im:version": {"label": "3.4.3"},
        "im:rating": {"label": rating},
        "id": {"label": review_id},
        "title": {"label": title},
        "content": {"label": text, "attributes": {"type": "text"}},
        "link": {"attributes": {"rel": "related", "href": "https://itunes.apple.com/jp/review?"
                                f"id={OLD_APP}&type=Purple%20Software"}},
        "im:voteSum": {"label": "1"},
        "im:contentType": {"attributes": {"term": "Application", "label": "アプリケーション"}},
        "im:voteCount": {"label": "2"},
    }


OLD_PAGE_1 = [
    {**APP_METADATA, "id": {"label": f"https://itunes.apple.com/jp/app/id{OLD_APP}",
                            "attributes": {"im:id": OLD_APP}}},
    _undated("6290024633", "4", "オーロラ珈琲のアプリ、注文が速い！\nポイントも貯まる", "神アプリ", "ヤミ。"),
    _undated("6290024632", "1", "ログインできない & 落ちる", "最悪", "たろう"),
    _undated("6290024631", "3", "先月のレビュー", "普通", "はなこ"),
]
OLD_PAGE_2 = _undated("6290024630", "5", "もっと前のレビュー", "良い", "じろう")


def _atom(dates: list[tuple[str, str]]) -> str:
    """The same page as XML, as Apple serves it: not well-formed (raw ``&`` in attributes,
    unescaped HTML in the html content), but every entry has its ``updated``."""
    entries = "".join(
        f"<entry>\n<updated>{when}</updated>\n<id>{review_id}</id>\n<title>t</title>\n"
        '<content type="text">…</content>\n<im:rating>4</im:rating>\n'
        f'<link rel="related" href="https://itunes.apple.com/jp/review?id={OLD_APP}'
        '&type=Purple%20Software"/>\n<content type="html"><table border="0"> <tr> <td>…'
        "<br/></td> </tr> </table> </content>\n</entry>\n"
        for review_id, when in dates)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns:im="http://itunes.apple.com/rss" '
            'xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">\n'
            f"<id>https://itunes.apple.com/jp/rss/customerreviews/id={OLD_APP}/xml</id>\n"
            "<title>iTunes Store: カスタマーレビュー</title>\n"
            '<link rel="alternate" type="text/html" href="https://music.apple.com/WebObjects/'
            'MZStore.woa/wa/viewGrouping?cc=jp&id=1000"/>\n' + entries + "</feed>\n")


def _old_source(url: str) -> AppStoreSource:
    return AppStoreSource(type="appstore", base_url=url, app_id=OLD_APP, countries=("jp",),
                          brand="Aurora Coffee")


def _old_routes() -> list[Route]:
    xml = "text/xml; charset=UTF-8"
    return [
        Route("GET", _path("jp", 1, OLD_APP), Reply(body=_feed("jp", OLD_APP, OLD_PAGE_1))),
        Route("GET", _path("jp", 1, OLD_APP, "xml"), Reply(body=_atom([
            ("6290024633", "2020-08-07T20:17:03-07:00"),
            ("6290024632", "2020-08-06T09:00:00-07:00"),
            ("6290024631", "2020-07-10T09:00:00-07:00")]), content_type=xml)),
        Route("GET", _path("jp", 2, OLD_APP), Reply(body=_feed("jp", OLD_APP, OLD_PAGE_2))),
        Route("GET", _path("jp", 2, OLD_APP, "xml"), Reply(body=_atom([
            ("6290024630", "2020-06-01T09:00:00-07:00")]), content_type=xml)),
        Route("GET", _path("jp", 3, OLD_APP), Reply(body=_feed("jp", OLD_APP))),
    ]


SCENARIOS = [
    Scenario(
        id="appstore-genuine-google-app",
        source=_genuine_source,
        routes=_genuine_routes,
        brands=(Brand(name="Google", query="google"),),
        since=datetime(2021, 10, 1, tzinfo=UTC),
        until=datetime(2022, 7, 1, tzinfo=UTC),
        expect_text={"us:8044879566": "Usually interesting reading but\nA huge bug is that"},
        narrow=(datetime(2022, 1, 1, tzinfo=UTC), datetime(2022, 7, 1, tzinfo=UTC)),
        fault_nth=0,
        genuine=True,
    ),
    Scenario(
        id="appstore-japanese-two-pages",
        source=_japanese_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2026, 10, 1, tzinfo=UTC),
        until=datetime(2026, 11, 22, tzinfo=UTC),
        expect_ids=frozenset({"jp:11000000005", "jp:11000000004", "jp:11000000003",
                              "jp:11000000001"}),
        expect_text={
            "jp:11000000005": "最悪\n注文が通らない。アプリが落ちます & 返金もない",
            "jp:11000000004": '新しいブレンドが"最高"。\nポイントも貯まる<笑>',
            "jp:11000000003": "普通のコーヒーアプリ",
            "jp:11000000001": "値段が高すぎる。",
        },
        narrow=(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 22, tzinfo=UTC)),
        fault_nth=1,
    ),
    Scenario(
        id="appstore-undated-json-dates-from-xml",
        source=_old_source,
        routes=_old_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2020, 5, 1, tzinfo=UTC),
        until=datetime(2020, 9, 1, tzinfo=UTC),
        expect_ids=frozenset({"jp:6290024633", "jp:6290024632", "jp:6290024631",
                              "jp:6290024630"}),
        expect_text={
            "jp:6290024633": "神アプリ\nオーロラ珈琲のアプリ、注文が速い！\nポイントも貯まる",
            "jp:6290024632": "最悪\nログインできない & 落ちる",
        },
        narrow=(datetime(2020, 8, 1, tzinfo=UTC), datetime(2020, 9, 1, tzinfo=UTC)),
        fault_nth=1,  # the XML page 1, read for the dates the JSON page lacks
    ),
]
