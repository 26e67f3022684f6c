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
from collectors.youtube import (
    QuotaExceededError,
    Video,
    YouTubeCollector,
    comment_text,
    error_reasons,
    key_rejected,
    parse_thread,
    search_terms,
)
from koe.config import Brand, YouTubeSource
from koe.credentials import CredentialError, Credentials
from koe.query import Query

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "youtube"
           / "1-commentthreads-by-video-page1.json")
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
UNTIL = datetime(2026, 11, 21, tzinfo=UTC)
SECRET = "AIzaSy-unit-test-secret"
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]
QUERY = BRANDS[0].parsed_query
CHANNEL = "UCauroraCoffeeOfficial01"

Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, *, brands: list[Brand] | None = None,
         env: dict[str, str] | None = None, **options: Any) -> YouTubeCollector:
    config = YouTubeSource(type="youtube", base_url="https://yt.test/youtube/v3", **options)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=brands or BRANDS, client=client, sleep=lambda s: None,
                           credentials=Credentials(
                               env={"KOE_YOUTUBE_API_KEY": SECRET} if env is None else env))
    assert isinstance(made, YouTubeCollector)
    return made


def error(status: int, reason: str, details: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"code": status, "message": f"{reason} happened",
                            "errors": [{"message": "m", "domain": "d", "reason": reason}]}
    if details:
        body["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": details, "domain": "googleapis.com"}]
    return httpx.Response(status, json={"error": body})


def search(*video_ids: str, published: str = "2026-11-19T00:00:00Z") -> dict[str, Any]:
    return {"kind": "youtube#searchListResponse", "items": [
        {"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v},
         "snippet": {"title": f"オーロラ珈琲 {v}", "channelTitle": "ch", "publishedAt": published}}
        for v in video_ids]}


def comment(cid: str, at: str, text: str | None = "コメント", **snippet: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"publishedAt": at, "authorDisplayName": "a", "likeCount": 1,
                            "textDisplay": text, **snippet}
    if text is not None:
        body["textOriginal"] = text
    return {"kind": "youtube#comment", "id": cid, "snippet": body}


def thread(top: dict[str, Any], *replies: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "youtube#commentThread", "id": top["id"],
                           "snippet": {"topLevelComment": top, "totalReplyCount": len(replies)}}
    if replies:
        out["replies"] = {"comments": list(replies)}
    return out


