"""Reddit through its OAuth API: an app-only token, post search, and the comments of matches.

Reddit's API wants a token even for public data. The "application only" grant (client
credentials of a *script* or *web app* registered at reddit.com/prefs/apps) gives one
without a user: POST ``auth_url`` with HTTP Basic ``client_id:client_secret`` and
``grant_type=client_credentials``. Tokens last ``expires_in`` seconds (a day); we renew a
minute early, and once more when the API answers 401. Every request carries the configured
``User-Agent``: Reddit throttles or blocks generic ones.

Search (``/search``, or ``/r/<sub>/search?restrict_sr=1`` per configured subreddit) has no
OR across our alternatives and no date parameters, only ``t`` (hour/day/week/month/year/
all, counted back from *now*). So each top-level alternative of a brand query is its own
search, with ``sort=new`` and the smallest ``t`` that still reaches ``since``; listings are
newest-first, so paging (``after``) stops at the first post older than ``since`` and posts
newer than ``until`` are dropped. Reddit ends search listings after a few hundred results;
when that happens before ``since`` is reached the run log says so.

Subreddits listed in ``listings`` (a brand's own community, where posts rarely name the brand)
are read in full from ``/r/<sub>/new``, newest first, once per run (in the first brand's job;
the load step matches every item against every brand), optionally attributed to a brand.

Comments are not searchable through the API. With ``include_comments`` the comments of up to
``max_comment_posts`` matching posts (those created in the window, newest first) are read
from ``/comments/<id>``, a ``[post listing, comment listing]`` pair whose comments nest
through ``replies``; ``kind: "more"`` stubs (collapsed threads) would each cost another call
and are counted instead. Comments created in the window are yielded with their post's title.

``raw_json=1`` makes Reddit send ``&``, ``<`` and ``>`` as themselves; text is still
unescaped once, for responses that come without it.

Reddit answers some searches with a redirect instead of a listing: a subreddit that does not
exist sends ``/r/<sub>/search`` to ``/subreddits/search`` (a listing of *subreddits*), and a
query that looks like a link goes to ``/submit``. The collector checks where the response came
from: the first is a configuration error naming the subreddit, the second is noted and skipped.
Private or quarantined subreddits answer 403 and banned ones 404; the error names the
subreddit. A post whose comments answer 403/404 (removed, or its subreddit went private since
the search) is skipped and counted.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from collectors._fields import as_int, as_str, shape
from collectors._http import JsonHttp, Reply
from collectors._paging import Paginator
from collectors._ratelimit import RateLimiter
from collectors.base import (
    Collector,
    CollectorError,
    CredentialRejectedError,
    FetchError,
    MalformedResponseError,
)
from koe.config import RedditSource
from koe.credentials import Credentials, location
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

SITE = "https://www.reddit.com"
#: ``t`` values and the span each covers back from now (month and year taken conservatively).
TIME_FILTERS = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("month", timedelta(days=28)),
    ("year", timedelta(days=365)),
)
#: Margin for the time between choosing ``t`` and Reddit answering the last page.
T_MARGIN = timedelta(minutes=10)
#: Renew the token this long before Reddit says it expires.
TOKEN_EARLY = 60.0
#: Search listings end after about this many results whatever the window.
SEARCH_CAP = 250
COMMENTS_LIMIT = 500  # the most comments /comments/<id> returns in one call
DELETED = frozenset({"[deleted]", "[removed]"})
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_HASHTAG = re.compile(r"(?<!\S)#(?=\w)")
#: Statuses Reddit answers for a subreddit that cannot be read (redirect to subreddit search
#: when the client does not follow redirects, private/quarantined, banned).
_UNREADABLE = (302, 403, 404)


def _status_in(error: FetchError, codes: Sequence[int]) -> bool:
    """Whether a FetchError from JsonHttp is for one of these HTTP statuses."""
    return not isinstance(error, CredentialRejectedError) and error.status in codes


def time_filter(since: datetime, now: datetime) -> str:
    """The smallest ``t`` whose span back from ``now`` still covers ``since``."""
    age = now - since + T_MARGIN
    for name, span in TIME_FILTERS:
        if age <= span:
            return name
    return "all"


def search_terms(query: Query) -> list[str]:
    """One Reddit search string per top-level alternative; Reddit has no hashtags."""
    out: list[str] = []
    for alternative in query.search_alternatives():
        text = _HASHTAG.sub("", alternative).strip()
        if text and text not in out:
            out.append(text)
    return out


def _created(data: Mapping[str, Any]) -> datetime | None:
    value = data.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _plain(value: Any) -> str | None:
    """Reddit markdown as plain text: entities unescaped; deleted/removed bodies are None."""
    text = as_str(value)
    if text is None or text.strip() in DELETED:
        return None
    return html.unescape(text).strip() or None


def _author(data: Mapping[str, Any]) -> str | None:
    author = as_str(data.get("author"))
    return None if author is None or author in DELETED else author


def _fullname(data: Mapping[str, Any], kind: str) -> str | None:
    name = as_str(data.get("name"))
    if name is not None and name.startswith(f"{kind}_"):
        return name
    item_id = as_str(data.get("id"))
    return f"{kind}_{item_id}" if item_id else None


def _url(data: Mapping[str, Any], fallback: str | None) -> str | None:
    permalink = as_str(data.get("permalink"))
    if permalink is not None and permalink.startswith("/"):
        return SITE + permalink
    return fallback


def parse_post(data: Any, source: str) -> Mention | None:
    """A ``t3`` listing child's ``data`` as a Mention, or None without fullname, date or title."""
    if not isinstance(data, Mapping):
        return None
    fullname = _fullname(data, "t3")
    created_at = _created(data)
    title = _plain(data.get("title"))
    if fullname is None or created_at is None or title is None:
        return None
    body = _plain(data.get("selftext"))
    return Mention(
        source=source,
        source_id=fullname,
        text="\n".join(p for p in (title, body) if p),
        created_at=created_at,
        url=_url(data, f"{SITE}/comments/{fullname[3:]}/"),
        author=_author(data),
        title=title,
        engagement=Engagement(likes=as_int(data.get("score")),
                              replies=as_int(data.get("num_comments")),
                              reposts=as_int(data.get("num_crossposts")),
                              views=as_int(data.get("view_count"))),
    )


