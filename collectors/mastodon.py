"""Mastodon (any instance): hashtag timelines and, with an access token, full-text search.

Each ``#tag`` of a brand query, plus the configured ``hashtags``, is read from
``/api/v1/timelines/tag/<tag>`` (newest first, at most 40 a page). The next page is named by
the ``Link`` header's ``rel="next"`` URL; we take only its ``max_id`` and ask our own
``base_url`` for it, since the URL names whatever host the instance thinks it is (a proxy,
``localhost:3000`` on a dev server) and must never send our token elsewhere. A server that
sends no ``Link`` header at all (some Mastodon-compatible servers, proxies that drop it) is paged
with the documented ``max_id`` = the last status's id while pages come back full. Timelines are
ordered by id, which is when *this* server stored the status: a remote status delivered late (or
fetched with its thread) sits among newer ones with an older ``created_at``. So one status older
than ``since`` does not end paging; a page whose statuses are all older does, as do an empty page
and a page without a next link. Instances may hide tag timelines from anonymous readers (HTTP
422 or 401); a token fixes that.

With a token and ``search = true``, each top-level alternative of the brand query that is not
just hashtags is also searched with ``/api/v2/search?type=statuses`` (paged by ``offset``;
an empty ``statuses`` list ends it). Mastodon answers full-text search only to signed-in
users, only over posts whose authors opted in to search (or that the token's account
interacted with), and sorts results newest first (by id), so paging stops at a page wholly older
than ``since`` as well. The
server drops filtered statuses after paging, so a page may be short; ``offset`` advances by
what came back and repeats are dropped.

Texts are HTML (``content``): tags stripped, entities unescaped. A boost (``reblog``) is
the original status, counted once under the original's id. Ids are the instance's own ids,
stable for one ``base_url``.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from collectors._fields import as_int, as_str, as_utc, shape
from collectors._http import JsonHttp, Reply
from collectors._paging import Paginator
from collectors._ratelimit import RateLimiter
from collectors._text import html_to_text
from collectors.base import Collector, CollectorError, FetchError, MalformedResponseError
from koe.config import MastodonSource
from koe.credentials import Credentials, location
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";]+)"?""")


def link_targets(header: str | None) -> dict[str, str]:
    """``rel -> URL`` from an RFC 8288 ``Link`` header (``<url>; rel="next", <url>; ...``)."""
    out: dict[str, str] = {}
    for match in _LINK.finditer(header or ""):
        rel = _REL.search(match.group(2))
        if rel:
            for name in rel.group(1).split():
                out.setdefault(name.lower(), match.group(1).strip())
    return out


def next_max_id(header: str | None) -> str | None:
    """The ``max_id`` of the ``rel="next"`` link, or None when there is no next page."""
    target = link_targets(header).get("next")
    if not target:
        return None
    values = parse_qs(urlsplit(target).query).get("max_id")
    return values[0] if values and values[0].strip() else None


def unique_tags(tags: Iterable[str]) -> list[str]:
    """Tags without ``#``, each once whatever its case (Mastodon tags ignore case)."""
    out: list[str] = []
    folded: set[str] = set()
    for tag in tags:
        tag = tag.strip().lstrip("#").strip()
        if tag and tag.casefold() not in folded:
            folded.add(tag.casefold())
            out.append(tag)
    return out


def hashtags(query: Query, extra: Sequence[str] = ()) -> list[str]:
    """The query's positive ``#tags``, then the configured ones."""
    return unique_tags([t.text for t in query.terms() if t.hashtag] + list(extra))


def search_terms(query: Query) -> list[str]:
    """Alternatives worth a full-text search: those that are more than hashtags (the tag
    timelines already hold every status carrying a tag)."""
    return [alt for alt in query.search_alternatives()
            if not all(word.startswith("#") for word in alt.split())]


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return as_str(value)


def _http_url(*values: Any) -> str | None:
    for value in values:
        text = as_str(value)
        if text and text.startswith(("http://", "https://")):
            return text
    return None


def parse_status(raw: Any, source: str) -> Mention | None:
    """A status (a boost is read as its original) as a Mention; None without id, date or text."""
    if not isinstance(raw, Mapping):
        return None
    reblog = raw.get("reblog")
    status: Mapping[str, Any] = reblog if isinstance(reblog, Mapping) else raw
    status_id = _id(status.get("id"))
    created_at = as_utc(status.get("created_at"))
    if status_id is None or created_at is None:
        return None
    spoiler = as_str(status.get("spoiler_text"))
    warning = html.unescape(spoiler).strip() if spoiler else None
    text = html_to_text(as_str(status.get("content"))) or warning
    if not text:
        return None
    account = status.get("account")
    author = as_str(account.get("acct")) if isinstance(account, Mapping) else None
    language = as_str(status.get("language"))
    return Mention(
        source=source,
        source_id=status_id,
        text=text,
        created_at=created_at,
        url=_http_url(status.get("url"), status.get("uri")),
        author=author,
        title=warning,
        language=language.strip().lower() if language else None,
        engagement=Engagement(likes=as_int(status.get("favourites_count")),
                              replies=as_int(status.get("replies_count")),
                              reposts=as_int(status.get("reblogs_count"))),
    )


