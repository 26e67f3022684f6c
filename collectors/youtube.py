"""YouTube comments through the YouTube Data API v3, with an API key.

Per brand query the collector first picks videos, then reads their comments:

- Videos: ``search.list`` (``type=video&order=date``, one call for the brand query's
  alternatives joined with ``|``, YouTube's OR) for videos published before ``until`` and
  at most ``VIDEO_LOOKBACK`` before ``since`` (comments arrive on older videos too); and, for
  the listed ``channels``, their uploads (``channels.list`` -> the uploads playlist ->
  ``playlistItems.list``, newest first). The newest ``max_videos`` of all found are read.
- Comments: ``commentThreads.list`` (``order=time``, newest first, 100 a page, paged by
  ``nextPageToken`` up to ``max_pages`` a video) with ``part=snippet,replies``: each thread's
  top-level comment and the up to five replies the API inlines (a thread's further replies
  are not fetched). Paging a video stops once a whole page is older than ``since``.
  ``textOriginal`` (plain) is preferred; ``textDisplay`` is HTML unless asked otherwise.
  ``title`` is the video's title and channel, so comments on a brand's own videos match the
  brand in the pipeline's load step.

The API meters quota, not requests: search costs 100 units, every list call 1, and a key
has 10,000 a day by default (reset at midnight Pacific time). ``daily_quota`` is shared by
the brand queries of a run (each gets ``daily_quota // brands``); a query stops before its
share is spent and says so in the run notes. The API's refusals arrive as 4xx JSON with a
``reason``: ``commentsDisabled`` (and a video gone or private) skips that video;
``quotaExceeded`` fails the source (the cursor stays, rerun tomorrow); a bad, expired or
restricted key (``API_KEY_INVALID``, ``keyInvalid``, a 403 naming an ``API_KEY_*`` block)
fails it naming ``api_key_env``; any other refusal fails it naming the API's reasons and
message (Google's error body repeats the message before the reasons, so a plain excerpt of
the body would often cut them off). The key travels in the ``X-Goog-Api-Key`` header (Google's
documented equivalent of ``key=``), so it is in no URL that httpx's request log, a proxy or an
error message could record.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from collectors._fields import as_int, as_str, as_utc, shape
from collectors._http import JsonHttp, redact
from collectors._paging import Paginator
from collectors._text import excerpt, html_to_text
from collectors.base import Collector, CollectorError, FetchError, MalformedResponseError
from koe.config import YouTubeSource
from koe.credentials import Credentials, location
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

WATCH_URL = "https://www.youtube.com/watch?v={}&lc={}"
#: How long before the window a video may have been published and still be searched.
VIDEO_LOOKBACK = timedelta(days=30)
SEARCH_COST = 100
LIST_COST = 1
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_MARKUP = re.compile(r"<[A-Za-z/][^>]*>|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked",
                         "SERVICE_DISABLED"})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded",
                           "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
UNAVAILABLE_REASONS = frozenset({"commentsDisabled", "videoNotFound", "forbidden"})
HOW = ("Create one in the Google Cloud console: APIs & Services > Library > enable "
       "'YouTube Data API v3', then APIs & Services > Credentials > Create credentials > API key")


def _error(response: httpx.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, Mapping) else None
    return error if isinstance(error, Mapping) else {}


def error_message(response: httpx.Response) -> str | None:
    """The ``error.message`` of a Google API error body as plain text (it may hold HTML)."""
    message = as_str(_error(response).get("message"))
    return excerpt(html_to_text(message), 160) if message else None


def error_reasons(response: httpx.Response) -> set[str]:
    """The ``reason`` strings of a Google API error body (``errors[]`` and ``details[]``)."""
    error = _error(response)
    reasons = set()
    for key in ("errors", "details"):
        entries = error.get(key)
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, Mapping) and isinstance(entry.get("reason"), str):
                reasons.add(entry["reason"])
    return reasons


def key_rejected(reasons: set[str]) -> bool:
    return bool(reasons & KEY_REASONS) or any(r.startswith("API_KEY_") for r in reasons)


class _Refused(FetchError):
    """A 4xx naming its reasons: the collector decides (quota spent, comments unavailable...)."""

    def __init__(self, status: int, reasons: set[str], url: httpx.URL,
                 message: str | None = None) -> None:
        said = f": {message}" if message else ""
        super().__init__(f"HTTP {status} {', '.join(sorted(reasons))} from {redact(url)}{said}")
        self.status = status
        self.reasons = reasons


class QuotaExceededError(FetchError):
    """The key's YouTube Data API quota is spent; rerun after it resets."""


