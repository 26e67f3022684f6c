"""The one configuration file (``koe.toml``): brands, sources, topics, model, alerts.

Built once at the edge (CLI, DAG) and passed down as a typed, immutable object. Every
validation failure names the file, the field and what to write instead.
"""

from __future__ import annotations

import difflib
import tomllib
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from koe.errors import ConfigError
from koe.query import Query, QueryError

DEFAULT_CONFIG = "koe.toml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Brand(_Model):
    name: str = Field(min_length=1)
    query: str
    languages: tuple[str, ...] = ()
    competitor: bool = False

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        try:
            Query.parse(value)
        except QueryError as e:
            raise ValueError(str(e)) from e
        return value

    @cached_property
    def parsed_query(self) -> Query:
        # Parsed once per brand: the load step matches every collected item against it.
        return Query.parse(self.query)

    def matches(self, text: str, language: str | None) -> bool:
        if self.languages and language not in self.languages:
            return False
        return self.parsed_query.matches(text, language)


class SampleSource(_Model):
    """Koe's built-in generator of realistic mentions, with a planted negative spike."""

    type: Literal["sample"]
    name: str = "sample"
    seed: int = 7
    mentions_per_day: int = Field(default=40, ge=1, le=5000)
    japanese_share: float = Field(default=0.4, ge=0, le=1)
    spike_brand: str | None = None
    spike_date: date | None = None
    spike_days_ago: int | None = Field(default=None, ge=0)
    spike_factor: float = Field(default=4.0, ge=1)

    @model_validator(mode="after")
    def _one_spike_day(self) -> SampleSource:
        if self.spike_date is not None and self.spike_days_ago is not None:
            raise ValueError("set spike_date or spike_days_ago, not both")
        return self

    def resolved_spike_date(self, today: date) -> date | None:
        if self.spike_date is not None:
            return self.spike_date
        if self.spike_days_ago is not None:
            return today - timedelta(days=self.spike_days_ago)
        return None


class FileColumns(_Model):
    """Which column holds what; only ``text`` is required."""

    text: str
    id: str | None = None
    created_at: str | None = None
    author: str | None = None
    title: str | None = None
    url: str | None = None
    language: str | None = None
    rating: str | None = None
    nps: str | None = None
    csat: str | None = None


class FileSource(_Model):
    """A CSV or JSONL export: reviews, survey answers (NPS/CSAT) or support tickets."""

    type: Literal["file"]
    name: str
    path: Path
    format: Literal["csv", "tsv", "jsonl"] | None = None
    kind: Literal["review", "survey", "ticket"] = "review"
    columns: FileColumns
    brand: str | None = Field(
        default=None,
        description="Attribute every row to this brand instead of matching brand queries.",
    )
    date_format: str | None = None


class _ApiSource(_Model):
    """What every network source shares: where it lives and how far it may page."""

    base_url: str
    max_pages: int = Field(default=10, ge=1, le=1000)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")


class _CredentialedSource(_ApiSource):
    """A source that needs credentials: named environment variables or an Airflow connection.

    Secrets never live in this file. ``conn_id`` names an Airflow connection whose login and
    password (and extra) hold them; the environment variables win when both are set.
    """

    conn_id: str | None = None


class HackerNewsSource(_ApiSource):
    type: Literal["hackernews"]
    name: str = "hackernews"
    base_url: str = "https://hn.algolia.com/api/v1"
    tags: str = "(story,comment)"
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    max_pages: int = Field(default=20, ge=1)


class RedditListing(_Model):
    """A subreddit whose newest posts are all read, whatever they say (a brand's own community)."""

    subreddit: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$",
                           description="The name without r/, e.g. AuroraCoffee.")
    brand: str | None = Field(
        default=None, description="Attribute its posts and comments to this brand even when "
                                  "they do not name it; else they must match a brand query.")


