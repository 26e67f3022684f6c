from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import build_collector
from collectors.base import CollectorError, CredentialRejectedError, MalformedResponseError
from collectors.reddit import (
    RedditCollector,
    Thread,
    parse_comment,
    parse_post,
    search_terms,
    time_filter,
    walk_comments,
)
from koe.config import Brand, RedditSource
from koe.credentials import CredentialError, Credentials
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "reddit"
           / "1-search-r-all-praw-oauth-search.json")
SINCE = datetime(2026, 5, 1, tzinfo=UTC)
UNTIL = datetime(2026, 5, 2, tzinfo=UTC)
NOW = datetime(2026, 5, 2, 6, tzinfo=UTC)
ENV = {"KOE_REDDIT_CLIENT_ID": "app-id", "KOE_REDDIT_CLIENT_SECRET": "app-secret"}
BASIC = "Basic " + base64.b64encode(b"app-id:app-secret").decode()
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]
AURORA = Query.parse('"aurora coffee"')


def at(hours: float) -> float:
    return (SINCE + timedelta(hours=hours)).timestamp()


def post(post_id: str, hours: float, title: str = "Aurora Coffee news",
         **fields: Any) -> dict[str, Any]:
    return {"kind": "t3", "data": {"id": post_id, "name": f"t3_{post_id}", "created_utc": at(hours),
                                   "title": title, "num_comments": 0,
                                   "permalink": f"/r/coffee/comments/{post_id}/x/", **fields}}


def comment(comment_id: str, hours: float, body: str = "aurora coffee is fine",
            replies: Any = "", **fields: Any) -> dict[str, Any]:
    return {"kind": "t1", "data": {"id": comment_id, "name": f"t1_{comment_id}",
                                   "created_utc": at(hours), "body": body, "replies": replies,
                                   **fields}}


def listing(children: list[Any], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "children": children, "before": None}}


TOKEN = {"access_token": "tok-1", "token_type": "bearer", "expires_in": 86400, "scope": "*"}


class Service:
    """A fake Reddit: token endpoint plus a handler for API requests; records everything."""

    def __init__(self, api: Callable[[httpx.Request], httpx.Response],
                 token: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.api = api
        self.token = token or (lambda r: httpx.Response(200, json=TOKEN))
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/v1/access_token":
            return self.token(request)
        return self.api(request)

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/api/v1/access_token"]

    @property
    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/api/v1/access_token"]


def make(service: Service, env: dict[str, str] | None = None, waits: list[float] | None = None,
         follow_redirects: bool = False, **options: Any) -> RedditCollector:
    config = RedditSource(type="reddit", base_url="https://oauth.reddit.test",
                          auth_url="https://www.reddit.test/api/v1/access_token", **options)
    client = httpx.Client(transport=httpx.MockTransport(service),
                          follow_redirects=follow_redirects)
    made = build_collector(config, brands=BRANDS, client=client,
                           sleep=(waits.append if waits is not None else lambda s: None),
                           credentials=Credentials(env=ENV if env is None else env))
    assert isinstance(made, RedditCollector)
    made.now = lambda: NOW
    return made


def by_after(pages: dict[str | None, Any]) -> Callable[[httpx.Request], httpx.Response]:
    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("after")])
    return api


def test_time_filter_picks_the_smallest_span_covering_since() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert time_filter(now - timedelta(minutes=30), now) == "hour"
    assert time_filter(now - timedelta(minutes=55), now) == "day"  # margin for slow paging
    assert time_filter(now - timedelta(hours=23), now) == "day"
    assert time_filter(now - timedelta(days=1), now) == "week"
    assert time_filter(now - timedelta(days=6), now) == "week"
    assert time_filter(now - timedelta(days=20), now) == "month"
    assert time_filter(now - timedelta(days=29), now) == "year"
    assert time_filter(now - timedelta(days=400), now) == "all"


def test_search_terms_one_per_alternative_without_hashtags() -> None:
    query = Query.parse('"aurora coffee" OR #auroracoffee OR (オーロラ珈琲 アプリ) -"aurora borealis"')
    assert search_terms(query) == ['"aurora coffee"', "auroracoffee", "オーロラ珈琲 アプリ"]


