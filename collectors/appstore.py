"""Apple App Store customer reviews through Apple's public customer-review RSS feed (JSON).

``GET {base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json``
for ``n = 1..max_pages`` and each configured country; no credentials. Apple serves at most
10 pages of 50 reviews, i.e. the 500 most recent reviews per country: older ones cannot be
read at all, and a note says so when the window reaches past the oldest review fetched.

The format is an Atom feed turned into JSON: every scalar is wrapped as ``{"label": "…"}``
and numbers are strings (``"im:rating": {"label": "5"}``). ``feed.entry`` is a list, a
single object when there is one review, or absent when there are none (past the last page).
Older feeds put an app-metadata entry first (it has no ``im:rating``); it is skipped.
``content`` may be one object or a list holding a plain-text and an HTML variant.
``feed.link`` has rel=next/last links, but they point at the XML feed
(``…/xml?urlDesc=…``), so page URLs are built here instead; paging stops at a page without
entries, at ``max_pages``, or at a page whose every review is older than the window (the
sort is newest first, but a page is only judged as a whole, so a feed that is not strictly
sorted loses nothing).

Review dates: the JSON feed carried no per-review ``updated`` for years (recordings from
2015, 2018 and 2020 have none; 2022 ones do), while the XML (Atom) version of the same page,
``…/sortby=mostrecent/xml``, always has it. When a JSON page holds reviews without a date,
that page's XML is read once and its dates are matched by review id. Apple's XML is not
well-formed (raw ``&`` in attributes, unescaped HTML in ``<content type="html">``), so it is
read with feedparser's lenient parser; a body without the closing ``</feed>`` counts as
cut short. If the XML cannot be read, the undated reviews are skipped and a note says so.

Every review is attributed to the source's ``brand``; the language is left to the
pipeline's detector (Apple does not state it; the country is not the language).
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from collectors._fields import shape
from collectors._http import JsonHttp
from collectors._ratelimit import RateLimiter
from collectors._text import html_to_text
from collectors.base import Collector, FetchError, MalformedResponseError
from koe.config import AppStoreSource
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

#: Apple serves at most this many pages (of 50 reviews) per app and country.
APPLE_MAX_PAGES = 10
APP_URL = "https://apps.apple.com/{country}/app/id{app_id}"
_FEED_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?feed\s*>\s*\Z")


def _label(value: Any) -> str | None:
    """The text of a ``{"label": "…"}`` wrapper (or a bare string), None when empty."""
    if isinstance(value, Mapping):
        value = value.get("label")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and value.strip() else None


def _count(value: Any) -> int | None:
    text = _label(value)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _created(value: Any) -> datetime | None:
    text = _label(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _content(value: Any) -> str:
    """Review text from ``content``: one object or a list of plain-text/HTML variants."""
    variants = value if isinstance(value, list) else [value]
    html_text = ""
    for variant in variants:
        text = _label(variant)
        if text is None:
            continue
        attributes = variant.get("attributes") if isinstance(variant, Mapping) else None
        kind = attributes.get("type") if isinstance(attributes, Mapping) else None
        if kind == "html":
            html_text = html_text or html_to_text(text)
        else:
            return text.strip()
    return html_text


def is_review(entry: Any) -> bool:
    """False for the app-metadata entry older feeds put first (it has no rating)."""
    return isinstance(entry, Mapping) and "im:rating" in entry


def is_undated(entry: Any) -> bool:
    """A review without ``updated`` (the JSON feed's format until about 2021); one whose
    ``updated`` is there but empty or garbled is a broken review, not that format."""
    return is_review(entry) and "updated" not in entry


def parse_review_dates(content: bytes, content_type: str | None = None) -> dict[str, datetime]:
    """Review id -> date from the XML (Atom) version of a review page.

    ValueError for a body that is not a feed or is cut short (so JsonHttp retries it).
    """
    headers = {"content-type": content_type} if content_type else {}
    # A stream, never bytes: feedparser would fetch a body that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    if not parsed.get("version"):
        raise ValueError("not an Atom feed")
    if parsed.get("bozo") and not _FEED_END.search(content.rstrip(b"\x00")):
        raise ValueError(f"the XML feed is cut short ({parsed.get('bozo_exception')})")
    dates: dict[str, datetime] = {}
    for entry in parsed.get("entries") or ():
        review_id = entry.get("id") if isinstance(entry, Mapping) else None
        if not isinstance(review_id, str) or not review_id.strip():
            continue
        when = _created(entry.get("updated"))
        value = entry.get("updated_parsed")
        if when is None and isinstance(value, time.struct_time):
            when = datetime.fromtimestamp(calendar.timegm(value), UTC)
        if when is not None:
            dates[review_id.strip()] = when
    return dates


def parse_review(entry: Any, source: str, country: str, app_id: str,
                 dates: Mapping[str, datetime] | None = None) -> Mention | None:
    """One review entry as a Mention; None when it lacks an id, date, rating or text.

    ``dates`` (review id -> date, from the XML feed) supplies the date of a review whose
    JSON entry has none.
    """
    if not isinstance(entry, Mapping):
        return None
    review_id = _label(entry.get("id"))
    created_at = _created(entry.get("updated"))
    if created_at is None and review_id is not None and dates:
        created_at = dates.get(review_id.strip())
    rating_text = _label(entry.get("im:rating"))
    if review_id is None or created_at is None or rating_text is None:
        return None
    try:
        rating = float(rating_text)
    except ValueError:
        return None
    if not 1 <= rating <= 5:
        return None
    title = _label(entry.get("title"))
    text = _content(entry.get("content")) or (title or "")
    if not text:
        return None
    author = entry.get("author")
    name = _label(author.get("name")) if isinstance(author, Mapping) else None
    return Mention(
        source=source,
        source_id=f"{country}:{review_id.strip()}",
        text=text,
        created_at=created_at,
        url=APP_URL.format(country=country, app_id=app_id),
        author=name.strip() if name else None,
        title=title.strip() if title else None,
        rating=rating,
        # im:voteSum counts "helpful" votes; im:voteCount all votes cast on the review.
        engagement=Engagement(likes=_count(entry.get("im:voteSum"))),
    )


@dataclass(frozen=True)
class _Page:
    mentions: tuple[Mention, ...]
    reviews: int
    skipped: int
    oldest: datetime | None
    newest: datetime | None


class AppStoreCollector(Collector[AppStoreSource]):
    type = "appstore"
    per_query = False

    def setup(self) -> None:
        # Apple publishes no rate limit for the feed; one request a second is polite.
        limiter = RateLimiter(1, 1.0, sleep=self.sleep, source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, limiter=limiter)
        self.base_url = self.config.base_url.rstrip("/")

    def close(self) -> None:
        self.http.close()

    def page_url(self, country: str, page: int, form: str = "json") -> str:
        return (f"{self.base_url}/{country}/rss/customerreviews/page={page}/"
                f"id={self.config.app_id}/sortby=mostrecent/{form}")

    def describe(self) -> str:
        who = (f"attributed to {self.config.brand}" if self.config.brand
               else "matched against the brand queries (set brand to attribute them all)")
        return (f"App Store reviews of app {self.config.app_id} in "
                f"{', '.join(self.config.countries)} (the latest {self.config.max_pages * 50} "
                f"per country), {who}")

    def check(self) -> str:
        # The config already holds at least one two-letter storefront code.
        return self.describe()

    def probe(self) -> str:
        country = self.config.countries[0] if self.config.countries else "us"
        body = self.http.get_json(self.page_url(country, 1), query_label=f"{country} page 1")
        entries = self._entries(body, country, 1)
        reviews = sum(1 for e in entries if is_review(e))
        return (f"App Store answered: {reviews} reviews on page 1 for app "
                f"{self.config.app_id} in {country}")

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        """Every country's reviews in ``[since, until)``; ``query`` is ignored (one app)."""
        self._check_window(since, until)
        for country in self.config.countries:
            yield from self._country(country.lower(), since, until)

    def _country(self, country: str, since: datetime, until: datetime) -> Iterator[Mention]:
        seen: set[str] = set()
        yielded = skipped = 0
        oldest: datetime | None = None
        page = 0
        complete = False
        while page < self.config.max_pages:
            page += 1
            body = self.http.get_json(self.page_url(country, page),
                                      query_label=f"{country} page {page}")
            entries = self._entries(body, country, page)
            undated = [e for e in entries if is_undated(e)]
            dates = self._xml_dates(country, page, undated) if undated else {}
            result = self._parse_page(entries, country, dates, since, until)
            skipped += result.skipped
            if result.reviews == 0 and result.skipped == 0:
                complete = True  # past the last page: every review there is has been read
                break
            if result.oldest is not None:
                oldest = result.oldest if oldest is None else min(oldest, result.oldest)
            for mention in result.mentions:
                # Pages shift when reviews arrive while we read; a repeat is the same review.
                if mention.source_id not in seen:
                    seen.add(mention.source_id)
                    yielded += 1
                    yield mention
            if result.newest is not None and result.newest < since:
                complete = True  # newest first: the pages after this one are older still
                break
        if not complete and (oldest is None or oldest > since):
            self._cap_note(country, oldest, since)
        if skipped:
            logger.warning("%s: skipped %d reviews in %s without an id, date, rating or text",
                           self.name, skipped, country)
        logger.info("%s: %d reviews in the window for app %s in %s", self.name, yielded,
                    self.config.app_id, country)

    def _xml_dates(self, country: str, page: int, undated: list[Any]) -> dict[str, datetime]:
        """The review dates the JSON page lacks, from the same page as XML."""
        label = f"{country} page {page} (XML, for the review dates)"
        lacking = (f"{self.name}: Apple's JSON review feed for app {self.config.app_id} in "
                   f"{country} (page {page}) gives no review dates and")
        try:
            reply = self.http.request(
                "GET", self.page_url(country, page, "xml"), query_label=label,
                parse=lambda r: parse_review_dates(r.content, r.headers.get("content-type")),
                what="an Atom feed")
        except (FetchError, MalformedResponseError) as error:
            if isinstance(error, FetchError) and (error.status is None or error.status >= 429):
                raise  # down or rate-limited: fail the source so the rerun reads these reviews
            self.note(f"{lacking} the XML feed that has them could not be read ({error}); "
                       f"{len(undated)} reviews were skipped")
            return {}
        dates: dict[str, datetime] = reply.body
        ids = {(_label(e.get("id")) or "").strip() for e in undated}
        if not ids & dates.keys():
            # A review or two move to the next page when new ones arrive between the two
            # reads (and are dated there); none at all means the XML is not this page.
            self.note(f"{lacking} the XML version of the page dates none of its "
                       f"{len(undated)} reviews; they were skipped")
        return dates


    def _cap_note(self, country: str, oldest: datetime | None, since: datetime) -> None:
        limit = ("Apple serves only the latest 500 reviews (10 pages)"
                 if self.config.max_pages >= APPLE_MAX_PAGES
                 else f"max_pages = {self.config.max_pages} stopped paging (Apple allows 10)")
        reached = f"back to {oldest:%Y-%m-%d %H:%M} UTC" if oldest else "without a dated review"
        self.note(f"{self.name}: {limit} for app {self.config.app_id} in {country}; reviews "
                   f"were read {reached}, so any from {since:%Y-%m-%d %H:%M} UTC until then are "
                   "missing (run more often to keep up)")

    def _entries(self, body: Any, country: str, page: int) -> list[Any]:
        feed = body.get("feed") if isinstance(body, Mapping) else None
        if not isinstance(feed, Mapping):
            found = shape(body)
            raise MalformedResponseError(
                f"{self.name}: response for {country} page {page} of app {self.config.app_id} "
                f"has no 'feed' object (got {found}); check base_url points at the App Store "
                "(https://itunes.apple.com)")
        entry = feed.get("entry")
        if entry is None:
            return []
        if isinstance(entry, Mapping):
            return [entry]  # one review: Apple sends the object, not a list of one
        if isinstance(entry, list):
            return entry
        raise MalformedResponseError(
            f"{self.name}: response for {country} page {page} of app {self.config.app_id} has "
            f"a feed.entry that is a {type(entry).__name__}, not a list or an object")

    def _parse_page(self, entries: list[Any], country: str, dates: Mapping[str, datetime],
                    since: datetime, until: datetime) -> _Page:
        mentions: list[Mention] = []
        reviews = skipped = 0
        oldest: datetime | None = None
        newest: datetime | None = None
        for entry in entries:
            if not is_review(entry):
                continue
            mention = parse_review(entry, self.name, country, self.config.app_id, dates)
            if mention is None:
                skipped += 1
                continue
            reviews += 1
            oldest = mention.created_at if oldest is None else min(oldest, mention.created_at)
            newest = mention.created_at if newest is None else max(newest, mention.created_at)
            if since <= mention.created_at < until:
                mentions.append(mention)
        return _Page(tuple(mentions), reviews, skipped, oldest, newest)
