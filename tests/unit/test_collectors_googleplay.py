from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from collectors import build_collector
from collectors.base import CollectorError, FetchError, MalformedResponseError
from collectors.googleplay import (
    GooglePlayCollector,
    parse_batchexecute,
    parse_review,
    request_body,
    split_payload,
)
from koe.config import Brand, GooglePlaySource

REPO = Path(__file__).resolve().parents[2]
FIXTURE = (REPO.parent / "shared" / "fixtures" / "api" / "googleplay"
           / "1-reviews-twitter-relevant-batchexecute.json")
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
UNTIL = datetime(2026, 11, 21, tzinfo=UTC)
T0 = int(SINCE.timestamp())
BRANDS = [Brand(name="Aurora Coffee", query="オーロラ珈琲")]


def envelope(payload: Any, *, raw_payload: Any = "unset", status: Any = None) -> bytes:
    entry = ["wrb.fr", "oCPfdb",
             json.dumps(payload, ensure_ascii=False) if raw_payload == "unset" else raw_payload,
             None, None, status, "generic"]
    return (")]}'\n\n" + json.dumps([entry, ["di", 41]], ensure_ascii=False)).encode()


def review(n: int, at: int, text: str | None = "オーロラ珈琲", **extra: Any) -> list[Any]:
    out: list[Any] = [f"gp:r{n}", [f"user{n}", None], 4, None, text, [at, 250000000], 3,
                      None, None, None, "1.0"]
    for index, value in extra.items():
        out[int(index.lstrip("_"))] = value
    return out


def make(handler: Callable[[httpx.Request], httpx.Response],
         **options: Any) -> GooglePlayCollector:
    settings: dict[str, Any] = {"app_id": "jp.aurora.coffee", "brand": "Aurora Coffee",
                                "base_url": "https://play.test", **options}
    config = GooglePlaySource(type="googleplay", **settings)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    made = build_collector(config, brands=BRANDS, client=client, sleep=lambda s: None)
    assert isinstance(made, GooglePlayCollector)
    return made


def freq(request: httpx.Request) -> str:
    return parse_qs(request.content.decode())["f.req"][0]


def token_of(request: httpx.Request) -> str | None:
    inner = json.loads(json.loads(freq(request))[0][0][1])
    paging = inner[1][2]
    return paging[2] if len(paging) > 2 else None


def pages(replies: dict[str | None, bytes], seen: list[httpx.Request]
          ) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=replies[token_of(request)])
    return handler


def response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, request=httpx.Request("POST", "https://play.test/"))


def test_genuine_recording_parses_to_forty_reviews_and_a_token() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"shared API fixtures not found at {FIXTURE}")
    page = split_payload(parse_batchexecute(response(FIXTURE.read_bytes())))
    assert page is not None and len(page.reviews) == 40
    assert page.token is not None and page.token.startswith("CsIBCr8BKpgB")
    m = parse_review(page.reviews[0], "googleplay", "com.twitter.android", "Twitter")
    assert m is not None
    assert m.source_id.startswith("gp:AOqpTOEG141w8NXyoj4CF")
    assert m.author == "hayzel rose ilagan"
    assert m.rating == 5.0 and isinstance(m.rating, float)
    assert m.engagement.likes == 1114 and m.engagement.replies == 0
    assert m.created_at == datetime(2021, 1, 20, 1, 34, 5, 316000, tzinfo=UTC)
    assert 'who might "react" on it' in m.text and "👌" in m.text
    assert m.url == ("https://play.google.com/store/apps/details?id=com.twitter.android"
                     f"&reviewId={m.source_id}")
    assert m.language is None and m.brands == ("Twitter",)


def test_envelope_variants() -> None:
    assert parse_batchexecute(response(envelope([[], None]))) == [[], None]
    assert parse_batchexecute(response(envelope(None, raw_payload=None))) is None
    chunked = b")]}'\n\n95\n" + envelope([[review(1, T0)], [None, "t"]])[6:] + b'\n25\n[["e",4,null,null,133]]\n'
    assert parse_batchexecute(response(chunked))[1] == [None, "t"]
    for bad in (envelope([[]])[4:],  # no XSSI guard
                envelope([[review(1, T0)]])[:60],  # truncated
                b")]}'\n\n[[\"di\",41]]",  # no wrb.fr entry
                b")]}'\n\n[[\"wrb.fr\",\"oCPfdb\",null,null,null,[8,null,[[\"type.googleapis.com/"
                b"wireless.android.finsky.boq.web.data.PlayGatewayError\"]]],\"generic\"]]"):
        with pytest.raises(ValueError):
            parse_batchexecute(response(bad))


def test_split_payload_shapes() -> None:
    assert split_payload(None) == split_payload([]) == split_payload([[]])
    page = split_payload([[["gp:x"]], [None, "tok"], [1]])
    assert page is not None and page.token == "tok" and len(page.reviews) == 1
    last = split_payload([[["gp:x"]], None])
    assert last is not None and last.token is None
    assert split_payload({"reviews": []}) is None
    assert split_payload(["not a list"]) is None


