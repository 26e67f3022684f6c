"""News: Google News RSS search per brand query, and any RSS 2.0 / Atom / RDF feeds you list.

Google News (``google_news = true``): one ``GET {base_url}/search?q=…&hl=…&gl=…&ceid=…`` per
brand query and edition. The brand query is rendered in Google's syntax (``"phrases"``,
``OR``, ``-word``; ``lang:`` filters and grouped exclusions are left to the load step, which
matches every item against the full query anyway). Google's ``after:``/``before:`` operators
take whole days and do not document their day boundary, so the search asks for one day more
on each side and items are kept by their exact ``pubDate``. A search answers with at most
about 100 items ranked by relevance, not date, and has no further pages: a search that
returns 100 adds a note that older articles in the window may be missing. Items are
headlines: the title ("Headline - Publisher") is kept as both title and text, the link is
Google's redirect URL (kept as is), the author is the publisher (``<source>``).

Feeds (``feeds = [...]``): each URL is read once per run, in the job of the first configured
brand (the pipeline runs this collector once per brand, but its load step matches every item
against all brands, so reading the feeds in every brand's job would only stage copies).
A fetch for a query that is not one of the configured brands' reads them too. A feed has no
paging and holds only its latest entries; when a feed holds at least ``FULL_FEED`` entries and
its oldest is newer than the window's start, a note says what may be missing (a feed with a
handful of entries is simply quiet, not cut).

A feed URL on news.google.com (a topic or headline feed) is read like a search: headline,
publisher and Google's article id, so the same article found by search and by topic feed is
one item, and the description (a list of other outlets' headlines) is not taken as text.

Bodies are parsed with feedparser. A feed that is cut short or is not XML (feedparser's
``bozo`` with a fatal XML error, and no closing root tag) counts as malformed, so JsonHttp
retries it and then fails with MalformedResponseError; charset and namespace warnings, and
recoverable errors in a complete document (an undefined ``&nbsp;``), are read leniently.

Dates: RFC 822 allows only UT/GMT and the four US zones by name, but Japanese feeds
(government offices, Yahoo! JAPAN, niconico) write ``JST``, which feedparser silently reads
as UTC; named zones with one meaning (JST, KST, CET, ...) are applied here, and
``2026/11/20 10:00`` style dates, which feedparser turns into the first of the month, are
read whole. Drupal's RSS views put an HTML ``<time datetime="...">`` inside ``<pubDate>``;
its ``datetime`` is used. Entries without a date cannot be placed in the window and are
skipped with a warning. RSS allows items with neither guid nor link; their id is a hash of
the feed, date, title and text.
"""

from __future__ import annotations

import calendar
import email.utils
import html
import io
import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import feedparser
import httpx

from collectors._http import JsonHttp, redact
from collectors._ratelimit import RateLimiter
from collectors._text import html_to_text, stable_hex
from collectors.base import Collector, CollectorError, MalformedResponseError
from koe.config import GoogleNewsEdition, NewsSource
from koe.query import All, Lang, Not, Query, Term
from koe.query import Any as AnyOf
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

#: Feeds keep their latest 10 to 100 entries; one with fewer is not being cut short.
FULL_FEED = 10

#: Google News RSS search answers with at most this many items and no further pages.
GOOGLE_NEWS_CAP = 100
#: Ids longer than this (Google News guids run to hundreds of characters) are hashed.
MAX_ID_LENGTH = 200
#: feedparser's bozo exceptions that are warnings about a readable feed, not broken XML.
_WARNINGS = (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown,
             feedparser.NonXMLContentType, feedparser.UndeclaredNamespace)