def parse_comment(data: Any, source: str, post: Thread) -> Mention | None:
    """A ``t1`` comment's ``data`` as a Mention, or None without fullname, date or body."""
    if not isinstance(data, Mapping):
        return None
    fullname = _fullname(data, "t1")
    created_at = _created(data)
    body = _plain(data.get("body"))
    if fullname is None or created_at is None or body is None:
        return None
    return Mention(
        source=source,
        source_id=fullname,
        text=body,
        created_at=created_at,
        url=_url(data, f"{post.url.rstrip('/')}/{fullname[3:]}/"),
        author=_author(data),
        title=post.title,
        engagement=Engagement(likes=as_int(data.get("score"))),
        brands=post.brands,
    )


@dataclass(frozen=True)
class Thread:
    """A matching post whose comments may be read."""

    post_id: str
    title: str | None
    url: str
    brands: tuple[str, ...] = ()  # a listing's brand, passed on to the post's comments


@dataclass
class CommentTree:
    """What one ``/comments/<id>`` response holds: comment data in reading order, and stubs."""

    comments: list[Any]
    more_stubs: int = 0
    hidden: int = 0
    bad: int = 0


def _listing_children(listing: Any) -> list[Any] | None:
    if not isinstance(listing, Mapping) or not isinstance(listing.get("data"), Mapping):
        return None
    children = listing["data"].get("children")
    return children if isinstance(children, list) else None


