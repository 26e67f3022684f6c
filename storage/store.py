"""The pipeline's write side: every statement that changes the database lives here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from koe.cleaning import Duplicate, Stored
from koe.records import Mention
from storage.db import publish, session

_TS = pa.timestamp("us", tz="UTC")

_MENTION_SCHEMA = pa.schema([
    ("source", pa.string()), ("source_id", pa.string()), ("url", pa.string()),
    ("author_hash", pa.string()), ("title", pa.string()), ("text", pa.string()),
    ("language", pa.string()), ("created_at", _TS), ("collected_at", _TS),
    ("brands", pa.list_(pa.string())), ("rating", pa.float64()), ("nps", pa.int32()),
    ("csat", pa.int32()), ("likes", pa.int64()), ("replies", pa.int64()),
    ("reposts", pa.int64()), ("views", pa.int64()),
    ("fingerprint", pa.string()), ("flags", pa.list_(pa.string())),
    ("duplicates", pa.int32()),
])

_DUPLICATE_SCHEMA = pa.schema([
    ("source", pa.string()), ("source_id", pa.string()), ("canonical_source", pa.string()),
    ("canonical_id", pa.string()), ("kind", pa.string()), ("created_at", _TS),
    ("author_hash", pa.string()), ("collected_at", _TS),
])

# Content may legitimately change (edited text, growing engagement); identity and first
# collection time never do, so a rerun of the same day changes nothing.
_UPSERT_MENTIONS = """
INSERT INTO mentions SELECT * FROM incoming
ON CONFLICT (source, source_id) DO UPDATE SET
    url = excluded.url, author_hash = excluded.author_hash, title = excluded.title,
    text = excluded.text, language = excluded.language, created_at = excluded.created_at,
    brands = list_sort(list_distinct(list_concat(mentions.brands, excluded.brands))),
    rating = excluded.rating, nps = excluded.nps, csat = excluded.csat,
    likes = excluded.likes, replies = excluded.replies, reposts = excluded.reposts,
    views = excluded.views, fingerprint = excluded.fingerprint,
    flags = excluded.flags
"""

_UPSERT_DUPLICATES = """
INSERT INTO mention_duplicates SELECT * FROM incoming_duplicates
ON CONFLICT (source, source_id) DO UPDATE SET
    canonical_source = excluded.canonical_source, canonical_id = excluded.canonical_id,
    kind = excluded.kind, created_at = excluded.created_at, author_hash = excluded.author_hash
"""

_RECOUNT_DUPLICATES = """
UPDATE mentions SET duplicates = c.n
FROM (SELECT canonical_source, canonical_id, count(*) AS n FROM mention_duplicates
      GROUP BY ALL) c
WHERE mentions.source = c.canonical_source AND mentions.source_id = c.canonical_id
  AND mentions.duplicates IS DISTINCT FROM c.n
