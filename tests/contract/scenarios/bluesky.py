"""Bluesky (app-password session + app.bsky.feed.searchPosts): the genuine recording, and a
hand-written Japanese/English search over two alternatives with several pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import BlueskySource, Brand

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
HANDLE = "koe-test.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"
CREDENTIALS = {"KOE_BLUESKY_HANDLE": HANDLE, "KOE_BLUESKY_APP_PASSWORD": PASSWORD}
DID = "did:plc:koetestaccount00000000000"
EXPIRED = Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
# Recorded with the answer (README): the AppView's rate-limit counters.
RECORDED_HEADERS = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "2983",
                    "RateLimit-Reset": "1747676784", "RateLimit-Policy": "3000;w=300"}


def _source(url: str) -> BlueskySource:
    return BlueskySource(type="bluesky", base_url=url, limit=25)


def _session(n: int) -> dict[str, Any]:
    return {"did": DID, "handle": HANDLE, "accessJwt": f"access-{n}", "refreshJwt": f"refresh-{n}",
            "active": True}


def _signed_in(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("Bearer access-")


def _right_password(request: Request) -> bool:
    return request.json == {"identifier": HANDLE, "password": PASSWORD}


def _session_routes() -> list[Route]:
    return [
        Route("POST", CREATE, Reply(body=_session(1)), when=_right_password, auth=True),
        # Only the "expired" fault makes the collector renew its session.
        Route("POST", REFRESH, Reply(body=_session(2)), auth=True, optional=True,
              when=lambda r: r.headers.get("authorization") == "Bearer refresh-1"),
    ]


def _search(q: str, reply: Reply, cursor: str | None = None) -> Route:
    params = {"q": q, "sort": "latest"}
    if cursor is not None:
        params["cursor"] = cursor
        return Route("GET", SEARCH, reply, params=params, when=_signed_in)
    return Route("GET", SEARCH, reply, params=params,
                 when=lambda r: _signed_in(r) and "cursor" not in r.params)


def _genuine_routes() -> list[Route]:
    return [
        *_session_routes(),
        _search("redistricting",
                Reply(body=recording("bluesky/2-searchposts-redistricting.json"),
                      headers=RECORDED_HEADERS)),
        # The recording's cursor "25" leads to the last page: no posts, no cursor.
        _search("redistricting", Reply(body={"posts": []}, headers=RECORDED_HEADERS),
                cursor="25"),
    ]


def _post(rkey: str, text: str, created: str, *, handle: str | None = "aurora.example.com",
          did: str = "did:plc:auroraexample000000000000", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created}
    record.update(fields.pop("record", {}))
    author: dict[str, Any] = {"did": did}
    if handle is not None:
        author["handle"] = handle
    return {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": f"bafyrei{rkey}",
            "author": author, "record": record, "indexedAt": fields.pop("indexedAt", created),
            "labels": [], **fields}


LINK = "https://aurora.example.com/news/2026/10/new-blend-launch?ref=bsky"
# "☕️ " is 7 bytes in UTF-8 (U+2615, U+FE0F, space): the facet counts bytes, not characters.
SHOWN = "aurora.example.com/news/2026..."
EMOJI_TEXT = f"☕️ Aurora Coffee launches a new blend today! {SHOWN} 🎉"
_START = len(EMOJI_TEXT.split(SHOWN)[0].encode("utf-8"))


def _launch_post() -> dict[str, Any]:
    """Found by both alternatives (it says "Aurora Coffee" and is tagged #オーロラ珈琲)."""
    return _post("3m2aaaaaaaa2a", EMOJI_TEXT, "2026-10-01T21:15:00.000Z",
                 record={"langs": ["en"], "facets": [{
                     "index": {"byteStart": _START, "byteEnd": _START + len(SHOWN.encode())},
                     "features": [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}]}]},
                 likeCount=12, replyCount=3, repostCount=4, quoteCount=1)