def walk_comments(listing: Any) -> CommentTree:
    """Flatten a comment listing and its nested ``replies`` listings (depth first, in order)."""
    tree = CommentTree([])
    stack: list[list[Any]] = [list(reversed(_listing_children(listing) or []))]
    while stack:
        if not stack[-1]:
            stack.pop()
            continue
        child = stack[-1].pop()
        kind = child.get("kind") if isinstance(child, Mapping) else None
        data = child.get("data") if isinstance(child, Mapping) else None
        if kind == "more":
            tree.more_stubs += 1
            if isinstance(data, Mapping):
                count = as_int(data.get("count"))
                children = data.get("children")
                tree.hidden += count if count else len(children) if isinstance(children, list) else 0
            continue
        if kind != "t1" or not isinstance(data, Mapping):
            tree.bad += 1
            continue
        tree.comments.append(data)
        replies = _listing_children(data.get("replies"))  # "" when there are none
        if replies:
            stack.append(list(reversed(replies)))
    return tree


class _AfterPaginator(Paginator[str]):
    def token_from(self, response: Any) -> str | None:
        after = response["data"].get("after")
        return after if isinstance(after, str) else None


class AppOnlyAuth:
    """Reddit's application-only OAuth token, fetched on first use and renewed before expiry."""

    def __init__(self, config: RedditSource, credentials: Credentials, http: JsonHttp,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.credentials = credentials
        self.http = http
        self.clock = clock
        self.token: str | None = None
        self.expires_at = 0.0
        self._refused = False

    def client_credentials(self) -> tuple[str, str]:
        c = self.config
        how = ("create an app of type 'script' at https://www.reddit.com/prefs/apps; the id is "
               "the string under the app's name, the secret is labelled 'secret'")
        client_id = self.credentials.require(c.name, "the Reddit app's client id",
                                             c.client_id_env, c.conn_id, "login", how=how)
        secret = self.credentials.require(c.name, "the Reddit app's client secret",
                                          c.client_secret_env, c.conn_id, "password", how=how)
        return client_id, secret

    def headers(self) -> Mapping[str, str]:
        if self.token is None or self.clock() >= self.expires_at:
            self._renew()
        return {"Authorization": f"bearer {self.token}"}

    def refresh(self) -> bool:
        if self._refused:  # the token endpoint itself refused the app credentials
            return False
        self.token = None
        self._renew()
        return True

    def fix(self) -> str:
        c = self.config
        where = location([c.client_id_env, c.client_secret_env], c.conn_id, "login and password")
        return (f"Check {where}: the client id and secret of an app of type 'script' or "
                "'web app' listed at https://www.reddit.com/prefs/apps")

    def _renew(self) -> None:
        client_id, secret = self.client_credentials()
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
        try:
            reply: Reply[Any] = self.http.request(
                "POST", self.config.auth_url, query_label="access token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}"}, use_auth=False,
            )
        except CredentialRejectedError as e:
            self._refused = True
            raise CredentialRejectedError(
                f"{self.config.name}: Reddit refused the app credentials at "
                f"{self.config.auth_url} ({e}). {self.fix()}"
            ) from e
        body = reply.body
        token = as_str(body.get("access_token")) if isinstance(body, Mapping) else None
        if token is None:
            error = body.get("error") if isinstance(body, Mapping) else None
            if error is not None:
                self._refused = True
                raise CredentialRejectedError(
                    f"{self.config.name}: Reddit gave no token ({error!r}) at "
                    f"{self.config.auth_url}. {self.fix()}"
                )
            found = shape(body)
            raise MalformedResponseError(
                f"{self.config.name}: the token response from {self.config.auth_url} has no "
                f"access_token (got {found}); check auth_url points at "
                "https://www.reddit.com/api/v1/access_token"
            )
        expires_in = body.get("expires_in")
        lifetime = (float(expires_in) if isinstance(expires_in, (int, float))
                    and not isinstance(expires_in, bool) else 3600.0)
        self.token = token
        self.expires_at = self.clock() + max(0.0, lifetime - TOKEN_EARLY)
        logger.info("%s: got an app-only token (valid %.0fs)", self.config.name, lifetime)