_CLOSED = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF)\s*>\s*\Z")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_GLOBAL_ID = re.compile(r"^(?:https?://|urn:|tag:)", re.IGNORECASE)
#: Drupal's RSS views: ``<pubDate><time datetime="2019-05-03T19:21:28Z">Fri, 05/03/2019 -
#: 15:21</time></pubDate>``; feedparser keeps only the element's text, which is no date.
_TIME_IN_DATE = re.compile(
    rb"<(pubDate|dc:date|published|updated)>\s*<time\b[^>]*?\bdatetime=[\"']([^\"'<>]+)[\"']"
    rb"[^>]*>.*?</time>\s*</\1>", re.DOTALL)
#: Zone names with a single meaning that feeds use but RFC 822 (and feedparser, which reads
#: them as UTC) does not know. Ambiguous ones (IST, CST for China) are left alone.
_ZONES = {"JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800", "PHT": "+0800",
          "AWST": "+0800", "ICT": "+0700", "WIB": "+0700", "AEST": "+1000", "AEDT": "+1100",
          "ACST": "+0930", "NZST": "+1200", "NZDT": "+1300", "MSK": "+0300", "EET": "+0200",
          "EEST": "+0300", "CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
          "WET": "+0000", "WEST": "+0100", "BST": "+0100", "UTC": "+0000"}
_NAMED_ZONE = re.compile(r"^(?P<head>.*\d)\s*(?P<zone>[A-Za-z]{2,5})$")
_NUMERIC_DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s*T\s*|\s+|\s*[(（].[)）]\s*)(?P<H>\d{1,2})\s*[:時]\s*(?P<M>\d{2})"
    r"(?:\s*:\s*(?P<S>\d{2})(?:\.\d+)?|\s*分(?:\s*(?P<S2>\d{2})\s*秒)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[A-Za-z]{2,5})?$")
#: Google News serves the same RSS format for search, topic and headline feeds.
GOOGLE_NEWS_HOST = "news.google.com"


# --- Google News query syntax -----------------------------------------------------------


def _render(node: Any, top: bool) -> str | None:
    if isinstance(node, Term):
        return str(node)
    if isinstance(node, Lang):
        return None  # the edition picks the language; brand languages are checked on load
    if isinstance(node, Not):
        # Google excludes single words and phrases only; the load step applies the rest.
        return f"-{node.node}" if isinstance(node.node, Term) else None
    if isinstance(node, All):
        parts = [p for p in (_render(n, False) for n in node.nodes) if p]
        if not any(not p.startswith("-") for p in parts):
            return None  # nothing positive left to search for
        return " ".join(parts)
    if isinstance(node, AnyOf):
        branches = []
        for branch in node.nodes:
            part = _render(branch, False)
            if part is None or part.startswith("-"):
                continue  # "anything without x" cannot be searched for
            branches.append(f"({part})" if " " in part and not _is_phrase(part) else part)
        if not branches:
            return None
        joined = " OR ".join(branches)
        return joined if top or len(branches) == 1 else f"({joined})"
    return None


def _is_phrase(part: str) -> bool:
    return part.startswith('"') and part.endswith('"') and part.count('"') == 2


def google_news_query(query: Query) -> str:
    """The brand query in Google News search syntax (without the date operators)."""
    return _render(query.root, True) or ""


def window_operators(since: datetime, until: datetime) -> str:
    """``after:``/``before:`` a day wider than ``[since, until)`` on each side (UTC days)."""
    after = since.astimezone(UTC).date() - timedelta(days=1)
    before = until.astimezone(UTC).date() + timedelta(days=1)
    return f"after:{after.isoformat()} before:{before.isoformat()}"


# --- feed parsing -----------------------------------------------------------------------


def parse_feed(content: bytes, content_type: str | None = None, url: str | None = None) -> Any:
    """Parse RSS/Atom/RDF bytes with feedparser; ValueError for a body that is not a feed
    or is cut short (so JsonHttp retries it and then reports it as malformed).

    ``content_type`` carries the HTTP charset; ``url`` resolves relative links in entries.
    """
    headers = {"content-type": content_type or "", "content-location": url or ""}
    headers = {k: v for k, v in headers.items() if v}
    content = _TIME_IN_DATE.sub(rb"<\1>\2</\1>", content)
    # A stream, never a str/bytes: feedparser would fetch a body that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    if not parsed.get("version"):
        raise ValueError("not an RSS, Atom or RDF feed")
    if parsed.get("bozo"):
        error = parsed.get("bozo_exception")
        if not isinstance(error, _WARNINGS) and not _CLOSED.search(content.rstrip(b"\x00")):
            raise ValueError(f"the feed is cut short or is not well-formed XML ({error})")
    return parsed


def _offset(zone: str | None) -> timezone | None:
    if not zone or zone.upper() == "Z":
        return UTC
    if zone.upper() in _ZONES:
        zone = _ZONES[zone.upper()]
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone)
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