class RedditSource(_CredentialedSource):
    """Reddit search (site-wide or in listed subreddits), posts and their comments."""

    type: Literal["reddit"]
    name: str = "reddit"
    base_url: str = "https://oauth.reddit.com"
    auth_url: str = "https://www.reddit.com/api/v1/access_token"
    client_id_env: str = "KOE_REDDIT_CLIENT_ID"
    client_secret_env: str = "KOE_REDDIT_CLIENT_SECRET"
    user_agent: str = "koe-listening/0.1 (self-hosted social listening)"
    subreddits: tuple[str, ...] = Field(
        default=(), description="Search only these subreddits (no r/ prefix); empty = all of Reddit.")
    listings: tuple[RedditListing, ...] = Field(
        default=(), description="Subreddits whose newest posts are read in full every run.")
    include_comments: bool = Field(
        default=True, description="Also read the comments of each matching post.")
    max_comment_posts: int = Field(default=25, ge=0)
    requests_per_minute: int = Field(default=100, ge=1, le=100)
    limit: int = Field(default=100, ge=1, le=100)


class MastodonSource(_CredentialedSource):
    """Hashtag timelines on any instance and, with an access token, full-text search."""

    type: Literal["mastodon"]
    name: str = "mastodon"
    base_url: str = "https://mastodon.social"
    token_env: str = "KOE_MASTODON_TOKEN"
    hashtags: tuple[str, ...] = Field(
        default=(), description="Extra hashtags to follow (no #); the brand query's #tags are always read.")
    search: bool = Field(default=True, description="Use /api/v2/search when a token is set.")
    limit: int = Field(default=40, ge=1, le=40)
    requests_per_window: int = Field(default=300, ge=1, le=300)
    window_seconds: int = Field(default=300, ge=1)


class BlueskySource(_CredentialedSource):
    """Bluesky post search (app.bsky.feed.searchPosts) with an app-password session."""

    type: Literal["bluesky"]
    name: str = "bluesky"
    base_url: str = "https://bsky.social"
    handle_env: str = "KOE_BLUESKY_HANDLE"
    app_password_env: str = "KOE_BLUESKY_APP_PASSWORD"
    lang: str | None = Field(default=None, description="Only posts in this language (e.g. ja).")
    limit: int = Field(default=100, ge=1, le=100)


class GoogleNewsEdition(_Model):
    """One Google News edition: ``hl`` language, ``gl`` country (``ceid`` is derived)."""

    hl: str = "en-US"
    gl: str = "US"

    @property
    def ceid(self) -> str:
        return f"{self.gl}:{self.hl.split('-')[0]}"


class NewsSource(_ApiSource):
    """Google News RSS search per brand query, and any RSS/Atom feeds you list."""

    type: Literal["news"]
    name: str = "news"
    base_url: str = "https://news.google.com/rss"
    google_news: bool = True
    editions: tuple[GoogleNewsEdition, ...] = (
        GoogleNewsEdition(hl="en-US", gl="US"), GoogleNewsEdition(hl="ja", gl="JP"))
    feeds: tuple[str, ...] = Field(default=(), description="RSS/Atom feed URLs read every run.")


class AppStoreSource(_ApiSource):
    """Apple App Store customer reviews of one app (the public JSON review feed)."""

    type: Literal["appstore"]
    name: str = "appstore"
    base_url: str = "https://itunes.apple.com"
    app_id: str = Field(pattern=r"^[0-9]+$", description="The number in the app's App Store URL.")
    countries: tuple[Annotated[str, Field(pattern=r"^[a-z]{2}$")], ...] = Field(
        default=("us",), min_length=1, description="Two-letter lower-case storefront codes.")
    brand: str | None = Field(default=None, description="Attribute every review to this brand.")
    max_pages: int = Field(default=10, ge=1, le=10)


