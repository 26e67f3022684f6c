"""X (Twitter) API v2 recent search (``GET /2/tweets/search/recent``) with an app bearer token.

X's query language has OR, AND (a space), ``-`` negation, parentheses, quoted phrases,
``#hashtags`` and ``lang:``, so a brand query becomes one X query (``-is:retweet`` appended
when ``exclude_retweets``). ``start_time`` (inclusive) and ``end_time`` (exclusive) are whole
seconds; posts are filtered again to the exact window here. Pages follow ``meta.next_token``
until it is absent (an empty page says ``result_count: 0`` and has no ``data``), at most
``max_pages`` per brand query.

Recent search reaches back 7 days. A window starting earlier is collected from 7 days ago
(plus a minute's margin) and the run log says what was missed. A window that ends more
than 7 days ago is requested as asked, with a note: X refuses such a ``start_time`` (HTTP 400),
so backfilling old windows needs full-archive search, which this collector does not use.
``end_time`` must be at least 10 seconds in the past: a window ending later waits for it
(at most a minute), else it is cut there with a note.

Fields are asked for explicitly (``tweet.fields``, ``expansions=author_id,
referenced_tweets.id``), but parsing holds for answers with the default fields only (``id``,
``text``): the date then comes from the Snowflake id, the author and engagement stay empty.
Text is HTML-escaped by X (``&amp;``, ``&lt;``, ``&gt;``) and unescaped here; a long post's
full text is its ``note_tweet.text``. A repost's ``text`` is ``RT @name: `` plus the original
cut at 140 characters with ``…`` (so the brand the search matched may be cut off); when the
original is in ``includes.tweets``, its full text follows the ``RT @name: `` prefix instead.
A 200 may carry ``errors`` next to ``data`` (a missing author, say): the data is kept and the
errors are logged. App-only recent search allows 450 requests per 15 minutes (fewer on lower
access levels); the ``x-rate-limit-*`` headers are honoured. A 401 means the bearer token is
wrong or revoked: there is nothing to renew it with.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors._fields import as_int, as_str, as_utc, shape
from collectors._http import JsonHttp
from collectors._paging import Paginator
from collectors._ratelimit import RateLimiter
from collectors.base import Collector, CollectorError, MalformedResponseError
from koe.config import XSource
from koe.credentials import Credentials, location
from koe.query import All, Lang, Node, Not, Query, Term
from koe.query import Any as AnyOf
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

SEARCH = "/tweets/search/recent"
TWEET_FIELDS = ("created_at,author_id,lang,public_metrics,conversation_id,note_tweet,"
                "referenced_tweets")
EXPANSIONS = "author_id,referenced_tweets.id"
POST_URL = "https://x.com/{}/status/{}"
ANONYMOUS_POST_URL = "https://x.com/i/web/status/{}"
#: App-only recent search: 450 requests per 15 minutes (Pro); the headers tell lower tiers.
REQUESTS_PER_WINDOW = 450
WINDOW_SECONDS = 900
HISTORY = timedelta(days=7)
#: Start this much inside the 7 days, so the request is still valid when it arrives.
HISTORY_MARGIN = timedelta(minutes=1)
#: X wants end_time at least 10 seconds before the request; keep a little more.
END_MARGIN = timedelta(seconds=15)
#: A window ending this close to now waits for end_time to become valid instead of cutting it.
MAX_SETTLE = timedelta(seconds=60)
#: Longest query recent search takes on Basic and Pro access (Enterprise: 4096).
MAX_QUERY_LENGTH = 512
SNOWFLAKE_EPOCH = datetime(2010, 11, 4, 1, 42, 54, 657000, tzinfo=UTC)  # 1288834974657 ms
#: X's codes for "no language": undetermined, mentions/cashtags/hashtags/media only, etc.
NO_LANGUAGE = frozenset({"und", "qam", "qct", "qht", "qme", "qst", "zxx"})
HOW = ("Sign up at https://developer.x.com, create a Project and an App in it, and copy the "
       "App's Bearer Token (Keys and tokens); recent search needs Basic access or higher")
_PLAIN_WORD_BREAKERS = (":", '"')


def _term(term: Term) -> str:
    text = term.text
    if term.hashtag:
        return text
    if " " in text or any(c in text for c in _PLAIN_WORD_BREAKERS) or text in {"OR", "AND"}:
        return '"' + text.replace('"', "") + '"'
    return text


def _render(node: Node, where: str) -> str:
    """X syntax for ``node``; ``where`` is "top", "or", "and" or "not" (what encloses it)."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Lang):
        codes = [f"lang:{code}" for code in sorted(node.codes)]
        return codes[0] if len(codes) == 1 else "(" + " OR ".join(codes) + ")"
    if isinstance(node, Not):
        if isinstance(node.node, Not):  # a double negation is the term itself
            return _render(node.node.node, where)
        return "-" + _render(node.node, "not")
    if isinstance(node, All):
        inner = " ".join(_render(n, "and") for n in node.nodes)
        return f"({inner})" if where == "not" else inner
    inner = " OR ".join(_render(n, "or") for n in node.nodes)
    return inner if where in {"top", "or"} else f"({inner})"


