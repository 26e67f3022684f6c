"""Typed records that cross package boundaries (collectors -> pipeline -> storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Engagement:
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    views: int | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """One post, comment, review, article or survey answer as a collector yields it.

    ``author`` is the raw handle from the source; the pipeline pseudonymises it before
    anything is stored. ``created_at`` is timezone-aware (UTC).
    """

    source: str
    source_id: str
    text: str
    created_at: datetime
    url: str | None = None
    author: str | None = None
    title: str | None = None
    language: str | None = None
    rating: float | None = None
    nps: int | None = None
    csat: int | None = None
    engagement: Engagement = field(default_factory=Engagement)
    brands: tuple[str, ...] = ()
    # Set by the pipeline's cleaning step (koe.cleaning), never by collectors.
    flags: tuple[str, ...] = ()
    fingerprint: str | None = None