class GooglePlaySource(_ApiSource):
    """Google Play reviews of one app, per language and country."""

    type: Literal["googleplay"]
    name: str = "googleplay"
    base_url: str = "https://play.google.com"
    app_id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$",
                        description="The package name, e.g. com.example.app.")
    locales: tuple[str, ...] = Field(default=("en_US",),
                                     description="language_COUNTRY pairs, e.g. en_US, ja_JP.")
    brand: str | None = Field(default=None, description="Attribute every review to this brand.")
    page_size: int = Field(default=100, ge=1, le=200)

    @field_validator("locales")
    @classmethod
    def _locales(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            lang, _, country = item.partition("_")
            if not (lang.isalpha() and country.isalpha() and len(country) == 2):
                raise ValueError(f"locale {item!r} is not language_COUNTRY like en_US or ja_JP")
        return value


class YouTubeSource(_CredentialedSource):
    """Comments on YouTube videos found by search or uploaded by listed channels."""

    type: Literal["youtube"]
    name: str = "youtube"
    base_url: str = "https://www.googleapis.com/youtube/v3"
    api_key_env: str = "KOE_YOUTUBE_API_KEY"
    channels: tuple[str, ...] = Field(default=(), description="Channel ids (UC...) to follow.")
    search: bool = Field(default=True, description="Find videos by searching the brand query.")
    max_videos: int = Field(default=10, ge=1, le=50)
    daily_quota: int = Field(default=10_000, ge=1, description="Quota units per day for this key.")
    relevance_language: str | None = None


class XSource(_CredentialedSource):
    """X (Twitter) API v2 recent search with your bearer token (paid access)."""

    type: Literal["x"]
    name: str = "x"
    base_url: str = "https://api.twitter.com/2"
    bearer_token_env: str = "KOE_X_BEARER_TOKEN"
    max_results: int = Field(default=100, ge=10, le=100)
    exclude_retweets: bool = False


SourceConfig = (SampleSource | FileSource | HackerNewsSource | RedditSource | MastodonSource
                | BlueskySource | NewsSource | AppStoreSource | GooglePlaySource | YouTubeSource
                | XSource)
Source = Annotated[SourceConfig, Field(discriminator="type")]
SOURCE_TYPES = ("sample", "file", "hackernews", "reddit", "mastodon", "bluesky", "news",
                "appstore", "googleplay", "youtube", "x")


class Topic(_Model):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    description_ja: str | None = None
    examples: tuple[str, ...] = ()


class SentimentSettings(_Model):
    model: str = "koe-minilm"
    batch_size: int = Field(default=256, ge=1)
    topic_threshold: float = Field(default=0.80, ge=0, le=1)
    max_topics: int = Field(default=3, ge=1)


class AlertRule(_Model):
    """A negative spike: today's negatives well above a trailing baseline, with volume."""

    brands: tuple[str, ...] = ()
    baseline_days: int = Field(default=14, ge=3, le=90)
    min_baseline_days: int = Field(default=7, ge=2)
    min_negative: int = Field(default=10, ge=1)
    z_threshold: float = Field(default=3.0, gt=0)
    cooldown_hours: int = Field(default=24, ge=0)


class SlackChannel(_Model):
    type: Literal["slack"]
    webhook_url_env: str = "KOE_SLACK_WEBHOOK_URL"


class WebhookChannel(_Model):
    type: Literal["webhook"]
    url_env: str = "KOE_WEBHOOK_URL"


class EmailChannel(_Model):
    type: Literal["email"]
    to: tuple[str, ...]
    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "koe@localhost"
    password_env: str | None = None


Channel = Annotated[SlackChannel | WebhookChannel | EmailChannel, Field(discriminator="type")]


class Alerts(_Model):
    rules: tuple[AlertRule, ...] = (AlertRule(),)
    channels: tuple[Channel, ...] = ()


class Storage(_Model):
    path: Path = Path(".koe/koe.duckdb")


class KoeConfig(_Model):
    storage: Storage = Storage()
    brands: tuple[Brand, ...] = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)
    topics: tuple[Topic, ...] = ()
    sentiment: SentimentSettings = SentimentSettings()
    alerts: Alerts = Alerts()
    pseudonym_key_env: str = Field(
        default="KOE_PSEUDONYM_KEY",
        description="Environment variable holding the key for hashing author names.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> KoeConfig:
        names = [b.name for b in self.brands]
        _unique(names, "brands", "name")
        _unique([s.name for s in self.sources], "sources", "name")
        _unique([t.name for t in self.topics], "topics", "name")
        known = set(names)
        for i, source in enumerate(self.sources):
            named = [getattr(source, "spike_brand", None) or getattr(source, "brand", None)]
            named += [listing.brand for listing in getattr(source, "listings", ())]
            for brand in named:
                if brand is not None and brand not in known:
                    raise ValueError(
                        f"sources[{i}] names brand {brand!r}, which is not declared; "
                        f"declared brands: {', '.join(names)}"
                    )
        for i, rule in enumerate(self.alerts.rules):
            for brand in rule.brands:
                if brand not in known:
                    raise ValueError(f"alerts.rules[{i}].brands names unknown brand {brand!r}")
        return self

    def brand(self, name: str) -> Brand:
        for b in self.brands:
            if b.name == name:
                return b
        raise ConfigError(f"unknown brand {name!r}")

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"unknown source {name!r}; configured: {[s.name for s in self.sources]}")


