from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import build_collector
from collectors.base import CollectorError, CredentialRejectedError, MalformedResponseError
from collectors.x import (
    XCollector,
    included_tweets,
    parse_tweet,
    snowflake_time,
    usernames,
    x_query,
)
from koe.config import Brand, XSource
from koe.credentials import CredentialError, Credentials
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "api" / "x" / "1-search-recent-tweepy.json"
NOW = datetime(2026, 10, 8, 12, 0, 0, tzinfo=UTC)
SINCE = datetime(2026, 10, 7, tzinfo=UTC)
UNTIL = datetime(2026, 10, 8, tzinfo=UTC)
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]
ENV = {"KOE_X_BEARER_TOKEN": "secret-bearer"}
EPOCH_MS = 1288834974657


def snowflake(moment: datetime) -> str:
    return str((int(moment.timestamp() * 1000) - EPOCH_MS) << 22)


def tweet(moment: datetime, text: str = "aurora coffee", **fields: Any) -> dict[str, Any]:
    tweet_id = snowflake(moment)
    return {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id],
            "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"), **fields}


class Service:
    def __init__(self, pages: dict[str | None, Any]) -> None:
        self.pages = pages
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        page = self.pages[request.url.params.get("next_token")]
        return page if isinstance(page, httpx.Response) else httpx.Response(200, json=page)


def collector(handler: Callable[[httpx.Request], httpx.Response], env: dict[str, str] = ENV,
              waits: list[float] | None = None, now: datetime = NOW,
              **options: Any) -> XCollector:
    config = XSource(type="x", base_url="https://api.x.test/2", **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=BRANDS, client=client,
                           sleep=waits.append if waits is not None else lambda s: None,
                           credentials=Credentials(env=env))
    assert isinstance(made, XCollector)
    made.now = lambda: now
    return made


@pytest.mark.parametrize(("query", "exclude", "expected"), [
    ('"aurora coffee" OR オーロラ珈琲', False, '"aurora coffee" OR オーロラ珈琲'),
    ('"aurora coffee" OR オーロラ珈琲', True, '("aurora coffee" OR オーロラ珈琲) -is:retweet'),
    ("aurora -decaf", True, "aurora -decaf -is:retweet"),
    ("aurora (coffee OR cafe) lang:en,ja", False,
     "aurora (coffee OR cafe) (lang:en OR lang:ja)"),
    ("a b OR c", False, "a b OR c"),
    ("aurora NOT (bad OR worse)", False, "aurora -(bad OR worse)"),
    ("aurora -(bad taste)", False, 'aurora -(bad taste)'),
    ('aurora -"bad taste"', False, 'aurora -"bad taste"'),
    ("#オーロラ珈琲 lang:ja", False, "#オーロラ珈琲 lang:ja"),
    ("NOT NOT aurora x", False, "aurora x"),
    ("url:aurora", False, '"url:aurora"'),
])
def test_brand_query_in_x_syntax(query: str, exclude: bool, expected: str) -> None:
    assert x_query(Query.parse(query), exclude_retweets=exclude) == expected


def test_snowflake_dates() -> None:
    assert snowflake_time("1578516068309794817") == datetime(2022, 10, 7, 22, 42, 12, 752000,
                                                             tzinfo=UTC)
    assert snowflake_time("20") is None  # a pre-Snowflake id
    assert snowflake_time("abc") is None


def test_genuine_recording_with_default_fields_only() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE}")
    body = json.loads(FIXTURE.read_bytes())
    assert usernames(body) == {}
    mentions = [parse_tweet(t, usernames(body), "x") for t in body["data"]]
    assert all(m is not None for m in mentions) and len(mentions) == 10
    first = mentions[0]
    assert first is not None
    assert first.source_id == "1578516068309794817"
    assert first.text == "2022-10-07 22:42:12.637103 tweepy"
    # The text says when tweepy's test posted it; the id says when X stored it.
    assert timedelta(0) < first.created_at - datetime(2022, 10, 7, 22, 42, 12, 637103,
                                                      tzinfo=UTC) < timedelta(seconds=1)
    assert first.author is None and first.language is None
    assert first.engagement.likes is None and first.engagement.views is None
    assert first.url == "https://x.com/i/web/status/1578516068309794817"