def parse_date(value: str) -> datetime | None:
    """The formats feedparser gets wrong: RFC 822 with a zone name it does not know (read as
    UTC there) and year/month/day dates (read as the first of the month). None for anything
    else, which is left to feedparser. A date without a zone is UTC, as feedparser has it."""
    value = " ".join(value.split())
    named = _NAMED_ZONE.match(value)
    if named and named["zone"].upper() in _ZONES and not named["head"][:4].isdigit():
        offset = _ZONES[named["zone"].upper()]
        try:
            parsed = email.utils.parsedate_to_datetime(f"{named['head']} {offset}")
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    numeric = _NUMERIC_DATE.match(value)
    if numeric:
        tz = _offset(numeric["tz"])
        try:
            parsed = datetime(int(numeric["y"]), int(numeric["m"]), int(numeric["d"]),
                              int(numeric["H"] or 0), int(numeric["M"] or 0),
                              int(numeric["S"] or numeric["S2"] or 0), tzinfo=tz)
        except (TypeError, ValueError):
            return None
        return parsed.astimezone(UTC) if tz is not None else None
    return None


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        found = parse_date(raw) if isinstance(raw, str) else None
        value = entry.get(f"{key}_parsed")
        if found is None and isinstance(value, time.struct_time):
            # feedparser normalises the other date formats to a UTC struct_time.
            found = datetime.fromtimestamp(calendar.timegm(value), UTC)
        if found is not None:
            return found
    return None


