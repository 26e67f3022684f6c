"""X API v2 recent search: the genuine recording (default fields only), and a hand-written
three-page Japanese/English search with expansions, partial errors and an empty last page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import Brand, XSource

PATH = "/2/tweets/search/recent"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAKoeContractTestBearerToken%3Dxyz"
CREDENTIALS = {"KOE_X_BEARER_TOKEN": TOKEN}
EXPIRED = Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                      "detail": "Unauthorized"})
# Recorded with the answer (README): the app-only recent-search budget.
RECORDED_HEADERS = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "448",
                    "x-rate-limit-reset": "1665183229", "x-access-level": "read"}
RECORDED_NEXT = "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
SNOWFLAKE_EPOCH_MS = 1288834974657


def _source(url: str) -> XSource:
    return XSource(type="x", base_url=f"{url}/2", max_results=10)


def _japanese_source(url: str) -> XSource:
    return XSource(type="x", base_url=f"{url}/2", max_results=10, exclude_retweets=True)


def _bearer(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {TOKEN}"


def _search(query: str, reply: Reply, next_token: str | None = None) -> Route:
    params = {"query": query, "expansions": "author_id,referenced_tweets.id"}
    if next_token is not None:
        return Route("GET", PATH, reply, params={**params, "next_token": next_token},
                     when=_bearer)
    return Route("GET", PATH, reply, params=params,
                 when=lambda r: _bearer(r) and "next_token" not in r.params)


def _genuine_routes() -> list[Route]:
    return [
        _search("tweepy", Reply(body=recording("x/1-search-recent-tweepy.json"),
                                headers=RECORDED_HEADERS)),
        # The recording's next_token leads to the end: X answers an empty page so.
        _search("tweepy", Reply(body={"meta": {"result_count": 0}}, headers=RECORDED_HEADERS),
                next_token=RECORDED_NEXT),
    ]


def snowflake(moment: datetime, sequence: int = 0) -> str:
    """A post id as X mints it: milliseconds since X's epoch, shifted left 22 bits."""
    ms = int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS
    return str((ms << 22) | (1 << 17) | sequence)


DAY = datetime(2026, 10, 1, tzinfo=UTC)
LAUNCH = snowflake(DAY + timedelta(hours=21, minutes=15))
QA = snowflake(DAY + timedelta(hours=18, minutes=40))
TANAKA = snowflake(DAY + timedelta(hours=11))
LONG = snowflake(DAY + timedelta(hours=9, minutes=5))
SATO = snowflake(DAY + timedelta(hours=2, minutes=10))
NO_DATE = snowflake(DAY + timedelta(hours=1, minutes=30))


def _stamp(tweet_id: str) -> str:
    ms = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _tweet(tweet_id: str, text: str, author_id: str, lang: str, **fields: Any) -> dict[str, Any]:
    return {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id],
            "created_at": _stamp(tweet_id), "author_id": author_id, "lang": lang,
            "conversation_id": tweet_id, **fields}


def _metrics(likes: int, replies: int, reposts: int, views: int) -> dict[str, int]:
    return {"retweet_count": reposts, "reply_count": replies, "like_count": likes,
            "quote_count": 0, "bookmark_count": 0, "impression_count": views}