def fallback_max_id(statuses: Sequence[Any], limit: int) -> str | None:
    """The ``max_id`` for the next page when the server sent no ``Link`` header: the last
    listed status's id, but only after a full page (a short page is the last one)."""
    if len(statuses) < limit or not statuses or not isinstance(statuses[-1], Mapping):
        return None
    return _id(statuses[-1].get("id"))


class _MaxIdPaginator(Paginator[str]):
    def token_from(self, response: Any) -> str | None:
        headers, statuses, limit = response
        if "link" not in headers:
            return fallback_max_id(statuses, limit)
        return next_max_id(headers.get("link"))


class TokenAuth:
    """An instance access token (or none); it cannot be renewed by us."""

    def __init__(self, config: MastodonSource, credentials: Credentials) -> None:
        self.config = config
        self.credentials = credentials
        self._token: str | None = None
        self._read = False

    @property
    def token(self) -> str | None:
        if not self._read:
            self._token = self.credentials.get(self.config.token_env, self.config.conn_id,
                                               "password")
            self._read = True
        return self._token

    def headers(self) -> Mapping[str, str]:
        token = self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def refresh(self) -> bool:
        return False

    def where(self) -> str:
        return location([self.config.token_env], self.config.conn_id)

    def fix(self) -> str:
        how = (f"create one on {self.config.base_url} under Preferences > Development > "
               "New application (scope read, or read:statuses and read:search) and copy "
               "'Your access token'")
        if self.token:
            return (f"Check {self.where()}: the access token was revoked or belongs to another "
                    f"server; {how}")
        return (f"This server shows it only to signed-in users: set {self.where()} to an access "
                f"token; {how}")