class _CommentsUnavailable(FetchError):
    """This video's comments cannot be read (disabled, video gone or private)."""


class _YouTubeHttp(JsonHttp):
    """JsonHttp that reads the API's error reasons before a 4xx becomes a plain FetchError."""

    def credential_refused(self, response: httpx.Response) -> bool:
        # JsonHttp asks this of every refused (4xx) response while an Auth is set: True makes
        # it a CredentialRejectedError carrying Auth.fix(); _Refused goes to the collector.
        reasons = error_reasons(response)
        if key_rejected(reasons):
            return True
        if reasons:
            raise _Refused(response.status_code, reasons, response.request.url,
                           error_message(response))
        return False


class _ApiKey:
    """The API key as Google's ``X-Goog-Api-Key`` header; a key cannot be renewed by us."""

    def __init__(self, config: YouTubeSource, credentials: Credentials, source: str) -> None:
        self.config = config
        self.credentials = credentials
        self.source = source

    def value(self) -> str:
        """The key, read on first use (raises CredentialError naming api_key_env if unset)."""
        c = self.config
        return self.credentials.require(self.source, "the YouTube Data API key", c.api_key_env,
                                        c.conn_id, "password", how=HOW)

    def headers(self) -> Mapping[str, str]:
        return {"X-Goog-Api-Key": self.value()}

    def refresh(self) -> bool:
        return False

    def fix(self) -> str:
        where = location([self.config.api_key_env], self.config.conn_id)
        return (f"Check {where}: it must hold a valid API key of a Google Cloud project with the "
                "YouTube Data API v3 enabled, and the key's restrictions must allow this API "
                "and this machine. " + HOW)


@dataclass(frozen=True)
class Video:
    id: str
    title: str | None = None
    channel: str | None = None
    published: datetime | None = None

    @property
    def label(self) -> str | None:
        if self.title and self.channel and self.channel not in self.title:
            return f"{self.title} — {self.channel}"
        return self.title or self.channel


class _OutOfQuota(Exception):
    """The query's share of the quota cannot pay for the next request."""


class _Quota:
    """Units this query may spend, and what they went on."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.spent: Counter[str] = Counter()

    def spend(self, units: int, what: str) -> bool:
        """Count ``units`` for ``what``; False (nothing counted) when they do not fit."""
        if self.used + units > self.budget:
            return False
        self.used += units
        self.spent[what] += units
        return True

    def summary(self) -> str:
        return ", ".join(f"{what} {units}" for what, units in sorted(self.spent.items())) or "none"


class _NextPage(Paginator[str | None]):
    def token_from(self, response: Any) -> str | None:
        token = response.get("nextPageToken") if isinstance(response, Mapping) else None
        return token if isinstance(token, str) and token else None


def _map(value: Any, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def comment_text(snippet: Mapping[str, Any]) -> str | None:
    """``textOriginal`` as written, else ``textDisplay`` (HTML unless plain text was asked)."""
    original = as_str(snippet.get("textOriginal"))
    if original is not None:
        return original.strip()
    display = as_str(snippet.get("textDisplay"))
    if display is None:
        return None
    text = html_to_text(display) if _MARKUP.search(display) else display.strip()
    return text or None


def parse_comment(comment: Any, video: Video, source: str,
                  replies: int | None = None) -> Mention | None:
    """One ``youtube#comment`` as a Mention; None without id, date or text."""
    comment_id = as_str(comment.get("id")) if isinstance(comment, Mapping) else None
    snippet = _map(comment, "snippet")
    created_at = as_utc(snippet.get("publishedAt"))
    text = comment_text(snippet)
    if comment_id is None or created_at is None or text is None:
        return None
    return Mention(
        source=source,
        source_id=comment_id,
        text=text,
        created_at=created_at,
        url=WATCH_URL.format(video.id, comment_id),
        author=as_str(snippet.get("authorDisplayName")),
        title=video.label,
        engagement=Engagement(likes=as_int(snippet.get("likeCount")), replies=replies),
    )


@dataclass(frozen=True)
class ThreadResult:
    mentions: tuple[Mention, ...]
    skipped: int