def _japanese_pages() -> list[dict[str, Any]]:
    users = [{"id": "1001", "name": "Aurora Coffee", "username": "auroracoffee"},
             {"id": "1002", "name": "田中", "username": "tanaka_jp"}]
    page1 = {
        "data": [
            _tweet(LAUNCH, "☕️ Aurora Coffee launches a new blend today! https://t.co/AbCdEf123 🎉",
                   "1001", "en", public_metrics=_metrics(12, 3, 4, 1500)),
            # X escapes &, < and > in text.
            _tweet(QA, "Aurora Coffee Q&amp;A: prices &gt; 5% &lt;3", "1001", "en",
                   public_metrics=_metrics(0, 0, 0, 80)),
            _tweet(TANAKA, "オーロラ珈琲の新作、香りがすごく良い！ #オーロラ珈琲", "1002", "ja",
                   public_metrics=_metrics(5, 1, 2, 300)),
        ],
        "includes": {"users": users},
        "meta": {"newest_id": LAUNCH, "oldest_id": TANAKA, "result_count": 3,
                 "next_token": "7140dibdnow9c7btw4b0ygc0hbu9bsg8p2zvjbl3ue4ct"},
    }
    long_text = "Aurora Coffee " + "ほんとうに美味しい。" * 30
    page2 = {
        "data": [
            # A long post: text is cut at 280 characters, note_tweet holds all of it.
            _tweet(LONG, long_text[:270] + "… https://t.co/ZyXwVu987", "1003", "ja",
                   note_tweet={"text": long_text}, public_metrics=_metrics(1, 0, 0, 42)),
            # Author not in includes (the errors below say why), lang "und", no metrics.
            _tweet(SATO, "オーロラ珈琲のアプリ、また落ちてる…", "1004", "und"),
            # Default fields only: no created_at (the id says when), no author, no lang.
            {"id": NO_DATE, "text": "aurora coffee again", "edit_history_tweet_ids": [NO_DATE]},
            # Not a post: no id. Skipped and counted.
            {"text": "aurora coffee", "edit_history_tweet_ids": []},
        ],
        "includes": {"users": [{"id": "1003", "name": "Long Poster", "username": "longposter"}]},
        "errors": [{"value": "1004", "detail": "Could not find user with id: [1004].",
                    "title": "Not Found Error", "resource_type": "user", "parameter": "id",
                    "resource_id": "1004",
                    "type": "https://api.twitter.com/2/problems/resource-not-found"}],
        "meta": {"newest_id": LONG, "oldest_id": NO_DATE, "result_count": 4,
                 "next_token": "7140dibdnow9c7btw4b0ygc0hbu9bsg8p2zvjbl3ue4cu"},
    }
    page3 = {"meta": {"result_count": 0}}
    return [page1, page2, page3]


QUERY = '("aurora coffee" OR オーロラ珈琲) -is:retweet'


def _japanese_routes() -> list[Route]:
    page1, page2, page3 = _japanese_pages()
    return [
        _search(QUERY, Reply(body=page1)),
        _search(QUERY, Reply(body=page2), next_token=page1["meta"]["next_token"]),
        _search(QUERY, Reply(body=page3), next_token=page2["meta"]["next_token"]),
    ]


GENUINE_IDS = frozenset({
    "1578516068309794817", "1578515564971970560", "1578515061600964608", "1578514558372618243",
    "1578514055010324480", "1578513551664173057", "1578513048372797440", "1578512545039585281",
    "1578512041748627456", "1578511538419212288",
})

SCENARIOS = [
    Scenario(
        id="x-genuine",
        source=_source,
        routes=_genuine_routes,
        brands=(Brand(name="Tweepy", query="tweepy"),),
        since=datetime(2022, 10, 7, 22, tzinfo=UTC),
        until=datetime(2022, 10, 7, 23, tzinfo=UTC),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=False,
        expect_ids=GENUINE_IDS,
        expect_text={"1578516068309794817": "2022-10-07 22:42:12.637103 tweepy"},
        narrow=(datetime(2022, 10, 7, 22, 30, tzinfo=UTC),
                datetime(2022, 10, 7, 22, 40, tzinfo=UTC)),
        genuine=True,
    ),
    Scenario(
        id="x-japanese-three-pages",
        source=_japanese_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=DAY,
        until=DAY + timedelta(days=1),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=False,
        expect_ids=frozenset({LAUNCH, QA, TANAKA, LONG, SATO, NO_DATE}),
        expect_text={
            LAUNCH: "☕️ Aurora Coffee launches a new blend today! https://t.co/AbCdEf123 🎉",
            QA: "Aurora Coffee Q&A: prices > 5% <3",
            TANAKA: "オーロラ珈琲の新作、香りがすごく良い！ #オーロラ珈琲",
            LONG: "ほんとうに美味しい。" * 30,
            SATO: "また落ちてる…",
        },
        narrow=(DAY + timedelta(hours=9), DAY + timedelta(hours=20)),
        fault_nth=1,
    ),
]
