"""Bluesky post search (``app.bsky.feed.searchPosts``) with an app-password session.

Search needs a signed-in session: ``com.atproto.server.createSession`` with the handle and
an app password answers a short-lived ``accessJwt`` and a longer-lived ``refreshJwt``. An
access token that expires mid-run is answered ``400 ExpiredToken`` (or 401); the session is
renewed with ``refreshSession`` (sent with the refresh token), falling back to signing in
again. A collector signs in once (the pipeline builds one per job). Sign-ins have a budget of their own, much smaller than
the AppView's: the docs say 30 per 5 minutes and 300 a day per account, bsky.social's entryway
enforces 100 a day (bsky-docs issue 183) and has answered ``RateLimit-Policy: 10;w=86400``.
Sign-in and refresh therefore bypass the search rate limiter (their ``RateLimit-*`` headers
describe that small budget, not the AppView's), wait at most 5 minutes on a 429, and then
fail with a message saying the sign-in budget is spent.

Bluesky search has no documented OR, so each top-level alternative of a brand query is its
own search (``sort=latest``) and posts are deduplicated by their ``at://`` URI. The AppView
filters ``since`` (inclusive) and ``until`` (exclusive) on a post's ``sortAt``, the earlier of
``record.createdAt`` and ``indexedAt`` (a future-dated post cannot jump ahead); posts are
dated the same way here, so window edges agree with the server and no post falls between
two runs' windows. Pages follow ``cursor`` until it is absent or a page is empty, at most
``max_pages`` per alternative; should a server ignore ``since``, paging also stops at the
first page that is entirely older than the window.

Post text is plain text, but clients shorten links in it (``example.com/some/pa...``) and
keep the full URL in a link facet whose ``byteStart``/``byteEnd`` are UTF-8 byte offsets;
those links are expanded. Feed bots often post entity-escaped titles (``Q&amp;A``): entities
(with their ``;``) are unescaped outside links, and CRLF line ends (some bots send them)
become LF. A post without text (images only) is read from its alt text or link card. The
AppView allows 3000 requests per 5 minutes per IP; the ``RateLimit-Remaining``/
``RateLimit-Reset`` headers are honoured as well.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from collectors._fields import as_int, as_str, as_utc, shape
from collectors._http import JsonHttp, RetryPolicy
from collectors._paging import Paginator
from collectors._ratelimit import RateLimiter
from collectors.base import (
    Collector,
    CollectorError,
    CredentialRejectedError,
    FetchError,
    MalformedResponseError,
)
from koe.config import BlueskySource
from koe.credentials import Credentials, location
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
POST_URL = "https://bsky.app/profile/{}/post/{}"
LINK_FACET = "app.bsky.richtext.facet#link"
#: The AppView's documented budget: 3000 requests per 5 minutes per IP address.
REQUESTS_PER_WINDOW = 3000
WINDOW_SECONDS = 300
#: Sign-in/refresh retries: a 429 is worth waiting for only within the 5-minute window; a
#: spent daily budget resets hours later, so after that the sign-in fails with a message.
SESSION_POLICY = RetryPolicy(attempts=3, max_rate_limit_wait=WINDOW_SECONDS)
HOW = ("Create an app password in the Bluesky app under Settings > Privacy and security > "
       "App passwords, and use it with your handle (e.g. yourname.bsky.social)")

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_REFUSED = re.compile(r"\bHTTP 40[0-3]\b")


@dataclass(frozen=True)
class Session:
    access: str
    refresh: str
    did: str | None = None
    handle: str | None = None


def parse_session(response: httpx.Response) -> Session:
    """A createSession/refreshSession answer; raises MalformedResponseError without tokens."""
    body = json.loads(response.content)
    if not isinstance(body, Mapping):
        raise MalformedResponseError(f"a session is a JSON object, got {type(body).__name__}")
    access, refresh = body.get("accessJwt"), body.get("refreshJwt")
    if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
        raise MalformedResponseError(
            f"no accessJwt/refreshJwt in the session answer (keys: {sorted(body)[:10]})")
    return Session(access, refresh, as_str(body.get("did")), as_str(body.get("handle")))


def unescape_entities(text: str) -> str:
    """Unescape ``&amp;``/``&#39;``-style entities; a bare ``&not=1`` in a URL stays as it is."""
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def sort_at(record: Mapping[str, Any], post: Mapping[str, Any]) -> datetime | None:
    """The AppView's ``sortAt``: the earlier of ``record.createdAt`` and ``indexedAt``."""
    stamps = [t for t in (as_utc(record.get("createdAt")), as_utc(post.get("indexedAt")))
              if t is not None]
    return min(stamps) if stamps else None