def test_full_fields_escaping_and_languages() -> None:
    users = usernames({"includes": {"users": [{"id": "7", "username": "aurora_jp"},
                                              {"id": "8"}, "junk"]}})
    assert users == {"7": "aurora_jp"}
    moment = datetime(2026, 10, 7, 9, tzinfo=UTC)
    m = parse_tweet(tweet(moment, "Q&amp;A: prices &gt; 5% &lt;3 &amp;amp;", author_id="7",
                          lang="EN", public_metrics={"like_count": 4, "reply_count": 1,
                                                     "retweet_count": 2, "quote_count": 9,
                                                     "impression_count": 300}), users, "x")
    assert m is not None
    assert m.text == "Q&A: prices > 5% <3 &amp;"  # escaped once by X, unescaped once here
    assert m.author == "aurora_jp" and m.language == "en" and m.created_at == moment
    assert m.url == f"https://x.com/aurora_jp/status/{snowflake(moment)}"
    assert (m.engagement.likes, m.engagement.replies, m.engagement.reposts,
            m.engagement.views) == (4, 1, 2, 300)
    for code in ("und", "qme", "zxx"):
        m = parse_tweet(tweet(moment, lang=code, author_id="99"), users, "x")
        assert m is not None and m.language is None and m.author is None


def test_long_post_uses_note_tweet() -> None:
    long = "オーロラ珈琲は最高。" * 40
    m = parse_tweet(tweet(NOW, long[:270] + "…", note_tweet={"text": long}), {}, "x")
    assert m is not None and m.text == long


def test_repost_gets_the_whole_original_from_includes() -> None:
    # X API v2: a repost's text is "RT @name: " plus the original cut at 140 characters with
    # "…"; with expansions=referenced_tweets.id the original (note_tweet for a long one) is
    # in includes.tweets. Seen in tweepy's 2021 and 2022 recent-search cassettes, where the
    # cut dropped the very word ("#tweepy") the search had matched.
    original = "オーロラ珈琲の新作、香りがすごく良い！ " * 8 + "#AuroraCoffee"
    cut = "RT @tanaka_jp: " + original[:124] + "…"
    body = {
        "data": [
            tweet(NOW, cut, referenced_tweets=[{"type": "retweeted", "id": "111"}]),
            # The original is not included (deleted, protected): the cut text stays.
            tweet(NOW - timedelta(seconds=1), "RT @gone: aurora coffee…",
                  referenced_tweets=[{"type": "retweeted", "id": "999"}]),
            # A quote or a reply keeps its own text; only reposts are rebuilt.
            tweet(NOW - timedelta(seconds=2), "aurora coffee, so true",
                  referenced_tweets=[{"type": "quoted", "id": "111"}]),
        ],
        "includes": {"tweets": [
            {"id": "111", "text": original[:270] + "…", "note_tweet": {"text": original}},
            {"id": "112"}, "junk"]},
        "meta": {"result_count": 3},
    }
    originals = included_tweets(body)
    assert originals == {"111": original}
    texts = [m.text for m in (parse_tweet(t, {}, "x", originals) for t in body["data"])
             if m is not None]
    assert texts == ["RT @tanaka_jp: " + original, "RT @gone: aurora coffee…",
                     "aurora coffee, so true"]
    assert parse_tweet(body["data"][0], {}, "x") is not None  # originals are optional
    service = Service({None: body})
    mentions = list(collector(service).fetch(Query.parse("aurora"), NOW - timedelta(hours=1),
                                             NOW + timedelta(seconds=1)))
    assert mentions[0].text.endswith("#AuroraCoffee")
    assert "referenced_tweets" in service.requests[0].url.params["tweet.fields"].split(",")


