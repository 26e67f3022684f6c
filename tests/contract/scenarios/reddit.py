"""Reddit (app-only OAuth, search, comments): the genuine search listing, a hand-written
conversation over two subreddits with paging, Japanese posts and a comment tree, and a brand's
own subreddit read in full from its /new listing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import Brand, RedditSource

CREDENTIALS = {"KOE_REDDIT_CLIENT_ID": "contract-app", "KOE_REDDIT_CLIENT_SECRET": "s3cret"}
BASIC = "Basic " + base64.b64encode(b"contract-app:s3cret").decode()
TOKEN = {"access_token": "contract-token", "token_type": "bearer", "expires_in": 86400,
         "scope": "*"}
# Reddit's answer to a bearer token it no longer accepts.
EXPIRED = Reply(401, {"message": "Unauthorized", "error": 401})
USER_AGENT = "koe-contract/1.0 (by /u/koe-tests)"


def _bearer(request: Request) -> bool:
    return (request.headers.get("authorization") == "bearer contract-token"
            and request.headers.get("user-agent") == USER_AGENT)


def _token_route() -> Route:
    return Route("POST", "/api/v1/access_token", Reply(body=TOKEN),
                 params={"grant_type": "client_credentials"},
                 when=lambda r: r.headers.get("authorization") == BASIC, auth=True)


def _source(**options: Any) -> Any:
    def build(url: str) -> RedditSource:
        return RedditSource(type="reddit", base_url=url, auth_url=f"{url}/api/v1/access_token",
                            user_agent=USER_AGENT, **options)
    return build


def _genuine_routes() -> list[Route]:
    headers = {"x-ratelimit-remaining": "151.0", "x-ratelimit-reset": "128",
               "x-ratelimit-used": "449"}
    return [
        _token_route(),
        Route("GET", "/search",
              Reply(body=recording("reddit/1-search-r-all-praw-oauth-search.json"),
                    headers=headers),
              params={"q": "praw", "sort": "new", "type": "link", "raw_json": "1"},
              when=_bearer),
    ]


GENUINE_IDS = frozenset({
    "t3_1qvzkd", "t3_2wtg1n", "t3_3b4erh", "t3_3gpbiu", "t3_3qc02b", "t3_3w6n7z", "t3_3ydkd3",
    "t3_4j4abh", "t3_4tb88m", "t3_4vmwgt", "t3_57fb27", "t3_5blz8h", "t3_5e1az9", "t3_5eexmn",
    "t3_5hzkpr", "t3_5icq4p", "t3_5iru62", "t3_5jj1jk", "t3_5pixyq", "t3_61t6j7", "t3_69kgrz",
    "t3_6bnwl3", "t3_6ganxe", "t3_6ztyky", "t3_7by720", "t3_7n3jeb", "t3_7y82ns", "t3_8mp0yu",
    "t3_aag1ly", "t3_aoz5fp", "t3_b6b9uf",
})

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def _at(hours: float) -> float:
    return (T0 + timedelta(hours=hours)).timestamp()


def _post(post_id: str, sub: str, hours: float, title: str, **fields: Any) -> dict[str, Any]:
    data = {"id": post_id, "name": f"t3_{post_id}", "subreddit": sub, "created_utc": _at(hours),
            "title": title, "permalink": f"/r/{sub}/comments/{post_id}/slug/", **fields}
    return {"kind": "t3", "data": data}


def _listing(children: list[Any], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": None,
                                        "geo_filter": "", "children": children, "before": None}}


def _comment(comment_id: str, post_id: str, hours: float, body: str,
             replies: Any = "", **fields: Any) -> dict[str, Any]:
    data = {"id": comment_id, "name": f"t1_{comment_id}", "link_id": f"t3_{post_id}",
            "created_utc": _at(hours), "body": body, "replies": replies,
            "permalink": f"/r/x/comments/{post_id}/slug/{comment_id}/", **fields}
    return {"kind": "t1", "data": data}


def _thread(post: dict[str, Any], comments: list[Any]) -> list[Any]:
    return [_listing([post]), _listing(comments)]


P1 = _post("p1", "coffee", 20, "Aurora Coffee &amp; Kumo Cafe, compared", author="beanfan",
           selftext="The Aurora Coffee app &lt;3 but checkout is slow.", score=12,
           num_comments=4, num_crossposts=0)
P2 = _post("p2", "coffee", 10, "Is Aurora Coffee open on holidays?",
           num_comments=0)  # no author, score or body
P3 = _post("p3", "coffee", 2, "Aurora Coffee price rise", author="[deleted]",
           selftext="[removed]", score=3, num_comments=2)
JP0 = _post("jp0", "japanlife", 25, "オーロラ珈琲 新店舗", num_comments=9)  # after `until`
JP1 = _post("jp1", "japanlife", 15, "オーロラ珈琲の新作ラテ", author="tokyo_cafe",
            selftext="甘すぎず、とても美味しい。", score=40, num_comments=3)
JP2 = _post("jp2", "japanlife", -3, "オーロラ珈琲 混雑", num_comments=1)  # before `since`


def _search(sub: str, q: str, reply: dict[str, Any], after: str | None = None) -> Route:
    params = {"q": q, "sort": "new", "type": "link", "restrict_sr": "1", "raw_json": "1",
              "limit": "3"}
    return Route("GET", f"/r/{sub}/search", Reply(body=reply), params=params,
                 when=lambda r: _bearer(r) and r.params.get("after") == after)


def _conversation_routes() -> list[Route]:
    more = {"kind": "more", "data": {"count": 5, "name": "t1_m1", "id": "m1",
                                     "parent_id": "t1_c1", "depth": 1,
                                     "children": ["m1", "m2", "m3"]}}
    c2 = _comment("c2", "p1", 22, "オーロラ珈琲のアプリ、最高です", author="hanako", score=5)
    p1_comments = [
        _comment("c1", "p1", 21, "Agree &amp; the app crashes when I pay", author="kenji",
                 score=7, replies=_listing([c2, more])),
        _comment("c3", "p1", 21.5, "[deleted]", author="[deleted]"),
        _comment("c4", "p1", 25, "posted after the window"),
        {"kind": "t1", "data": {"id": "c5", "body": "a comment without a date is skipped"}},
    ]
    return [
        _token_route(),
        _search("coffee", '"aurora coffee"',
                _listing([P1, {"kind": "t3", "data": {"id": "bad", "title": "no date"}}, P2],
                         after="t3_p2")),
        _search("coffee", '"aurora coffee"', _listing([P3]), after="t3_p2"),
        _search("coffee", "オーロラ珈琲", _listing([])),
        _search("japanlife", '"aurora coffee"', _listing([])),
        # Newest first: the post older than `since` ends paging although `after` is set.
        _search("japanlife", "オーロラ珈琲", _listing([JP0, JP1, JP2], after="t3_jp2")),
        Route("GET", "/comments/p1", Reply(body=_thread(P1, p1_comments)),
              params={"raw_json": "1"}, when=_bearer),
        Route("GET", "/comments/p3", Reply(body=_thread(P3, [
            _comment("c6", "p3", 3, "Aurora Coffee raised the latte price again")])),
              params={"raw_json": "1"}, when=_bearer),
        Route("GET", "/comments/jp1", Reply(body=_thread(JP1, [
            _comment("c7", "jp1", 16, "私も飲みました！オーロラ珈琲いいね", score=2)])),
              params={"raw_json": "1"}, when=_bearer),
    ]


def _own_subreddit_routes() -> list[Route]:
    sticky = _post("s0", "AuroraCoffeeJP", -72, "ようこそ！ルールを読んでね", stickied=True)
    n3 = _post("n3", "AuroraCoffeeJP", 22, "新しい季節のブレンド", author="barista_aki",
               selftext="&lt;限定&gt; 桜ラテが出ました", score=31, num_comments=1)
    n2 = _post("n2", "AuroraCoffeeJP", 14, "モバイルオーダーが使えない", num_comments=0)
    n1 = _post("n1", "AuroraCoffeeJP", 3, "Oat milk at the Shibuya store?", score=2,
               num_comments=0)
    old = _post("n0", "AuroraCoffeeJP", -5, "昨日のスレ", num_comments=0)
    pages = {None: _listing([sticky, n3, n2], after="t3_n2"),
             "t3_n2": _listing([n1, {"kind": "t3", "data": {"id": "x"}}, old], after="t3_n0")}
    routes = [_token_route()]
    for after, body in pages.items():
        routes.append(Route(
            "GET", "/r/AuroraCoffeeJP/new", Reply(body=body), params={"raw_json": "1"},
            when=lambda r, a=after: _bearer(r) and r.params.get("after") == a))
    routes += [
        Route("GET", "/comments/n3", Reply(body=_thread(n3, [
            _comment("k1", "n3", 23, "買いました、美味しい！", author="mika", score=4)])),
              params={"raw_json": "1"}, when=_bearer),
        Route("GET", "/search", Reply(body=_listing([])), when=_bearer),
    ]
    return routes


SCENARIOS = [
    Scenario(
        id="reddit-genuine-search",
        source=_source(include_comments=False),
        routes=_genuine_routes,
        brands=(Brand(name="PRAW", query="praw"),),
        since=datetime(2013, 1, 1, tzinfo=UTC),
        until=datetime(2020, 7, 16, tzinfo=UTC),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=True,
        expect_ids=GENUINE_IDS,
        expect_text={"t3_5e1az9": "PRAW4 is finally feature complete",
                     "t3_6ganxe": "How to check if a username is available on Reddit?"},
        fault_nth=0,
        genuine=True,
    ),
    Scenario(
        id="reddit-subreddits-comments-japanese",
        source=_source(subreddits=("coffee", "japanlife"), limit=3, max_comment_posts=5),
        routes=_conversation_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=T0,
        until=T0 + timedelta(days=1),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=True,
        expect_ids=frozenset({"t3_p1", "t3_p2", "t3_p3", "t3_jp1",
                              "t1_c1", "t1_c2", "t1_c6", "t1_c7"}),
        expect_text={"t3_p1": "Aurora Coffee & Kumo Cafe, compared\nThe Aurora Coffee app <3",
                     "t3_jp1": "オーロラ珈琲の新作ラテ\n甘すぎず、とても美味しい。",
                     "t1_c1": "Agree & the app crashes", "t1_c2": "オーロラ珈琲のアプリ、最高です"},
        narrow=(T0 + timedelta(hours=12), T0 + timedelta(days=1)),
    ),
    Scenario(
        id="reddit-own-subreddit-listing",
        source=_source(listings=({"subreddit": "AuroraCoffeeJP", "brand": "Aurora Coffee"},),
                       limit=3, max_comment_posts=5),
        routes=_own_subreddit_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=T0,
        until=T0 + timedelta(days=1),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=True,
        expect_ids=frozenset({"t3_n3", "t3_n2", "t3_n1", "t1_k1"}),
        expect_text={"t3_n3": "新しい季節のブレンド\n<限定> 桜ラテが出ました",
                     "t1_k1": "買いました、美味しい！"},
        narrow=(T0 + timedelta(hours=12), T0 + timedelta(days=1)),
    ),
]
