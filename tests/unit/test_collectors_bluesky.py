from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import build_collector
from collectors.base import (
    CollectorError,
    CredentialRejectedError,
    FetchError,
    MalformedResponseError,
)
from collectors.bluesky import BlueskyCollector, embed_text, parse_post, post_text, sort_at
from koe.config import BlueskySource, Brand
from koe.credentials import CredentialError, Credentials
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "bluesky"
           / "2-searchposts-redistricting.json")
SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 10, 2, tzinfo=UTC)
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]
ENV = {"KOE_BLUESKY_HANDLE": "me.bsky.social", "KOE_BLUESKY_APP_PASSWORD": "app-pass-word"}
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"


def session(n: int) -> dict[str, str]:
    return {"did": "did:plc:me", "handle": "me.bsky.social", "accessJwt": f"access-{n}",
            "refreshJwt": f"refresh-{n}"}


def post(rkey: str, text: str, created: str, **fields: Any) -> dict[str, Any]:
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created,
              **fields.pop("record", {})}
    return {"uri": f"at://did:plc:a/app.bsky.feed.post/{rkey}", "cid": "bafy",
            "author": {"did": "did:plc:a", "handle": "a.bsky.social"}, "record": record,
            "indexedAt": fields.pop("indexedAt", created), **fields}


class Service:
    """A fake PDS: sessions plus a search answered from ``pages[(q, cursor)]``."""

    def __init__(self, pages: dict[tuple[str, str | None], Any] | None = None) -> None:
        self.pages = pages or {}
        self.requests: list[httpx.Request] = []
        self.sessions = 0
        self.search_replies: list[httpx.Response] = []  # served first, in order

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == CREATE:
            self.sessions += 1
            return httpx.Response(200, json=session(self.sessions))
        if request.url.path == REFRESH:
            return httpx.Response(200, json=session(100))
        assert request.url.path == SEARCH
        if self.search_replies:
            return self.search_replies.pop(0)
        params = request.url.params
        return httpx.Response(200, json=self.pages[(params["q"], params.get("cursor"))])

    def searches(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == SEARCH]


def collector(handler: Callable[[httpx.Request], httpx.Response], env: dict[str, str] = ENV,
              waits: list[float] | None = None, **options: Any) -> BlueskyCollector:
    config = BlueskySource(type="bluesky", base_url="https://pds.test", **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=BRANDS, client=client,
                           sleep=waits.append if waits is not None else lambda s: None,
                           credentials=Credentials(env=env))
    assert isinstance(made, BlueskyCollector)
    return made


def test_genuine_recording() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE}")
    body = json.loads(FIXTURE.read_bytes())
    mentions = [parse_post(p, "bluesky") for p in body["posts"]]
    assert all(m is not None for m in mentions) and len(mentions) == 25
    by_id = {m.source_id: m for m in mentions if m}
    first = by_id["at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"]
    assert first.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert first.author == "socpaperbot.bsky.social"
    # createdAt 17:10:09.561858 is before indexedAt 17:10:09.813: sortAt is createdAt.
    assert first.created_at == datetime(2025, 5, 19, 17, 10, 9, 561858, tzinfo=UTC)
    assert first.language is None  # the record states no langs
    assert first.text.startswith("Ends Versus Means: Public Opinion on Congressional")
    substack = by_id["at://did:plc:s7savtl25cqhm3ddqc7jeljx/app.bsky.feed.post/3lpk2r5h5ec2j"]
    assert substack.language == "en"
    assert (substack.engagement.likes, substack.engagement.replies,
            substack.engagement.reposts) == (4, 0, 3)
    assert "open.substack.com/pub/christac..." not in substack.text
    assert ("https://open.substack.com/pub/christackett/p/the-pawn-or-the-collaborator"
            "?r=92vnq&utm_medium=ios") in substack.text
    future = by_id["at://did:plc:mhbp4wx4zsjf6537frktqux2/app.bsky.feed.post/3lpikwarowc2o"]
    # createdAt 02:52:19.333 is after indexedAt 02:52:17.916: the AppView sorts by indexedAt.
    assert future.created_at == datetime(2025, 5, 19, 2, 52, 17, 916000, tzinfo=UTC)
    assert future.text.endswith("💔")
    offset = by_id["at://did:plc:qogyzvlh3vivathu2piavvpv/app.bsky.feed.post/3lpii6nwbyt2m"]
    assert offset.created_at == datetime(2025, 5, 19, 2, 3, 20, 286393, tzinfo=UTC)
    # Every shortened link in the recording was expanded from its facet.
    texts = [m.text for m in mentions if m]
    assert not any("1rpor..." in t or "n..." in t or "youtu.be/CSdW5ZnI_K4?..." in t
                   for t in texts)
    assert sum("https://youtu.be/CSdW5ZnI_K4?si=XaQ5UWJl_AdPvIl7" in t for t in texts) == 1