def test_token_then_search_with_documented_parameters() -> None:
    service = Service(by_after({None: listing([post("a", 3, score=5, num_comments=0)])}))
    mentions = list(make(service, include_comments=False).fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_a"]
    token = service.token_requests[0]
    assert token.method == "POST" and token.url.host == "www.reddit.test"
    assert token.headers["authorization"] == BASIC
    assert token.content == b"grant_type=client_credentials"
    assert token.headers["user-agent"] == RedditSource.model_fields["user_agent"].default
    search = service.api_requests[0]
    assert search.url.path == "/search"
    assert dict(search.url.params) == {"q": '"aurora coffee"', "sort": "new", "t": "week",
                                       "type": "link", "limit": "100", "raw_json": "1"}
    assert search.headers["authorization"] == "bearer tok-1"
    assert search.headers["user-agent"].startswith("koe-listening/")
    assert "app-secret" not in str(search.url) and "app-secret" not in str(search.headers)


def test_each_subreddit_is_searched_with_restrict_sr() -> None:
    service = Service(lambda r: httpx.Response(200, json=listing([])))
    list(make(service, subreddits=("coffee", "japanlife")).fetch(
        Query.parse('"aurora coffee" OR オーロラ珈琲'), SINCE, UNTIL))
    seen = [(r.url.path, r.url.params["q"], r.url.params["restrict_sr"])
            for r in service.api_requests]
    assert seen == [("/r/coffee/search", '"aurora coffee"', "1"),
                    ("/r/japanlife/search", '"aurora coffee"', "1"),
                    ("/r/coffee/search", "オーロラ珈琲", "1"),
                    ("/r/japanlife/search", "オーロラ珈琲", "1")]


def test_pages_by_after_until_null_and_filters_the_window() -> None:
    pages = {
        None: listing([post("new", 30), post("a", 20), post("b", 10)], after="t3_b"),
        "t3_b": listing([post("c", 5)], after=None),
    }
    service = Service(by_after(pages))
    mentions = list(make(service, limit=3).fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_a", "t3_b", "t3_c"]
    assert [r.url.params.get("after") for r in service.api_requests] == [None, "t3_b"]
    assert len(service.token_requests) == 1  # one token for the whole fetch
    collector = make(service, limit=3)
    list(collector.fetch(AURORA, SINCE, UNTIL))
    list(collector.fetch(AURORA, SINCE, UNTIL))
    assert len(service.token_requests) == 2  # and one for a collector's later fetches too


def test_paging_stops_at_the_first_post_older_than_since() -> None:
    pages = {None: listing([post("a", 20), post("old", -1)], after="t3_old")}
    service = Service(by_after(pages))
    mentions = list(make(service).fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_a"]
    assert len(service.api_requests) == 1


def test_empty_listing_ends_paging_even_with_an_after() -> None:
    service = Service(by_after({None: listing([], after="t3_zzz")}))
    assert list(make(service).fetch(AURORA, SINCE, UNTIL)) == []
    assert len(service.api_requests) == 1


def test_max_pages_stops_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    pages = {None if n == 0 else f"t3_{n}": listing([post(str(n + 1), 20 - n)], f"t3_{n + 1}")
             for n in range(5)}
    service = Service(by_after(pages))
    made = make(service, max_pages=2)
    assert len(list(made.fetch(AURORA, SINCE, UNTIL))) == 2
    assert len(service.api_requests) == 2
    assert any("max_pages=2" in n for n in made.notes) and "max_pages=2" in caplog.text


def test_a_repeated_after_token_is_an_error() -> None:
    service = Service(lambda r: httpx.Response(200, json=listing([post("a", 20)], "t3_a")))
    with pytest.raises(CollectorError, match="again"):
        list(make(service).fetch(AURORA, SINCE, UNTIL))


def test_search_cap_reached_before_since_is_noted() -> None:
    many = [post(f"p{i}", 23 - i * 0.05) for i in range(260)]
    pages = {None: listing(many[:100], "t3_p99"), "t3_p99": listing(many[100:200], "t3_p199"),
             "t3_p199": listing(many[200:], None)}
    made = make(Service(by_after(pages)), include_comments=False)
    assert len(list(made.fetch(AURORA, SINCE, UNTIL))) == 260
    assert any("ended search" in n and "260 posts" in n for n in made.notes)


def test_bad_items_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    children = [
        post("a", 2, selftext="Loving it &amp; the app &lt;3", author="[deleted]", score=4,
             num_comments=0, num_crossposts=1),
        {"kind": "t3", "data": {"id": "nodate", "title": "aurora coffee"}},
        {"kind": "t3", "data": {"created_utc": at(1), "title": "aurora coffee, no id"}},
        {"kind": "t5", "data": {"id": "sub"}},
        "junk",
        post("b", 1, title="Aurora Coffee", selftext="[removed]"),
    ]
    mentions = list(make(Service(by_after({None: listing(children)}))).fetch(AURORA, SINCE, UNTIL))
    a, b = mentions
    assert a.text == "Aurora Coffee news\nLoving it & the app <3" and a.title == "Aurora Coffee news"
    assert a.author is None and a.url == "https://www.reddit.com/r/coffee/comments/a/x/"
    assert (a.engagement.likes, a.engagement.replies, a.engagement.reposts) == (4, 0, 1)
    assert a.created_at == SINCE + timedelta(hours=2) and a.language is None
    assert b.text == "Aurora Coffee"
    assert "skipped 4 search results" in caplog.text


def test_not_a_listing_is_malformed() -> None:
    service = Service(lambda r: httpx.Response(200, json={"error": "weird", "kind": "t5"}))
    with pytest.raises(MalformedResponseError, match=r"reddit: .*'\"aurora coffee\"'.*Listing"):
        list(make(service).fetch(AURORA, SINCE, UNTIL))


def test_parse_post_falls_back_to_id_and_comments_url() -> None:
    mention = parse_post({"id": "abc", "created_utc": 1700000000, "title": "Hi"}, "reddit")
    assert mention is not None and mention.source_id == "t3_abc"
    assert mention.url == "https://www.reddit.com/comments/abc/"
    assert parse_post({"id": "abc", "created_utc": True, "title": "Hi"}, "reddit") is None
    assert parse_post({"id": "abc", "created_utc": 1.0, "title": "[deleted]"}, "reddit") is None


def test_walk_comments_is_depth_first_and_counts_more_stubs() -> None:
    tree = walk_comments(listing([
        comment("c1", 1, replies=listing([
            comment("c2", 2, replies=listing([comment("c3", 3)])),
            {"kind": "more", "data": {"count": 7, "children": ["x", "y"]}},
        ])),
        comment("c4", 4),
        {"kind": "more", "data": {"count": 0, "children": []}},  # "continue this thread"
        {"kind": "t1"},
    ]))
    assert [c["id"] for c in tree.comments] == ["c1", "c2", "c3", "c4"]
    assert (tree.more_stubs, tree.hidden, tree.bad) == (2, 7, 1)


def test_parse_comment_uses_the_post_title_and_permalink() -> None:
    thread = Thread("p1", "Aurora Coffee news", "https://www.reddit.com/r/c/comments/p1/x/")
    mention = parse_comment({"id": "c9", "created_utc": at(1), "body": "So good &amp; cheap",
                             "author": "kenji", "score": 3}, "reddit", thread)
    assert mention is not None
    assert (mention.source_id, mention.text, mention.title) == ("t1_c9", "So good & cheap",
                                                                "Aurora Coffee news")
    assert mention.url == "https://www.reddit.com/r/c/comments/p1/x/c9/"
    assert mention.engagement.likes == 3
    deleted = {"id": "c8", "created_utc": at(1), "body": "[removed]"}
    assert parse_comment(deleted, "reddit", thread) is None


def comments_api(search: dict[str, Any], threads: dict[str, list[Any]],
                 ) -> Callable[[httpx.Request], httpx.Response]:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/comments/"):
            post_id = request.url.path.rsplit("/", 1)[1]
            return httpx.Response(200, json=[listing([post(post_id, 0)]),
                                             listing(threads[post_id])])
        return httpx.Response(200, json=search)
    return api


def test_comments_of_matching_posts_in_the_window(caplog: pytest.LogCaptureFixture) -> None:
    search = listing([post("p1", 10, num_comments=5), post("p0", 8, num_comments=0),
                      post("p2", 6, num_comments=1)])
    threads = {
        "p1": [comment("c1", 11, "オーロラ珈琲、最高", replies=listing([
                   comment("c2", 30, "after the window"),
                   {"kind": "more", "data": {"count": 3, "children": ["a", "b", "c"]}}])),
               comment("c3", 12, "[deleted]", author="[deleted]"),
               {"kind": "t1", "data": {"id": "c4", "body": "no date"}}],
        "p2": [comment("c5", 7, "ok")],
    }
    service = Service(comments_api(search, threads))
    made = make(service)
    mentions = list(made.fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_p1", "t3_p0", "t3_p2", "t1_c1", "t1_c5"]
    assert mentions[3].text == "オーロラ珈琲、最高" and mentions[3].title == "Aurora Coffee news"
    comment_requests = [r for r in service.api_requests if r.url.path.startswith("/comments/")]
    assert [r.url.path for r in comment_requests] == ["/comments/p1", "/comments/p2"]
    assert comment_requests[0].url.params["raw_json"] == "1"
    assert any("3 comments behind 1 'load more'" in n for n in made.notes)
    assert "skipped 1 comments" in caplog.text


def test_max_comment_posts_caps_comment_requests_with_a_note() -> None:
    search = listing([post(f"p{i}", 20 - i, num_comments=2) for i in range(4)])
    service = Service(comments_api(search, {f"p{i}": [] for i in range(4)}))
    made = make(service, max_comment_posts=2)
    list(made.fetch(AURORA, SINCE, UNTIL))
    assert [r.url.path for r in service.api_requests[1:]] == ["/comments/p0", "/comments/p1"]
    assert any("2 of 4 matching posts" in n for n in made.notes)


def test_include_comments_false_reads_no_comments() -> None:
    service = Service(comments_api(listing([post("p1", 10, num_comments=5)]), {}))
    list(make(service, include_comments=False).fetch(AURORA, SINCE, UNTIL))
    assert [r.url.path for r in service.api_requests] == ["/search"]


def test_comments_that_are_not_a_pair_are_malformed() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/comments/"):
            return httpx.Response(200, json=listing([]))
        return httpx.Response(200, json=listing([post("p1", 10, num_comments=1)]))
    with pytest.raises(MalformedResponseError, match="comments of t3_p1.*not a"):
        list(make(Service(api)).fetch(AURORA, SINCE, UNTIL))


def test_expired_token_is_renewed_once_and_the_request_retried() -> None:
    tokens = iter(["tok-1", "tok-2"])
    calls: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["authorization"])
        if request.headers["authorization"] == "bearer tok-1":
            return httpx.Response(401, json={"message": "Unauthorized", "error": 401})
        return httpx.Response(200, json=listing([post("a", 1)]))

    service = Service(api, lambda r: httpx.Response(
        200, json={**TOKEN, "access_token": next(tokens)}))
    mentions = list(make(service).fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_a"]
    assert calls == ["bearer tok-1", "bearer tok-2"] and len(service.token_requests) == 2


def test_token_is_renewed_before_it_expires() -> None:
    tokens = iter(["tok-1", "tok-2"])
    now = [0.0]
    pages = by_after({None: listing([post("a", 2)], "t3_a"), "t3_a": listing([post("b", 1)])})

    def api(request: httpx.Request) -> httpx.Response:
        now[0] += 3541.0  # an hour-long token is a minute from expiry after the first page
        return pages(request)

    service = Service(api, lambda r: httpx.Response(200, json={**TOKEN, "expires_in": 3600,
                                                               "access_token": next(tokens)}))
    made = make(service)
    made.auth.clock = lambda: now[0]
    list(made.fetch(AURORA, SINCE, UNTIL))
    assert [r.headers["authorization"] for r in service.api_requests] == ["bearer tok-1",
                                                                          "bearer tok-2"]


def test_refused_app_credentials_name_the_variables_and_are_not_retried() -> None:
    service = Service(lambda r: httpx.Response(200, json=listing([])),
                      lambda r: httpx.Response(401, json={"message": "Unauthorized",
                                                          "error": 401}))
    with pytest.raises(CredentialRejectedError) as info:
        list(make(service).fetch(AURORA, SINCE, UNTIL))
    message = str(info.value)
    assert message.startswith("reddit: ")
    assert "KOE_REDDIT_CLIENT_ID" in message and "KOE_REDDIT_CLIENT_SECRET" in message
    assert "app-secret" not in message
    assert len(service.token_requests) == 1 and not service.api_requests


def test_token_error_in_a_200_is_a_refusal() -> None:
    service = Service(lambda r: httpx.Response(200, json=listing([])),
                      lambda r: httpx.Response(200, json={"error": "unsupported_grant_type"}))
    with pytest.raises(CredentialRejectedError, match="unsupported_grant_type"):
        list(make(service).fetch(AURORA, SINCE, UNTIL))


def test_missing_credentials_name_the_variable() -> None:
    made = make(Service(lambda r: httpx.Response(200, json=listing([]))),
                env={"KOE_REDDIT_CLIENT_ID": "app-id"})
    with pytest.raises(CredentialError, match="KOE_REDDIT_CLIENT_SECRET.*prefs/apps"):
        made.check()
    with pytest.raises(CredentialError, match="KOE_REDDIT_CLIENT_SECRET"):
        list(made.fetch(AURORA, SINCE, UNTIL))


def test_airflow_connection_supplies_id_and_secret() -> None:
    env = {"AIRFLOW_CONN_REDDIT_APP": json.dumps({"login": "app-id", "password": "app-secret"})}
    service = Service(lambda r: httpx.Response(200, json=listing([])))
    list(make(service, env=env, conn_id="reddit_app").fetch(AURORA, SINCE, UNTIL))
    assert service.token_requests[0].headers["authorization"] == BASIC


def test_check_is_offline_and_validates_subreddits() -> None:
    service = Service(lambda r: httpx.Response(500))
    text = make(service, subreddits=("coffee",), max_comment_posts=7).check()
    assert "r/coffee" in text and "7 matching posts" in text and "KOE_REDDIT_CLIENT_ID" in text
    assert not service.requests
    with pytest.raises(CollectorError, match="without 'r/'"):
        make(service, subreddits=("r/coffee",)).check()


def test_probe_makes_one_cheap_search() -> None:
    service = Service(lambda r: httpx.Response(200, json=listing([post("a", 1)])))
    assert "token accepted" in make(service).probe()
    (search,) = service.api_requests
    assert search.url.params["limit"] == "1" and search.url.params["q"] == '"aurora coffee"'


def test_rate_limit_headers_make_the_next_request_wait() -> None:
    headers = {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "100",
               "x-ratelimit-reset": "42"}

    def api(request: httpx.Request) -> httpx.Response:
        if "after" not in request.url.params:
            return httpx.Response(200, json=listing([post("a", 2)], "t3_a"), headers=headers)
        return httpx.Response(200, json=listing([post("b", 1)]))

    waits: list[float] = []
    list(make(Service(api), waits=waits).fetch(AURORA, SINCE, UNTIL))
    assert waits and 41 < waits[0] <= 42


def test_genuine_search_listing() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE} (checkout without ../shared)")
    raw = FIXTURE.read_bytes()
    service = Service(lambda r: httpx.Response(200, content=raw))
    since, until = datetime(2013, 1, 1, tzinfo=UTC), datetime(2020, 7, 16, tzinfo=UTC)
    mentions = list(make(service, include_comments=False).fetch(Query.parse("praw"), since, until))
    assert len(mentions) == 31 and len(service.api_requests) == 1
    by_id = {m.source_id: m for m in mentions}
    release = by_id["t3_5e1az9"]
    assert release.title == "PRAW 4.0.0rc1 (Release Candidate 1) Available"
    assert release.author == "bboe" and release.created_at == datetime.fromtimestamp(
        1479690451, UTC)
    assert release.engagement.likes == 9 and release.engagement.replies == 38
    assert release.url == ("https://www.reddit.com/r/redditdev/comments/5e1az9/"
                           "praw_400rc1_release_candidate_1_available/")
    assert "&nbsp;" not in by_id["t3_3ydkd3"].text


def test_listing_without_raw_json_and_with_whole_number_dates() -> None:
    # A search listing as Reddit sends it without raw_json=1 (entities in titles), for link
    # posts: created_utc a JSON integer, selftext "", selftext_html and view_count null
    # (the shape of go-reddit's testdata/subreddit/search-posts.json).
    data = {"id": "hmwhd7", "name": "t3_hmwhd7", "created_utc": int(at(3)), "created": 0,
            "title": "Aurora Coffee &amp; Brazil&#39;s president", "selftext": "",
            "selftext_html": None, "view_count": None, "score": 149238, "num_comments": 0,
            "num_crossposts": 22, "author": "Jeremy_Martin", "is_self": False,
            "url": "https://www.theguardian.com/world/2020/jul/07/x",
            "permalink": "/r/worldnews/comments/hmwhd7/aurora/"}
    body = {"kind": "Listing", "data": {"after": None, "dist": 1, "facets": {}, "modhash": None,
                                        "children": [{"kind": "t3", "data": data}],
                                        "before": None}}
    service = Service(lambda r: httpx.Response(200, json=body))
    (mention,) = make(service).fetch(AURORA, SINCE, UNTIL)
    assert mention.text == mention.title == "Aurora Coffee & Brazil's president"
    assert mention.created_at == SINCE + timedelta(hours=3)
    assert (mention.engagement.likes, mention.engagement.reposts, mention.engagement.views) == (
        149238, 22, None)
    assert mention.url == "https://www.reddit.com/r/worldnews/comments/hmwhd7/aurora/"


def missing_subreddit(request: httpx.Request) -> httpx.Response:
    """Reddit's answer for a subreddit that does not exist: a redirect to subreddit search,
    whose listing holds subreddits (t5), not posts (prawcore raises Redirect for it)."""
    if request.url.path == "/r/nosuchsub/search":
        return httpx.Response(302, headers={
            "location": "https://oauth.reddit.test/subreddits/search.json?q=nosuchsub"})
    return httpx.Response(200, json=listing([{"kind": "t5", "data": {"id": "2qh13"}}],
                                             after="t5_2qh13"))


def test_a_subreddit_that_does_not_exist_is_named_not_paged() -> None:
    service = Service(missing_subreddit)
    made = make(service, follow_redirects=True, subreddits=("nosuchsub",))
    with pytest.raises(CollectorError, match=r"r/nosuchsub does not exist.*/subreddits/search"):
        list(made.fetch(AURORA, SINCE, UNTIL))
    assert [r.url.path for r in service.api_requests] == ["/r/nosuchsub/search",
                                                          "/subreddits/search.json"]
    # A client that does not follow redirects sees the 302 itself; the advice is the same.
    made = make(Service(missing_subreddit), subreddits=("nosuchsub",))
    with pytest.raises(CollectorError, match=r"HTTP 302.*r/nosuchsub cannot be searched"):
        list(made.fetch(AURORA, SINCE, UNTIL))


@pytest.mark.parametrize("status,reason", [(403, "private"), (403, "quarantined"),
                                           (404, "banned")])
def test_unreadable_subreddits_are_named(status: int, reason: str) -> None:
    # Reddit's error bodies for subreddits that cannot be read: {"reason", "message", "error"}.
    body = {"reason": reason, "message": "Forbidden" if status == 403 else "Not Found",
            "error": status}
    service = Service(lambda r: httpx.Response(status, json=body))
    made = make(service, subreddits=("secretcoffee",))
    with pytest.raises(CollectorError, match=rf"HTTP {status}.*{reason}.*r/secretcoffee cannot"):
        list(made.fetch(AURORA, SINCE, UNTIL))
    assert len(service.api_requests) == 1


def test_a_query_redirected_to_submit_is_noted_and_skipped() -> None:
    # Reddit answers a search for something that looks like a link with a redirect to
    # /submit?url=... (praw issue #880) instead of a listing of posts.
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/search" and request.url.params["q"].startswith("https://"):
            return httpx.Response(302, headers={"location": "/submit.json?url=x"})
        if request.url.path == "/submit.json":
            return httpx.Response(200, json=listing([post("elsewhere", 2)]))
        return httpx.Response(200, json=listing([post("a", 2)]))

    made = make(Service(api), follow_redirects=True, include_comments=False)
    query = Query.parse('"https://aurora.example" OR "aurora coffee"')
    assert [m.source_id for m in made.fetch(query, SINCE, UNTIL)] == ["t3_a"]
    assert any("redirected search 'https://aurora.example' to /submit" in n for n in made.notes)


def test_comments_that_answer_403_or_404_are_skipped_with_a_note() -> None:
    search = listing([post("gone", 10, num_comments=3), post("p2", 6, num_comments=1)])
    inner = comments_api(search, {"p2": [comment("c5", 7, "ok")]})

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/comments/gone":
            return httpx.Response(404, json={"message": "Not Found", "error": 404})
        return inner(request)

    made = make(Service(api))
    mentions = list(made.fetch(AURORA, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["t3_gone", "t3_p2", "t1_c5"]
    assert any("comments of 1 post(s)" in n and "403/404" in n for n in made.notes)


def test_listings_read_a_whole_subreddit_once_per_run_attributed_to_its_brand() -> None:
    kumo = Brand(name="Kumo Cafe", query='"kumo cafe"', competitor=True)
    pages = {
        None: listing([post("s1", -48, "Welcome to r/AuroraCoffee", stickied=True),
                       post("n2", 20, "New seasonal blend is out", num_comments=1),
                       post("n1", 5, "Anyone tried the oat latte?")], after="t3_n1"),
        "t3_n1": listing([post("o1", -1, "Yesterday's thread")], after="t3_o1"),
    }
    comments = [listing([post("n2", 20)]), listing([comment("c1", 21, "love it")])]

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/r/AuroraCoffee/new":
            return httpx.Response(200, json=pages[request.url.params.get("after")])
        if request.url.path == "/comments/n2":
            return httpx.Response(200, json=comments)
        return httpx.Response(200, json=listing([]))  # searches find nothing

    service = Service(api)
    config = RedditSource(type="reddit", base_url="https://oauth.reddit.test",
                          auth_url="https://www.reddit.test/api/v1/access_token",
                          listings=[{"subreddit": "AuroraCoffee", "brand": "Aurora Coffee"}])
    client = httpx.Client(transport=httpx.MockTransport(service))
    collector = build_collector(config, brands=[*BRANDS, kumo], client=client,
                                sleep=lambda s: None, credentials=Credentials(env=ENV))
    assert isinstance(collector, RedditCollector)
    collector.now = lambda: NOW
    first = list(collector.fetch(BRANDS[0].parsed_query, SINCE, UNTIL))
    assert [(m.source_id, m.brands) for m in first] == [
        ("t3_n2", ("Aurora Coffee",)), ("t3_n1", ("Aurora Coffee",)),
        ("t1_c1", ("Aurora Coffee",))]
    listing_calls = [r for r in service.api_requests if r.url.path.endswith("/new")]
    assert [r.url.params.get("after") for r in listing_calls] == [None, "t3_n1"]  # stops at o1
    # The second brand's job does not read the listing again.
    assert all(m.source_id.startswith(("t3_", "t1_")) for m in
               collector.fetch(kumo.parsed_query, SINCE, UNTIL))
    assert len([r for r in service.api_requests if r.url.path.endswith("/new")]) == 2
    assert "every new post in r/AuroraCoffee" in collector.check()


def test_a_listing_of_a_missing_subreddit_is_named() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/new"):
            return httpx.Response(404, json={"reason": "banned", "error": 404})
        return httpx.Response(200, json=listing([]))

    collector = make(Service(api), listings=[{"subreddit": "GoneCafe"}])
    with pytest.raises(CollectorError, match="r/GoneCafe in listings cannot be read"):
        list(collector.fetch(AURORA, SINCE, UNTIL))