def _english_pages() -> tuple[dict[str, Any], dict[str, Any]]:
    page1 = {
        "posts": [
            _launch_post(),
            # A news bot that posts feed titles without unescaping them.
            _post("3m2aaaaaaab2a",
                  "Aurora Coffee Q&amp;A: &#8220;We&#39;re raising prices&#8221; &gt; 5%",
                  "2026-10-01T18:40:00.000Z", handle="newsbot.example.org",
                  did="did:plc:newsbotexample0000000000", record={"langs": ["en-US"]},
                  likeCount=0, replyCount=0, repostCount=0, quoteCount=0),
            # Not a postView: no uri. Skipped and counted.
            {"cid": "bafyreibroken", "record": {"text": "aurora coffee", "createdAt":
                                                "2026-10-01T18:00:00.000Z"}},
        ],
        "cursor": "25",
    }
    page2 = {
        "posts": [
            # Optional fields absent: no langs, no counts, no handle, no createdAt.
            {"uri": "at://did:plc:quietposter00000000000000/app.bsky.feed.post/3m2aaaaaaac2a",
             "cid": "bafyreiquiet", "author": {"did": "did:plc:quietposter00000000000000"},
             "record": {"$type": "app.bsky.feed.post", "text": "aurora coffee is fine I guess"},
             "indexedAt": "2026-10-01T09:05:00.000Z"},
            # An image-only post: its words are the alt text.
            _post("3m2aaaaaaad2a", "", "2026-10-01T04:30:00.000Z", handle="handle.invalid",
                  did="did:plc:imageonly0000000000000000",
                  embed={"$type": "app.bsky.embed.images#view", "images": [
                      {"thumb": "https://cdn.bsky.app/img/feed_thumbnail/plain/x/y@jpeg",
                       "fullsize": "https://cdn.bsky.app/img/feed_fullsize/plain/x/y@jpeg",
                       "alt": "A cup of Aurora Coffee on a desk"}]}),
            # sortAt (the earlier of createdAt and indexedAt) is before the window.
            _post("3m2aaaaaaae2a", "aurora coffee at midnight", "2026-10-01T00:00:05.000Z",
                  indexedAt="2026-09-30T23:59:58.000Z"),
        ],
    }
    return page1, page2


def _japanese_pages() -> tuple[dict[str, Any], dict[str, Any]]:
    tagged = "オーロラ珈琲の新作、香りがすごく良い！ #オーロラ珈琲"
    tag_start = len(tagged.split("#")[0].encode("utf-8"))
    page1 = {
        "posts": [
            # A client in Japan writes createdAt with its +09:00 offset (11:00 UTC).
            _post("3m2bbbbbbbb2b", tagged, "2026-10-01T20:00:00.000+09:00",
                  handle="tanaka.bsky.social", did="did:plc:tanakaexample000000000000",
                  indexedAt="2026-10-01T11:00:01.250Z",
                  record={"langs": ["ja"], "facets": [{
                      "index": {"byteStart": tag_start, "byteEnd": len(tagged.encode("utf-8"))},
                      "features": [{"$type": "app.bsky.richtext.facet#tag",
                                    "tag": "オーロラ珈琲"}]}]},
                  likeCount=5, replyCount=1, repostCount=2, quoteCount=0),
            _launch_post(),  # also found by the English search: yielded once
            _post("3m2bbbbbbbc2b", "オーロラ珈琲のアプリ、また落ちてる…",
                  "2026-10-01T02:10:00.000Z", handle="sato.bsky.social",
                  did="did:plc:satoexample00000000000000", record={"langs": ["ja"]}),
        ],
        "cursor": "3",
    }
    page2: dict[str, Any] = {"posts": []}
    return page1, page2


def _japanese_routes() -> list[Route]:
    en1, en2 = _english_pages()
    ja1, ja2 = _japanese_pages()
    return [
        *_session_routes(),
        _search('"aurora coffee"', Reply(body=en1)),
        _search('"aurora coffee"', Reply(body=en2), cursor="25"),
        _search("オーロラ珈琲", Reply(body=ja1)),
        _search("オーロラ珈琲", Reply(body=ja2), cursor="3"),
    ]


def _uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