def x_query(query: Query, *, exclude_retweets: bool = False) -> str:
    """The brand query in X's search syntax (AND binds tighter than OR there too)."""
    text = _render(query.root, "top")
    if exclude_retweets:
        if isinstance(query.root, AnyOf):
            text = f"({text})"
        text += " -is:retweet"
    return text


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a post was created, from its Snowflake id; None for pre-Snowflake ids."""
    try:
        number = int(tweet_id)
    except ValueError:
        return None
    ms = number >> 22
    return SNOWFLAKE_EPOCH + timedelta(milliseconds=ms) if ms > 0 else None


def usernames(body: Mapping[str, Any]) -> dict[str, str]:
    """``includes.users`` as id -> username (empty when the answer has no includes)."""
    includes = body.get("includes")
    users = includes.get("users") if isinstance(includes, Mapping) else None
    found: dict[str, str] = {}
    for user in users if isinstance(users, list) else ():
        if isinstance(user, Mapping) and as_str(user.get("username")):
            found[str(user.get("id"))] = user["username"]
    return found


def _full_text(tweet: Mapping[str, Any]) -> str | None:
    """A post's whole text: ``note_tweet.text`` for a long post, else ``text``."""
    note = tweet.get("note_tweet")
    return (as_str(note.get("text")) if isinstance(note, Mapping) else None) or as_str(
        tweet.get("text"))


def included_tweets(body: Mapping[str, Any]) -> dict[str, str]:
    """``includes.tweets`` (the referenced posts) as id -> full text."""
    includes = body.get("includes")
    tweets = includes.get("tweets") if isinstance(includes, Mapping) else None
    found: dict[str, str] = {}
    for tweet in tweets if isinstance(tweets, list) else ():
        text = _full_text(tweet) if isinstance(tweet, Mapping) else None
        if text is not None and tweet.get("id") is not None:
            found[str(tweet["id"])] = text
    return found


def _reposted(tweet: Mapping[str, Any], raw: str, originals: Mapping[str, str]) -> str:
    """A repost's text with the original's whole text after its ``RT @name: `` prefix."""
    refs = tweet.get("referenced_tweets")
    if not raw.startswith("RT @") or ": " not in raw or not isinstance(refs, list):
        return raw
    for ref in refs:
        if isinstance(ref, Mapping) and ref.get("type") == "retweeted":
            original = originals.get(str(ref.get("id")))
            if original is not None:
                return raw[: raw.index(": ") + 2] + original
    return raw


def parse_tweet(tweet: Any, users: Mapping[str, str], source: str,
                originals: Mapping[str, str] | None = None) -> Mention | None:
    """One post of ``data`` as a Mention, or None without an id, text or date.

    ``originals`` (from :func:`included_tweets`) gives a repost the whole original text.
    """
    if not isinstance(tweet, Mapping):
        return None
    tweet_id = tweet.get("id")
    if isinstance(tweet_id, int) and not isinstance(tweet_id, bool):
        tweet_id = str(tweet_id)
    if not isinstance(tweet_id, str) or not tweet_id.isdigit():
        return None
    raw = _full_text(tweet)
    if raw is None:
        return None
    raw = _reposted(tweet, raw, originals or {})
    created_at = as_utc(tweet.get("created_at")) or snowflake_time(tweet_id)
    if created_at is None:
        return None
    author_id = tweet.get("author_id")
    username = users.get(str(author_id)) if author_id is not None else None
    lang = as_str(tweet.get("lang"))
    metrics = tweet.get("public_metrics")
    engagement = Engagement()
    if isinstance(metrics, Mapping):
        engagement = Engagement(likes=as_int(metrics.get("like_count")),
                                replies=as_int(metrics.get("reply_count")),
                                reposts=as_int(metrics.get("retweet_count")),
                                views=as_int(metrics.get("impression_count")))
    return Mention(
        source=source,
        source_id=tweet_id,
        text=html.unescape(raw).strip(),
        created_at=created_at,
        url=(POST_URL.format(username, tweet_id) if username
             else ANONYMOUS_POST_URL.format(tweet_id)),
        author=username,
        language=lang.lower() if lang and lang.lower() not in NO_LANGUAGE else None,
        engagement=engagement,
    )