def parse_thread(item: Any, video: Video, source: str) -> ThreadResult:
    """A ``youtube#commentThread``: its top-level comment, then the replies inlined with it."""
    snippet = _map(item, "snippet")
    top = parse_comment(snippet.get("topLevelComment"), video, source,
                        replies=as_int(snippet.get("totalReplyCount")))
    if top is None:
        return ThreadResult((), 1)
    mentions, skipped = [top], 0
    inline = _map(item, "replies").get("comments")
    for reply in inline if isinstance(inline, list) else ():
        parsed = parse_comment(reply, video, source)
        if parsed is None:
            skipped += 1
        else:
            mentions.append(parsed)
    return ThreadResult(tuple(mentions), skipped)


def search_terms(query: Query) -> str:
    """The brand query as one YouTube search: alternatives joined by ``|`` (its OR)."""
    return "|".join(query.search_alternatives())


class YouTubeCollector(Collector[YouTubeSource]):
    type = "youtube"
    per_query = True

    def setup(self) -> None:
        self.auth = _ApiKey(self.config, self.credentials, self.name)
        self.http = _YouTubeHttp(self.name, client=self.client, sleep=self.sleep, auth=self.auth)
        self.base = self.config.base_url.rstrip("/")

    def close(self) -> None:
        self.http.close()

    # -- configuration ----------------------------------------------------------------------

    @property
    def query_budget(self) -> int:
        """Quota units one brand query may use: ``daily_quota`` shared by the brand queries."""
        return max(1, self.config.daily_quota // max(1, len(self.brands)))

    def _check_config(self) -> None:
        c = self.config
        bad = [ch for ch in c.channels if not CHANNEL_ID.match(ch)]
        if bad:
            raise CollectorError(
                f"{self.name}: channels {bad} are not channel ids (UC followed by 22 letters, "
                "digits, - or _); a @handle or custom URL will not do. Find the id on the "
                "channel's page: About > Share channel > Copy channel ID"
            )
        if not c.search and not c.channels:
            raise CollectorError(
                f"{self.name}: search = false and no channels listed, so there is nothing to "
                "read; set search = true or list channel ids in channels"
            )

    def describe(self) -> str:
        c = self.config
        where = []
        if c.search:
            where.append(f"search for each brand query ({SEARCH_COST} units)")
        if c.channels:
            where.append(f"uploads of {len(c.channels)} channel(s)")
        return (f"YouTube comments on the newest {c.max_videos} videos from "
                f"{' and '.join(where)}, up to {c.max_pages} pages of 100 threads a video; "
                f"at most {self.query_budget} quota units per brand query "
                f"(daily_quota {c.daily_quota})")

    def check(self) -> str:
        self._check_config()
        self.auth.value()
        return self.describe()

    def probe(self) -> str:
        self._check_config()
        self.auth.value()
        if self.config.channels:
            body = self._get("channels", {"part": "id", "id": ",".join(self.config.channels),
                                          "maxResults": 50}, "probe")
            found = {as_str(i.get("id")) for i in self._items(body, "channels", "probe")
                     if isinstance(i, Mapping)}
            missing = [ch for ch in self.config.channels if ch not in found]
            if missing:
                raise CollectorError(f"{self.name}: YouTube knows no channels {missing}; check "
                                     "the ids in channels")
            return f"answered: {len(found)} channel(s) found (1 quota unit)"
        body = self._get("videos", {"part": "id", "chart": "mostPopular", "maxResults": 1}, "probe")
        self._items(body, "videos", "probe")
        return "answered: the API key works (1 quota unit)"

    # -- requests ---------------------------------------------------------------------------

    def _get(self, endpoint: str, params: Mapping[str, str | int], label: str) -> Any:
        try:
            return self.http.get_json(f"{self.base}/{endpoint}", params, query_label=label)
        except _Refused as e:
            if e.reasons & QUOTA_REASONS:
                daily = bool(e.reasons & {"quotaExceeded", "dailyLimitExceeded"})
                raise QuotaExceededError(
                    f"{self.name}: YouTube refused {endpoint} for query {label!r}: the API key's "
                    f"quota is spent ({', '.join(sorted(e.reasons))}). "
                    + ("It resets at midnight Pacific time: rerun tomorrow"
                       if daily else "Rerun later")
                    + " (the cursor did not move, so nothing is lost), lower max_videos, or ask "
                    "for more quota in the Google Cloud console"
                ) from None
            if endpoint == "commentThreads" and e.reasons & UNAVAILABLE_REASONS:
                raise _CommentsUnavailable(str(e)) from None
            raise FetchError(
                f"{self.name}: YouTube refused {endpoint} for query {label!r} ({e}); check this "
                "source's channels and options, and the API key's restrictions in the Google "
                "Cloud console"
            ) from None

    def _items(self, body: Any, endpoint: str, label: str) -> list[Any]:
        items = body.get("items", []) if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            found = shape(body)
            raise MalformedResponseError(
                f"{self.name}: {endpoint} response for query {label!r} from "
                f"{self.base}/{endpoint} has no 'items' list (got {found}); check base_url "
                "points at the YouTube Data API (…/youtube/v3)"
            )
        return items


    def _quota_note(self, quota: _Quota, label: str, before: str) -> None:
        self.note(
            f"{self.name}: query {label!r} stopped at {quota.used} of its {quota.budget} quota "
            f"units (daily_quota {self.config.daily_quota} shared by {max(1, len(self.brands))} "
            f"brand queries) before {before}. Raise daily_quota if the key has more, or lower "
            "max_videos"
        )

    # -- collection -------------------------------------------------------------------------

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        if query is None:
            raise CollectorError(
                f"{self.name}: YouTube is searched per brand query; call fetch(query, ...) once "
                "per brand (the pipeline does this when per_query is True)"
            )
        self._check_window(since, until)
        self._check_config()
        self.auth.value()
        label = query.source
        quota = _Quota(self.query_budget)
        videos = self._videos(query, since, until, quota)
        seen: set[str] = set()
        unavailable: list[str] = []
        yielded = 0
        for n, video in enumerate(videos):
            try:
                for mention in self._comments(video, since, until, quota, label):
                    if mention.source_id not in seen:
                        seen.add(mention.source_id)
                        yielded += 1
                        yield mention
            except _CommentsUnavailable as e:
                logger.info("%s: skipped video %s for query %r: %s", self.name, video.id,
                            label, e)
                unavailable.append(video.id)
            except _OutOfQuota:
                self._quota_note(quota, label, f"reading all comments of {len(videos) - n} of "
                                 f"{len(videos)} videos")
                break
        if unavailable:
            self.note(f"{self.name}: comments of {len(unavailable)} video(s) for query "
                       f"{label!r} could not be read (disabled, private or deleted): "
                       f"{', '.join(unavailable)}")
        logger.info("%s: %d comments on %d videos for query %r; %d quota units used (%s)",
                    self.name, yielded, len(videos), label, quota.used, quota.summary())

    def _videos(self, query: Query, since: datetime, until: datetime,
                quota: _Quota) -> list[Video]:
        label = query.source
        found: dict[str, Video] = {}
        if self.config.channels:
            for video in self._channel_videos(since, until, quota, label):
                found.setdefault(video.id, video)
        if self.config.search:
            for video in self._search(query, since, until, quota):
                found.setdefault(video.id, video)
        # Newest first (sorted() is stable, so ties keep the order the API gave).
        ordered = sorted(found.values(), key=lambda v: v.published or _EPOCH, reverse=True)
        limit = self.config.max_videos
        if len(ordered) > limit:
            self.note(f"{self.name}: query {label!r} found {len(ordered)} videos; read the "
                       f"comments of the newest max_videos={limit} (raise it to read more)")
        return ordered[:limit]

    def _search(self, query: Query, since: datetime, until: datetime,
                quota: _Quota) -> list[Video]:
        label = query.source
        if not quota.spend(SEARCH_COST, "search"):
            self._quota_note(quota, label, "the video search")
            return []
        params: dict[str, str | int] = {
            "part": "snippet", "type": "video", "q": search_terms(query), "order": "date",
            "publishedAfter": rfc3339(since - VIDEO_LOOKBACK),
            "publishedBefore": rfc3339(until), "maxResults": self.config.max_videos,
        }
        if self.config.relevance_language:
            params["relevanceLanguage"] = self.config.relevance_language
        body = self._get("search", params, label)
        videos = []
        for item in self._items(body, "search", label):
            video_id = as_str(_map(item, "id").get("videoId"))
            if video_id is None:
                continue  # a channel or playlist result
            snippet = _map(item, "snippet")
            videos.append(Video(video_id, _unescaped(snippet.get("title")),
                                _unescaped(snippet.get("channelTitle")),
                                as_utc(snippet.get("publishedAt"))))
        return videos

    def _channel_videos(self, since: datetime, until: datetime, quota: _Quota,
                        label: str) -> list[Video]:
        if not quota.spend(LIST_COST, "channels"):
            self._quota_note(quota, label, "listing the channels' uploads")
            return []
        channels = self.config.channels
        body = self._get("channels", {"part": "snippet,contentDetails", "id": ",".join(channels),
                                      "maxResults": 50}, label)
        uploads: dict[str, tuple[str, str | None]] = {}
        for item in self._items(body, "channels", label):
            channel_id = as_str(item.get("id")) if isinstance(item, Mapping) else None
            playlist = as_str(_map(_map(item, "contentDetails"), "relatedPlaylists").get("uploads"))
            if channel_id and playlist:
                uploads[channel_id] = (playlist, _unescaped(_map(item, "snippet").get("title")))
        missing = [ch for ch in channels if ch not in uploads]
        if missing:
            self.note(f"{self.name}: YouTube returned no uploads playlist for channels "
                       f"{missing}; check the ids in channels")
        videos: list[Video] = []
        for channel_id in channels:
            if channel_id in uploads:
                playlist, title = uploads[channel_id]
                videos.extend(self._uploads(playlist, title, since, until, quota, label))
        return videos

    def _uploads(self, playlist: str, channel: str | None, since: datetime, until: datetime,
                 quota: _Quota, label: str) -> Iterator[Video]:
        """A channel's uploads published in [since - VIDEO_LOOKBACK, until), newest first."""
        oldest = since - VIDEO_LOOKBACK
        pages = _NextPage(None, label=f"{self.name} playlist {playlist}")
        token: str | None = None
        kept = 0
        while True:
            if not quota.spend(LIST_COST, "playlistItems"):
                self._quota_note(quota, label, f"listing the uploads in playlist {playlist}")
                return
            params: dict[str, str | int] = {"part": "snippet,contentDetails",
                                            "playlistId": playlist, "maxResults": 50}
            if token:
                params["pageToken"] = token
            body = self._get("playlistItems", params, label)
            dates = []
            for item in self._items(body, "playlistItems", label):
                snippet, details = _map(item, "snippet"), _map(item, "contentDetails")
                video_id = (as_str(details.get("videoId"))
                            or as_str(_map(snippet, "resourceId").get("videoId")))
                # snippet.publishedAt is when the item joined the playlist; private and deleted
                # videos have no videoPublishedAt (and no readable comments).
                published = as_utc(details.get("videoPublishedAt"))
                if video_id is None or published is None:
                    continue
                dates.append(published)
                if oldest <= published < until:
                    kept += 1
                    yield Video(video_id, _unescaped(snippet.get("title")), channel, published)
            if kept >= self.config.max_videos or (dates and max(dates) < oldest):
                return
            token = pages.next_page(body)
            if token is None or pages.pages >= self.config.max_pages:
                return

    def _comments(self, video: Video, since: datetime, until: datetime, quota: _Quota,
                  query_label: str) -> Iterator[Mention]:
        label = f"{query_label} / video {video.id}"
        pages = _NextPage(None, label=f"{self.name} {label}")
        token: str | None = None
        skipped = 0
        while True:
            if not quota.spend(LIST_COST, "commentThreads"):
                raise _OutOfQuota
            params: dict[str, str | int] = {
                "part": "snippet,replies", "videoId": video.id, "maxResults": 100,
                "order": "time", "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            body = self._get("commentThreads", params, label)
            items = self._items(body, "commentThreads", label)
            dates = []
            for item in items:
                thread = parse_thread(item, video, self.name)
                skipped += thread.skipped
                for mention in thread.mentions:
                    dates.append(mention.created_at)
                    if since <= mention.created_at < until:
                        yield mention
            if not items or (dates and max(dates) < since):
                break  # newest first: later pages are older still
            token = pages.next_page(body)
            if token is None:
                break
            if pages.pages >= self.config.max_pages:
                if not dates or min(dates) >= since:
                    self.note(f"{self.name}: stopped video {video.id} for query "
                               f"{query_label!r} after max_pages={self.config.max_pages} pages "
                               "of comments; older comments in the window were not read "
                               "(raise max_pages to get them)")
                break
        if skipped:
            logger.warning("%s: skipped %d comments of video %s without id, date or text",
                           self.name, skipped, video.id)


def _unescaped(value: Any) -> str | None:
    # search.list snippets are HTML-escaped ("&#39;", "&amp;") although they are plain text.
    text = as_str(value)
    return html.unescape(text).strip() if text else None