def test_bad_items_are_none() -> None:
    for junk in ("x", {}, {"id": "12ab", "text": "x"}, {"id": "1578516068309794817"},
                 {"id": "1578516068309794817", "text": "  "}, {"id": "20", "text": "old"},
                 {"id": True, "text": "x"}):
        assert parse_tweet(junk, {}, "x") is None
    numeric = parse_tweet({"id": 1578516068309794817, "text": "x"}, {}, "x")
    assert numeric is not None and numeric.source_id == "1578516068309794817"


def test_pages_with_fields_window_and_partial_errors(caplog: pytest.LogCaptureFixture) -> None:
    service = Service({
        None: {"data": [tweet(SINCE + timedelta(hours=20), author_id="1"),
                        tweet(SINCE + timedelta(hours=5, microseconds=1))],
               "includes": {"users": [{"id": "1", "username": "a"}]},
               "meta": {"result_count": 2, "next_token": "t2"}},
        "t2": {"data": [tweet(SINCE + timedelta(hours=1), author_id="2"), {"text": "no id"},
                        tweet(SINCE - timedelta(seconds=1))],
               "errors": [{"title": "Not Found Error",
                           "detail": "Could not find user with id: [2]."}],
               "meta": {"result_count": 3, "next_token": "t3"}},
        "t3": {"meta": {"result_count": 0}},
    })
    made = collector(service, exclude_retweets=True, max_results=50)
    until = UNTIL - timedelta(microseconds=500)
    mentions = list(made.fetch(Query.parse('"aurora coffee" OR オーロラ珈琲'), SINCE, until))
    assert len(mentions) == 3
    assert [m.author for m in mentions] == ["a", None, None]
    assert [r.url.params.get("next_token") for r in service.requests] == [None, "t2", "t3"]
    params = service.requests[0].url.params
    assert params["query"] == '("aurora coffee" OR オーロラ珈琲) -is:retweet'
    assert params["start_time"] == "2026-10-07T00:00:00Z"
    assert params["end_time"] == "2026-10-08T00:00:00Z"  # rounded up: still exclusive
    assert params["max_results"] == "50"
    assert params["expansions"] == "author_id,referenced_tweets.id"
    assert set(params["tweet.fields"].split(",")) >= {
        "created_at", "author_id", "lang", "public_metrics", "conversation_id",
        "referenced_tweets"}
    assert params["user.fields"] == "username"
    assert service.requests[0].headers["authorization"] == "Bearer secret-bearer"
    assert "Could not find user with id: [2]" in caplog.text
    assert "skipped 1 posts" in caplog.text
    assert "secret-bearer" not in caplog.text
    assert made.notes == []


def test_start_is_clamped_to_the_last_seven_days() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    made = collector(service)
    list(made.fetch(Query.parse("aurora"), NOW - timedelta(days=10), NOW - timedelta(days=1)))
    params = service.requests[0].url.params
    assert params["start_time"] == "2026-10-01T12:01:00Z"
    assert params["end_time"] == "2026-10-07T12:00:00Z"
    assert len(made.notes) == 1 and "only serves the last 7 days" in made.notes[0]


def test_window_older_than_seven_days_is_sent_as_asked_with_a_note() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    made = collector(service)
    list(made.fetch(Query.parse("aurora"), NOW - timedelta(days=20), NOW - timedelta(days=19)))
    assert service.requests[0].url.params["start_time"] == "2026-09-18T12:00:00Z"
    assert any("full-archive" in n for n in made.notes)


def test_window_ending_now_waits_for_x_to_serve_it() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    waits: list[float] = []
    made = collector(service, waits=waits)
    list(made.fetch(Query.parse("aurora"), NOW - timedelta(hours=1), NOW))
    assert waits == [15.0]
    assert service.requests[0].url.params["end_time"] == "2026-10-08T12:00:00Z"
    assert made.notes == []


def test_window_ending_in_the_future_is_cut_with_a_note() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    waits: list[float] = []
    made = collector(service, waits=waits)
    list(made.fetch(Query.parse("aurora"), NOW - timedelta(hours=1), NOW + timedelta(hours=1)))
    assert waits == []
    assert service.requests[0].url.params["end_time"] == "2026-10-08T11:59:45Z"
    assert any("10 seconds" in n for n in made.notes)