def threads(*items: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": list(items)}
    if token:
        body["nextPageToken"] = token
    return body


class Api:
    """A fake API: routes by endpoint (and videoId/pageToken for comments); records requests."""

    def __init__(self, **routes: Any) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        endpoint = request.url.path.rsplit("/", 1)[-1]
        key = endpoint
        if endpoint == "commentThreads":
            key = f"{request.url.params['videoId']}:{request.url.params.get('pageToken', '')}"
        reply = self.routes[key]
        if callable(reply):
            reply = reply(request)
        return reply if isinstance(reply, httpx.Response) else httpx.Response(200, json=reply)

    def called(self, endpoint: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/" + endpoint)]


def test_genuine_comment_threads_page() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE}")
    body = json.loads(FIXTURE.read_bytes())
    video = Video("F1UP7wRCPH8", "Chrome Dev Summit", "Chrome for Developers")
    results = [parse_thread(item, video, "youtube") for item in body["items"]]
    mentions = [m for r in results for m in r.mentions]
    assert [m.source_id for m in mentions][:2] == ["UgyZ1jqkHKYvi1-ruOZ4AaABAg",
                                                   "Ugy4OzAuz5uJuFt3FH54AaABAg"]
    first, last = mentions[0], mentions[-1]
    assert first.text == "Google.com"  # textOriginal, not the <a> of textDisplay
    assert first.author == "himani agarwal"
    assert first.created_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert first.url == "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert first.title == "Chrome Dev Summit — Chrome for Developers"
    assert last.engagement.replies == 2 and last.engagement.likes == 0
    assert last.text.startswith("Lot's of good light")
    assert "\n        settings displayed" in mentions[3].text  # textOriginal keeps its newline
    assert all(r.skipped == 0 for r in results)


def test_comment_text_fallbacks() -> None:
    assert comment_text({"textOriginal": " plain <b> & "}) == "plain <b> &"
    html = {"textDisplay": "<a href=\"x\">リンク</a> &amp; 値段&#39;s<br>次の行"}
    assert comment_text(html) == "リンク & 値段's\n次の行"
    assert comment_text({"textDisplay": "a < b\nc"}) == "a < b\nc"  # plain text stays as is
    assert comment_text({"textDisplay": "   "}) is None


def test_parse_thread_replies_and_broken_items() -> None:
    video = Video("v1", "タイトル")
    top = comment("t1", "2026-11-20T01:00:00Z", likes=None)
    good = parse_thread(thread(top, comment("t1.r1", "2026-11-20T02:00:00Z", author=None),
                               {"id": "t1.r2", "snippet": {"textOriginal": "no date"}}),
                        video, "yt")
    assert [m.source_id for m in good.mentions] == ["t1", "t1.r1"]
    assert good.skipped == 1
    assert good.mentions[0].engagement.replies == 2 and good.mentions[1].engagement.replies is None
    assert good.mentions[0].title == "タイトル"
    assert parse_thread({"id": "x", "snippet": {}}, video, "yt").skipped == 1
    assert parse_thread("garbage", video, "yt").skipped == 1


def test_error_reasons() -> None:
    bad_key = error(400, "badRequest", "API_KEY_INVALID")
    assert error_reasons(bad_key) == {"badRequest", "API_KEY_INVALID"}
    assert key_rejected(error_reasons(bad_key))
    assert key_rejected({"forbidden", "API_KEY_HTTP_REFERRER_BLOCKED"})
    assert key_rejected({"keyInvalid"})
    assert not key_rejected({"forbidden"}) and not key_rejected({"quotaExceeded"})
    assert error_reasons(httpx.Response(400, text="<html>")) == set()


def test_search_terms_use_youtube_or() -> None:
    assert search_terms(Query.parse('"aurora coffee" OR オーロラ珈琲')) == '"aurora coffee"|オーロラ珈琲'


def test_key_goes_in_a_header_and_the_window_is_searched() -> None:
    api = Api(search=search("v1"), **{"v1:": threads(
        thread(comment("c1", "2026-11-20T05:00:00Z"), comment("c1.r", "2026-11-21T01:00:00Z")),
        thread(comment("c0", "2026-11-19T23:00:00Z")))})
    mentions = list(make(api, relevance_language="ja", max_videos=7).fetch(QUERY, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["c1"]
    for request in api.requests:
        assert request.headers["x-goog-api-key"] == SECRET
        assert SECRET not in str(request.url)
    params = api.called("search")[0].url.params
    assert params["q"] == '"aurora coffee"|オーロラ珈琲'
    assert params["type"] == "video" and params["order"] == "date"
    assert params["publishedAfter"] == "2026-10-21T00:00:00Z"
    assert params["publishedBefore"] == "2026-11-21T00:00:00Z"
    assert params["maxResults"] == "7" and params["relevanceLanguage"] == "ja"
    comments = api.called("commentThreads")[0].url.params
    assert comments["part"] == "snippet,replies" and comments["order"] == "time"
    assert comments["maxResults"] == "100" and comments["textFormat"] == "plainText"


def test_missing_key_fails_before_any_request() -> None:
    api = Api()
    with pytest.raises(CredentialError, match="KOE_YOUTUBE_API_KEY"):
        list(make(api, env={}).fetch(QUERY, SINCE, UNTIL))
    with pytest.raises(CredentialError, match="KOE_YOUTUBE_API_KEY"):
        make(api, env={}).check()
    assert api.requests == []


@pytest.mark.parametrize("refusal", [error(400, "badRequest", "API_KEY_INVALID"),
                                     error(400, "keyInvalid"),
                                     error(403, "forbidden", "API_KEY_IP_ADDRESS_BLOCKED")])
def test_a_refused_key_names_the_env_var_and_is_not_retried(refusal: httpx.Response) -> None:
    api = Api(search=refusal)
    with pytest.raises(CredentialRejectedError) as e:
        list(make(api, name="yt-ja").fetch(QUERY, SINCE, UNTIL))
    message = str(e.value)
    assert "yt-ja" in message and "KOE_YOUTUBE_API_KEY" in message and SECRET not in message
    assert len(api.requests) == 1


def test_conn_id_is_named_in_the_fix() -> None:
    env = {"AIRFLOW_CONN_YOUTUBE": json.dumps({"password": SECRET})}
    api = Api(search=error(400, "badRequest", "API_KEY_INVALID"))
    with pytest.raises(CredentialRejectedError, match="'youtube'"):
        list(make(api, env=env, conn_id="youtube").fetch(QUERY, SINCE, UNTIL))
    assert api.requests[0].headers["x-goog-api-key"] == SECRET


def test_quota_exceeded_fails_the_source_clearly() -> None:
    api = Api(search=search("v1"), **{"v1:": error(403, "quotaExceeded")})
    with pytest.raises(QuotaExceededError) as e:
        list(make(api).fetch(QUERY, SINCE, UNTIL))
    assert "youtube" in str(e.value) and "rerun tomorrow" in str(e.value)
    assert isinstance(e.value, FetchError) and len(api.requests) == 2


def test_comments_disabled_skips_the_video_with_a_note() -> None:
    api = Api(search=search("v1", "v2", "v3"), **{
        "v1:": threads(thread(comment("a", "2026-11-20T01:00:00Z"))),
        "v2:": error(403, "commentsDisabled"),
        "v3:": error(404, "videoNotFound"),
    })
    c = make(api)
    assert [m.source_id for m in c.fetch(QUERY, SINCE, UNTIL)] == ["a"]
    assert len(c.notes) == 1 and "v2, v3" in c.notes[0] and "disabled" in c.notes[0]


def test_other_refusals_fail_with_the_reason() -> None:
    api = Api(search=error(403, "forbidden"))
    with pytest.raises(FetchError) as e:
        list(make(api).fetch(QUERY, SINCE, UNTIL))
    assert not isinstance(e.value, CredentialRejectedError)
    assert "forbidden" in str(e.value) and "youtube" in str(e.value)


def test_comment_paging_stops_on_an_all_old_page() -> None:
    api = Api(search=search("v1"), **{
        "v1:": threads(thread(comment("a", "2026-11-20T10:00:00Z")), token="p2"),
        "v1:p2": threads(thread(comment("b", "2026-11-19T10:00:00Z"),
                                comment("b.r", "2026-11-20T02:00:00Z")), token="p3"),
        "v1:p3": threads(thread(comment("c", "2026-11-19T09:00:00Z")), token="p4"),
    })
    mentions = list(make(api).fetch(QUERY, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["a", "b.r"]  # a new reply keeps page 2 "new"
    assert [r.url.params.get("pageToken") for r in api.called("commentThreads")] == [None, "p2",
                                                                                     "p3"]


def test_max_pages_note_for_comments() -> None:
    api = Api(search=search("v1"), **{
        "v1:": threads(thread(comment("a", "2026-11-20T10:00:00Z")), token="p2"),
        "v1:p2": threads(thread(comment("b", "2026-11-20T09:00:00Z")), token="p3"),
    })
    c = make(api, max_pages=2)
    assert len(list(c.fetch(QUERY, SINCE, UNTIL))) == 2
    assert len(api.called("commentThreads")) == 2
    assert len(c.notes) == 1 and "max_pages=2" in c.notes[0]


def test_quota_share_stops_before_overspending() -> None:
    pages = {f"v1:{'' if n == 1 else f'p{n}'}": threads(
        thread(comment(f"c{n}", f"2026-11-20T{20 - n:02d}:00:00Z")), token=f"p{n + 1}")
        for n in range(1, 6)}
    two_brands = [*BRANDS, Brand(name="Kumo", query="kumo")]
    api = Api(search=search("v1"), **pages)
    c = make(api, brands=two_brands, daily_quota=206, max_pages=50)
    assert c.query_budget == 103
    assert [m.source_id for m in c.fetch(QUERY, SINCE, UNTIL)] == ["c1", "c2", "c3"]
    assert len(api.requests) == 4  # search (100) + 3 pages (1 each) = 103 units
    assert len(c.notes) == 1 and "103 of its 103 quota units" in c.notes[0]
    assert "daily_quota 206 shared by 2" in c.notes[0]


def test_a_search_the_budget_cannot_pay_is_skipped_but_channels_are_read() -> None:
    api = Api(
        channels={"items": [{"id": CHANNEL, "snippet": {"title": "オーロラ珈琲 公式"},
                             "contentDetails": {"relatedPlaylists": {"uploads": "UU1"}}}]},
        playlistItems={"items": [{"snippet": {"title": "新作"},
                                  "contentDetails": {"videoId": "v9",
                                                     "videoPublishedAt": "2026-11-19T00:00:00Z"}}]},
        **{"v9:": threads(thread(comment("z", "2026-11-20T01:00:00Z")))},
    )
    c = make(api, channels=(CHANNEL,), daily_quota=50)
    mentions = list(c.fetch(QUERY, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["z"]
    assert mentions[0].title == "新作 — オーロラ珈琲 公式"
    assert not api.called("search")
    assert any("before the video search" in n for n in c.notes)


def test_channel_uploads_window_and_max_videos() -> None:
    def item(video_id: str, published: str | None) -> dict[str, Any]:
        details = {"videoId": video_id}
        if published:
            details["videoPublishedAt"] = published
        return {"snippet": {"title": video_id, "publishedAt": "2026-11-20T00:00:00Z"},
                "contentDetails": details}

    uploads = {"items": [item("future", "2026-11-22T00:00:00Z"), item("private", None),
                         item("new", "2026-11-19T00:00:00Z"),
                         item("mid", "2026-11-01T00:00:00Z"),
                         item("ancient", "2026-01-01T00:00:00Z")], "nextPageToken": "more"}
    api = Api(channels={"items": [{"id": CHANNEL, "contentDetails": {
                  "relatedPlaylists": {"uploads": "UU1"}}}]},
              playlistItems=uploads, search=search("s1", published="2026-11-20T03:00:00Z"),
              **{f"{v}:": threads() for v in ("s1", "new", "mid")})
    c = make(api, channels=(CHANNEL,), max_videos=2)
    assert list(c.fetch(QUERY, SINCE, UNTIL)) == []
    assert [r.url.params["videoId"] for r in api.called("commentThreads")] == ["s1", "new"]
    assert len(api.called("playlistItems")) == 1  # the page reached videos older than wanted
    assert any("found 3 videos" in n and "max_videos=2" in n for n in c.notes)


def test_missing_channel_is_noted() -> None:
    api = Api(channels={"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}},
              search=search())
    c = make(api, channels=(CHANNEL,))
    assert list(c.fetch(QUERY, SINCE, UNTIL)) == []
    assert any(CHANNEL in n for n in c.notes)


def test_current_comment_format_handles_and_second_precision() -> None:
    # commentThreads as the API sends it since 2023: authors are @handles, timestamps have no
    # fraction, snippets may carry channelId but no videoId, replies carry parentId, and a
    # thread's totalReplyCount can exceed the replies inlined with it. textFormat=html bodies
    # (what older clients asked for) differ from textOriginal; the plain original is kept.
    top = {"kind": "youtube#comment", "etag": "rOelwfDw", "id": "UgxXfLfuryhN5JBV4Zl4AaABAg",
           "snippet": {"channelId": "UC8-VPb0BrTumJCcAk5kKD8w",
                       "textDisplay": "<a href=\"https://www.youtube.com/watch?v=v1&amp;t=83\">"
                                      "1:23</a> オーロラ珈琲の新作&#39;s 最高",
                       "textOriginal": "1:23 オーロラ珈琲の新作's 最高",
                       "authorDisplayName": "@aurora_fan", "likeCount": 657,
                       "authorChannelId": {"value": "UCINOM9YliYsdtygvrjeT_Pg"},
                       "canRate": True, "viewerRating": "none",
                       "publishedAt": "2026-11-20T19:06:29Z", "updatedAt": "2026-11-20T19:33:30Z"}}
    reply = {"kind": "youtube#comment", "etag": "7a1LTkhC",
             "id": "UgxXfLfuryhN5JBV4Zl4AaABAg.A8jq-geGgIoA8k_tlJmJ7O",
             "snippet": {"channelId": "UC8-VPb0BrTumJCcAk5kKD8w", "textDisplay": "そうですね",
                         "textOriginal": "そうですね！", "parentId": "UgxXfLfuryhN5JBV4Zl4AaABAg",
                         "authorDisplayName": "@replier-s9g", "likeCount": 0,
                         "publishedAt": "2026-11-20T23:24:54Z", "updatedAt": "2026-11-20T23:24:54Z"}}
    body = {"kind": "youtube#commentThreadListResponse", "etag": "Leymzj7I",
            "pageInfo": {"totalResults": 1, "resultsPerPage": 100},
            "items": [{"kind": "youtube#commentThread", "etag": "x6PsyLYZ", "id": top["id"],
                       "snippet": {"channelId": "UC8-VPb0BrTumJCcAk5kKD8w", "topLevelComment": top,
                                   "canReply": True, "totalReplyCount": 88, "isPublic": True},
                       "replies": {"comments": [reply]}}]}
    api = Api(search=search("v1"), **{"v1:": body})
    mentions = list(make(api).fetch(QUERY, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == [top["id"], reply["id"]]
    first, second = mentions
    assert first.text == "1:23 オーロラ珈琲の新作's 最高" and second.text == "そうですね！"
    assert first.author == "@aurora_fan" and second.author == "@replier-s9g"
    assert first.created_at == datetime(2026, 11, 20, 19, 6, 29, tzinfo=UTC)
    assert first.engagement.likes == 657 and first.engagement.replies == 88
    assert second.url == f"https://www.youtube.com/watch?v=v1&lc={reply['id']}"


def test_a_channel_listed_without_content_details_is_noted() -> None:
    # channels.list answers only the parts it was given; a reply without contentDetails has no
    # uploads playlist to read: the channel is named in a note and the search still runs.
    api = Api(channels={"kind": "youtube#channelListResponse", "etag": "DovVRc4n",
                        "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                        "items": [{"kind": "youtube#channel", "id": CHANNEL,
                                   "snippet": {"title": "オーロラ珈琲", "customUrl": "@aurora",
                                               "publishedAt": "2007-08-23T00:34:43Z"}}]},
              search=search("v1"), **{"v1:": threads(thread(comment("a", "2026-11-20T01:00:00Z")))})
    c = make(api, channels=(CHANNEL,))
    assert [m.source_id for m in c.fetch(QUERY, SINCE, UNTIL)] == ["a"]
    assert not api.called("playlistItems")
    assert any(CHANNEL in n and "uploads" in n for n in c.notes)


def test_an_undocumented_refusal_of_comments_fails_the_source() -> None:
    # Only the documented per-video reasons (commentsDisabled, forbidden, videoNotFound) skip a
    # video; any other refusal stops the source naming the API's reasons and message. Google's
    # error body repeats a message (HTML at times) before the reasons, so they are read from
    # errors[].reason rather than left to a cut-off excerpt of the body.
    said = ("The caller does not have permission to list the threads of the <code><a href=\"/"
            "youtube/v3/docs/commentThreads/list#videoId\">videoId</a></code> it asked for.")
    refusal = httpx.Response(403, json={"error": {
        "code": 403, "message": said,
        "errors": [{"message": said, "domain": "youtube.CoreErrorDomain",
                    "reason": "SERVICE_UNAVAILABLE"}],
        "status": "PERMISSION_DENIED"}})
    api = Api(search=search("v1", "v2"), **{"v1:": refusal,
                                            "v2:": threads(thread(comment("b", "2026-11-20T01:00:00Z")))})
    with pytest.raises(FetchError) as e:
        list(make(api, name="yt-ja").fetch(QUERY, SINCE, UNTIL))
    assert not isinstance(e.value, CredentialRejectedError)
    message = str(e.value)
    assert "yt-ja" in message and "commentThreads" in message and "SERVICE_UNAVAILABLE" in message
    assert "does not have permission to list the threads of the videoId" in message
    assert "<code>" not in message and SECRET not in message
    assert len(api.called("commentThreads")) == 1  # not retried, not skipped to v2


def test_undocumented_body_is_malformed() -> None:
    api = Api(search={"items": "nope"})
    with pytest.raises(MalformedResponseError) as e:
        list(make(api).fetch(QUERY, SINCE, UNTIL))
    assert "youtube" in str(e.value) and "aurora coffee" in str(e.value)


def test_check_is_offline_and_validates_channels() -> None:
    api = Api()
    described = make(api, channels=(CHANNEL,)).check()
    assert "1 channel" in described and "10000" in described
    with pytest.raises(CollectorError, match="@aurora"):
        make(api, channels=("@aurora",)).check()
    with pytest.raises(CollectorError, match="nothing to read"):
        make(api, search=False).check()
    assert api.requests == []


def test_probe_checks_channels_exist() -> None:
    api = Api(channels={"items": []})
    with pytest.raises(CollectorError, match=CHANNEL):
        make(api, channels=(CHANNEL,)).probe()
    assert api.requests[0].url.params["part"] == "id"
    ok = Api(videos={"kind": "youtube#videoListResponse", "items": [{"id": "x"}]})
    assert "works" in make(ok).probe()
    assert len(ok.requests) == 1