def test_parse_review_optional_fields_and_reply() -> None:
    minimal = ["gp:min", None, None, None, "テキスト", [T0]]
    m = parse_review(minimal, "gp", "jp.aurora.coffee")
    assert m is not None and m.author is None and m.rating is None
    assert m.engagement.likes is None and m.engagement.replies == 0
    assert m.created_at == SINCE and m.brands == ()
    answered = review(2, T0, _7=[None, "ありがとうございます", [T0 + 60, 0]])
    replied = parse_review(answered, "gp", "jp.aurora.coffee")
    assert replied is not None and replied.engagement.replies == 1
    assert parse_review(review(3, T0, text=None), "gp", "a.b") is None  # rating only
    assert parse_review(review(4, T0, _5=None), "gp", "a.b") is None  # no date
    assert parse_review("gp:not-an-array", "gp", "a.b") is None
    assert parse_review(review(5, T0, _2=7), "gp", "a.b").rating is None  # type: ignore[union-attr]


def current_review(review_id: str, at: int, text: str, *, reply: Any = None,
                   version: str | None = "10.36.61-release") -> list[Any]:
    """A review in the layout Play sends today: a UUID id, 16 positions, [15] a device kind."""
    author = ["Burqaa", [None, 2, None, [None, None, "https://play-lh.googleusercontent.com/a/x"]]]
    profile = ["103312997456324653228", "Burqaa", None, [[None, 2, None, [None, None, "u"]], True]]
    return [review_id, author, 5, None, text, [at, 538000000], 2, reply, None, profile, version,
            None, None, None, None, 1]


def test_current_layout_uuid_ids_developer_reply_and_a_repeated_review() -> None:
    # Since 2024 Play sends review ids as UUIDs instead of "gp:AOqp...", the developer's answer
    # at [7] as [developer name, text, [seconds, nanos]], and positions up to [15]. The same RPC
    # may list one review twice (its edit history: newest version first) with no paging part.
    newest = "db02dc46-f4a0-4e4a-8079-7a136eb66689"
    reply = ["Aurora Coffee Inc.", "ご意見ありがとうございます。", [T0 + 7200, 145000000]]
    payload = [[current_review(newest, T0 + 3600, "注文が速い 👍 مرحبا", reply=reply),
                current_review(newest, T0 + 1800, "注文が速い", version=None),
                current_review("ea511a68-31f5-4caa-9771-aaa98b9544d9", T0 + 60, "excellent app")]]
    body = envelope(payload).replace(b'"oCPfdb"', b'"UsvDTd"')  # the rpc id is not relied on
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    mentions = list(make(handler).fetch(None, SINCE, UNTIL))
    assert len(seen) == 1  # no [null, token] part: the last page
    assert [m.source_id for m in mentions] == [newest, "ea511a68-31f5-4caa-9771-aaa98b9544d9"]
    first = mentions[0]
    assert first.text == "注文が速い 👍 مرحبا" and first.author == "Burqaa" and first.rating == 5.0
    assert first.created_at == datetime(2026, 11, 20, 1, 0, 0, 538000, tzinfo=UTC)
    assert first.engagement.likes == 2 and first.engagement.replies == 1
    assert mentions[1].engagement.replies == 0
    assert first.url == ("https://play.google.com/store/apps/details?id=jp.aurora.coffee"
                         f"&reviewId={newest}")


def test_request_body_uses_the_packages_format() -> None:
    first = parse_qs(request_body("jp.aurora.coffee", 100, None))["f.req"][0]
    rpc = json.loads(first)[0][0]
    assert rpc[0] == "oCPfdb"
    inner = json.loads(rpc[1])
    assert inner[1][0:3] == [2, 2, [100]]  # sort 2 = newest first
    assert inner[2] == ["jp.aurora.coffee", 7]
    later = parse_qs(request_body("jp.aurora.coffee", 50, "a+b/c=&d%"))["f.req"][0]
    assert json.loads(json.loads(later)[0][0][1])[1][2] == [50, None, "a+b/c=&d%"]