def _text_of(detail: Any, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if kind in _HTML_TYPES:
        return html_to_text(value)
    # Plain text should carry no entities, but double-escaped titles occur in the wild.
    return " ".join(html.unescape(value).split())


def _body(entry: Mapping[str, Any]) -> str:
    summary = _text_of(entry.get("summary_detail") or {"type": "text/html"}, entry.get("summary"))
    if summary:
        return summary
    for content in entry.get("content") or ():
        if isinstance(content, Mapping):
            text = _text_of(content, content.get("value"))
            if text:
                return text
    return ""


def _language(*candidates: Any) -> str | None:
    for value in candidates:
        if isinstance(value, str) and (m := _LANGUAGE.match(value.strip())):
            return m.group(1).lower()
    return None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def source_id_for(raw_id: str, scope: str) -> str:
    """A stable id: a short globally scoped id (URL, urn:, tag:) as is, else a hash with the
    feed it came from, so two feeds' ``<guid>1</guid>`` do not collide."""
    raw_id = raw_id.strip()
    if _GLOBAL_ID.match(raw_id) and len(raw_id) <= MAX_ID_LENGTH:
        return raw_id
    return stable_hex(scope, raw_id)


def parse_entry(entry: Any, source: str, scope: str, *, headline: bool = False,
                feed_language: str | None = None) -> Mention | None:
    """One feed entry as a Mention; None when it has no id/link, no date or no text.

    ``headline`` (Google News) keeps the title ("Headline - Publisher") as the text and
    the publisher as the author; ``scope`` is what ids that are not global are hashed with.
    """
    if not isinstance(entry, Mapping):
        return None
    link = entry.get("link")
    link = link.strip() if isinstance(link, str) else None
    raw_id = entry.get("id") if isinstance(entry.get("id"), str) else None
    raw_id = (raw_id or "").strip() or (link or "")
    created_at = _entry_time(entry)
    if created_at is None:
        return None
    title = _text_of(entry.get("title_detail") or {}, entry.get("title")) or None
    publisher = entry.get("source")
    publisher_name = publisher.get("title") if isinstance(publisher, Mapping) else None
    if not isinstance(publisher_name, str) or not publisher_name.strip():
        publisher_name = None
    text = (title or "") if headline else (_body(entry) or title or "")
    if not text:
        return None
    if not raw_id:
        # RSS 2.0 makes every item element optional; without guid or link, what the item
        # says and when is what identifies it (hashed with the feed below).
        raw_id = "\x1f".join(("item", created_at.isoformat(), title or "", text))
    author = entry.get("author") if isinstance(entry.get("author"), str) else None
    if headline or not (author and author.strip()):
        author = publisher_name or author
    details = [entry.get(k) for k in ("title_detail", "summary_detail")]
    language = _language(*(d.get("language") for d in details if isinstance(d, Mapping)),
                         feed_language)
    url = link if link and link.startswith(("http://", "https://")) else None
    return Mention(
        source=source,
        source_id=source_id_for(raw_id, scope),
        text=text,
        created_at=created_at,
        url=url,
        author=author.strip() if author and author.strip() else None,
        title=title,
        language=language,
        engagement=Engagement(replies=_int(entry.get("slash_comments"))),
    )


# --- the collector ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Feed:
    mentions: tuple[Mention, ...]
    entries: int
    skipped: int
    oldest: datetime | None


class NewsCollector(Collector[NewsSource]):
    type = "news"
    per_query = True

    def setup(self) -> None:
        # Neither Google News RSS nor feeds publish a rate limit; one request a second is
        # polite and keeps Google's "unusual traffic" check quiet.
        limiter = RateLimiter(1, 1.0, sleep=self.sleep, source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, limiter=limiter)
        self.search_url = self.config.base_url.rstrip("/") + "/search"

    def close(self) -> None:
        self.http.close()

    def describe(self) -> str:
        parts = []
        if self.config.google_news and self.config.editions:
            editions = ", ".join(f"{e.hl}/{e.gl}" for e in self.config.editions)
            parts.append(f"Google News search per brand query in {editions}")
        if self.config.feeds:
            parts.append(f"{len(self.config.feeds)} RSS/Atom feed(s)")
        return "; ".join(parts) or "nothing (google_news is off and no feeds are listed)"

    def check(self) -> str:
        config = self.config
        if not config.google_news and not config.feeds:
            raise CollectorError(
                f"{self.name}: nothing to collect: google_news is false and feeds is empty; "
                "set google_news = true or list feed URLs in feeds")
        if config.google_news and not config.editions:
            raise CollectorError(
                f"{self.name}: google_news is on but editions is empty; add one, e.g. "
                '{ hl = "ja", gl = "JP" }, or set google_news = false')
        for edition in config.editions:
            if not (_LANGUAGE.match(edition.hl) and edition.gl.isalpha() and len(edition.gl) == 2):
                raise CollectorError(
                    f"{self.name}: edition hl={edition.hl!r} gl={edition.gl!r} is not a Google "
                    'News edition; hl is a language (e.g. "ja" or "en-US"), gl a two-letter '
                    'country (e.g. "JP")')
        for url in config.feeds:
            try:
                host = httpx.URL(url).host
            except httpx.InvalidURL:
                host = ""
            if not url.startswith(("http://", "https://")) or not host:
                raise CollectorError(
                    f"{self.name}: feed {url!r} is not an http(s) URL; list the feed's full "
                    "address, e.g. https://example.com/feed.xml")
        return self.describe()

    def probe(self) -> str:
        until = datetime.now(UTC)
        since = until - timedelta(days=1)
        if self.config.google_news and self.config.editions and self.brands:
            query = self.brands[0].parsed_query
            edition = self.config.editions[0]
            found = self._search(query, edition, since, until)
            return (f"Google News answered: {found.entries} items for {query.source!r} in "
                    f"{edition.hl}/{edition.gl}")
        if self.config.feeds:
            url = self.config.feeds[0]
            feed = self._read_feed(url, since, until)
            return f"feed {redact(httpx.URL(url))} answered: {feed.entries} entries"
        raise CollectorError(f"{self.name}: nothing to probe; {self.check()}")

    def reads_feeds(self, query: Query | None) -> bool:
        """Feeds are read in the first brand's job (or for a query no brand configures)."""
        if query is None or not self.brands:
            return True
        configured = [b.query for b in self.brands]
        return query.source == configured[0] or query.source not in configured

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        """Google News for ``query`` (``None``: the feeds only), then the feeds when this is
        the job that reads them."""
        self._check_window(since, until)
        seen: set[str] = set()
        if query is not None and self.config.google_news:
            for edition in self.config.editions:
                found = self._search(query, edition, since, until)
                yield from _unseen(found.mentions, seen)
        if self.reads_feeds(query):
            for url in self.config.feeds:
                yield from _unseen(self._read_feed(url, since, until).mentions, seen)

    def _search(self, query: Query, edition: GoogleNewsEdition, since: datetime,
                until: datetime) -> _Feed:
        rendered = google_news_query(query)
        label = f"{query.source} [{edition.ceid}]"
        if not rendered:
            logger.warning("%s: query %r has nothing Google News can search for; skipped",
                           self.name, query.source)
            return _Feed((), 0, 0, None)
        params = {"q": f"{rendered} {window_operators(since, until)}", "hl": edition.hl,
                  "gl": edition.gl, "ceid": edition.ceid}
        reply = self.http.request("GET", self.search_url, params=params, query_label=label,
                                  parse=_parse_response, what="an RSS feed")
        found = self._entries(reply.body, label, "google-news", since, until, headline=True)
        if found.entries >= GOOGLE_NEWS_CAP:
            self.note(
                f"{self.name}: Google News returned its maximum of {GOOGLE_NEWS_CAP} items for "
                f"{query.source!r} in {edition.hl}/{edition.gl} ({since:%Y-%m-%d} to "
                f"{until:%Y-%m-%d}); it ranks by relevance, so articles in the window may be "
                "missing (collect shorter windows, i.e. run more often)")
        logger.info("%s: %d of %d Google News items in the window for %s", self.name,
                    len(found.mentions), found.entries, label)
        return found

    def _read_feed(self, url: str, since: datetime, until: datetime) -> _Feed:
        label = f"feed {redact(httpx.URL(url))}"
        reply = self.http.request("GET", url, query_label=label, parse=_parse_response,
                                  what="an RSS/Atom/RDF feed")
        if is_google_news(url):
            found = self._entries(reply.body, label, "google-news", since, until, headline=True)
        else:
            found = self._entries(reply.body, label, url, since, until, headline=False)
        if found.entries >= FULL_FEED and found.oldest is not None and found.oldest > since:
            self.note(
                f"{self.name}: {label} only holds entries back to {found.oldest:%Y-%m-%d %H:%M} "
                f"UTC; entries published between {since:%Y-%m-%d %H:%M} and then have left the "
                "feed and cannot be collected (run more often to keep up with it)")
        logger.info("%s: %d of %d entries in the window from %s", self.name,
                    len(found.mentions), found.entries, label)
        return found

    def _entries(self, parsed: Any, label: str, scope: str, since: datetime, until: datetime,
                 *, headline: bool) -> _Feed:
        entries = parsed.get("entries") if isinstance(parsed, Mapping) else None
        if not isinstance(entries, list):
            raise MalformedResponseError(
                f"{self.name}: response for {label} has no entry list (found "
                f"{type(entries).__name__}); check the URL is an RSS/Atom/RDF feed")
        if parsed.get("bozo"):
            logger.warning("%s: %s is not well-formed XML (%s); read it leniently",
                           self.name, label, parsed.get("bozo_exception"))
        channel = parsed.get("feed")
        feed_language = channel.get("language") if isinstance(channel, Mapping) else None
        mentions: list[Mention] = []
        skipped = 0
        oldest: datetime | None = None
        for entry in entries:
            try:
                mention = parse_entry(entry, self.name, scope, headline=headline,
                                      feed_language=feed_language)
            except (TypeError, ValueError, AttributeError, OverflowError):
                mention = None
            if mention is None:
                skipped += 1
                continue
            oldest = mention.created_at if oldest is None else min(oldest, mention.created_at)
            if since <= mention.created_at < until:
                mentions.append(mention)
        if skipped:
            logger.warning("%s: skipped %d of %d entries from %s without an id or link, a date "
                           "or any text", self.name, skipped, len(entries), label)
        return _Feed(tuple(mentions), len(entries), skipped, oldest)



def is_google_news(url: str) -> bool:
    """True for a feed on Google News (search, topic or headlines: one format)."""
    try:
        return httpx.URL(url).host.lower() == GOOGLE_NEWS_HOST
    except httpx.InvalidURL:
        return False


def _parse_response(response: httpx.Response) -> Any:
    return parse_feed(response.content, response.headers.get("content-type"), str(response.url))


def _unseen(mentions: Sequence[Mention], seen: set[str]) -> Iterator[Mention]:
    for mention in mentions:
        if mention.source_id not in seen:
            seen.add(mention.source_id)
            yield mention
