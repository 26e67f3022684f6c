"""Mastodon: the genuine tag-timeline page (Link header pointing at localhost:3000) followed by a
hand-written page and ``[]``, and a hand-written instance with boosts, Japanese, a late-delivered
remote status and search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import Brand, MastodonSource

TOKEN = "contract-mastodon-token"
CREDENTIALS = {"KOE_MASTODON_TOKEN": TOKEN}
# Mastodon's answer to a revoked or unknown access token.
EXPIRED = Reply(401, {"error": "The access token is invalid"})

TAG = "fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"
TIMELINE = "/api/v1/timelines/tag/"
RECORDED_HOST = "http://localhost:3000"
RECORDED_LINK = (f'<{RECORDED_HOST}{TIMELINE}{TAG}?limit=10&max_id=117020582177108552>; '
                 f'rel="next", <{RECORDED_HOST}{TIMELINE}{TAG}?limit=10&min_id='
                 '117020582251615632>; rel="prev"')
RECORDED_RATE = {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "299",
                 "x-ratelimit-reset": "2026-08-01T13:55:00.729285Z"}


def _bearer(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {TOKEN}"


def _no_max_id(request: Request) -> bool:
    return _bearer(request) and "max_id" not in request.params


def _source(**options: Any) -> Any:
    def build(url: str) -> MastodonSource:
        return MastodonSource(type="mastodon", base_url=url, **options)
    return build


def _account(acct: str) -> dict[str, Any]:
    return {"id": "117020566092212359", "username": acct.split("@")[0], "acct": acct,
            "display_name": "", "url": f"http://localhost:3000/@{acct}"}


def _status(status_id: str, created: datetime, content: str, **fields: Any) -> dict[str, Any]:
    return {"id": status_id, "created_at": created.isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"), "in_reply_to_id": None, "sensitive": False,
            "spoiler_text": "", "visibility": "public", "content": content, "reblog": None,
            "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None,
            "poll": None, **fields}


def _recorded_page_two() -> list[dict[str, Any]]:
    """Toots 19..10 as the cassette's next page had them (same account, 125 ms apart)."""
    first = datetime(2026, 8, 1, 13, 52, 59, 413000, tzinfo=UTC)
    out = []
    for n in range(19, 9, -1):
        created = first - timedelta(milliseconds=125 * (20 - n))
        status_id = str((int(created.timestamp() * 1000) << 16) + n)
        content = (f'<p>Toot number {n}! <a href="http://localhost:3000/tags/{TAG}" '
                   f'class="mention hashtag" rel="tag">#<span>{TAG}</span></a></p>')
        out.append(_status(
            status_id, created, content, language="ja", replies_count=0, reblogs_count=0,
            favourites_count=0, account=_account("mastodonpy_test_2"),
            uri=f"http://localhost:3000/ap/users/117020566092212359/statuses/{status_id}",
            url=f"http://localhost:3000/@mastodonpy_test_2/{status_id}"))
    return out


PAGE_TWO = _recorded_page_two()


def _genuine_routes() -> list[Route]:
    last = PAGE_TWO[-1]["id"]
    link = (f'<{RECORDED_HOST}{TIMELINE}{TAG}?limit=10&max_id={last}>; rel="next", '
            f'<{RECORDED_HOST}{TIMELINE}{TAG}?limit=10&min_id={PAGE_TWO[0]["id"]}>; rel="prev"')
    return [
        Route("GET", TIMELINE + TAG,
              Reply(body=recording("mastodon/1-tag-timeline-page1.json"),
                    headers={"link": RECORDED_LINK, **RECORDED_RATE}),
              params={"limit": "10"}, when=_no_max_id),
        Route("GET", TIMELINE + TAG, Reply(body=PAGE_TWO, headers={"link": link}),
              params={"limit": "10", "max_id": "117020582177108552"}, when=_bearer),
        # The end of pagination, as the cassette's last interaction: `[]` and no Link header.
        Route("GET", TIMELINE + TAG, Reply(body=b"[]"), params={"limit": "10", "max_id": last},
              when=_bearer),
    ]


GENUINE_IDS = frozenset({
    "117020582251615632", "117020582243664896", "117020582235531561", "117020582227339497",
    "117020582219013744", "117020582210651625", "117020582202912039", "117020582193180787",
    "117020582185051730", "117020582177108552", *(s["id"] for s in PAGE_TWO),
})

T0 = datetime(2026, 11, 20, tzinfo=UTC)
JA_TAG = "オーロラ珈琲"


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


ORIGINAL = _status(
    "900", _h(5), "<p>Aurora Coffee opened a store in Sapporo</p>", language="en",
    url="https://other.example/@barista/900", account=_account("barista@other.example"),
    favourites_count=4, replies_count=1, reblogs_count=2)


