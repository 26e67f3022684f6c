"""Hacker News through the Algolia HN Search API (``/search_by_date``).

Algolia has no OR, so each top-level alternative of a brand query is its own search and
hits are deduplicated by ``objectID``. Algolia serves at most 1000 hits per search
(``nbPages`` stops there even when ``nbHits`` is larger); when a search hits that cap we
search again with the upper time bound moved to the oldest hit seen (``created_at_i`` <=
that second, so hits sharing it are not lost; repeats are deduplicated), until the
window is exhausted or ``max_pages`` (counted per alternative) runs out. ``nbHits`` is an
estimate when ``exhaustive.nbHits`` is false, so a last page that ends at the 1000th hit
counts as capped too, whatever ``nbHits`` says (at worst one extra search).

Hits differ by kind and age: comments have ``comment_text`` and ``story_title`` (their
``title``/``url`` are null or "" in older records and absent in newer ones); stories and
polls have ``title`` and, for Ask HN and polls, HTML ``story_text`` ("" or absent for a link).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from collectors._fields import as_int, as_str, shape
from collectors._http import JsonHttp
from collectors._paging import PageNumberPaginator
from collectors._text import html_to_text
from collectors.base import Collector, CollectorError, MalformedResponseError
from koe.config import HackerNewsSource
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

ITEM_URL = "https://news.ycombinator.com/item?id={}"
#: Algolia's pagination limit: no search serves hits past the 1000th.
PAGINATION_LIMIT = 1000


@dataclass(frozen=True)
class _Page:
    mentions: tuple[Mention, ...]
    skipped: int
    oldest: int | None
    capped: bool


def _created(hit: Mapping[str, Any]) -> datetime | None:
    epoch = as_int(hit.get("created_at_i"))
    if epoch is not None:
        return datetime.fromtimestamp(epoch, UTC)
    raw = as_str(hit.get("created_at"))
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(
        UTC
    )


def parse_hit(hit: Any, source: str) -> Mention | None:
    """One Algolia hit (story or comment) as a Mention, or None if it lacks id, date or text."""
    if not isinstance(hit, Mapping):
        return None
    object_id = hit.get("objectID")
    if isinstance(object_id, int) and not isinstance(object_id, bool):
        object_id = str(object_id)
    if not as_str(object_id):
        return None
    created_at = _created(hit)
    if created_at is None:
        return None
    # Titles are plain text, but entity-escaped ones occur; unescaping plain text is harmless.
    raw_title = as_str(hit.get("title")) or as_str(hit.get("story_title"))
    title = html.unescape(raw_title) if raw_title else None
    comment = as_str(hit.get("comment_text"))
    if comment is not None:
        text = html_to_text(comment)
    else:
        # A link story has no body; its title is what people wrote about the brand.
        body = html_to_text(as_str(hit.get("story_text")))
        text = "\n".join(p for p in (title, body) if p)
    if not text:
        return None
    return Mention(
        source=source,
        source_id=str(object_id),
        text=text,
        created_at=created_at,
        url=ITEM_URL.format(object_id),
        author=as_str(hit.get("author")),
        title=title,
        engagement=Engagement(likes=as_int(hit.get("points")),
                              replies=as_int(hit.get("num_comments"))),
    )


class HackerNewsCollector(Collector[HackerNewsSource]):
    type = "hackernews"
    per_query = True

    def setup(self) -> None:
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep)
        self.url = self.config.base_url.rstrip("/") + "/search_by_date"

    def close(self) -> None:
        self.http.close()

    def check(self) -> str:
        return (f"Algolia HN search ({self.config.tags}) for {len(self.brands)} brand queries, "
                "no credentials needed")

    def probe(self) -> str:
        self.http.get_json(self.url, {"query": "test", "hitsPerPage": 1}, query_label="probe")
        return "Algolia answered"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: Hacker News is searched per brand query; call fetch(query, ...) "
                "once per brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        seen: set[str] = set()
        for alternative in query.search_alternatives():
            yield from self._search(alternative, since, until, seen)

    def _search(
        self, text: str, since: datetime, until: datetime, seen: set[str]
    ) -> Iterator[Mention]:
        lower = int(since.timestamp())
        # created_at_i is whole seconds; ceil keeps a fractional `until` exclusive.
        upper_i = int(-(-until.timestamp() // 1))
        pages_left = self.config.max_pages
        yielded = skipped = 0
        while True:
            paginator = PageNumberPaginator(label=f"{self.name} query {text!r}")
            page: int | None = 0
            oldest: int | None = None
            capped = False
            while page is not None:
                if pages_left <= 0:
                    logger.warning(
                        "%s: stopped query %r after max_pages=%d pages; older mentions in the "
                        "window were not fetched (raise max_pages to get them)",
                        self.name, text, self.config.max_pages,
                    )
                    return
                params: dict[str, str | int] = {
                    "query": text,
                    "tags": self.config.tags,
                    "numericFilters": f"created_at_i>={lower},created_at_i<{upper_i}",
                    "hitsPerPage": self.config.hits_per_page,
                    "page": page,
                }
                body = self.http.get_json(self.url, params, query_label=text)
                pages_left -= 1
                result = self._parse_page(body, text, params, since, until)
                skipped += result.skipped
                if result.oldest is not None:
                    oldest = result.oldest if oldest is None else min(oldest, result.oldest)
                for mention in result.mentions:
                    if mention.source_id not in seen:
                        seen.add(mention.source_id)
                        yielded += 1
                        yield mention
                capped = result.capped
                page = paginator.next_page(body)
            if not (capped and oldest is not None and oldest + 1 < upper_i):
                break
            upper_i = oldest + 1
            logger.info("%s: query %r hit Algolia's 1000-hit cap; continuing before %s",
                        self.name, text, datetime.fromtimestamp(upper_i, UTC))
        if skipped:
            logger.warning("%s: skipped %d hits for query %r without objectID, date or text",
                           self.name, skipped, text)
        logger.info("%s: %d mentions for query %r", self.name, yielded, text)

    def _parse_page(self, body: Any, text: str, params: Mapping[str, Any], since: datetime,
                    until: datetime) -> _Page:
        hits = body.get("hits") if isinstance(body, Mapping) else None
        if not isinstance(hits, list):
            found = shape(body)
            raise MalformedResponseError(
                f"{self.name}: response to query {text!r} from "
                f"{httpx.URL(self.url, params=dict(params))} has no 'hits' list (got {found}); "
                "check base_url points at the Algolia HN Search API (…/api/v1)"
            )
        mentions: list[Mention] = []
        skipped = 0
        oldest: int | None = None
        for hit in hits:
            mention = parse_hit(hit, self.name)
            if mention is None:
                skipped += 1
                continue
            epoch = int(mention.created_at.timestamp())
            oldest = epoch if oldest is None else min(oldest, epoch)
            if since <= mention.created_at < until:
                mentions.append(mention)
        nb_hits, nb_pages = as_int(body.get("nbHits")), as_int(body.get("nbPages"))
        per_page, page = as_int(body.get("hitsPerPage")), as_int(body.get("page"))
        capped = False
        if hits and nb_pages is not None and per_page is not None and page is not None:
            capped = page >= nb_pages - 1 and (
                (nb_hits is not None and nb_hits > nb_pages * per_page)
                or page * per_page + len(hits) >= PAGINATION_LIMIT)
        return _Page(tuple(mentions), skipped, oldest, capped)