def test_facet_offsets_are_utf8_bytes() -> None:
    shown = "example.com/a/very/long/pa..."
    text = f"オーロラ珈琲 ☕️🎉 see {shown} now"
    start = len(text.split(shown)[0].encode("utf-8"))
    assert start != len(text.split(shown)[0])  # bytes and characters differ here
    facets = [{"index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
               "features": [{"$type": "app.bsky.richtext.facet#link",
                             "uri": "https://example.com/a/very/long/path?x=1&not=2"}]}]
    assert post_text(text, facets) == (
        "オーロラ珈琲 ☕️🎉 see https://example.com/a/very/long/path?x=1&not=2 now")


def test_facets_that_are_not_shortened_links_or_are_broken_leave_text_alone() -> None:
    text = "read this article about オーロラ珈琲"
    anchor = [{"index": {"byteStart": 0, "byteEnd": 17},
               "features": [{"$type": "app.bsky.richtext.facet#link",
                             "uri": "https://example.com/article"}]}]
    assert post_text(text, anchor) == text  # link text written by the person stays
    inside_char = [{"index": {"byteStart": 25, "byteEnd": 27},  # splits a 3-byte character
                    "features": [{"$type": "app.bsky.richtext.facet#link",
                                  "uri": "https://example.com/x..."}]}]
    assert post_text(text, inside_char) == text
    for junk in (None, "x", [None], [{"index": {"byteStart": 5, "byteEnd": 500}}],
                 [{"index": {"byteStart": "0", "byteEnd": 3}, "features": "x"}]):
        assert post_text(text, junk) == text


def test_entities_unescaped_but_bare_ampersands_kept() -> None:
    assert post_text("Q&amp;A &#8220;new&#8221; &gt; 5 &notaword &copy=1", None) == (
        "Q&A \u201cnew\u201d > 5 &notaword &copy=1")


def test_sort_at_is_the_earlier_of_created_and_indexed() -> None:
    assert sort_at({"createdAt": "2026-10-01T10:00:00Z"},
                   {"indexedAt": "2026-10-01T09:00:00Z"}) == datetime(2026, 10, 1, 9, tzinfo=UTC)
    assert sort_at({"createdAt": "2026-10-01T19:00:00+09:00"},
                   {"indexedAt": "2026-10-01T10:00:01Z"}) == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert sort_at({"createdAt": "not a date"},
                   {"indexedAt": "2026-10-01T09:00:00.123Z"}) == datetime(
                       2026, 10, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert sort_at({"createdAt": "2026-10-01T09:00:00"}, {}) == datetime(2026, 10, 1, 9,
                                                                         tzinfo=UTC)
    assert sort_at({}, {}) is None


def test_post_without_text_uses_alt_text_or_link_card() -> None:
    images = {"$type": "app.bsky.embed.images#view",
              "images": [{"alt": "Aurora Coffee cup"}, {"alt": ""}, "junk"]}
    assert embed_text(images) == "Aurora Coffee cup"
    card = {"$type": "app.bsky.embed.recordWithMedia#view", "record": {},
            "media": {"$type": "app.bsky.embed.external#view",
                      "external": {"uri": "https://e.com", "title": "Aurora &amp; Co",
                                   "description": "New blend"}}}
    assert embed_text(card) == "Aurora & Co\nNew blend"
    m = parse_post(post("r1", "  ", "2026-10-01T10:00:00Z", embed=images), "bluesky")
    assert m is not None and m.text == "Aurora Coffee cup"
    assert parse_post(post("r2", "", "2026-10-01T10:00:00Z"), "bluesky") is None


def test_quote_post_keeps_its_own_text_and_expands_only_shortened_links() -> None:
    # Shapes from app.bsky.feed.defs#postView as getQuotes/getPosts/searchPosts return it
    # (bskyr's 2025 cassettes): a quote (embed record#view) whose own text is what counts;
    # mention/tag facets and a link facet shown in full are left alone; a facet may carry
    # its own "$type"; createdAt may have microseconds.
    text = ("The dev version of #rstats bskyr now supports :emoji:s\n\n"
            "renders (christophertkenny.com/bskyr/')\n\nbsky.app/profile/bsky...")
    raw = text.encode("utf-8")

    def span(part: str) -> dict[str, int]:
        start = raw.index(part.encode("utf-8"))
        return {"byteStart": start, "byteEnd": start + len(part.encode("utf-8"))}

    facets = [
        {"index": span("#rstats"),
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "rstats"}]},
        {"$type": "app.bsky.richtext.facet", "index": span("christophertkenny.com/bskyr/'"),
         "features": [{"$type": "app.bsky.richtext.facet#link",
                       "uri": "https://christophertkenny.com/bskyr/'"}]},
        {"index": span("bsky.app/profile/bsky..."),
         "features": [{"$type": "app.bsky.richtext.facet#link",
                       "uri": "https://bsky.app/profile/bskyr.bsky.social/post/3lc5"}]},
    ]
    quoted = {"$type": "app.bsky.embed.record#view", "record": {
        "$type": "app.bsky.embed.record#viewRecord", "uri": "at://did:plc:q/app.bsky.feed.post/q",
        "author": {"did": "did:plc:q", "handle": "q.bsky.social"},
        "value": {"$type": "app.bsky.feed.post", "text": "the quoted post",
                  "createdAt": "2024-11-30T04:48:39.966715Z"}}}
    m = parse_post(post("r9", text, "2024-11-30T16:20:25.023354Z", embed=quoted,
                        indexedAt="2024-11-30T16:20:25.515Z",
                        record={"facets": facets, "langs": ["en"]}), "bluesky")
    assert m is not None
    assert m.text == ("The dev version of #rstats bskyr now supports :emoji:s\n\n"
                      "renders (christophertkenny.com/bskyr/')\n\n"
                      "https://bsky.app/profile/bskyr.bsky.social/post/3lc5")
    assert "quoted post" not in m.text
    assert m.created_at == datetime(2024, 11, 30, 16, 20, 25, 23354, tzinfo=UTC)