def _instance_routes() -> list[Route]:
    tag_link = ('<a href="https://m.example/tags/auroracoffee" class="mention hashtag" '
                'rel="tag">#<span>AuroraCoffee</span></a>')
    page_one = [
        _status("1005", _h(20), f"<p>Loving {tag_link} &amp; their new app&#39;s "
                "&quot;quick order&quot;</p><p>Pickup took 2 minutes &lt; 5</p>",
                language="en", url="https://m.example/@mika/1005", account=_account("mika"),
                favourites_count=3, replies_count=0, reblogs_count=1),
        # A boost of a status from another server: read as the original, counted once.
        _status("1004", _h(19), "", reblog=ORIGINAL, account=_account("mika")),
        {"id": "1003", "content": "<p>#auroracoffee without a date is skipped</p>"},
    ]
    page_two = [
        # Optional fields absent: no url/uri, language, counts or account.
        _status("1002", _h(12), "<p>#<span>auroracoffee</span> オーロラ珈琲の新しいアプリ、"
                "使いやすい！</p>"),
        # Timelines are ordered by id (when this server stored a status): a remote status
        # delivered late keeps its older created_at. It is skipped; it does not end paging.
        _status("1001", _h(-30), "<p>#auroracoffee delivered a day late from a slow server</p>",
                url="https://slow.example/@late/77", account=_account("late@slow.example")),
        ORIGINAL,
    ]
    # Wholly older than the window: this page ends paging, its next link is not followed.
    page_three = [
        _status("800", _h(-2), "<p>#auroracoffee before the window</p>"),
        _status("799", _h(-3), "<p>#auroracoffee before the window too</p>"),
    ]
    ja_page = [_status("2001", _h(8), "<p>オーロラ珈琲の<br>限定ブレンド&amp;ケーキ</p>",
                       language="ja", spoiler_text="ネタバレ &amp; 感想",
                       url="https://m.example/@yui/2001", account=_account("yui"))]
    search_page = [
        _status("3000", _h(25), "<p>Aurora Coffee after the window</p>"),
        _status("3001", _h(22), "<p>Aurora Coffee&#39;s <em>oat</em> latte is back</p>",
                language="en", url="https://m.example/@ken/3001", account=_account("ken")),
        page_one[0],  # already read from the tag timeline
    ]
    empty_search = {"accounts": [], "statuses": [], "hashtags": []}
    # The next link names another host; only its max_id may be used.
    elsewhere = "https://cdn.elsewhere.example/api/v1/timelines/tag/auroracoffee?limit=3"
    search = {"type": "statuses", "resolve": "false", "limit": "3"}
    return [
        Route("GET", TIMELINE + "auroracoffee",
              Reply(body=page_one, headers={"Link": f'<{elsewhere}&max_id=1003>; rel="next"'}),
              params={"limit": "3"}, when=_no_max_id),
        Route("GET", TIMELINE + "auroracoffee",
              Reply(body=page_two, headers={"Link": f'<{elsewhere}&max_id=900>; rel="next", '
                                                    f'<{elsewhere}&min_id=1002>; rel="prev"'}),
              params={"limit": "3", "max_id": "1003"}, when=_bearer),
        Route("GET", TIMELINE + "auroracoffee",
              Reply(body=page_three, headers={"Link": f'<{elsewhere}&max_id=799>; rel="next"'}),
              params={"limit": "3", "max_id": "900"}, when=_bearer),
        Route("GET", TIMELINE + quote(JA_TAG, safe=""), Reply(body=ja_page),
              params={"limit": "3"}, when=_no_max_id),
        Route("GET", "/api/v2/search", Reply(body={**empty_search, "statuses": search_page}),
              params={**search, "q": '"aurora coffee"', "offset": "0"}, when=_bearer),
        Route("GET", "/api/v2/search", Reply(body=empty_search),
              params={**search, "q": '"aurora coffee"', "offset": "3"}, when=_bearer),
        Route("GET", "/api/v2/search", Reply(body=empty_search),
              params={**search, "q": JA_TAG, "offset": "0"}, when=_bearer),
    ]


SCENARIOS = [
    Scenario(
        id="mastodon-genuine-tag-timeline",
        source=_source(limit=10),
        routes=_genuine_routes,
        brands=(Brand(name="Mastodon.py tests", query=f"#{TAG}"),),
        since=datetime(2026, 8, 1, 13, tzinfo=UTC),
        until=datetime(2026, 8, 1, 14, tzinfo=UTC),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        expect_ids=GENUINE_IDS,
        expect_text={"117020582251615632": f"Toot number 29! #{TAG}",
                     PAGE_TWO[0]["id"]: "Toot number 19!"},
        narrow=(datetime(2026, 8, 1, 13, 53, tzinfo=UTC), datetime(2026, 8, 1, 14, tzinfo=UTC)),
        genuine=True,
    ),
    Scenario(
        id="mastodon-tags-boosts-search-japanese",
        source=_source(limit=3, hashtags=(JA_TAG, "#AuroraCoffee")),
        routes=_instance_routes,
        brands=(Brand(name="Aurora Coffee",
                      query='"aurora coffee" OR #auroracoffee OR オーロラ珈琲'),),
        since=T0,
        until=T0 + timedelta(days=1),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        expect_ids=frozenset({"1005", "900", "1002", "2001", "3001"}),
        expect_text={"1005": "Loving #AuroraCoffee & their new app's \"quick order\"\n"
                             "Pickup took 2 minutes < 5",
                     "1002": "オーロラ珈琲の新しいアプリ、使いやすい！",
                     "2001": "ネタバレ & 感想\nオーロラ珈琲の\n限定ブレンド&ケーキ",
                     "3001": "Aurora Coffee's oat latte is back"},
        narrow=(_h(10), _h(21)),
    ),
]