def _seconds(moment: datetime, *, ceil: bool = False) -> datetime:
    moment = moment.astimezone(UTC)
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if ceil and whole != moment else whole


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _NextToken(Paginator[str]):
    def token_from(self, response: Any) -> str | None:
        meta = response.get("meta") if isinstance(response, Mapping) else None
        token = meta.get("next_token") if isinstance(meta, Mapping) else None
        return token if isinstance(token, str) else None


class BearerToken:
    """The :class:`collectors._http.Auth` of an X app: a bearer token that cannot be renewed."""

    def __init__(self, source: str, config: XSource, credentials: Credentials) -> None:
        self.source = source
        self.config = config
        self.credentials = credentials
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.credentials.require(
                self.source, "the X API bearer token", self.config.bearer_token_env,
                self.config.conn_id, "password", how=HOW)
        return self._token

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def refresh(self) -> bool:
        return False  # an app bearer token is issued in the developer portal only

    def fix(self) -> str:
        where = location([self.config.bearer_token_env], self.config.conn_id)
        return (f"check {where}: X refused the bearer token, so it is wrong or was revoked or "
                "regenerated; copy the App's current Bearer Token from developer.x.com "
                "(Projects & Apps > your App > Keys and tokens)")


class XCollector(Collector[XSource]):
    type = "x"
    per_query = True
    history = HISTORY

    def setup(self) -> None:
        self.auth = BearerToken(self.name, self.config, self.credentials)
        self.limiter = RateLimiter(REQUESTS_PER_WINDOW, WINDOW_SECONDS, sleep=self.sleep,
                                   source=self.name)
        self.http = JsonHttp(self.name, client=self.client, sleep=self.sleep, auth=self.auth,
                             limiter=self.limiter)
        self.url = self.config.base_url.rstrip("/") + SEARCH
        #: The clock the 7-day and 10-second limits are measured against (tests replace it).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def close(self) -> None:
        self.http.close()

    def describe(self) -> str:
        retweets = ", retweets excluded" if self.config.exclude_retweets else ""
        return (f"X recent search at {self.config.base_url} (last 7 days{retweets}), up to "
                f"{self.config.max_pages} pages of {self.config.max_results} posts per brand")

    def check(self) -> str:
        self.auth.token()
        long = [f"{b.name} ({len(q)} characters)" for b in self.brands
                if len(q := x_query(b.parsed_query,
                                    exclude_retweets=self.config.exclude_retweets))
                > MAX_QUERY_LENGTH]
        if long:
            return (f"{self.describe()}; warning: X takes queries of at most "
                    f"{MAX_QUERY_LENGTH} characters on Basic/Pro access, and these are longer: "
                    f"{', '.join(long)}")
        return self.describe()

    def probe(self) -> str:
        query = self.brands[0].parsed_query if self.brands else Query.parse("x")
        text = x_query(query, exclude_retweets=self.config.exclude_retweets)
        # No start/end time: X searches the last 7 days; 10 is the smallest page it serves.
        body = self.http.get_json(self.url, {"query": text, "max_results": 10}, query_label=text)
        self._page(body, text)
        return "recent search answered"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: X is searched per brand query; call fetch(query, ...) once per "
                "brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        self.auth.token()
        bounds = self._bounds(since, until)
        if bounds is None:
            return
        yield from self._search(x_query(query, exclude_retweets=self.config.exclude_retweets),
                                since, until, *bounds)


    def _bounds(self, since: datetime, until: datetime) -> tuple[datetime, datetime] | None:
        """start_time and end_time for the window, within what recent search serves."""
        now = self.now()
        start, end = _seconds(since), _seconds(until, ceil=True)
        if until <= now - HISTORY:
            self.note(
                f"{self.name}: the window {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC "
                "lies entirely before the last 7 days that X recent search covers; it was "
                "requested as asked, and X refuses or returns nothing for it (older posts need "
                "X's full-archive search)")
            return start, end
        oldest = _seconds(now - HISTORY + HISTORY_MARGIN, ceil=True)
        if start < oldest:
            self.history_note(since, now)
            start = oldest
        newest = _seconds(now - END_MARGIN)
        if end > newest:
            wait = end - newest
            if wait <= MAX_SETTLE:
                logger.info("%s: waiting %.0fs until X serves the window's last seconds",
                            self.name, wait.total_seconds())
                self.sleep(wait.total_seconds())
            else:
                self.note(
                    f"{self.name}: X serves posts from 10 seconds ago at the latest; the window "
                    f"was cut at {newest:%Y-%m-%d %H:%M:%S} UTC instead of "
                    f"{until:%Y-%m-%d %H:%M:%S}")
                end = newest
        if start >= end:
            self.note(f"{self.name}: nothing of the window {since.isoformat()} to "
                       f"{until.isoformat()} is within what X recent search serves")
            return None
        return start, end

    def _search(self, text: str, since: datetime, until: datetime, start: datetime,
                end: datetime) -> Iterator[Mention]:
        paginator = _NextToken("", label=f"{self.name} query {text!r}")
        token: str | None = None
        seen: set[str] = set()
        pages = yielded = skipped = partial = 0
        oldest = until
        while True:
            params: dict[str, str | int] = {
                "query": text, "start_time": _rfc3339(start), "end_time": _rfc3339(end),
                "max_results": self.config.max_results, "tweet.fields": TWEET_FIELDS,
                "expansions": EXPANSIONS, "user.fields": "username",
            }
            if token:
                params["next_token"] = token
            body = self.http.get_json(self.url, params, query_label=text)
            pages += 1
            tweets, errors = self._page(body, text)
            if errors:
                partial += len(errors)
                logger.warning("%s: X reported %d errors beside the posts for query %r "
                               "(first: %s); the posts it returned were kept",
                               self.name, len(errors), text, _describe_error(errors[0]))
            users, originals = usernames(body), included_tweets(body)
            for raw in tweets:
                mention = parse_tweet(raw, users, self.name, originals)
                if mention is None:
                    skipped += 1
                    continue
                oldest = min(oldest, mention.created_at)
                if since <= mention.created_at < until and mention.source_id not in seen:
                    seen.add(mention.source_id)
                    yielded += 1
                    yield mention
            token = paginator.next_page(body)
            if token is None:
                break
            if pages >= self.config.max_pages:
                self.note(f"{self.name}: query {text!r} stopped at "
                          f"max_pages={self.config.max_pages} ({self.config.max_results} posts "
                          f"a page); its posts from {since:%Y-%m-%d %H:%M} to "
                          f"{oldest:%Y-%m-%d %H:%M} UTC were not collected (raise max_pages)")
                break
        if skipped:
            logger.warning("%s: skipped %d posts for query %r without id, text or date",
                           self.name, skipped, text)
        logger.info("%s: %d posts for query %r in %d pages (%d partial errors)",
                    self.name, yielded, text, pages, partial)

    def _page(self, body: Any, text: str) -> tuple[list[Any], list[Any]]:
        """(posts, errors) of one answer; MalformedResponseError when it is not a search page."""
        data = body.get("data") if isinstance(body, Mapping) else None
        meta = body.get("meta") if isinstance(body, Mapping) else None
        if not isinstance(body, Mapping) or not isinstance(data, list | None) or (
                data is None and not isinstance(meta, Mapping)):
            found = shape(body)
            errors = body.get("errors") if isinstance(body, Mapping) else None
            first = (f"; first error: {_describe_error(errors[0])}"
                     if isinstance(errors, list) and errors else "")
            raise MalformedResponseError(
                f"{self.name}: response to query {text!r} from {self.url} is not a search "
                f"page: no 'data' list or 'meta' (got {found}){first}; check base_url points "
                "at the X API v2 (https://api.twitter.com/2)"
            )
        errors = body.get("errors")
        return data or [], errors if isinstance(errors, list) else []


def _describe_error(error: Any) -> str:
    if not isinstance(error, Mapping):
        return repr(error)[:200]
    parts = [str(error[k]) for k in ("title", "detail") if as_str(error.get(k))]
    return ": ".join(parts)[:200] or repr(dict(error))[:200]