class RedditCollector(Collector[RedditSource]):
    type = "reddit"
    per_query = True

    def setup(self) -> None:
        token_http = JsonHttp(self.name, client=self.client, sleep=self.sleep,
                              user_agent=self.config.user_agent)
        self.auth = AppOnlyAuth(self.config, self.credentials, token_http)
        self.limiter = RateLimiter(self.config.requests_per_minute, 60, sleep=self.sleep,
                                   source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, auth=self.auth,
                             limiter=self.limiter, user_agent=self.config.user_agent)
        self._token_http = token_http
        self.base = self.config.base_url.rstrip("/")
        #: The clock ``t`` is chosen against (tests pin it).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def close(self) -> None:
        self.http.close()
        self._token_http.close()


    def _subreddits(self) -> tuple[str, ...]:
        bad = [s for s in self.config.subreddits if not SUBREDDIT.match(s)]
        if bad:
            raise CollectorError(
                f"{self.name}: subreddits {bad} are not subreddit names; write them without "
                "'r/' or slashes, e.g. subreddits = [\"coffee\", \"japanlife\"]"
            )
        return self.config.subreddits

    def _scopes(self) -> list[tuple[str, str | None]]:
        """(search URL, subreddit) pairs: one per configured subreddit, or all of Reddit."""
        subs = self._subreddits()
        if not subs:
            return [(f"{self.base}/search", None)]
        return [(f"{self.base}/r/{sub}/search", sub) for sub in subs]

    def describe(self) -> str:
        where = (", ".join(f"r/{s}" for s in self.config.subreddits) or "all of Reddit")
        comments = (f", plus the comments of up to {self.config.max_comment_posts} matching "
                    "posts per brand" if self.config.include_comments
                    and self.config.max_comment_posts else "")
        listings = "".join(f", every new post in r/{x.subreddit}" for x in self.config.listings)
        return f"Reddit posts searched in {where} (newest first){listings}{comments}"

    def check(self) -> str:
        self._subreddits()
        self.auth.client_credentials()
        return (f"{self.describe()}; app-only OAuth with {self.config.client_id_env}/"
                f"{self.config.client_secret_env} as {self.config.user_agent!r}")

    def probe(self) -> str:
        term = next((t for b in self.brands for t in search_terms(b.parsed_query)), "reddit")
        url, sub = self._scopes()[0]
        params: dict[str, str | int] = {"q": term, "sort": "new", "t": "day", "type": "link",
                                        "limit": 1, "raw_json": 1}
        if sub:
            params["restrict_sr"] = 1
        body = self._get_listing(url, params, term, sub)
        children = [] if body is None else self._children(body, term, url)
        return (f"token accepted; search for {term!r} answered with {len(children)} post(s) "
                "from the last day")

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: Reddit is searched per brand query; call fetch(query, ...) once "
                "per brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        scopes = self._scopes()
        t = time_filter(since, self.now())
        seen: set[str] = set()
        threads: list[Thread] = []
        found: list[Iterator[tuple[Mapping[str, Any], Mention]]] = [
            self._search(text, url, sub, t, since, until)
            for text in search_terms(query) for url, sub in scopes]
        if self._reads_listings(query):
            found += [self._listing(listing.subreddit, listing.brand, since, until)
                      for listing in self.config.listings]
        for results in found:
            for post, mention in results:
                if mention.source_id in seen:
                    continue
                seen.add(mention.source_id)
                if as_int(post.get("num_comments")) != 0 and mention.url:
                    threads.append(Thread(mention.source_id[3:], mention.title, mention.url,
                                          mention.brands))
                yield mention
        if self.config.include_comments and self.config.max_comment_posts and threads:
            yield from self._comments(threads, query.source, since, until, seen)

    def _reads_listings(self, query: Query) -> bool:
        """Listings are read once per run: in the first brand's job (or for a foreign query)."""
        queries = [b.parsed_query.source for b in self.brands]
        return bool(self.config.listings) and (not queries or query.source == queries[0]
                                               or query.source not in queries)

    def _listing(self, sub: str, brand: str | None, since: datetime,
                 until: datetime) -> Iterator[tuple[Mapping[str, Any], Mention]]:
        """Every post of ``/r/<sub>/new`` created in the window, newest first."""
        url = f"{self.base}/r/{sub}/new"
        label = f"r/{sub}/new"
        paginator = _AfterPaginator("", label=f"{self.name} listing {label}")
        after: str | None = None
        pages = skipped = yielded = 0
        while True:
            if pages >= self.config.max_pages:
                self.note(
                    f"{self.name}: stopped reading {label} after max_pages="
                    f"{self.config.max_pages} pages; older posts in the window were not "
                    "fetched (raise max_pages to get them)")
                break
            params: dict[str, str | int] = {"limit": self.config.limit, "raw_json": 1}
            if after:
                params["after"] = after
            try:
                reply: Reply[Any] = self.http.request("GET", url, params=params,
                                                      query_label=label)
            except FetchError as e:
                if _status_in(e, _UNREADABLE):
                    raise CollectorError(
                        f"{e}. r/{sub} in listings cannot be read: it is private, quarantined "
                        "or banned (403/404), or does not exist; check the name") from e
                raise
            if reply.url.path.rstrip("/").removesuffix(".json").lower() != \
                    httpx.URL(url).path.lower():
                raise CollectorError(
                    f"{self.name}: r/{sub} in listings does not exist: Reddit redirected "
                    f"{label} to {reply.url.path}; check the spelling (names only, without r/)")
            pages += 1
            children = self._children(reply.body, label, url)
            older = False
            for child in children:
                data = child.get("data") if isinstance(child, Mapping) else None
                mention = (parse_post(data, self.name)
                           if isinstance(child, Mapping) and child.get("kind") == "t3" else None)
                if mention is None or data is None:
                    skipped += 1
                    continue
                if mention.created_at < since:
                    # /new is newest first, but a stickied post sits on top whatever its age.
                    older = older or not data.get("stickied")
                elif mention.created_at < until:
                    yielded += 1
                    yield data, replace(mention, brands=(brand,) if brand else ())
            if not children or older:
                break
            after = paginator.next_page(reply.body)
            if after is None:
                break
        if skipped:
            logger.warning("%s: skipped %d items of %s that are not posts with an id, a date "
                           "and a title", self.name, skipped, label)
        logger.info("%s: %d posts from %s", self.name, yielded, label)

    def _children(self, body: Any, label: str, url: str) -> list[Any]:
        children = _listing_children(body)
        if children is None:
            found = shape(body)
            raise MalformedResponseError(
                f"{self.name}: response to query {label!r} from {url} is not a Reddit Listing "
                f"(got {found}); check base_url is https://oauth.reddit.com"
            )
        return children

    def _get_listing(self, url: str, params: Mapping[str, str | int], label: str,
                     sub: str | None) -> Any | None:
        """One search page's body; None when Reddit redirected the search away (noted)."""
        try:
            reply: Reply[Any] = self.http.request("GET", url, params=params, query_label=label)
        except FetchError as e:
            if sub and _status_in(e, _UNREADABLE):
                raise CollectorError(
                    f"{e}. r/{sub} cannot be searched: Reddit redirects searches of subreddits "
                    "that do not exist, and answers 403 for private or quarantined ones and 404 "
                    f"for banned ones; check the spelling or remove {sub!r} from subreddits"
                ) from e
            raise
        asked = httpx.URL(url).path.rstrip("/").lower()
        landed = reply.url.path.rstrip("/").removesuffix(".json")
        if landed.lower() == asked:
            return reply.body
        if sub and landed.startswith("/subreddits/search"):
            raise CollectorError(
                f"{self.name}: r/{sub} does not exist: Reddit redirected its search for "
                f"{label!r} to {landed}; check the spelling in subreddits (names only, without "
                "r/)")
        self.note(
            f"{self.name}: Reddit redirected search {label!r} to {landed} instead of listing "
            "posts (it does this for queries that look like a link); nothing was collected "
            "for it. To find posts linking a site, search url:example.com instead")
        return None

    def _search(self, text: str, url: str, sub: str | None, t: str, since: datetime,
                until: datetime) -> Iterator[tuple[Mapping[str, Any], Mention]]:
        label = f"{text} in r/{sub}" if sub else text
        paginator = _AfterPaginator("", label=f"{self.name} query {label!r}")
        after: str | None = None
        pages = seen = skipped = yielded = 0
        reached_since = False
        while True:
            if pages >= self.config.max_pages:
                self.note(
                    f"{self.name}: stopped search {label!r} after max_pages="
                    f"{self.config.max_pages} pages; older posts in the window were not "
                    "fetched (raise max_pages to get them)")
                break
            params: dict[str, str | int] = {
                "q": text, "sort": "new", "t": t, "type": "link",
                "limit": self.config.limit, "raw_json": 1,
            }
            if sub:
                params["restrict_sr"] = 1
            if after:
                params["after"] = after
            body = self._get_listing(url, params, label, sub)
            pages += 1
            if body is None:
                break
            children = self._children(body, label, url)
            for child in children:
                data = child.get("data") if isinstance(child, Mapping) else None
                mention = (parse_post(data, self.name)
                           if isinstance(child, Mapping) and child.get("kind") == "t3" else None)
                if mention is None or data is None:
                    skipped += 1
                    continue
                seen += 1
                if mention.created_at < since:
                    reached_since = True
                elif mention.created_at < until:
                    yielded += 1
                    yield data, mention
            if not children or reached_since:
                break
            after = paginator.next_page(body)
            if after is None:
                if seen >= SEARCH_CAP:
                    self.note(
                        f"{self.name}: Reddit ended search {label!r} after {seen} posts before "
                        f"reaching {since:%Y-%m-%d %H:%M}; older posts in the window cannot be "
                        "listed (collect shorter intervals or narrow the query)")
                break
        if skipped:
            logger.warning("%s: skipped %d search results for %r that are not posts with an "
                           "id, a date and a title", self.name, skipped, label)
        logger.info("%s: %d posts for %r", self.name, yielded, label)

    def _comments(self, threads: list[Thread], label: str, since: datetime, until: datetime,
                  seen: set[str]) -> Iterator[Mention]:
        cap = self.config.max_comment_posts
        if len(threads) > cap:
            self.note(
                f"{self.name}: read the comments of {cap} of {len(threads)} matching posts for "
                f"{label!r} (max_comment_posts={cap}); comments on the other posts were not "
                "collected")
        hidden = stubs = skipped = deleted = yielded = unreadable = 0
        for thread in threads[:cap]:
            url = f"{self.base}/comments/{thread.post_id}"
            try:
                body = self.http.get_json(
                    url, {"raw_json": 1, "sort": "new", "limit": COMMENTS_LIMIT},
                    query_label=f"{label} comments of t3_{thread.post_id}")
            except FetchError as e:
                if not _status_in(e, (403, 404)):
                    raise
                logger.warning("%s", e)
                unreadable += 1
                continue
            if (not isinstance(body, list) or len(body) < 2
                    or _listing_children(body[1]) is None):
                found = (f"a list of {len(body)}" if isinstance(body, list)
                         else sorted(body)[:10] if isinstance(body, Mapping)
                         else type(body).__name__)
                raise MalformedResponseError(
                    f"{self.name}: comments of t3_{thread.post_id} for query {label!r} from "
                    f"{url} are not a [post, comments] pair of Listings (got {found}); check "
                    "base_url is https://oauth.reddit.com"
                )
            tree = walk_comments(body[1])
            hidden += tree.hidden
            stubs += tree.more_stubs
            skipped += tree.bad
            for data in tree.comments:
                mention = parse_comment(data, self.name, thread)
                if mention is None:
                    if (as_str(data.get("body")) or "").strip() in DELETED:
                        deleted += 1
                    else:
                        skipped += 1
                    continue
                if since <= mention.created_at < until and mention.source_id not in seen:
                    seen.add(mention.source_id)
                    yielded += 1
                    yield mention
        if unreadable:
            self.note(
                f"{self.name}: the comments of {unreadable} post(s) matching {label!r} could not "
                "be read (HTTP 403/404: removed since the search, or their subreddit went "
                "private)")
        if stubs:
            self.note(
                f"{self.name}: {hidden} comments behind {stubs} 'load more' stub(s) on posts "
                f"matching {label!r} were not read (each would cost another request)")
        if skipped:
            logger.warning("%s: skipped %d comments for %r that lack an id, a date or a body",
                           self.name, skipped, label)
        logger.info("%s: %d comments for %r (%d deleted or removed)", self.name, yielded, label,
                    deleted)
