"""Google Play reviews of one app, through the Play Store web app's ``batchexecute`` RPC.

Google has no public review API for apps you do not own (the Play Developer API serves only
your own apps' reviews, and only recent ones), so this reads what play.google.com itself loads:
a form POST to ``/_/PlayStoreUi/data/batchexecute?hl=<language>&gl=<country>`` whose body
(``f.req=...``) is built by the google-play-scraper package. Quirks:

- The reply starts with the XSSI guard ``)]}'``, then an envelope: a JSON array (or, when Google
  chunks it, length-prefixed arrays) holding ``["wrb.fr", <rpc id>, "<payload>", ...]`` where
  the payload is JSON *inside a string*. A ``PlayGatewayError`` in an HTTP 200 is Google
  throttling this address; like a truncated reply it is retried, then fails the source.
- Payload = ``[reviews, [null, nextPageToken]]``; a review is a positional array whose
  positions the package's ``ElementSpecs.Review`` names ([0] id: ``gp:AOqp...`` in older
  replies, a UUID in current ones, [1][0] user name, [2] stars, [4] text, [5] [epoch seconds,
  nanos], [6] thumbs-up, [7] developer reply [name, text, [seconds, nanos]], [10] app
  version); the id is used as given, so both forms work. Past the last page Google answers an
  empty review list (or a null payload) without a token. Rating-only reviews have no text and
  are skipped. A payload of reviews alone (no paging part) is a last page; a review listed
  twice (its edit history, newest first) is yielded once.
- Sort is newest first, so paging stops once a whole page is older than ``since`` (a page
  with a single older review may still hold newer ones; only an all-old page ends the list).
- ``hl``/``gl`` filter reviews by language and country; ids are global, so a review listed
  under two locales is yielded once. ``hl`` is not the review's language: ``language`` is
  left to the pipeline's detector.
- No credentials. Requests are paced at 30 a minute; Google throttles faster clients.

The package's own ``reviews()`` is not used for the HTTP: it swallows every exception (a 5xx or
a truncated page silently ends the list, and the cursor would move past reviews never stored)
and its HTTP module disables TLS certificate checks process-wide on import (undone below).
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from collectors._fields import as_int
from collectors._http import JsonHttp
from collectors._paging import Paginator
from collectors._ratelimit import RateLimiter
from collectors.base import Collector, FetchError, MalformedResponseError
from koe.config import GooglePlaySource
from koe.query import Query
from koe.records import Engagement, Mention

# google_play_scraper.utils.request (imported by the package's __init__) runs
# `ssl._create_default_https_context = ssl._create_unverified_context` on import, switching off
# certificate checks for every urllib user in this process. Only its request-body format and
# field positions are used here, so the verifying default is put back right after the import.
_TLS_DEFAULT = ssl._create_default_https_context
try:
    from google_play_scraper.constants.element import ElementSpecs
    from google_play_scraper.constants.google_play import Sort
    from google_play_scraper.constants.request import Formats
finally:
    ssl._create_default_https_context = _TLS_DEFAULT

logger = logging.getLogger(__name__)

ENDPOINT = "/_/PlayStoreUi/data/batchexecute"
REVIEW_URL = "https://play.google.com/store/apps/details?{}"
XSSI_GUARD = ")]}'"
REQUESTS_PER_MINUTE = 30
GATEWAY_ERROR = "PlayGatewayError"


def _path(name: str) -> tuple[int, ...]:
    return tuple(ElementSpecs.Review[name].data_map)


# Positions inside one review array, as google-play-scraper documents them.
ID, USER, STARS, TEXT = _path("reviewId"), _path("userName"), _path("score"), _path("content")
AT, THUMBS_UP, REPLY = _path("at"), _path("thumbsUpCount"), _path("replyContent")
NANOS = (*AT[:-1], 1)  # [5] is [epoch seconds, nanoseconds]


def _at(value: Any, path: Sequence[int]) -> Any:
    for index in path:
        if not isinstance(value, list) or not -len(value) <= index < len(value):
            return None
        value = value[index]
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class PlayRpcError(Exception):
    """The RPC answered an error status instead of a payload; retrying will not help."""


def parse_batchexecute(response: httpx.Response) -> Any:
    """The decoded payload of a batchexecute reply; None when Google sent no payload.

    Raises ValueError for anything that is not a complete guarded envelope with a ``wrb.fr``
    entry (a truncated or throttled reply), so :class:`JsonHttp` retries it, and
    :class:`PlayRpcError` when the entry carries an error status instead of a payload.
    """
    text = response.content.decode("utf-8")
    start = text.find(XSSI_GUARD)
    if start < 0 or text[:start].strip():
        raise ValueError(f"no {XSSI_GUARD} guard at the start")
    entries = _envelope_entries(text[start + len(XSSI_GUARD):])
    for entry in entries:
        if isinstance(entry, list) and len(entry) >= 3 and entry[0] == "wrb.fr":
            payload = entry[2]
            if isinstance(payload, str):
                return json.loads(payload)
            if payload is None:
                if GATEWAY_ERROR in text:
                    raise ValueError(f"Google answered {GATEWAY_ERROR}: it is throttling "
                                     "requests from this address")
                status = entry[5] if len(entry) > 5 else None
                if status is not None:
                    raise PlayRpcError(f"error status {json.dumps(status)[:120]}")
                return None
            raise ValueError(f"the wrb.fr payload is {type(payload).__name__}, not a string")
    raise ValueError(f"no wrb.fr entry among {len(entries)} envelope entries")


def _envelope_entries(body: str) -> list[Any]:
    """Entries of a plain (``[[...],[...]]``) or chunked (``123\\n[[...]]\\n``) envelope."""
    decoder = json.JSONDecoder()
    entries: list[Any] = []
    pos, end = 0, len(body)
    while True:
        while pos < end and body[pos].isspace():
            pos += 1
        if pos >= end:
            break
        if body[pos].isdigit():  # a chunk's length line
            while pos < end and body[pos].isdigit():
                pos += 1
            continue
        value, pos = decoder.raw_decode(body, pos)
        if not isinstance(value, list):
            raise ValueError(f"an envelope chunk is {type(value).__name__}, not an array")
        entries.extend(value)
    if not entries:
        raise ValueError("the envelope is empty")
    return entries


@dataclass(frozen=True)
class ReviewPage:
    reviews: tuple[Any, ...]
    token: str | None


def split_payload(payload: Any) -> ReviewPage | None:
    """``[reviews, [null, token]]`` as a page; None when the payload is not that shape."""
    if payload is None or payload == []:
        return ReviewPage((), None)
    if not isinstance(payload, list):
        return None
    reviews = payload[0]
    if reviews is None:
        reviews = []
    if not isinstance(reviews, list):
        return None
    token = None
    for part in payload[1:]:
        if (isinstance(part, list) and len(part) >= 2 and part[0] is None
                and isinstance(part[-1], str) and part[-1]):
            token = part[-1]
            break
    return ReviewPage(tuple(reviews), token)


def review_created(review: Any) -> datetime | None:
    seconds = as_int(_at(review, AT))
    if seconds is None or seconds <= 0:
        return None
    nanos = as_int(_at(review, NANOS)) or 0
    return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=nanos // 1000)


def parse_review(review: Any, source: str, app_id: str, brand: str | None = None) -> Mention | None:
    """One positional review array as a Mention; None without id, date or text."""
    review_id = _text(_at(review, ID))
    created_at = review_created(review)
    text = _text(_at(review, TEXT))
    if review_id is None or created_at is None or text is None:
        return None
    stars = _at(review, STARS)
    rating = float(stars) if as_int(stars) is not None and 1 <= stars <= 5 else None
    answered = _text(_at(review, REPLY)) is not None
    return Mention(
        source=source,
        source_id=review_id,
        text=text,
        created_at=created_at,
        url=REVIEW_URL.format(urlencode({"id": app_id, "reviewId": review_id}, safe=":")),
        author=_text(_at(review, USER)),
        rating=rating,
        engagement=Engagement(likes=as_int(_at(review, THUMBS_UP)), replies=1 if answered else 0),
        brands=(brand,) if brand else (),
    )


def request_body(app_id: str, count: int, token: str | None) -> str:
    """The ``f.req`` form body for one page of newest-first reviews (the package's format)."""
    # The package pastes the token into the form body as is; quoting it keeps a token with
    # '+', '&' or '%' intact (Play's base64url tokens pass through unchanged).
    quoted = quote(token, safe="") if token is not None else None
    body: bytes = Formats.Reviews.build_body(app_id, int(Sort.NEWEST), count, "null", "null",
                                             quoted)
    return body.decode("ascii")


def split_locale(locale: str) -> tuple[str, str]:
    """``ja_JP`` -> (``ja``, ``JP``): the ``hl`` and ``gl`` parameters."""
    language, _, country = locale.partition("_")
    return language.lower(), country.upper()


class _Tokens(Paginator[str | None]):
    def token_from(self, response: ReviewPage) -> str | None:
        return response.token


class GooglePlayCollector(Collector[GooglePlaySource]):
    type = "googleplay"
    per_query = False

    def setup(self) -> None:
        limiter = RateLimiter(REQUESTS_PER_MINUTE, 60, sleep=self.sleep, source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, limiter=limiter)
        self.url = self.config.base_url.rstrip("/") + ENDPOINT

    def close(self) -> None:
        self.http.close()

    def describe(self) -> str:
        c = self.config
        who = (f"attributed to brand {c.brand!r}" if c.brand
               else "kept only when they mention a brand (set brand to attribute every review)")
        return (f"Google Play reviews of {c.app_id} in {', '.join(c.locales)}, newest first, up "
                f"to {c.max_pages} pages of {c.page_size} per locale; {who}")

    def check(self) -> str:
        return self.describe()

    def probe(self) -> str:
        locale = self.config.locales[0]
        language, country = split_locale(locale)
        page = self._page(locale, request_body(self.config.app_id, 1, None), language, country)
        if not page.reviews:
            return (f"answered, but lists no reviews of {self.config.app_id} for {locale}; "
                    "check app_id if the app has reviews there")
        return f"answered: the newest review of {self.config.app_id} for {locale} is readable"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        self._check_window(since, until)
        seen: set[str] = set()
        for locale in self.config.locales:
            yield from self._locale(locale, since, until, seen)

    def _label(self, locale: str) -> str:
        return f"{self.config.app_id} {locale}"

    def _page(self, locale: str, body: str, language: str, country: str) -> ReviewPage:
        try:
            reply = self.http.request(
                "POST", self.url, query_label=self._label(locale),
                params={"hl": language, "gl": country}, data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
                parse=parse_batchexecute, what="a Play Store batchexecute reply",
            )
        except PlayRpcError as e:
            raise FetchError(
                f"{self.name}: Google Play refused the reviews request for "
                f"{self._label(locale)!r} ({e}); check that app_id is right (the app's page "
                f"{REVIEW_URL.format(urlencode({'id': self.config.app_id}))} must open) and "
                "the locale is one Play serves"
            ) from None
        page = split_payload(reply.body)
        if page is None:
            found = (f"a {type(reply.body).__name__} starting {json.dumps(reply.body)[:80]!r}"
                     if reply.body is not None else "null")
            raise MalformedResponseError(
                f"{self.name}: reviews of {self._label(locale)!r} from {self.url} are not "
                f"[reviews, [null, token]] (got {found}); Google may have changed the Play "
                "Store's reply; check base_url and update google-play-scraper"
            )
        return page

    def _locale(self, locale: str, since: datetime, until: datetime,
                seen: set[str]) -> Iterator[Mention]:
        app_id, brand = self.config.app_id, self.config.brand
        language, country = split_locale(locale)
        label = self._label(locale)
        tokens = _Tokens(None, label=f"{self.name} {label}")
        token: str | None = None
        pages = yielded = skipped = rating_only = listed = 0
        while True:
            page = self._page(locale, request_body(app_id, self.config.page_size, token),
                              language, country)
            pages += 1
            listed += len(page.reviews)
            dated = []
            for raw in page.reviews:
                created = review_created(raw)
                if created is not None:
                    dated.append(created)
                mention = parse_review(raw, self.name, app_id, brand)
                if mention is None:
                    if _text(_at(raw, ID)) and created and not _text(_at(raw, TEXT)):
                        rating_only += 1
                    else:
                        skipped += 1
                    continue
                if since <= mention.created_at < until and mention.source_id not in seen:
                    seen.add(mention.source_id)
                    yielded += 1
                    yield mention
            if not page.reviews:
                break
            if dated and max(dated) < since:
                break  # newest first: everything after this page is older still
            token = tokens.next_page(page)
            if token is None:
                break
            if pages >= self.config.max_pages:
                if not dated or min(dated) >= since:
                    note = (f"{self.name}: stopped {label} after max_pages={self.config.max_pages} "
                            f"pages of {self.config.page_size}; older reviews in the window were "
                            "not fetched (raise max_pages or page_size to get them)")
                    self.note(note)
                break
        if skipped:
            logger.warning("%s: skipped %d reviews of %s without id, date or the documented "
                           "shape", self.name, skipped, label)
        if rating_only:
            logger.info("%s: %d rating-only reviews of %s have no text (not collected)",
                        self.name, rating_only, label)
        if listed == 0:
            logger.info("%s: Google Play lists no reviews of %s; check app_id and the locale if "
                        "the app has some", self.name, label)
        logger.info("%s: %d reviews of %s in the window from %d pages", self.name, yielded,
                    label, pages)
