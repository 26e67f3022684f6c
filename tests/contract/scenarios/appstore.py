"""App Store review feed: the genuine Google-app page, and Japanese reviews over two pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contract.scenario import Reply, Route, Scenario, recording
from koe.config import AppStoreSource, Brand

GOOGLE_APP = "284815942"
AURORA_APP = "1488000001"


def _path(country: str, page: int, app_id: str) -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"


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
    # Broken: no date. Skipped and counted.
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
]
