"""The dashboard's only door to configuration and data: cached, read-only, snapshot-based.

Every query opens a short-lived read-only connection on the published snapshot
(``storage.read_snapshot``), so the dashboard never blocks the pipeline and never sees a
half-written run. Cached results are keyed on the snapshot's modification time as well as
the filters: a new publish is visible on the next rerun, not after the TTL.

This is the only module in ``app`` that reads the environment (``KOE_CONFIG``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from app import transforms
from app.wordclouds import NEGATIVE_COLORS, POSITIVE_COLORS, render_cloud
from koe.config import DEFAULT_CONFIG, KoeConfig, load_config
from koe.query import Query
from storage import queries
from storage.db import read_snapshot, snapshot_path

CONFIG_ENV = "KOE_CONFIG"
TTL_SECONDS = 60
MENTIONS_LIMIT = 500
CLOUD_TEXTS_LIMIT = 2000
_CONTEXT_KEY = "koe_context"

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """Which published data to read and which model's scores to show."""

    db_path: str
    version: int
    model_id: str


@dataclass(frozen=True)
class Filters:
    """The sidebar's choice. ``None`` for sources/languages means all of them."""

    start: date
    end: date
    brands: tuple[str, ...]
    sources: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        start, end = transforms.previous_period(self.start, self.end)
        return Filters(start, end, self.brands, self.sources, self.languages)


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))


@st.cache_resource(show_spinner=False)
def _load_config(path: str, mtime_ns: int) -> KoeConfig:
    return load_config(path)


def config() -> KoeConfig:
    """The parsed koe.toml, reloaded when the file changes; raises ConfigError when invalid."""
    path = config_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = 0  # load_config raises the helpful "not found" error
    return _load_config(str(path), mtime)


def snapshot() -> Snapshot | None:
    """The published snapshot for the configured database, or None before the first publish."""
    settings = config()
    db = Path(settings.storage.path)
    try:
        version = snapshot_path(db).stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return Snapshot(str(db), version, settings.sentiment.model)


def tracked_brands() -> tuple[str, ...]:
    return tuple(b.name for b in config().brands)


def brand_exclusions(brand: str) -> tuple[str, ...]:
    """The brand's name and its query's words: kept out of its own word clouds."""
    for b in config().brands:
        if b.name == brand:
            return (b.name, *(t.text for t in Query.parse(b.query).terms()))
    return (brand,)


def set_context(snap: Snapshot, filters: Filters) -> None:
    """Called by the main script once the sidebar has run, before the page runs."""
    st.session_state[_CONTEXT_KEY] = (snap, filters)


def context() -> tuple[Snapshot, Filters]:
    """The snapshot and sidebar filters of this run, for the page."""
    return st.session_state[_CONTEXT_KEY]


def _read(snap: Snapshot, query: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    with read_snapshot(Path(snap.db_path)) as con:
        if con is None:
            return None
        return query(con, *args, **kwargs)


def _frame(result: pd.DataFrame | None) -> pd.DataFrame:
    return result if result is not None else pd.DataFrame()


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def extent(snap: Snapshot) -> tuple[date | None, date | None]:
    """First and last day with data for the configured model."""
    frame = _read(snap, queries.data_extent, snap.model_id)
    if frame is None or frame.empty or pd.isna(frame.loc[0, "last_day"]):
        return None, None
    return (pd.Timestamp(frame.loc[0, "first_day"]).date(),
            pd.Timestamp(frame.loc[0, "last_day"]).date())


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def dimension_values(snap: Snapshot) -> dict[str, list[str]]:
    """Brands, sources and languages present in the data, busiest first."""
    frame = _frame(_read(snap, queries.dimension_values, snap.model_id))
    out: dict[str, list[str]] = {"brand": [], "source": [], "language": []}
    for row in frame.itertuples(index=False):
        out[row.dimension].append(row.value)
    return out


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def daily_volume(snap: Snapshot, f: Filters) -> pd.DataFrame:
    return _frame(_read(snap, queries.daily_volume, snap.model_id, f.start, f.end, f.brands,
                        f.sources, f.languages))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def daily_volume_all_brands(snap: Snapshot, f: Filters) -> pd.DataFrame:
    """Every brand's daily counts under the same period/source/language filters (share of voice)."""
    return _frame(_read(snap, queries.daily_volume, snap.model_id, f.start, f.end, None,
                        f.sources, f.languages))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def daily_topics(snap: Snapshot, f: Filters) -> pd.DataFrame:
    return _frame(_read(snap, queries.daily_topics, snap.model_id, f.start, f.end, f.brands,
                        f.sources, f.languages))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def alerts(snap: Snapshot, f: Filters) -> pd.DataFrame:
    return _frame(_read(snap, queries.alerts, snap.model_id, f.start, f.end, f.brands))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def mentions(snap: Snapshot, f: Filters, labels: tuple[str, ...] | None = None,
             topics: tuple[str, ...] | None = None, search: str | None = None,
             limit: int = MENTIONS_LIMIT, hide_flagged: bool = False) -> pd.DataFrame:
    return _frame(_read(snap, queries.mentions, snap.model_id, f.start, f.end, f.brands,
                        f.sources, f.languages, labels, topics, search or None, limit,
                        hide_flagged))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def rating_distribution(snap: Snapshot, f: Filters) -> pd.DataFrame:
    return _frame(_read(snap, queries.rating_distribution, f.start, f.end, f.brands, f.sources,
                        f.languages))


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def run_log(snap: Snapshot, limit: int = 200) -> pd.DataFrame:
    return _frame(_read(snap, queries.run_log, limit))


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def last_run(snap: Snapshot) -> pd.DataFrame:
    return _frame(_read(snap, queries.last_run))


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def source_health(snap: Snapshot) -> pd.DataFrame:
    return _frame(_read(snap, queries.source_health))


# Tokenizing and drawing take most of a second, and the key already holds the snapshot
# version, so a longer life cannot show stale words; the TTL only bounds memory.
@st.cache_data(ttl=15 * 60, max_entries=32, show_spinner=False)
def word_cloud(snap: Snapshot, f: Filters, brand: str, label: str,
               exclude: tuple[str, ...]) -> tuple[bytes | None, int]:
    """(PNG or None when there are no words, texts used) for one brand's labelled mentions."""
    brand_filters = Filters(f.start, f.end, (brand,), f.sources, f.languages)
    rows = mentions(snap, brand_filters, labels=(label,), limit=CLOUD_TEXTS_LIMIT)
    if rows.empty:
        return None, 0
    frequencies = transforms.cloud_frequencies(
        rows["text"].tolist(), rows["language"].tolist(), exclude)
    if not frequencies:
        return None, len(rows)
    colors = POSITIVE_COLORS if label == "positive" else NEGATIVE_COLORS
    return render_cloud(frequencies, colors=colors), len(rows)
