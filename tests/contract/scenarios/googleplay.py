"""Google Play (batchexecute reviews RPC): the genuine recording, and two Japanese pages.

The hand-written replies follow the live format: the ``)]}'`` guard, a blank line, then one
compact envelope array whose ``wrb.fr`` entry carries the payload as a JSON string.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contract.scenario import Reply, Request, Route, Scenario, recording
from koe.config import Brand, GooglePlaySource

PATH = "/_/PlayStoreUi/data/batchexecute"
GENUINE_TOKEN = "CsIBCr8BKpgBCmz3O5rNSf____9nYWlh"  # the start of the recording's next-page token
JA_TOKENS = ("CgwI_page2_token", "CgwI_page3_token")


def envelope(payload: Any) -> bytes:
    """A batchexecute reply as play.google.com sends it (payload JSON inside a string)."""
    entries = [["wrb.fr", "oCPfdb", json.dumps(payload, ensure_ascii=False), None, None, None,
                "generic"], ["di", 41], ["af.httprm", 40, "-2871913245012856113", 12]]
    return (")]}'\n\n" + json.dumps(entries, ensure_ascii=False)).encode("utf-8")


END = envelope([[]])  # past the last page: an empty review list and no token


def _reply(body: bytes) -> Reply:
    return Reply(body=body, content_type="application/json; charset=utf-8")


def _page(app_id: str, token: str | None, tokens: tuple[str, ...]) -> Callable[[Request], bool]:
    def when(request: Request) -> bool:
        freq = request.form.get("f.req", "")
        if app_id not in freq:
            return False
        return token in freq if token else not any(t in freq for t in tokens)
    return when


def _genuine_source(url: str) -> GooglePlaySource:
    return GooglePlaySource(type="googleplay", base_url=url, app_id="com.twitter.android",
                            locales=("en_US",), brand="Twitter", page_size=40)


def _genuine_routes() -> list[Route]:
    app = "com.twitter.android"
    return [
        Route("POST", PATH, _reply(recording("googleplay/1-reviews-twitter-relevant-batchexecute.json")),
              params={"hl": "en"}, when=_page(app, None, (GENUINE_TOKEN,))),
        Route("POST", PATH, _reply(END), params={"hl": "en"},
              when=_page(app, GENUINE_TOKEN, (GENUINE_TOKEN,))),
    ]


T0 = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
USER_IMAGE = [None, 2, None, [None, None, "https://play-lh.googleusercontent.com/a-/AOh14Gi"]]


def _review(review_id: str, offset: int, stars: int, text: str | None, *,
            user: str | None = "山田太郎", thumbs: int | None = 0, reply: Any = None,
            version: str | None = "4.2.0") -> list[Any]:
    """A review array in Play's positional layout (15 elements, like the recording)."""
    author = [user, USER_IMAGE] if user is not None else None
    return [f"gp:{review_id}", author, stars, None, text, [T0 + offset, 512000000], thumbs,
            reply, None, None, version, None, None, None, [True, False]]


def _japanese_routes() -> list[Route]:
    app = "jp.aurora.coffee"
    reply = [None, "ご不便をおかけし申し訳ございません。次回の更新で修正します。", [T0 + 40000, 0]]
    page1 = [
        _review("AOqpTOja_newer", 90000, 5, "未来の日付: 窓の外なので集めない"),
        _review("AOqpTOja_0001", 36000, 1, "オーロラ珈琲のアプリ、注文が通らない。\n二度と使わない",
                thumbs=12, reply=reply),
        _review("AOqpTOja_0002", 30000, 4, "ポイント <5倍> & 送料無料 が嬉しい", user=None,
                thumbs=None),
    ]
    page2 = [
        # Seven elements only: trailing optional positions are absent.
        ["gp:AOqpTOja_0003", ["佐藤"], 3, None, "まあまあ。待ち時間が長い", [T0 + 18000]],
        ["gp:AOqpTOja_bad", ["broken"], 5, None, "a review without its date"],
        _review("AOqpTOja_0004", 3600, 2, None),  # rating only: no text
        _review("AOqpTOja_0005", 600, 5, "アプリで事前注文👍 すぐ受け取れた", version=None),
    ]
    return [
        Route("POST", PATH, _reply(envelope([page1, [None, JA_TOKENS[0]]])),
              params={"hl": "ja", "gl": "JP"}, when=_page(app, None, JA_TOKENS)),
        Route("POST", PATH, _reply(envelope([page2, [None, JA_TOKENS[1]]])),
              params={"hl": "ja", "gl": "JP"}, when=_page(app, JA_TOKENS[0], JA_TOKENS)),
        Route("POST", PATH, _reply(END), params={"hl": "ja", "gl": "JP"},
              when=_page(app, JA_TOKENS[1], JA_TOKENS)),
    ]


def _japanese_source(url: str) -> GooglePlaySource:
    return GooglePlaySource(type="googleplay", name="googleplay-ja", base_url=url,
                            app_id="jp.aurora.coffee", locales=("ja_JP",), brand="Aurora Coffee",
                            page_size=4)


SCENARIOS = [
    Scenario(
        id="googleplay-genuine",
        source=_genuine_source,
        routes=_genuine_routes,
        brands=(Brand(name="Twitter", query="twitter"),),
        since=datetime(2021, 1, 6, tzinfo=UTC),
        until=datetime(2021, 1, 21, tzinfo=UTC),
        expect_text={
            "gp:AOqpTOEG141w8NXyoj4CFpinzfXvBYYywrWQdoRk3NMYLgGE-8TmYXHQhFgs-pXL25gDnLulPidwqJvbcxNK3A":
                'without thinking of who might "react" on it',
        },
        # Sorted by relevance, not date: the narrow window must not stop paging early.
        narrow=(datetime(2021, 1, 12, tzinfo=UTC), datetime(2021, 1, 16, tzinfo=UTC)),
        fault_nth=0,
        genuine=True,
    ),
    Scenario(
        id="googleplay-japanese-two-pages",
        source=_japanese_source,
        routes=_japanese_routes,
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),),
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=datetime(2026, 11, 21, tzinfo=UTC),
        expect_ids=frozenset({"gp:AOqpTOja_0001", "gp:AOqpTOja_0002", "gp:AOqpTOja_0003",
                              "gp:AOqpTOja_0005"}),
        expect_text={"gp:AOqpTOja_0001": "注文が通らない。\n二度と使わない",
                     "gp:AOqpTOja_0002": "ポイント <5倍> & 送料無料",
                     "gp:AOqpTOja_0005": "事前注文👍"},
        narrow=(datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)),
        fault_nth=1,
    ),
]
