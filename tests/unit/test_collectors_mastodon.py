from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from collectors import build_collector
from collectors.base import CollectorError, CredentialRejectedError, MalformedResponseError
from collectors.mastodon import (
    MastodonCollector,
    hashtags,
    link_targets,
    next_max_id,
    parse_status,
    search_terms,
)
from koe.config import Brand, MastodonSource
from koe.credentials import Credentials
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO.parent / "shared" / "fixtures" / "api" / "mastodon" / "1-tag-timeline-page1.json"
RECORDED_TAG = "fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"
SINCE = datetime(2026, 5, 1, tzinfo=UTC)
UNTIL = datetime(2026, 5, 2, tzinfo=UTC)
TOKEN = {"KOE_MASTODON_TOKEN": "tok-SECRET-9"}
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR #auroracoffee')]
QUERY = Query.parse('"aurora coffee" OR #auroracoffee')
TAG_PATH = "/api/v1/timelines/tag/auroracoffee"


def iso(hours: float) -> str:
    return (SINCE + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def status(status_id: str, hours: float, content: str = "<p>aurora coffee</p>",
           **fields: Any) -> dict[str, Any]:
    return {"id": status_id, "created_at": iso(hours), "content": content, "spoiler_text": "",
            "reblog": None, "account": {"acct": f"user{status_id}"}, **fields}


def link(max_id: str, host: str = "https://mastodon.test") -> str:
    return f'<{host}{TAG_PATH}?limit=40&max_id={max_id}>; rel="next"'


class Service:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


def make(service: Service, env: dict[str, str] | None = None, waits: list[float] | None = None,
         brands: list[Brand] | None = None, **options: Any) -> MastodonCollector:
    config = MastodonSource(type="mastodon", base_url="https://mastodon.test", **options)
    client = httpx.Client(transport=httpx.MockTransport(service))
    made = build_collector(config, brands=BRANDS if brands is None else brands, client=client,
                           sleep=(waits.append if waits is not None else lambda s: None),
                           credentials=Credentials(env={} if env is None else env))
    assert isinstance(made, MastodonCollector)
    return made


def timeline(pages: dict[str | None, tuple[Any, dict[str, str]]],
             search: Callable[[httpx.Request], Any] | None = None,
             ) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/search":
            assert search is not None, "unexpected search"
            return httpx.Response(200, json=search(request))
        body, headers = pages[request.url.params.get("max_id")]
        return httpx.Response(200, json=body, headers=headers)
    return handler


def test_link_header_parsing() -> None:
    header = ('<https://a.test/api/v1/timelines/tag/x?limit=10&max_id=123>; rel="next", '
              '<https://a.test/api/v1/timelines/tag/x?limit=10&min_id=456>; rel="prev"')
    assert link_targets(header) == {
        "next": "https://a.test/api/v1/timelines/tag/x?limit=10&max_id=123",
        "prev": "https://a.test/api/v1/timelines/tag/x?limit=10&min_id=456"}
    assert next_max_id(header) == "123"
    assert next_max_id("<https://a.test/x?max_id=9>;rel=next") == "9"
    assert next_max_id('<https://a.test/x?min_id=456>; rel="prev"') is None
    assert next_max_id('<https://a.test/x?limit=3>; rel="next"') is None
    assert next_max_id(None) is None and next_max_id("") is None


def test_hashtags_from_query_and_config_once_each() -> None:
    query = Query.parse('#AuroraCoffee OR "aurora coffee" OR #オーロラ珈琲 -#aurora_borealis')
    assert hashtags(query, ("#auroracoffee", "kumo", " ")) == ["AuroraCoffee", "オーロラ珈琲",
                                                              "kumo"]


def test_search_terms_skip_hashtag_only_alternatives() -> None:
    query = Query.parse('"aurora coffee" OR #auroracoffee OR (#kumo cafe) OR オーロラ珈琲')
    assert search_terms(query) == ['"aurora coffee"', "#kumo cafe", "オーロラ珈琲"]


def test_parse_status_fields_and_boosts() -> None:
    original = status("9", 1, '<p>Aurora Coffee &amp; <a href="x">#<span>tea</span></a></p>'
                      "<p>second</p>", language="JA", url=None,
                      uri="https://other.test/users/u/statuses/9", favourites_count=3,
                      replies_count=1, reblogs_count=2, spoiler_text="CW &amp; spoilers",
                      account={"acct": "u@other.test"})
    boost = status("10", 5, "", reblog=original, account={"acct": "booster"})
    mention = parse_status(boost, "mastodon")
    assert mention is not None
    assert mention.source_id == "9" and mention.created_at == SINCE + timedelta(hours=1)
    assert mention.text == "Aurora Coffee & #tea\nsecond" and mention.title == "CW & spoilers"
    assert mention.author == "u@other.test" and mention.language == "ja"
    assert mention.url == "https://other.test/users/u/statuses/9"
    assert (mention.engagement.likes, mention.engagement.replies,
            mention.engagement.reposts) == (3, 1, 2)


def test_parse_status_rejects_what_it_cannot_use() -> None:
    assert parse_status(status("1", 1, content="", spoiler_text=""), "m") is None
    only_cw = parse_status(status("1", 1, content="", spoiler_text="aurora coffee"), "m")
    assert only_cw is not None and only_cw.text == "aurora coffee"
    assert parse_status({"id": "1", "content": "<p>x</p>"}, "m") is None
    assert parse_status({"created_at": iso(1), "content": "<p>x</p>"}, "m") is None
    assert parse_status({"id": 7, "created_at": "2026-05-01T01:00:00+09:00",
                         "content": "<p>x</p>"}, "m").created_at == datetime(  # type: ignore[union-attr]
        2026, 4, 30, 16, tzinfo=UTC)
    assert parse_status("junk", "m") is None


def test_timeline_pages_by_max_id_on_our_own_host() -> None:
    pages = {
        None: ([status("30", 20), status("29", 19)], {"Link": link("29", "http://localhost:3000")}),
        "29": ([status("28", 18)], {"Link": link("28", "https://evil.example")}),
        "28": ([], {}),
    }
    service = Service(timeline(pages))
    mentions = list(make(service).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["30", "29", "28"]
    assert {r.url.host for r in service.requests} == {"mastodon.test"}
    assert [dict(r.url.params) for r in service.requests] == [
        {"limit": "40"}, {"limit": "40", "max_id": "29"}, {"limit": "40", "max_id": "28"}]
    assert all(r.url.path == TAG_PATH for r in service.requests)
    assert all("authorization" not in r.headers for r in service.requests)


def test_timeline_stops_without_next_link_or_at_a_page_older_than_since() -> None:
    service = Service(timeline({None: ([status("2", 3)], {"Link": '<x?min_id=2>; rel="prev"'})}))
    assert len(list(make(service).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))) == 1
    assert len(service.requests) == 1
    older = {None: ([status("3", 30), status("2", 3), status("1", -1)], {"Link": link("1")}),
             "1": ([status("0", -2), status("-1", -3)], {"Link": link("-1")})}
    service = Service(timeline(older))
    mentions = list(make(service).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["2"] and len(service.requests) == 2


def test_a_late_delivered_remote_status_does_not_end_paging() -> None:
    # Timelines are ordered by id (when this server stored the status), not created_at: a
    # remote status delivered or fetched late carries its older created_at among newer ones.
    # Recorded timelines show it: mstdn.jp 2017 (sys1yagi/mastodon4j) and mastodon.social 2020
    # (igorcamilo/tootkit), whose snowflake ids are receipt times 20 minutes after created_at.
    pages = {None: ([status("172429", 3), status("172427", -0.5), status("172426", 2)],
                    {"Link": link("172426")}),
             "172426": ([status("172424", 1), status("172422", -0.2)], {"Link": link("172422")}),
             "172422": ([status("172421", -1)], {"Link": link("172421")})}
    service = Service(timeline(pages))
    mentions = list(make(service).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["172429", "172426", "172424"]
    assert [r.url.params.get("max_id") for r in service.requests] == [None, "172426", "172422"]


def test_integer_ids_and_statuses_without_optional_fields() -> None:
    # Mastodon 1.x sent ids as JSON numbers; language, replies_count and an http(s) uri are
    # absent or not URLs there (uri was "tag:host,date:objectId=...").
    raw = {"id": 172427, "created_at": "2017-04-14T06:10:13.000Z", "spoiler_text": "",
           "content": "<p>JP管理人さん大変だなぁ。以下引用<br>【お知らせ】移転します</p>",
           "account": {"acct": "cocoabottle@mastodon.cloud"}, "reblog": None,
           "favourites_count": 0, "reblogs_count": 1,
           "uri": "tag:mastodon.cloud,2017-04-14:objectId=625276:objectType=Status",
           "url": "https://mastodon.cloud/@cocoabottle/625276"}
    mention = parse_status(raw, "mastodon")
    assert mention is not None and mention.source_id == "172427"
    assert mention.text == "JP管理人さん大変だなぁ。以下引用\n【お知らせ】移転します"
    assert mention.language is None and mention.url == "https://mastodon.cloud/@cocoabottle/625276"
    assert mention.engagement.replies is None and mention.engagement.reposts == 1
    pages = {None: ([{**raw, "created_at": iso(2)}], {"Link": link("172427")}),
             "172427": ([], {})}
    service = Service(timeline(pages))
    assert [m.source_id for m in make(service).fetch(QUERY, SINCE, UNTIL)] == ["172427"]
    assert service.requests[1].url.params["max_id"] == "172427"


def test_without_a_link_header_full_pages_are_paged_by_the_last_id() -> None:
    # The documented max_id ("results older than this id") pages a server that sends no Link
    # header; a short page is the last one, so no request follows it.
    pages = {None: ([status("9", 9), status("8", 8)], {}),
             "8": ([status("7", 7), status("6", 6)], {}),
             "6": ([status("5", 5)], {})}
    service = Service(timeline(pages))
    mentions = list(make(service, limit=2).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["9", "8", "7", "6", "5"]
    assert [r.url.params.get("max_id") for r in service.requests] == [None, "8", "6"]
    # A Link header without rel="next" still ends paging, full page or not.
    service = Service(timeline({None: ([status("9", 9), status("8", 8)],
                                       {"Link": '<https://mastodon.test/x?min_id=9>; rel="prev"'})}))
    assert len(list(make(service, limit=2).fetch(QUERY, SINCE, UNTIL))) == 2
    assert len(service.requests) == 1


def test_boost_is_listed_at_its_own_time_and_counted_once() -> None:
    original = status("5", -10, "<p>old aurora coffee post</p>")
    in_window = status("6", 2)
    pages = {None: ([status("7", 3, "", reblog=in_window), in_window,
                     status("8", 2.5, "", reblog=original)], {"Link": link("8")}),
             "8": ([], {})}
    service = Service(timeline(pages))
    mentions = list(make(service).fetch(Query.parse("#auroracoffee"), SINCE, UNTIL))
    # The boost of an old post is inside the window, so paging goes on; the old post is not kept.
    assert [m.source_id for m in mentions] == ["6"] and len(service.requests) == 2


def test_japanese_tag_is_percent_encoded_in_the_path() -> None:
    service = Service(lambda r: httpx.Response(200, json=[]))
    list(make(service, hashtags=("オーロラ珈琲",)).fetch(Query.parse("#auroracoffee"), SINCE,
                                                          UNTIL))
    paths = [r.url.raw_path.decode().split("?")[0] for r in service.requests]
    assert paths == [TAG_PATH, "/api/v1/timelines/tag/" + quote("オーロラ珈琲", safe="")]


def test_search_with_token_pages_by_offset_until_empty() -> None:
    results = {0: [status("50", 20), status("49", 19, "<p>bad</p>", created_at=None)],
               2: [status("48", 18)], 3: []}
    service = Service(timeline({None: ([status("49", 19)], {})},
                               lambda r: {"accounts": [], "hashtags": [],
                                          "statuses": results[int(r.url.params["offset"])]}))
    mentions = list(make(service, env=TOKEN).fetch(QUERY, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["49", "50", "48"]
    searches = [r for r in service.requests if r.url.path == "/api/v2/search"]
    assert [dict(r.url.params) for r in searches] == [
        {"q": '"aurora coffee"', "type": "statuses", "resolve": "false", "limit": "40",
         "offset": str(n)} for n in (0, 2, 3)]
    assert all(r.headers["authorization"] == "Bearer tok-SECRET-9" for r in service.requests)


def test_search_stops_at_a_page_older_than_since_and_rejects_an_ignored_offset() -> None:
    results = {0: [status("3", 5), status("2", -5)], 2: [status("1", -6)]}
    service = Service(timeline({None: ([], {})}, lambda r: {
        "statuses": results[int(r.url.params["offset"])]}))
    assert [m.source_id for m in make(service, env=TOKEN).fetch(QUERY, SINCE, UNTIL)] == ["3"]
    assert [r.url.params.get("offset") for r in service.requests] == [None, "0", "2"]
    service = Service(timeline({None: ([], {})}, lambda r: {"statuses": [status("2", 5)]}))
    with pytest.raises(CollectorError, match="ignores `offset`"):
        list(make(service, env=TOKEN).fetch(QUERY, SINCE, UNTIL))


def test_without_a_token_only_hashtags_are_read() -> None:
    service = Service(timeline({None: ([status("1", 1)], {})}))
    made = make(service)
    assert [m.source_id for m in made.fetch(QUERY, SINCE, UNTIL)] == ["1"]
    assert all(r.url.path == TAG_PATH for r in service.requests)
    assert "only hashtags are read" in made.check() and "KOE_MASTODON_TOKEN" in made.check()


def test_search_off_with_a_token() -> None:
    service = Service(timeline({None: ([], {})}))
    made = make(service, env=TOKEN, search=False)
    list(made.fetch(QUERY, SINCE, UNTIL))
    assert [r.url.path for r in service.requests] == [TAG_PATH]
    assert "search = false" in made.check()


def test_a_query_without_tags_or_token_reads_nothing_and_says_so() -> None:
    service = Service(lambda r: httpx.Response(500))
    brands = [Brand(name="Aurora Coffee", query='"aurora coffee"')]
    made = make(service, brands=brands)
    assert list(made.fetch(Query.parse('"aurora coffee"'), SINCE, UNTIL)) == []
    assert not service.requests and "nothing was read" in made.notes[0]
    with pytest.raises(CollectorError, match="nothing to read.*KOE_MASTODON_TOKEN"):
        made.check()
    assert "full-text search" in make(service, env=TOKEN, brands=brands).check()


def test_check_lists_tags_and_is_offline() -> None:
    service = Service(lambda r: httpx.Response(500))
    text = make(service, env=TOKEN, hashtags=("kumo",)).check()
    assert "#auroracoffee, #kumo" in text and "full-text search" in text
    assert not service.requests


def test_token_from_an_airflow_connection() -> None:
    env = {"AIRFLOW_CONN_MASTO": json.dumps({"password": "conn-token"})}
    service = Service(timeline({None: ([], {})}, lambda r: {"statuses": []}))
    list(make(service, env=env, conn_id="masto").fetch(QUERY, SINCE, UNTIL))
    assert service.requests[0].headers["authorization"] == "Bearer conn-token"


def test_refused_token_names_the_variable_and_is_not_retried() -> None:
    service = Service(lambda r: httpx.Response(401, json={"error": "The access token is invalid"}))
    with pytest.raises(CredentialRejectedError) as info:
        list(make(service, env=TOKEN).fetch(QUERY, SINCE, UNTIL))
    assert str(info.value).startswith("mastodon: HTTP 401")
    assert "KOE_MASTODON_TOKEN" in str(info.value) and "tok-SECRET-9" not in str(info.value)
    assert len(service.requests) == 1


def test_timelines_for_signed_in_users_only_ask_for_a_token() -> None:
    service = Service(lambda r: httpx.Response(
        422, json={"error": "This method requires an authenticated user"}))
    with pytest.raises(CollectorError, match="signed-in users: set KOE_MASTODON_TOKEN"):
        list(make(service).fetch(QUERY, SINCE, UNTIL))


def test_not_a_status_list_is_malformed() -> None:
    service = Service(lambda r: httpx.Response(200, json={"error": "Record not found"}))
    with pytest.raises(MalformedResponseError, match="mastodon: .*'#auroracoffee'.*list of st"):
        list(make(service).fetch(QUERY, SINCE, UNTIL))
    service = Service(timeline({None: ([], {})}, lambda r: {"accounts": []}))
    with pytest.raises(MalformedResponseError, match="'statuses' list"):
        list(make(service, env=TOKEN).fetch(QUERY, SINCE, UNTIL))


def test_bad_statuses_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    page = [status("3", 3), {"id": "2", "content": "<p>no date</p>"}, "junk", status("1", 1)]
    service = Service(timeline({None: (page, {})}))
    assert [m.source_id for m in make(service).fetch(QUERY, SINCE, UNTIL)] == ["3", "1"]
    assert "skipped 2 statuses in #auroracoffee" in caplog.text


def test_max_pages_stops_with_a_note() -> None:
    pages = {None if n == 0 else str(100 - n): ([status(str(99 - n), 20 - n)],
                                                {"Link": link(str(99 - n))}) for n in range(5)}
    service = Service(timeline(pages))
    made = make(service, max_pages=3)
    assert len(list(made.fetch(QUERY, SINCE, UNTIL))) == 3
    assert len(service.requests) == 3 and "max_pages=3" in made.notes[0]


def test_rate_limit_reset_header_makes_the_next_request_wait() -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=120)).isoformat().replace("+00:00", "Z")
    pages = {None: ([status("2", 2)], {"Link": link("2"), "x-ratelimit-remaining": "0",
                                       "x-ratelimit-reset": reset}),
             "2": ([], {})}
    waits: list[float] = []
    list(make(Service(timeline(pages)), waits=waits).fetch(QUERY, SINCE, UNTIL))
    assert waits and 110 < waits[0] <= 120


def test_probe_makes_one_cheap_request() -> None:
    service = Service(lambda r: httpx.Response(200, json={"statuses": []}))
    assert "token accepted" in make(service, env=TOKEN).probe()
    (search,) = service.requests
    assert search.url.path == "/api/v2/search" and search.url.params["limit"] == "1"
    assert search.headers["authorization"] == "Bearer tok-SECRET-9"
    service = Service(lambda r: httpx.Response(200, json=[]))
    assert "#auroracoffee" in make(service).probe()
    assert [dict(r.url.params) for r in service.requests] == [{"limit": "1"}]
    service = Service(lambda r: httpx.Response(200, json={"error": "nope"}))
    with pytest.raises(MalformedResponseError):
        make(service, env=TOKEN).probe()


def test_genuine_tag_timeline_page() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE} (checkout without ../shared)")
    raw = FIXTURE.read_bytes()
    recorded_link = (f"<http://localhost:3000/api/v1/timelines/tag/{RECORDED_TAG}?limit=10&max_id="
                     '117020582177108552>; rel="next", <http://localhost:3000/api/v1/timelines/'
                     f'tag/{RECORDED_TAG}?limit=10&min_id=117020582251615632>; rel="prev"')

    def handler(request: httpx.Request) -> httpx.Response:
        if "max_id" in request.url.params:
            return httpx.Response(200, content=b"[]")
        return httpx.Response(200, content=raw, headers={"link": recorded_link})

    service = Service(handler)
    since, until = datetime(2026, 8, 1, 13, tzinfo=UTC), datetime(2026, 8, 1, 14, tzinfo=UTC)
    made = make(service, limit=10)
    mentions = list(made.fetch(Query.parse(f"#{RECORDED_TAG}"), since, until))
    assert len(mentions) == 10
    first = mentions[0]
    assert first.source_id == "117020582251615632"
    assert first.text == f"Toot number 29! #{RECORDED_TAG}"
    assert first.created_at == datetime(2026, 8, 1, 13, 53, 0, 550000, tzinfo=UTC)
    assert first.author == "mastodonpy_test_2" and first.language == "ja"
    assert first.url == "http://localhost:3000/@mastodonpy_test_2/117020582251615632"
    assert first.engagement.likes == 0 and first.title is None
    assert [r.url.host for r in service.requests] == ["mastodon.test", "mastodon.test"]
    assert service.requests[1].url.params["max_id"] == "117020582177108552"