GENUINE_IDS = frozenset(
    f"at://{u}" for u in (
        "did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m",
        "did:plc:s7savtl25cqhm3ddqc7jeljx/app.bsky.feed.post/3lpk2r5h5ec2j",
        "did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpjzka2pzc2l",
        "did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpjy3eabqs2l",
        "did:plc:t6z74efuxnhxkvuzxu24d3df/app.bsky.feed.post/3lpjraovchc2x",
        "did:plc:koh6ega53iul5n6qomu6e7an/app.bsky.feed.post/3lpjqrblspk2n",
        "did:plc:ooimp4mgjxbday5u4j2rh57m/app.bsky.feed.post/3lpjqeajtgc27",
        "did:plc:ooimp4mgjxbday5u4j2rh57m/app.bsky.feed.post/3lpjqeajrhs27",
        "did:plc:ooimp4mgjxbday5u4j2rh57m/app.bsky.feed.post/3lpjqeajpjc27",
        "did:plc:ooimp4mgjxbday5u4j2rh57m/app.bsky.feed.post/3lpjqeajmlk27",
        "did:plc:clxs5bimkdx2zvxzrbs6v3pw/app.bsky.feed.post/3lpjneeyp6c2w",
        "did:plc:xwxgmnbzmqrasm5yvlltlsqy/app.bsky.feed.post/3lpjlye6o6c2c",
        "did:plc:pjjrd7avt2v4ycccavykzg3n/app.bsky.feed.post/3lpjl6vjfes2b",
        "did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpjl3ghnhg2m",
        "did:plc:25xz4mmocebkvk6uqarcjfax/app.bsky.feed.post/3lpjl2bg73c2p",
        "did:plc:ubtwich3m73idyllnkl7bkqe/app.bsky.feed.post/3lpjd3zskmh2p",
        "did:plc:757udrcdjlyuksadpjyoagc6/app.bsky.feed.post/3lpjbedrqxs27",
        "did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpj5nu5wic2w",
        "did:plc:l5ihkfldjxdoua7o5eubuzbp/app.bsky.feed.post/3lpiuv5sxuc2f",
        "did:plc:3s52uzpjh236okih4cogzcov/app.bsky.feed.post/3lpitwqgtn22a",
        "did:plc:lv42ywq4nkadbnxkymc7nnsx/app.bsky.feed.post/3lpisehshic2t",
        "did:plc:mhbp4wx4zsjf6537frktqux2/app.bsky.feed.post/3lpikwarowc2o",
        "did:plc:qogyzvlh3vivathu2piavvpv/app.bsky.feed.post/3lpii6nwbyt2m",
        "did:plc:hldk4mecmf3wdmlisjrm5f5f/app.bsky.feed.post/3lpiebsughs2i",
        "did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpica7sxmk2u",
    )
)
AURORA = "did:plc:auroraexample000000000000"

SCENARIOS = [
    Scenario(
        id="bluesky-genuine",
        source=_source,
        routes=_genuine_routes,
        brands=(Brand(name="Redistricting", query="redistricting"),),
        since=datetime(2025, 5, 19, tzinfo=UTC),
        until=datetime(2025, 5, 20, tzinfo=UTC),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=True,
        expect_ids=GENUINE_IDS,
        expect_text={
            # A shortened link expanded from its facet (UTF-8 byte offsets).
            _uri("did:plc:s7savtl25cqhm3ddqc7jeljx", "3lpk2r5h5ec2j"):
                "https://open.substack.com/pub/christackett/p/the-pawn-or-the-collaborator"
                "?r=92vnq&utm_medium=ios",
            _uri("did:plc:mhbp4wx4zsjf6537frktqux2", "3lpikwarowc2o"):
                'reduced thru the "art of redistricting". 💔',
        },
        narrow=(datetime(2025, 5, 19, 12, tzinfo=UTC), datetime(2025, 5, 19, 15, tzinfo=UTC)),
        genuine=True,
    ),
    Scenario(
        id="bluesky-japanese-two-alternatives",
        source=_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2026, 10, 1, tzinfo=UTC),
        until=datetime(2026, 10, 2, tzinfo=UTC),
        credentials=CREDENTIALS,
        expired=EXPIRED,
        refreshable=True,
        expect_ids=frozenset({
            _uri(AURORA, "3m2aaaaaaaa2a"),
            _uri("did:plc:newsbotexample0000000000", "3m2aaaaaaab2a"),
            _uri("did:plc:quietposter00000000000000", "3m2aaaaaaac2a"),
            _uri("did:plc:imageonly0000000000000000", "3m2aaaaaaad2a"),
            _uri("did:plc:tanakaexample000000000000", "3m2bbbbbbbb2b"),
            _uri("did:plc:satoexample00000000000000", "3m2bbbbbbbc2b"),
        }),
        expect_text={
            _uri(AURORA, "3m2aaaaaaaa2a"): f"☕️ Aurora Coffee launches a new blend today! {LINK} 🎉",
            _uri("did:plc:newsbotexample0000000000", "3m2aaaaaaab2a"):
                "Aurora Coffee Q&A: \u201cWe're raising prices\u201d > 5%",
            _uri("did:plc:imageonly0000000000000000", "3m2aaaaaaad2a"):
                "A cup of Aurora Coffee on a desk",
            _uri("did:plc:tanakaexample000000000000", "3m2bbbbbbbb2b"):
                "オーロラ珈琲の新作、香りがすごく良い！ #オーロラ珈琲",
            _uri("did:plc:satoexample00000000000000", "3m2bbbbbbbc2b"): "また落ちてる…",
        },
        narrow=(datetime(2026, 10, 1, 9, tzinfo=UTC), datetime(2026, 10, 1, 20, tzinfo=UTC)),
    ),
]