"""


@dataclass(frozen=True, slots=True)
class AspectRow:
    """One clause of a mention: its text, topics and own sentiment."""

    clause: int
    text: str
    label: str
    score: float
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreRow:
    source: str
    source_id: str
    label: str
    p_negative: float
    p_neutral: float
    p_positive: float
    score: float
    topics: tuple[str, ...]
    emotion: str | None = None
    aspects: tuple[AspectRow, ...] = ()


@dataclass(frozen=True, slots=True)
class RunLogEntry:
    run_id: str
    step: str
    status: str
    items: int = 0
    seconds: float = 0.0
    source: str = ""
    brand: str = ""
    interval_start: datetime | None = None
    interval_end: datetime | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    alert_id: str
    brand: str
    window_start: datetime
    window_end: datetime
    model_id: str
    severity: str
    negative_count: int
    mentions: int
    baseline: float
    baseline_std: float
    z_score: float
    reason: str
    top_terms: tuple[str, ...]
    topics: tuple[str, ...]
    sample_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingText:
    source: str
    source_id: str
    text: str
    language: str | None


class Store:
    """Read-write access to one Koe database file, for the pipeline's steps."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def publish(self) -> Path:
        return publish(self.path)

    def migrate(self) -> None:
        with session(self.path):
            pass

    def count(self, table: str) -> int:
        if table not in {"mentions", "scores", "daily_aggregates", "daily_topics", "alerts",
                         "cursors", "run_log", "mention_duplicates"}:
            raise ValueError(f"unknown table {table!r}")
        with session(self.path) as con:
            return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    # mentions -----------------------------------------------------------------------------

    def upsert_mentions(self, mentions: Sequence[Mention], collected_at: datetime,
                        duplicates: Sequence[Duplicate] = ()) -> int:
        """Insert or update by (source, source_id), and record ``duplicates`` of stored
        mentions, in one transaction; returns how many mention rows are new."""
        if not mentions and not duplicates:
            return 0
        merged: dict[tuple[str, str], Mention] = {}
        for m in mentions:
            key = (m.source, m.source_id)
            if key in merged:
                brands = tuple(sorted(set(merged[key].brands) | set(m.brands)))
                m = _with_brands(m, brands)
            merged[key] = m
        rows = list(merged.values())
        table = pa.table({
            "source": [m.source for m in rows],
            "source_id": [m.source_id for m in rows],
            "url": [m.url for m in rows],
            "author_hash": [m.author for m in rows],
            "title": [m.title for m in rows],
            "text": [m.text for m in rows],
            "language": [m.language for m in rows],
            "created_at": [m.created_at for m in rows],
            "collected_at": [collected_at] * len(rows),
            "brands": [sorted(m.brands) for m in rows],
            "rating": [m.rating for m in rows],
            "nps": [m.nps for m in rows],
            "csat": [m.csat for m in rows],
            "likes": [m.engagement.likes for m in rows],
            "replies": [m.engagement.replies for m in rows],
            "reposts": [m.engagement.reposts for m in rows],
            "views": [m.engagement.views for m in rows],
            "fingerprint": [m.fingerprint for m in rows],
            "flags": [list(m.flags) for m in rows],
            "duplicates": [0] * len(rows),
        }, schema=_MENTION_SCHEMA)
        dups = pa.table({
            "source": [d.source for d in duplicates],
            "source_id": [d.source_id for d in duplicates],
            "canonical_source": [d.canonical_source for d in duplicates],
            "canonical_id": [d.canonical_id for d in duplicates],
            "kind": [d.kind for d in duplicates],
            "created_at": [d.created_at for d in duplicates],
            "author_hash": [d.author for d in duplicates],
            "collected_at": [collected_at] * len(duplicates),
        }, schema=_DUPLICATE_SCHEMA)
        with session(self.path) as con:
            before = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
            con.register("incoming", table)
            con.register("incoming_duplicates", dups)
            con.execute("BEGIN TRANSACTION")
            if rows:
                con.execute(_UPSERT_MENTIONS)
            if duplicates:
                con.execute(_UPSERT_DUPLICATES)
                con.execute(_RECOUNT_DUPLICATES)
            con.execute("COMMIT")
            con.unregister("incoming")
            con.unregister("incoming_duplicates")
            after = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        return int(after - before)

    def dedupe_candidates(self, start: datetime, end: datetime) -> list[Stored]:
        """Stored mentions created in [start, end), for duplicate detection."""
        with session(self.path) as con:
            rows = con.execute(
                "SELECT source, source_id, created_at, fingerprint, text FROM mentions "
                "WHERE created_at >= ? AND created_at < ?", [start, end]).fetchall()
        return [Stored(*r) for r in rows]

    # cursors ------------------------------------------------------------------------------

    def cursors(self) -> dict[tuple[str, str], datetime]:
        with session(self.path) as con:
            rows = con.execute("SELECT source, brand, position FROM cursors").fetchall()
        return {(s, b): p for s, b, p in rows}

    def advance_cursor(self, source: str, brand: str, position: datetime) -> None:
        """Move the cursor forward only: a backfill of an old interval never rewinds it."""
        with session(self.path) as con:
            con.execute(
                """INSERT INTO cursors VALUES (?, ?, ?, now())
                   ON CONFLICT (source, brand) DO UPDATE SET
                     position = greatest(cursors.position, excluded.position),
                     updated_at = excluded.updated_at""",
                [source, brand, position],
            )

    # run log ------------------------------------------------------------------------------

    def log_steps(self, entries: Sequence[RunLogEntry]) -> None:
        if not entries:
            return
        now = datetime.now(UTC)
        with session(self.path) as con:
            con.executemany(
                """INSERT OR REPLACE INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [[e.run_id, e.step, e.source, e.brand, e.interval_start, e.interval_end,
                  e.status, e.items, e.seconds, e.message, now] for e in entries],
            )

    # scores -------------------------------------------------------------------------------

    def pending_texts(self, model_id: str, model_version: str | None = None,
                      limit: int | None = None) -> list[PendingText]:
        """Mentions without a current score from ``model_id``, oldest first.

        A score from another version of the model counts as missing, so a retrained model
        re-scores instead of mixing versions. A mention without text (a survey score given
        without a comment) has no sentiment to score and is never pending.
        """
        sql = """SELECT m.source, m.source_id, m.text, m.language FROM mentions m
                 ANTI JOIN (SELECT source, source_id FROM scores
                            WHERE model_id = ? AND (? IS NULL OR model_version = ?)) s
                 USING (source, source_id)
                 WHERE trim(m.text) <> ''
                 ORDER BY m.created_at, m.source, m.source_id"""
        params: list[Any] = [model_id, model_version, model_version]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with session(self.path) as con:
            rows = con.execute(sql, params).fetchall()
        return [PendingText(*r) for r in rows]

    def write_scores(self, model_id: str, model_version: str, rows: Sequence[ScoreRow]) -> None:
        if not rows:
            return
        now = datetime.now(UTC)
        table = pa.table({
            "source": [r.source for r in rows],
            "source_id": [r.source_id for r in rows],
            "model_id": [model_id] * len(rows),
            "model_version": [model_version] * len(rows),
            "label": [r.label for r in rows],
            "p_negative": [r.p_negative for r in rows],
            "p_neutral": [r.p_neutral for r in rows],
            "p_positive": [r.p_positive for r in rows],
            "score": [r.score for r in rows],
            "topics": [list(r.topics) for r in rows],
            "scored_at": pa.array([now] * len(rows), _TS),
            "emotion": pa.array([r.emotion for r in rows], pa.string()),
        })
        aspects = [(r, a) for r in rows for a in r.aspects]
        clauses = pa.table({
            "source": pa.array([r.source for r, _ in aspects], pa.string()),
            "source_id": pa.array([r.source_id for r, _ in aspects], pa.string()),
            "model_id": pa.array([model_id] * len(aspects), pa.string()),
            "clause": pa.array([a.clause for _, a in aspects], pa.int32()),
            "text": pa.array([a.text for _, a in aspects], pa.string()),
            "label": pa.array([a.label for _, a in aspects], pa.string()),
            "score": pa.array([a.score for _, a in aspects], pa.float64()),
            "topics": pa.array([list(a.topics) for _, a in aspects], pa.list_(pa.string())),
        })
        with session(self.path) as con:
            con.register("incoming", table)
            con.register("incoming_clauses", clauses)
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT OR REPLACE INTO scores BY NAME SELECT * FROM incoming")
            # A re-scored mention may split into fewer clauses than before: replace them all.
            con.execute("""DELETE FROM aspect_sentiments a USING incoming i
                           WHERE a.source = i.source AND a.source_id = i.source_id
                             AND a.model_id = i.model_id""")
            con.execute("INSERT INTO aspect_sentiments BY NAME SELECT * FROM incoming_clauses")
            con.execute("COMMIT")
            con.unregister("incoming")
            con.unregister("incoming_clauses")

    def delete_scores(self, model_id: str) -> int:
        with session(self.path) as con:
            n = con.execute("SELECT count(*) FROM scores WHERE model_id = ?", [model_id]).fetchall()
            con.execute("DELETE FROM scores WHERE model_id = ?", [model_id])
            con.execute("DELETE FROM aspect_sentiments WHERE model_id = ?", [model_id])
        return int(n[0][0])

    # aggregates ---------------------------------------------------------------------------

    def refresh_aggregates(self, model_id: str) -> int:
        """Recompute the daily tables for ``model_id`` from scratch, in one transaction.

        A GROUP BY over every mention is cheap in DuckDB (well under a second for a year of
        a busy brand) and can never drift from the mentions, unlike incremental updates.
        """
        with session(self.path) as con:
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM daily_aggregates WHERE model_id = ?", [model_id])
            con.execute("DELETE FROM daily_topics WHERE model_id = ?", [model_id])
            con.execute(
                """INSERT INTO daily_aggregates
                SELECT m.created_at::DATE AS day, b.brand, m.source,
                       coalesce(m.language, 'und') AS language, ? AS model_id,
                       count(*), count(s.label),
                       count(*) FILTER (s.label = 'positive'),
                       count(*) FILTER (s.label = 'neutral'),
                       count(*) FILTER (s.label = 'negative'),
                       coalesce(sum(s.score), 0),
                       count(m.rating), coalesce(sum(m.rating), 0),
                       count(m.nps), count(*) FILTER (m.nps >= 9), count(*) FILTER (m.nps <= 6),
                       count(m.csat), count(*) FILTER (m.csat >= 4)
                FROM mentions m, unnest(m.brands) AS b(brand)
                LEFT JOIN scores s ON s.source = m.source AND s.source_id = m.source_id
                                  AND s.model_id = ?
                GROUP BY ALL""",
                [model_id, model_id],
            )
            con.execute(
                """INSERT INTO daily_topics
                SELECT m.created_at::DATE, b.brand, mt.topic, ?, count(*),
                       count(*) FILTER (mt.label = 'positive'),
                       count(*) FILTER (mt.label = 'negative')
                FROM mentions m, unnest(m.brands) AS b(brand)
                JOIN mention_topic_sentiment mt
                  ON mt.source = m.source AND mt.source_id = m.source_id AND mt.model_id = ?
                GROUP BY ALL""",
                [model_id, model_id],
            )
            con.execute("COMMIT")
            n = con.execute(
                "SELECT count(*) FROM daily_aggregates WHERE model_id = ?", [model_id]
            ).fetchall()
        return int(n[0][0])

    # alerts -------------------------------------------------------------------------------

    def daily_brand_counts(self, model_id: str) -> list[tuple[date, str, int, int]]:
        """(day, brand, scored mentions, negative mentions) for every day with data."""
        with session(self.path) as con:
            return con.execute(
                """SELECT day, brand, sum(scored)::BIGINT, sum(negative)::BIGINT
                   FROM daily_aggregates WHERE model_id = ?
                   GROUP BY day, brand ORDER BY brand, day""",
                [model_id],
            ).fetchall()

    def brand_texts(self, brand: str, start: datetime, end: datetime, model_id: str,
                    label: str | None = None) -> list[tuple[str, str, str, float, list[str]]]:
        """(source, source_id, text, score, topics) of a brand's scored mentions in a window."""
        sql = """SELECT m.source, m.source_id, m.text, s.score, s.topics
                 FROM mentions m JOIN scores s USING (source, source_id)
                 WHERE s.model_id = ? AND list_contains(m.brands, ?)
                   AND m.created_at >= ? AND m.created_at < ?"""
        params: list[Any] = [model_id, brand, start, end]
        if label is not None:
            sql += " AND s.label = ?"
            params.append(label)
        sql += " ORDER BY s.score, m.source, m.source_id"
        with session(self.path) as con:
            return con.execute(sql, params).fetchall()

    def latest_alert_end(self, brand: str, model_id: str, before: datetime) -> datetime | None:
        with session(self.path) as con:
            row = con.execute(
                """SELECT max(window_end) FROM alerts
                   WHERE brand = ? AND model_id = ? AND window_start < ?""",
                [brand, model_id, before],
            ).fetchall()
        return row[0][0] if row else None

    def insert_alert(self, alert: AlertRow) -> bool:
        """Store an alert once; returns False when it was already stored."""
        with session(self.path) as con:
            exists = con.execute(
                "SELECT 1 FROM alerts WHERE alert_id = ?", [alert.alert_id]
            ).fetchall()
            if exists:
                return False
            con.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                [alert.alert_id, alert.brand, alert.window_start, alert.window_end,
                 alert.model_id, alert.severity, alert.negative_count, alert.mentions,
                 alert.baseline, alert.baseline_std, alert.z_score, alert.reason,
                 list(alert.top_terms), list(alert.topics), list(alert.sample_ids)],
            )
        return True

    def alerts(self, model_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM alerts"
        params: list[Any] = []
        if model_id is not None:
            sql += " WHERE model_id = ?"
            params.append(model_id)
        sql += " ORDER BY window_start, brand"
        with session(self.path) as con:
            cur = con.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _with_brands(m: Mention, brands: tuple[str, ...]) -> Mention:
    return replace(m, brands=brands)


def alert_json(alert: dict[str, Any]) -> str:
    """One alert as a JSON line (timestamps in ISO 8601)."""
    def default(value: Any) -> Any:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        raise TypeError(type(value))

    return json.dumps(alert, default=default, ensure_ascii=False, sort_keys=False)