def _shortened(shown: str, uri: str) -> bool:
    """True when ``shown`` is a client's shortened form of ``uri`` (``host/path...``)."""
    for ellipsis in ("...", "\u2026"):
        if shown.endswith(ellipsis):
            prefix = shown[: -len(ellipsis)]
            bare = _SCHEME.sub("", uri)
            return bool(prefix) and (bare.startswith(prefix) or uri.startswith(prefix))
    return False


def post_text(text: str, facets: Any) -> str:
    """``record.text`` with shortened links expanded (facet offsets are UTF-8 bytes) and
    entities unescaped outside the links."""
    raw = text.encode("utf-8")
    edits: list[tuple[int, int, str]] = []
    for facet in facets if isinstance(facets, list) else ():
        index = facet.get("index") if isinstance(facet, Mapping) else None
        if not isinstance(index, Mapping):
            continue
        start, end = as_int(index.get("byteStart")), as_int(index.get("byteEnd"))
        if start is None or end is None or not 0 <= start < end <= len(raw):
            continue
        features = facet.get("features")
        for feature in features if isinstance(features, list) else ():
            if not isinstance(feature, Mapping) or feature.get("$type") != LINK_FACET:
                continue
            uri = feature.get("uri")
            if not isinstance(uri, str):
                continue
            try:
                shown = raw[start:end].decode("utf-8")
            except UnicodeDecodeError:  # offsets that split a character: leave the text alone
                break
            if _shortened(shown, uri):
                edits.append((start, end, uri))
            break
    parts: list[str] = []
    position = 0
    for start, end, uri in sorted(edits):
        if start < position:  # overlapping facets: keep the first
            continue
        parts.append(unescape_entities(raw[position:start].decode("utf-8", "replace")))
        parts.append(uri)
        position = end
    parts.append(unescape_entities(raw[position:].decode("utf-8", "replace")))
    return "".join(parts)


def embed_text(embed: Any) -> str:
    """What an embed says in words: image/video alt text and a link card's title and blurb."""
    if not isinstance(embed, Mapping):
        return ""
    parts: list[str] = []
    images = embed.get("images")
    for image in images if isinstance(images, list) else ():
        if isinstance(image, Mapping) and as_str(image.get("alt")):
            parts.append(image["alt"])
    if as_str(embed.get("alt")):  # a video
        parts.append(embed["alt"])
    external = embed.get("external")
    if isinstance(external, Mapping):
        for key in ("title", "description"):
            if as_str(external.get(key)):
                parts.append(external[key])
    parts.append(embed_text(embed.get("media")))  # recordWithMedia
    return "\n".join(unescape_entities(p.strip()) for p in parts if p.strip())


def _uri_parts(uri: str) -> tuple[str | None, str | None]:
    """``at://did/app.bsky.feed.post/rkey`` -> (did, rkey)."""
    pieces = uri.removeprefix("at://").split("/")
    if len(pieces) != 3 or not pieces[0] or not pieces[2]:
        return None, None
    return pieces[0], pieces[2]