def test_pages_newest_first_until_end_with_locale_params() -> None:
    seen: list[httpx.Request] = []
    replies = {
        None: envelope([[review(1, T0 + 90000), review(2, T0 + 7200)], [None, "p2"]]),
        "p2": envelope([[review(3, T0 + 3600), ["gp:bad"], review(4, T0 - 60)], [None, "p3"]]),
        "p3": envelope([[]]),
    }
    c = make(pages(replies, seen), locales=("ja_JP",), page_size=2)
    mentions = list(c.fetch(None, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["gp:r2", "gp:r3"]
    assert [token_of(r) for r in seen] == [None, "p2", "p3"]
    assert seen[0].url.path == "/_/PlayStoreUi/data/batchexecute"
    assert dict(seen[0].url.params) == {"hl": "ja", "gl": "JP"}
    assert seen[0].method == "POST"
    assert seen[0].headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert json.loads(json.loads(freq(seen[0]))[0][0][1])[1][2] == [2]
    assert not c.notes


def test_stops_once_a_whole_page_is_older_than_since() -> None:
    seen: list[httpx.Request] = []
    replies = {
        # One old review on a page of new ones does not end the list (relevance-like order).
        None: envelope([[review(1, T0 - 86400), review(2, T0 + 60)], [None, "p2"]]),
        "p2": envelope([[review(3, T0 - 10), review(4, T0 - 20)], [None, "p3"]]),
        "p3": envelope([[review(5, T0 - 30)], [None, "p4"]]),
    }
    mentions = list(make(pages(replies, seen)).fetch(None, SINCE, UNTIL))
    assert [m.source_id for m in mentions] == ["gp:r2"]
    assert [token_of(r) for r in seen] == [None, "p2"]


def test_max_pages_notes_only_when_the_window_goes_on() -> None:
    seen: list[httpx.Request] = []
    replies = {None: envelope([[review(1, T0 + 600)], [None, "p2"]]),
               "p2": envelope([[review(2, T0 + 500)], [None, "p3"]])}
    c = make(pages(replies, seen), max_pages=2)
    assert len(list(c.fetch(None, SINCE, UNTIL))) == 2
    assert len(seen) == 2
    assert len(c.notes) == 1 and "max_pages=2" in c.notes[0] and "jp.aurora.coffee" in c.notes[0]

    replies = {None: envelope([[review(1, T0 + 600), review(2, T0 - 5)], [None, "p2"]])}
    done = make(pages(replies, []), max_pages=1)
    assert len(list(done.fetch(None, SINCE, UNTIL))) == 1
    assert done.notes == []  # the next page would be older than since: nothing missed


def test_repeated_token_is_an_error_not_a_loop() -> None:
    replies = {None: envelope([[review(1, T0)], [None, "same"]]),
               "same": envelope([[review(2, T0)], [None, "same"]])}
    with pytest.raises(CollectorError, match="again"):
        list(make(pages(replies, [])).fetch(None, SINCE, UNTIL))


def test_a_review_in_two_locales_is_yielded_once() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=envelope([[review(1, T0 + 5)]]))

    c = make(handler, locales=("en_US", "en_GB"))
    assert [m.source_id for m in c.fetch(None, SINCE, UNTIL)] == ["gp:r1"]
    assert [(r.url.params["hl"], r.url.params["gl"]) for r in seen] == [("en", "US"),
                                                                          ("en", "GB")]


def test_truncated_and_throttled_replies_are_retried() -> None:
    good = envelope([[review(1, T0 + 5)]])
    gateway = (b")]}'\n\n[[\"wrb.fr\",\"oCPfdb\",null,null,null,[8,null,[[\"type.googleapis.com/"
               b"wireless.android.finsky.boq.web.data.PlayGatewayError\"]]],\"generic\"]]")
    replies = [good[: len(good) // 2], gateway, gateway]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=replies.pop(0))

    with pytest.raises(MalformedResponseError, match="PlayGatewayError"):
        list(make(handler).fetch(None, SINCE, UNTIL))  # three bad replies in a row at most
    replies = [good[: len(good) // 2], gateway, good]
    assert len(list(make(handler).fetch(None, SINCE, UNTIL))) == 1


def test_an_rpc_error_status_fails_at_once_naming_the_app() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=envelope(None, raw_payload=None, status=[5]))

    with pytest.raises(FetchError) as e:
        list(make(handler).fetch(None, SINCE, UNTIL))
    assert "error status [5]" in str(e.value) and "jp.aurora.coffee" in str(e.value)
    assert len(seen) == 1


def test_undocumented_payload_names_source_and_app() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=envelope({"reviews": []}))

    with pytest.raises(MalformedResponseError) as e:
        list(make(handler, name="play-ja").fetch(None, SINCE, UNTIL))
    assert "play-ja" in str(e.value) and "jp.aurora.coffee en_US" in str(e.value)
    assert "dict" in str(e.value)


def test_check_and_probe() -> None:
    seen: list[httpx.Request] = []
    c = make(pages({None: envelope([[review(1, T0)], [None, "x"]])}, seen), locales=("ja_JP",))
    described = c.check()
    assert "jp.aurora.coffee" in described and "ja_JP" in described and "Aurora Coffee" in described
    assert not seen  # offline
    assert "newest review of jp.aurora.coffee for ja_JP is readable" in c.probe()
    assert len(seen) == 1 and json.loads(json.loads(freq(seen[0]))[0][0][1])[1][2] == [1]
    unattributed = make(pages({}, []), brand=None).check()
    assert "set brand" in unattributed


def test_import_restores_tls_verification() -> None:
    code = ("import ssl, sys\n"
            "import collectors.googleplay\n"
            "assert 'google_play_scraper.utils.request' in sys.modules\n"
            "assert ssl._create_default_https_context is ssl.create_default_context\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