def test_window_entirely_too_recent_asks_nothing() -> None:
    service = Service({})
    made = collector(service)
    assert list(made.fetch(Query.parse("aurora"), NOW + timedelta(hours=1),
                           NOW + timedelta(hours=2))) == []
    assert service.requests == [] and made.notes


def test_unauthorized_is_not_refreshable_and_names_the_variable() -> None:
    service = Service({None: httpx.Response(401, json={
        "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})})
    with pytest.raises(CredentialRejectedError) as e:
        list(collector(service, env={"MY_X_TOKEN": "secret-bearer"},
                       bearer_token_env="MY_X_TOKEN").fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert "MY_X_TOKEN" in str(e.value) and "secret" not in str(e.value)
    assert len(service.requests) == 1


def test_missing_token() -> None:
    made = collector(Service({}), env={})
    with pytest.raises(CredentialError, match="KOE_X_BEARER_TOKEN"):
        made.check()
    with pytest.raises(CredentialError, match="developer.x.com"):
        list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))


def test_airflow_connection_password_is_the_token() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    env = {"AIRFLOW_CONN_X_API": json.dumps({"password": "conn-token"})}
    made = collector(service, env=env, conn_id="x_api")
    assert "X recent search" in made.check()
    list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert service.requests[0].headers["authorization"] == "Bearer conn-token"


def test_check_warns_about_long_queries() -> None:
    config = XSource(type="x")
    long_brand = Brand(name="Long", query=" OR ".join(f"brandword{i}" for i in range(60)))
    made = build_collector(config, brands=[long_brand], credentials=Credentials(env=ENV))
    assert "512" in made.check()


def test_max_pages_stops_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    pages: dict[str | None, Any] = {
        (None if n == 0 else f"t{n}"): {"data": [tweet(SINCE + timedelta(hours=20 - n))],
                                        "meta": {"result_count": 1, "next_token": f"t{n + 1}"}}
        for n in range(5)}
    service = Service(pages)
    made = collector(service, max_pages=3)
    assert len(list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))) == 3
    assert len(service.requests) == 3 and "max_pages=3" in caplog.text
    assert made.notes and "18:00" in made.notes[0]


def test_repeated_next_token_is_an_error() -> None:
    service = Service({None: {"data": [tweet(SINCE)], "meta": {"next_token": "t1"}},
                       "t1": {"data": [tweet(SINCE)], "meta": {"next_token": "t1"}}})
    with pytest.raises(CollectorError, match="again"):
        list(collector(service).fetch(Query.parse("aurora"), SINCE, UNTIL))


@pytest.mark.parametrize("body", [
    [], {"errors": [{"title": "Invalid Request", "detail": "bad"}]}, {"data": {"id": "1"}},
    {"includes": {}},
])
def test_not_a_search_page_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponseError) as e:
        list(collector(Service({None: body})).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert "x:" in str(e.value) and "'aurora'" in str(e.value)


def test_rate_limit_headers_make_the_next_request_wait() -> None:
    reset = int(datetime.now(UTC).timestamp()) + 600
    service = Service({
        None: httpx.Response(200, json={"data": [tweet(SINCE)], "meta": {"next_token": "t1"}},
                             headers={"x-rate-limit-remaining": "0",
                                      "x-rate-limit-reset": str(reset)}),
        "t1": {"meta": {"result_count": 0}},
    })
    waits: list[float] = []
    list(collector(service, waits=waits).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(waits) == 1 and 590 < waits[0] <= 601


def test_probe_makes_one_small_request() -> None:
    service = Service({None: {"meta": {"result_count": 0}}})
    assert "answered" in collector(service).probe()
    assert len(service.requests) == 1
    params = service.requests[0].url.params
    assert params["max_results"] == "10" and "start_time" not in params
    assert params["query"] == '"aurora coffee" OR オーロラ珈琲'