def parse_post(post: Any, source: str) -> Mention | None:
    """One ``app.bsky.feed.defs#postView`` as a Mention, or None without URI, date or text."""
    if not isinstance(post, Mapping):
        return None
    uri = as_str(post.get("uri"))
    record = post.get("record")
    if uri is None or not uri.startswith("at://") or not isinstance(record, Mapping):
        return None
    created_at = sort_at(record, post)
    if created_at is None:
        return None
    raw_text = record.get("text")
    text = post_text(raw_text, record.get("facets")).strip() if isinstance(raw_text, str) else ""
    if not text:
        text = embed_text(post.get("embed")) or embed_text(record.get("embed"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return None
    author = post.get("author")
    if not isinstance(author, Mapping):
        author = {}
    did, rkey = _uri_parts(uri)
    handle = as_str(author.get("handle"))
    if handle == "handle.invalid":  # the AppView's placeholder for a handle that fails to verify
        handle = None
    profile = handle or as_str(author.get("did")) or did
    langs = record.get("langs")
    language = None
    if isinstance(langs, list) and langs and as_str(langs[0]):
        language = langs[0].strip().split("-")[0].lower()
    return Mention(
        source=source,
        source_id=uri,
        text=text,
        created_at=created_at,
        url=POST_URL.format(profile, rkey) if profile and rkey else None,
        author=handle or as_str(author.get("did")) or did,
        language=language,
        engagement=Engagement(likes=as_int(post.get("likeCount")),
                              replies=as_int(post.get("replyCount")),
                              reposts=as_int(post.get("repostCount"))),
    )


def _stamp(moment: datetime, *, ceil: bool = False) -> str:
    """RFC 3339 in UTC with milliseconds; ``ceil`` rounds up so an exclusive bound stays wide."""
    moment = moment.astimezone(UTC)
    extra = moment.microsecond % 1000
    moment = moment - timedelta(microseconds=extra)
    if ceil and extra:
        moment += timedelta(milliseconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _CursorPaginator(Paginator[str]):
    def token_from(self, response: Any) -> str | None:
        if not isinstance(response, Mapping) or not response.get("posts"):
            return None
        cursor = response.get("cursor")
        return cursor if isinstance(cursor, str) else None


class BlueskySession:
    """The :class:`collectors._http.Auth` of a Bluesky account: sign in, refresh, sign in again."""

    def __init__(self, source: str, config: BlueskySource, credentials: Credentials,
                 http: JsonHttp) -> None:
        self.source = source
        self.config = config
        self.credentials = credentials
        self.http = http
        self.base = config.base_url.rstrip("/")
        self.current: Session | None = None

    def identity(self) -> tuple[str, str]:
        """(handle, app password) from the environment or the Airflow connection."""
        handle = self.credentials.require(
            self.source, "the Bluesky handle", self.config.handle_env, self.config.conn_id,
            "login", how=HOW)
        password = self.credentials.require(
            self.source, "the Bluesky app password", self.config.app_password_env,
            self.config.conn_id, "password", how=HOW)
        return handle, password

    def login(self) -> Session:
        handle, password = self.identity()
        try:
            reply = self.http.request(
                "POST", self.base + CREATE_SESSION, query_label="sign-in",
                json_body={"identifier": handle, "password": password}, parse=parse_session,
                use_auth=False, what="a session (accessJwt, refreshJwt)")
        except FetchError as e:
            if isinstance(e, CredentialRejectedError) or _REFUSED.search(str(e)):
                raise CredentialRejectedError(f"{e}. Signing in failed: {self.fix()}") from e
            if getattr(e.__cause__, "status", None) == 429:
                raise FetchError(
                    f"{self.source}: Bluesky refused to sign in again: the account's sign-in "
                    "budget (createSession, a few hundred a day at most, less on bsky.social) "
                    "is spent. Rerun later; fewer brand queries or runs per day sign in less "
                    "often") from e
            raise
        self.current = reply.body
        return self.current

    def headers(self) -> Mapping[str, str]:
        session = self.current or self.login()
        return {"Authorization": f"Bearer {session.access}"}

    def refresh(self) -> bool:
        if self.current is not None:
            try:
                reply = self.http.request(
                    "POST", self.base + REFRESH_SESSION, query_label="session refresh",
                    headers={"Authorization": f"Bearer {self.current.refresh}"},
                    parse=parse_session, use_auth=False, what="a session (accessJwt, refreshJwt)")
            except CollectorError as e:
                logger.info("%s: could not refresh the session (%s); signing in again",
                            self.source, type(e).__name__)
            else:
                self.current = reply.body
                return True
        self.login()
        return True

    def fix(self) -> str:
        where = location([self.config.handle_env, self.config.app_password_env],
                         self.config.conn_id, "login/password")
        return (f"check {where}: the handle must be the account's and the password an app "
                "password that has not been revoked (Settings > Privacy and security > "
                "App passwords)")


class BlueskyCollector(Collector[BlueskySource]):
    type = "bluesky"
    per_query = True

    def setup(self) -> None:
        self.limiter = RateLimiter(REQUESTS_PER_WINDOW, WINDOW_SECONDS, sleep=self.sleep,
                                   source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, limiter=self.limiter)
        # Sign-in and refresh have their own small budgets: their RateLimit-* headers must not
        # hold up searches, so they go through an HTTP base without the search limiter.
        self.session_http = JsonHttp(self.name, client=self.client, sleep=self.sleep,
                                     policy=SESSION_POLICY)
        self.session = BlueskySession(self.name, self.config, self.credentials, self.session_http)
        self.http.auth = self.session
        self.url = self.config.base_url.rstrip("/") + SEARCH

    def close(self) -> None:
        self.http.close()
        self.session_http.close()

    def describe(self) -> str:
        lang = f", lang={self.config.lang}" if self.config.lang else ""
        return (f"Bluesky post search at {self.config.base_url} (sort=latest{lang}), up to "
                f"{self.config.max_pages} pages of {self.config.limit} posts per query "
                "alternative")

    def check(self) -> str:
        if self.config.lang is not None and not _LANGUAGE.match(self.config.lang):
            raise CollectorError(
                f"{self.name}: lang={self.config.lang!r} is not a language code; write a "
                "BCP 47 code such as 'ja' or 'en', or remove lang to search every language")
        self.session.identity()
        return self.describe()

    def probe(self) -> str:
        session = self.session.login()
        alternatives = self.brands[0].parsed_query.search_alternatives() if self.brands else []
        text = alternatives[0] if alternatives else "bluesky"
        body = self.http.get_json(self.url, {"q": text, "sort": "latest", "limit": 1},
                                  query_label=text)
        self._posts(body, text)
        return f"signed in as {session.handle or 'the configured account'}; search answered"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: Bluesky is searched per brand query; call fetch(query, ...) "
                "once per brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        if self.session.current is None:
            self.session.login()  # here, not lazily in a request: a refusal then fails at once
        seen: set[str] = set()
        for alternative in query.search_alternatives():
            yield from self._search(alternative, since, until, seen)

    def _search(self, text: str, since: datetime, until: datetime,
                seen: set[str]) -> Iterator[Mention]:
        paginator = _CursorPaginator("", label=f"{self.name} query {text!r}")
        cursor: str | None = None
        pages = yielded = skipped = 0
        oldest = until
        while True:
            params: dict[str, str | int] = {
                "q": text, "sort": "latest", "since": _stamp(since),
                "until": _stamp(until, ceil=True), "limit": self.config.limit,
            }
            if self.config.lang:
                params["lang"] = self.config.lang
            if cursor:
                params["cursor"] = cursor
            body = self.http.get_json(self.url, params, query_label=text)
            pages += 1
            posts = self._posts(body, text)
            parsed = older = 0
            for raw in posts:
                mention = parse_post(raw, self.name)
                if mention is None:
                    skipped += 1
                    continue
                parsed += 1
                oldest = min(oldest, mention.created_at)
                if mention.created_at < since:
                    older += 1
                elif mention.created_at < until and mention.source_id not in seen:
                    seen.add(mention.source_id)
                    yielded += 1
                    yield mention
            if parsed and older == parsed:
                logger.info("%s: query %r reached posts older than %s; stopping",
                            self.name, text, since.isoformat())
                break
            cursor = paginator.next_page(body)
            if cursor is None:
                break
            if pages >= self.config.max_pages:
                self._capped(text, since, oldest)
                break
        if skipped:
            logger.warning("%s: skipped %d posts for query %r without URI, date or text",
                           self.name, skipped, text)
        logger.info("%s: %d posts for query %r in %d pages", self.name, yielded, text, pages)

    def _capped(self, text: str, since: datetime, oldest: datetime) -> None:
        self.note(f"{self.name}: query {text!r} stopped at max_pages={self.config.max_pages} "
                  f"({self.config.limit} posts a page); its posts from {since:%Y-%m-%d %H:%M} "
                  f"to {oldest:%Y-%m-%d %H:%M} UTC were not collected (raise max_pages)")

    def _posts(self, body: Any, text: str) -> list[Any]:
        posts = body.get("posts") if isinstance(body, Mapping) else None
        if not isinstance(posts, list):
            found = shape(body)
            raise MalformedResponseError(
                f"{self.name}: response to query {text!r} from {self.url} has no 'posts' list "
                f"(got {found}); check base_url points at a Bluesky PDS or AppView such as "
                "https://bsky.social"
            )
        return posts
