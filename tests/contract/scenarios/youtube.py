"""YouTube Data API v3: the genuine commentThreads page, and Japanese comments with replies.

Hand-written bodies follow the API reference (searchListResponse, channelListResponse,
playlistItemListResponse, commentThreadListResponse, and the error body Google sends).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import Brand, YouTubeSource

API = "/youtube/v3"
KEY = {"KOE_YOUTUBE_API_KEY": "AIzaSy-contract-test-key"}
GENUINE_VIDEO = "F1UP7wRCPH8"
GENUINE_FILE = "youtube/1-commentthreads-by-video-page1.json"

EXPIRED = Reply(400, {"error": {
    "code": 400, "message": "API key not valid. Please pass a valid API key.",
    "errors": [{"message": "API key not valid. Please pass a valid API key.", "domain": "global",
                "reason": "badRequest"}],
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com"}]}})

COMMENTS_DISABLED = Reply(403, {"error": {
    "code": 403,
    "message": "The video identified by the <code><a href=\"/youtube/v3/docs/commentThreads/"
               "list#videoId\">videoId</a></code> parameter has disabled comments.",
    "errors": [{"message": "The video identified by the <code><a href=\"/youtube/v3/docs/"
                           "commentThreads/list#videoId\">videoId</a></code> parameter has "
                           "disabled comments.",
                "domain": "youtube.commentThread", "reason": "commentsDisabled",
                "location": "videoId", "locationType": "parameter"}]}})


def _keyed(request: Request) -> bool:
    # The key travels as a header, never in the URL.
    return (request.headers.get("x-goog-api-key") == KEY["KOE_YOUTUBE_API_KEY"]
            and "key" not in request.params)


def _first_page(request: Request) -> bool:
    return _keyed(request) and "pageToken" not in request.params


def _genuine_token() -> str:
    return str(json.loads(recording(GENUINE_FILE))["nextPageToken"])


def _search(*results: tuple[str, str, str, str]) -> dict[str, Any]:
    return {
        "kind": "youtube#searchListResponse", "etag": "q8Jm6p1jTnlcR9V0wzs0eTGvmr8",
        "nextPageToken": "CAoQAA", "regionCode": "JP",
        "pageInfo": {"totalResults": len(results), "resultsPerPage": 10},
        "items": [{
            "kind": "youtube#searchResult", "etag": f"etag-{video_id}",
            "id": {"kind": "youtube#video", "videoId": video_id},
            "snippet": {"publishedAt": published, "channelId": "UCa3n8QZxWn0aVuL1pV2Wm0A",
                        "title": title, "description": "", "channelTitle": channel,
                        "liveBroadcastContent": "none", "publishTime": published},
        } for video_id, title, channel, published in results],
    }


def _comment(comment_id: str, video_id: str, text: str | None, published: str, *,
             display: str | None = None, author: str | None = "ユーザー",
             likes: int | None = 0, parent: str | None = None) -> dict[str, Any]:
    snippet: dict[str, Any] = {"channelId": "UCa3n8QZxWn0aVuL1pV2Wm0A", "videoId": video_id,
                               "textDisplay": display if display is not None else text,
                               "canRate": True, "viewerRating": "none",
                               "publishedAt": published, "updatedAt": published}
    if text is not None:
        snippet["textOriginal"] = text
    if author is not None:
        snippet["authorDisplayName"] = author
    if likes is not None:
        snippet["likeCount"] = likes
    if parent is not None:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": f"etag-{comment_id}", "id": comment_id,
            "snippet": snippet}


def _thread(top: dict[str, Any], *replies: dict[str, Any]) -> dict[str, Any]:
    thread: dict[str, Any] = {
        "kind": "youtube#commentThread", "etag": f"etag-t-{top['id']}", "id": top["id"],
        "snippet": {"channelId": "UCa3n8QZxWn0aVuL1pV2Wm0A",
                    "videoId": top["snippet"]["videoId"], "topLevelComment": top,
                    "canReply": True, "totalReplyCount": len(replies), "isPublic": True},
    }
    if replies:
        thread["replies"] = {"comments": list(replies)}
    return thread


def _threads(*items: dict[str, Any], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": "Lq5Ad9Kz",
                            "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
                            "items": list(items)}
    if next_token:
        body["nextPageToken"] = next_token
    return body


def _genuine_source(url: str) -> YouTubeSource:
    return YouTubeSource(type="youtube", base_url=f"{url}{API}", max_videos=5)


def _genuine_routes() -> list[Route]:
    last = _threads(
        _thread(_comment("UgzC0ntractLastPage0001", GENUINE_VIDEO, "Great talk on Chrome DevTools",
                         "2019-11-13T21:02:11.000Z", author="Web Dev", likes=3)),
        _thread(_comment("UgzC0ntractLastPage0002", GENUINE_VIDEO, "Before the window",
                         "2019-10-30T08:00:00.000Z")),
    )
    return [
        Route("GET", f"{API}/search", Reply(body=_search(
            (GENUINE_VIDEO, "Chrome Dev Summit 2019 &amp; the web&#39;s future",
             "Chrome for Developers", "2019-11-12T17:00:00Z"))),
            params={"q": "chrome", "type": "video", "order": "date"}, when=_keyed),
        Route("GET", f"{API}/commentThreads",
              Reply(body=recording(GENUINE_FILE)),
              params={"videoId": GENUINE_VIDEO, "order": "time"}, when=_first_page),
        Route("GET", f"{API}/commentThreads", Reply(body=last),
              params={"videoId": GENUINE_VIDEO, "pageToken": _genuine_token()}, when=_keyed),
    ]


CHANNEL = "UCauroraCoffeeOfficial01"
UPLOADS = "UUauroraCoffeeOfficial01"


def _japanese_source(url: str) -> YouTubeSource:
    return YouTubeSource(type="youtube", name="youtube-ja", base_url=f"{url}{API}",
                         channels=(CHANNEL,), relevance_language="ja")


def _japanese_routes() -> list[Route]:
    channels = {"kind": "youtube#channelListResponse", "etag": "c1",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [{"kind": "youtube#channel", "etag": "c2", "id": CHANNEL,
                           "snippet": {"title": "オーロラ珈琲 公式", "description": ""},
                           "contentDetails": {"relatedPlaylists": {"likes": "",
                                                                   "uploads": UPLOADS}}}]}

    def upload(video_id: str, title: str, published: str | None) -> dict[str, Any]:
        details: dict[str, Any] = {"videoId": video_id}
        if published:
            details["videoPublishedAt"] = published
        return {"kind": "youtube#playlistItem", "etag": f"p-{video_id}", "id": f"pl-{video_id}",
                "snippet": {"publishedAt": "2026-11-18T00:00:00Z", "channelId": CHANNEL,
                            "title": title, "playlistId": UPLOADS, "position": 0,
                            "resourceId": {"kind": "youtube#video", "videoId": video_id}},
                "contentDetails": details}

    playlist = {"kind": "youtube#playlistItemListResponse", "etag": "p0",
                "pageInfo": {"totalResults": 3, "resultsPerPage": 50},
                "items": [upload("vidJA000001", "新メニュー紹介", "2026-11-19T03:00:00Z"),
                          upload("vidJAprivat", "Private video", None),
                          upload("vidJA000002", "店舗ツアー", "2026-11-18T03:00:00Z")]}
    search = _search(
        ("vidJA000003", "オーロラ珈琲 vs 雲カフェ 飲み比べ&#12300;本音&#12301;", "コーヒー好きch",
         "2026-11-20T01:00:00Z"),
        ("vidJA000001", "新メニュー紹介", "オーロラ珈琲 公式", "2026-11-19T03:00:00Z"))
    v3 = _threads(_thread(
        _comment("UgwJA3top", "vidJA000003", "どっちも好きだけどオーロラ派", "2026-11-20T12:00:00Z",
                 likes=8),
        _comment("UgwJA3top.reply1", "vidJA000003", "わかる！", "2026-11-20T13:30:00Z",
                 author=None, likes=None, parent="UgwJA3top")))
    v1_page1 = _threads(
        _thread(_comment("UgwJA1a", "vidJA000001", "期間限定のラテ、甘さ控えめで最高",
                         "2026-11-20T22:00:00Z", likes=5),
                _comment("UgwJA1a.r1", "vidJA000001", "同意です", "2026-11-20T23:10:00Z",
                         parent="UgwJA1a"),
                _comment("UgwJA1a.r2", "vidJA000001", None, "2026-11-20T23:40:00Z",
                         display="<b>値段</b>が&quot;高い&quot; &amp; 量が少ない<br>残念",
                         parent="UgwJA1a")),
        _thread(_comment("UgwJA1b", "vidJA000001", "アプリで注文したら\n5分で受け取れた",
                         "2026-11-20T09:00:00Z", author=None)),
        next_token="QURTSl9pMkpBcGFnZTI=",
    )
    v1_page2 = _threads(
        _thread(_comment("UgwJA1c", "vidJA000001", "店内BGMが良い", "2026-11-20T03:00:00Z")),
        {"kind": "youtube#commentThread", "etag": "broken", "id": "UgwJAbroken",
         "snippet": {"videoId": "vidJA000001", "totalReplyCount": 0}},  # no topLevelComment
        _thread(_comment("UgwJA1d", "vidJA000001", "前日のコメント", "2026-11-19T20:00:00Z")),
    )
    return [
        Route("GET", f"{API}/channels", Reply(body=channels),
              params={"id": CHANNEL, "part": "snippet,contentDetails"}, when=_keyed),
        Route("GET", f"{API}/playlistItems", Reply(body=playlist),
              params={"playlistId": UPLOADS}, when=_keyed),
        Route("GET", f"{API}/search", Reply(body=search),
              params={"q": '"aurora coffee"|オーロラ珈琲', "relevanceLanguage": "ja"}, when=_keyed),
        Route("GET", f"{API}/commentThreads", Reply(body=v3),
              params={"videoId": "vidJA000003", "part": "snippet,replies"}, when=_keyed),
        Route("GET", f"{API}/commentThreads", Reply(body=v1_page1),
              params={"videoId": "vidJA000001"}, when=_first_page),
        Route("GET", f"{API}/commentThreads", Reply(body=v1_page2),
              params={"videoId": "vidJA000001", "pageToken": "QURTSl9pMkpBcGFnZTI="}, when=_keyed),
        Route("GET", f"{API}/commentThreads", COMMENTS_DISABLED,
              params={"videoId": "vidJA000002"}, when=_keyed),
    ]


SCENARIOS = [
    Scenario(
        id="youtube-genuine",
        source=_genuine_source,
        routes=_genuine_routes,
        brands=(Brand(name="Chrome", query="chrome"),),
        since=datetime(2019, 11, 1, tzinfo=UTC),
        until=datetime(2019, 12, 1, tzinfo=UTC),
        credentials=KEY,
        expired=EXPIRED,
        expect_ids=frozenset({"UgyZ1jqkHKYvi1-ruOZ4AaABAg", "Ugy4OzAuz5uJuFt3FH54AaABAg",
                              "UgysQP-vp089eFP0Stl4AaABAg", "UgyKv8ziPYFJDGytM_J4AaABAg",
                              "UgwI_ylXVnzPS8Q-oAV4AaABAg", "UgzC0ntractLastPage0001"}),
        expect_text={"UgyZ1jqkHKYvi1-ruOZ4AaABAg": "Chrome Dev Summit 2019 & the web's future",
                     "UgwI_ylXVnzPS8Q-oAV4AaABAg": "Lot's of good light coming in from here "
                                                   "#ChromeDevSummit"},
        narrow=(datetime(2019, 11, 15, tzinfo=UTC), datetime(2019, 11, 22, tzinfo=UTC)),
        fault_nth=1,
        genuine=True,
    ),
    Scenario(
        id="youtube-japanese-replies",
        source=_japanese_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=datetime(2026, 11, 21, tzinfo=UTC),
        credentials=KEY,
        expired=EXPIRED,
        expect_ids=frozenset({"UgwJA3top", "UgwJA3top.reply1", "UgwJA1a", "UgwJA1a.r1",
                              "UgwJA1a.r2", "UgwJA1b", "UgwJA1c"}),
        expect_text={"UgwJA1a.r2": '値段が"高い" & 量が少ない\n残念',
                     "UgwJA1b": "アプリで注文したら\n5分で受け取れた",
                     "UgwJA3top": "オーロラ珈琲 vs 雲カフェ 飲み比べ「本音」"},
        narrow=(datetime(2026, 11, 20, 10, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
        fault_nth=4,
    ),
]