def _unique(values: list[str], where: str, key: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{where}: two entries have {key} {v!r}; {key}s must be unique")
        seen.add(v)


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _describe(error: dict[str, Any], raw: dict[str, Any]) -> str:
    loc = error.get("loc", ())
    # Discriminated unions put the tag into the location ("sources.0.sample.seed"); drop it.
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
        elif isinstance(node, dict) and item not in node and error["type"] != "missing" and item != loc[-1]:
            continue
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    where = ".".join(parts) or "(top level)"
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown key"
        hint = _suggest(loc, raw)
        if hint:
            msg += f"; did you mean {hint!r}?"
    elif error["type"] == "missing":
        msg = "required key is missing"
    elif error["type"] == "union_tag_invalid":
        msg = (f"{msg}; a source's type is one of {', '.join(SOURCE_TYPES)}; "
               "an alert channel's is slack, webhook or email")
    msg = msg.removeprefix("Value error, ")
    return f"{where}: {msg}"


def _suggest(loc: tuple[Any, ...], raw: dict[str, Any]) -> str | None:
    bad = str(loc[-1])
    candidates: set[str] = set()
    for model in (KoeConfig, Brand, SampleSource, FileSource, FileColumns, HackerNewsSource,
                  RedditSource, RedditListing, MastodonSource, BlueskySource, NewsSource,
                  GoogleNewsEdition,
                  AppStoreSource, GooglePlaySource, YouTubeSource, XSource, Topic,
                  SentimentSettings, AlertRule, Alerts, Storage, SlackChannel, WebhookChannel,
                  EmailChannel):
        candidates.update(_field_names(model))
    close = difflib.get_close_matches(bad, sorted(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def parse_config(raw: dict[str, Any], origin: str = "<config>", base_dir: Path | None = None,
                 today: date | None = None) -> KoeConfig:
    try:
        config = KoeConfig.model_validate(raw)
    except ValidationError as e:
        errors = e.errors()
        # A tuple whose items failed also reports "too short"; the item errors say it better.
        errors = [err for err in errors if not (
            err["type"] == "too_short"
            and any(o["loc"][:len(err["loc"])] == err["loc"] and o is not err for o in errors))]
        lines = [_describe(err, raw) for err in errors]  # type: ignore[arg-type]
        raise ConfigError(f"{origin} is not valid:\n  " + "\n  ".join(lines)) from None
    return _resolve(config, base_dir, today or datetime.now(UTC).date())


def _resolve(config: KoeConfig, base_dir: Path | None, today: date) -> KoeConfig:
    """Make relative paths absolute against the config file and pin relative spike days."""
    if base_dir is None:
        return config
    storage = config.storage.model_copy(update={"path": base_dir / config.storage.path})
    sources = []
    for s in config.sources:
        if isinstance(s, FileSource) and not s.path.is_absolute():
            s = s.model_copy(update={"path": base_dir / s.path})
        if isinstance(s, SampleSource) and s.spike_days_ago is not None:
            s = s.model_copy(update={"spike_date": s.resolved_spike_date(today),
                                     "spike_days_ago": None})
        sources.append(s)
    return config.model_copy(update={"storage": storage, "sources": tuple(sources)})


def load_config(path: Path | str = DEFAULT_CONFIG, today: date | None = None) -> KoeConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found; copy koe.toml from the repository or pass --config FILE"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    return parse_config(raw, origin=str(path), base_dir=path.resolve().parent, today=today)