def test_crlf_line_ends_become_lf() -> None:
    # Post text is free text; a bot in the genuine search recording posts "\r\n" line ends.
    m = parse_post(post("r8", "AI tools\r\n\r\n120. Aurora\rCoffee", "2026-10-01T10:00:00Z"),
                   "bluesky")
    assert m is not None and m.text == "AI tools\n\n120. Aurora\nCoffee"


def test_sign_in_rate_limit_headers_do_not_hold_up_searches() -> None:
    # createSession answers with its own budget (bskyr's 2025 cassettes: RateLimit-Limit 10,
    # RateLimit-Policy 10;w=86400); the last sign-in of the day says Remaining 0 and a reset
    # a day away, which must not make the searches (a separate 3000/5 min budget) wait.
    service = Service({("aurora", None): {"posts": [post("p1", "aurora", "2026-10-01T03:00:00Z")]}})
    reset = int(datetime.now(UTC).timestamp()) + 86400

    def handler(request: httpx.Request) -> httpx.Response:
        reply = service(request)
        if request.url.path == CREATE:
            return httpx.Response(200, json=json.loads(reply.content), headers={
                "RateLimit-Limit": "10", "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(reset), "RateLimit-Policy": "10;w=86400"})
        return reply

    waits: list[float] = []
    mentions = list(collector(handler, waits=waits).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(mentions) == 1 and waits == []


def test_sign_in_budget_spent_fails_soon_with_a_message() -> None:
    reset = int(datetime.now(UTC).timestamp()) + 86400

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == CREATE
        return httpx.Response(429, json={"error": "RateLimitExceeded",
                                         "message": "Rate Limit Exceeded"},
                              headers={"RateLimit-Limit": "10", "RateLimit-Remaining": "0",
                                       "RateLimit-Reset": str(reset)})

    waits: list[float] = []
    with pytest.raises(FetchError, match="sign-in budget") as e:
        list(collector(handler, waits=waits).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert not isinstance(e.value, CredentialRejectedError)
    assert "bluesky" in str(e.value) and "app-pass-word" not in str(e.value)
    assert waits and all(w <= 300 for w in waits) and sum(waits) <= 600


def test_missing_fields_and_bad_items() -> None:
    bare = {"uri": "at://did:plc:b/app.bsky.feed.post/r3", "record": {"text": "aurora coffee"},
            "indexedAt": "2026-10-01T10:00:00Z"}
    m = parse_post(bare, "bluesky")
    assert m is not None
    assert m.author == "did:plc:b" and m.url == "https://bsky.app/profile/did:plc:b/post/r3"
    assert m.engagement.likes is None and m.language is None
    invalid = post("r4", "aurora coffee", "2026-10-01T10:00:00Z", record={"langs": ["ja-JP"]})
    invalid["author"]["handle"] = "handle.invalid"
    m = parse_post(invalid, "bluesky")
    assert m is not None and m.author == "did:plc:a" and m.language == "ja"
    assert "handle.invalid" not in (m.url or "")
    for junk in ("x", {}, {"uri": "https://not-at-uri", "record": {}},
                 {"uri": "at://did:plc:b/app.bsky.feed.post/r5", "record": {"text": "x"}},
                 {"uri": "at://did:plc:b/app.bsky.feed.post/r6", "record": "x"}):
        assert parse_post(junk, "bluesky") is None


def test_signs_in_then_searches_with_the_window_and_pages(
        caplog: pytest.LogCaptureFixture) -> None:
    service = Service({
        ('"aurora coffee"', None): {"posts": [
            post("a1", "aurora coffee one", "2026-10-01T20:00:00Z", likeCount=3),
            post("a2", "aurora coffee two", "2026-10-01T10:00:00Z"),
            {"cid": "no uri"}], "cursor": "c1"},
        ('"aurora coffee"', "c1"): {"posts": [
            post("a3", "aurora coffee old", "2026-09-30T23:00:00Z"),
            post("a4", "aurora coffee three", "2026-10-01T01:00:00Z")], "cursor": "c2"},
        ('"aurora coffee"', "c2"): {"posts": []},
        ("オーロラ珈琲", None): {"posts": [
            post("a1", "aurora coffee one", "2026-10-01T20:00:00Z"),
            post("j1", "オーロラ珈琲うまい", "2026-10-01T12:00:00Z")]},
    })
    made = collector(service, lang="ja")
    mentions = list(made.fetch(Query.parse('"aurora coffee" OR オーロラ珈琲'), SINCE,
                               datetime(2026, 10, 1, 23, 59, 59, 999999, tzinfo=UTC)))
    assert [m.source_id.rsplit("/", 1)[1] for m in mentions] == ["a1", "a2", "a4", "j1"]
    login = service.requests[0]
    assert login.url.path == CREATE and login.method == "POST"
    assert json.loads(login.content) == {"identifier": "me.bsky.social",
                                         "password": "app-pass-word"}
    searches = service.searches()
    assert [r.url.params.get("cursor") for r in searches] == [None, "c1", "c2", None]
    params = searches[0].url.params
    assert params["sort"] == "latest" and params["limit"] == "100" and params["lang"] == "ja"
    assert params["since"] == "2026-10-01T00:00:00.000Z"
    assert params["until"] == "2026-10-02T00:00:00.000Z"  # rounded up: until stays exclusive
    assert all(r.headers["authorization"] == "Bearer access-1" for r in searches)
    assert "app-pass-word" not in caplog.text and "skipped 1 posts" in caplog.text


def test_a_collector_signs_in_once_for_all_its_fetches() -> None:
    # Sign-ins have a small daily budget: a second query reuses the session.
    service = Service({("aurora", None): {"posts": []}})
    made = collector(service)
    for _ in range(2):
        assert list(made.fetch(Query.parse("aurora"), SINCE, UNTIL)) == []
    assert service.sessions == 1 and len(service.searches()) == 2


def test_expired_token_is_refreshed_with_the_refresh_token() -> None:
    service = Service({("aurora", None): {"posts": [
        post("a1", "aurora", "2026-10-01T10:00:00Z")]}})
    service.search_replies = [httpx.Response(400, json={"error": "ExpiredToken",
                                                        "message": "Token has expired"})]
    mentions = list(collector(service).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(mentions) == 1
    refresh = [r for r in service.requests if r.url.path == REFRESH]
    assert len(refresh) == 1 and refresh[0].headers["authorization"] == "Bearer refresh-1"
    assert service.searches()[-1].headers["authorization"] == "Bearer access-100"


def test_refresh_refused_falls_back_to_signing_in_again() -> None:
    service = Service({("aurora", None): {"posts": []}})
    service.search_replies = [httpx.Response(401, json={"error": "InvalidToken"})]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == REFRESH:
            service.requests.append(request)
            return httpx.Response(400, json={"error": "ExpiredToken"})
        return service(request)

    list(collector(handler).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert service.sessions == 2
    assert service.searches()[-1].headers["authorization"] == "Bearer access-2"


def test_wrong_password_names_the_variables() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "AuthenticationRequired",
                                         "message": "Invalid identifier or password"})

    with pytest.raises(CredentialRejectedError) as e:
        list(collector(handler).fetch(Query.parse("aurora"), SINCE, UNTIL))
    message = str(e.value)
    assert "KOE_BLUESKY_HANDLE" in message and "KOE_BLUESKY_APP_PASSWORD" in message
    assert "app-pass-word" not in message


def test_missing_credentials() -> None:
    made = collector(Service(), env={"KOE_BLUESKY_HANDLE": "me.bsky.social"})
    with pytest.raises(CredentialError, match="KOE_BLUESKY_APP_PASSWORD"):
        made.check()
    with pytest.raises(CredentialError, match="App passwords"):
        list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))


def test_airflow_connection_holds_the_credentials() -> None:
    service = Service({("aurora", None): {"posts": []}})
    env = {"AIRFLOW_CONN_BSKY": json.dumps({"login": "conn.bsky.social", "password": "pw"})}
    made = collector(service, env=env, conn_id="bsky")
    assert "Bluesky post search" in made.check()
    list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert json.loads(service.requests[0].content) == {"identifier": "conn.bsky.social",
                                                       "password": "pw"}


def test_check_rejects_a_bad_language() -> None:
    with pytest.raises(CollectorError, match="not a language code"):
        collector(Service(), lang="japanese please").check()


def test_max_pages_stops_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    pages = {("aurora", None if n == 0 else str(n)): {
        "posts": [post(f"p{n}", "aurora", f"2026-10-01T{20 - n:02d}:00:00Z")],
        "cursor": str(n + 1)} for n in range(5)}
    service = Service(pages)
    made = collector(service, max_pages=2)
    assert len(list(made.fetch(Query.parse("aurora"), SINCE, UNTIL))) == 2
    assert len(service.searches()) == 2
    assert "max_pages=2" in caplog.text
    assert made.notes and "max_pages=2" in made.notes[0] and "19:00" in made.notes[0]


def test_paging_stops_when_a_whole_page_is_older_than_the_window() -> None:
    service = Service({
        ("aurora", None): {"posts": [post("p1", "aurora", "2026-10-01T01:00:00Z")],
                           "cursor": "1"},
        ("aurora", "1"): {"posts": [post("p0", "aurora", "2026-09-30T01:00:00Z")],
                          "cursor": "2"},
    })
    assert len(list(collector(service).fetch(Query.parse("aurora"), SINCE, UNTIL))) == 1
    assert len(service.searches()) == 2


def test_a_repeated_cursor_is_an_error() -> None:
    service = Service({
        ("aurora", None): {"posts": [post("p1", "aurora", "2026-10-01T03:00:00Z")],
                           "cursor": "1"},
        ("aurora", "1"): {"posts": [post("p2", "aurora", "2026-10-01T02:00:00Z")],
                          "cursor": "1"},
    })
    with pytest.raises(CollectorError, match="again"):
        list(collector(service).fetch(Query.parse("aurora"), SINCE, UNTIL))


def test_an_answer_without_posts_is_malformed() -> None:
    service = Service({("aurora", None): {"feed": []}})
    with pytest.raises(MalformedResponseError) as e:
        list(collector(service).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert "bluesky" in str(e.value) and "'aurora'" in str(e.value) and "feed" in str(e.value)


def test_rate_limit_headers_make_the_next_request_wait() -> None:
    service = Service({("aurora", "1"): {"posts": []}})
    reset = int(datetime.now(UTC).timestamp()) + 120
    service.search_replies = [httpx.Response(
        200, json={"posts": [post("p1", "aurora", "2026-10-01T03:00:00Z")], "cursor": "1"},
        headers={"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)})]
    waits: list[float] = []
    list(collector(service, waits=waits).fetch(Query.parse("aurora"), SINCE, UNTIL))
    assert len(waits) == 1 and 100 < waits[0] <= 121


def test_probe_signs_in_and_searches_once() -> None:
    service = Service({('"aurora coffee"', None): {"posts": []}})
    assert "me.bsky.social" in collector(service).probe()
    assert service.sessions == 1
    assert [r.url.params["limit"] for r in service.searches()] == ["1"]