class MastodonCollector(Collector[MastodonSource]):
    type = "mastodon"
    per_query = True

    def setup(self) -> None:
        self.auth = TokenAuth(self.config, self.credentials)
        self.limiter = RateLimiter(self.config.requests_per_window, self.config.window_seconds,
                                   sleep=self.sleep, source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, auth=self.auth,
                             limiter=self.limiter)
        self.base = self.config.base_url.rstrip("/")

    def close(self) -> None:
        self.http.close()


    def _searching(self) -> bool:
        return self.config.search and self.auth.token is not None

    def _all_tags(self) -> list[str]:
        """Every tag any brand's job reads (for check and probe)."""
        return unique_tags([t for b in self.brands for t in hashtags(b.parsed_query)]
                           + list(self.config.hashtags))

    def describe(self) -> str:
        tags = self._all_tags()
        shown = ", ".join(f"#{t}" for t in tags) or "no hashtags"
        return f"Mastodon {self.base}: tag timelines ({shown})"

    def check(self) -> str:
        tags = self._all_tags()
        token = self.auth.token
        if not tags and not (token and self.config.search):
            raise CollectorError(
                f"{self.name}: nothing to read: no brand query has a #hashtag, `hashtags` is "
                f"empty and {'search is off' if token else f'{self.auth.where()} is not set'}; "
                f"add hashtags = [\"yourbrand\"] or set {self.auth.where()} to an access token "
                "for full-text search"
            )
        if token and self.config.search:
            return f"{self.describe()} and full-text search with the token from {self.auth.where()}"
        if token:
            return f"{self.describe()}; search = false, so no full-text search"
        return (f"{self.describe()}; {self.auth.where()} is not set, so only hashtags are read "
                "(Mastodon answers full-text search only with an access token)")

    def probe(self) -> str:
        terms = [t for b in self.brands for t in search_terms(b.parsed_query)]
        if self._searching() and terms:
            url = f"{self.base}/api/v2/search"
            body = self.http.get_json(url, {"q": terms[0], "type": "statuses",
                                            "resolve": "false", "limit": 1},
                                      query_label=terms[0])
            if not isinstance(body, Mapping) or not isinstance(body.get("statuses"), list):
                self._statuses(body, terms[0], url)  # raises, naming what came back
            return f"token accepted; search for {terms[0]!r} answered on {self.base}"
        tags = self._all_tags()
        if not tags:
            raise CollectorError(f"{self.name}: nothing to probe: no hashtags and no token")
        url = self._timeline_url(tags[0])
        self._statuses(self._get(url, {"limit": 1}, f"#{tags[0]}").body, f"#{tags[0]}", url)
        signed = " with the token" if self.auth.token else ""
        return f"tag timeline #{tags[0]} answered on {self.base}{signed}"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: Mastodon is read per brand query; call fetch(query, ...) once per "
                "brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        seen: set[str] = set()
        tags = hashtags(query, self.config.hashtags)
        for tag in tags:
            yield from self._timeline(tag, since, until, seen)
        terms = search_terms(query)
        if self._searching():
            for text in terms:
                yield from self._search(text, since, until, seen)
        elif terms and not tags:
            self.note(
                f"{self.name}: {query.source!r} has no #hashtag and {self.auth.where()} is not "
                "set (or search = false), so nothing was read for it; add hashtags or a token")

    def _timeline_url(self, tag: str) -> str:
        return f"{self.base}/api/v1/timelines/tag/{quote(tag, safe='')}"

    def _get(self, url: str, params: Mapping[str, str | int], label: str) -> Reply[Any]:
        try:
            reply: Reply[Any] = self.http.request("GET", url, params=params, query_label=label)
        except FetchError as e:
            # Instances that keep timelines from anonymous readers answer 422 (not 401).
            if e.status == 422 and not self.auth.token:
                raise CollectorError(f"{e}. {self.auth.fix()}") from e
            raise
        return reply

    def _statuses(self, body: Any, label: str, url: str) -> list[Any]:
        if isinstance(body, list):
            return body
        found = shape(body)
        raise MalformedResponseError(
            f"{self.name}: response to query {label!r} from {url} is not a list of statuses "
            f"(got {found}); check base_url points at a Mastodon server"
        )

    def _page(self, statuses: list[Any], since: datetime, until: datetime,
              seen: set[str]) -> tuple[list[Mention], int, bool]:
        """In-window, unseen mentions of one page; how many were unreadable; whether every
        dated status on the page is older than ``since`` (so later pages are too)."""
        out: list[Mention] = []
        bad = 0
        dated = newer = 0
        for raw in statuses:
            mention = parse_status(raw, self.name)
            # A boost sits in the timeline at its own time, not its original's.
            listed_at = as_utc(raw.get("created_at")) if isinstance(raw, Mapping) else None
            if listed_at is not None:
                dated += 1
                newer += listed_at >= since
            if mention is None:
                bad += 1
                continue
            if mention.source_id in seen or not since <= mention.created_at < until:
                continue
            seen.add(mention.source_id)
            out.append(mention)
        return out, bad, dated > 0 and newer == 0

    def _timeline(self, tag: str, since: datetime, until: datetime,
                  seen: set[str]) -> Iterator[Mention]:
        label = f"#{tag}"
        url = self._timeline_url(tag)
        paginator = _MaxIdPaginator("", label=f"{self.name} {label}")
        max_id: str | None = None
        pages = bad = yielded = 0
        while True:
            if pages >= self.config.max_pages:
                self.note(
                    f"{self.name}: stopped {label} after max_pages={self.config.max_pages} "
                    "pages; older statuses in the window were not fetched (raise max_pages)")
                break
            params: dict[str, str | int] = {"limit": self.config.limit}
            if max_id:
                params["max_id"] = max_id
            reply = self._get(url, params, label)
            pages += 1
            statuses = self._statuses(reply.body, label, url)
            mentions, page_bad, older = self._page(statuses, since, until, seen)
            bad += page_bad
            yielded += len(mentions)
            yield from mentions
            if not statuses or older:
                break
            max_id = paginator.next_page((reply.headers, statuses, self.config.limit))
            if max_id is None:
                break
        if bad:
            logger.warning("%s: skipped %d statuses in %s without an id, a date or text",
                           self.name, bad, label)
        logger.info("%s: %d statuses from %s", self.name, yielded, label)

    def _search(self, text: str, since: datetime, until: datetime,
                seen: set[str]) -> Iterator[Mention]:
        url = f"{self.base}/api/v2/search"
        offset = pages = bad = yielded = 0
        previous: list[Any] | None = None
        while True:
            if pages >= self.config.max_pages:
                self.note(
                    f"{self.name}: stopped search {text!r} after max_pages="
                    f"{self.config.max_pages} pages; older statuses in the window were not "
                    "fetched (raise max_pages)")
                break
            params: dict[str, str | int] = {"q": text, "type": "statuses", "resolve": "false",
                                            "limit": self.config.limit, "offset": offset}
            body = self.http.get_json(url, params, query_label=text)
            pages += 1
            raw = body.get("statuses") if isinstance(body, Mapping) else None
            if not isinstance(raw, list):
                found = shape(body)
                raise MalformedResponseError(
                    f"{self.name}: search response to query {text!r} from {url} has no "
                    f"'statuses' list (got {found}); check base_url points at a Mastodon server")
            if not raw:
                break
            ids = [s.get("id") if isinstance(s, Mapping) else None for s in raw]
            if ids == previous:
                raise CollectorError(
                    f"{self.name}: search {text!r} returned the same statuses at offset {offset} "
                    "as on the page before; the server ignores `offset`, stopping instead of "
                    "looping. Check base_url points at a Mastodon server")
            previous = ids
            mentions, page_bad, older = self._page(raw, since, until, seen)
            bad += page_bad
            yielded += len(mentions)
            yield from mentions
            if older:
                break
            offset += len(raw)
        if bad:
            logger.warning("%s: skipped %d search results for %r without an id, a date or text",
                           self.name, bad, text)
        logger.info("%s: %d statuses from search %r", self.name, yielded, text)
