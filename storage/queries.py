"""The dashboard's read side: every query it runs, on a connection to the published snapshot.

Each function takes an open DuckDB connection and typed filters and returns a DataFrame.
Values always travel as ``?`` parameters; only fixed SQL fragments are ever concatenated.
Anything that reads scores or aggregates takes ``model_id``, so the dashboard shows one
model's opinion, never a mix of an old and a new one.

Periods are whole UTC days, ``start`` and ``end`` both included, matching how
``daily_aggregates.day`` is computed (``created_at::DATE`` in a UTC session).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import duckdb
import pandas as pd

__all__ = [
    "OK_STATUSES",
    "alerts",
    "daily_topics",
    "daily_volume",
    "data_extent",
    "dimension_values",
    "last_run",
    "mentions",
    "rating_distribution",
    "run_log",
    "source_health",
]

# run_log statuses that mean "this step did its job"; anything else (failed, error,
# rate_limited, partial, ...) is shown to users as a problem with that source.
OK_STATUSES: tuple[str, ...] = ("ok", "success", "succeeded", "skipped", "partial")

Values = Sequence[str] | None


class _Where:
    """AND-ed conditions with their parameters, built from fixed SQL fragments only."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def any_of(self, column: str, values: Values) -> None:
        """``column`` is one of ``values``; None means no restriction, empty matches nothing."""
        if values is not None:
            self.add(f"list_contains(?::VARCHAR[], {column})", list(values))

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _period(where: _Where, column: str, start: date, end: date) -> None:
    """Timestamps on the UTC days start..end, as a range so DuckDB can skip row groups."""
    where.add(f"{column} >= ? AND {column} < ?", _day_start(start),
              _day_start(end + timedelta(days=1)))


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def data_extent(con: duckdb.DuckDBPyConnection, model_id: str) -> pd.DataFrame:
    """One row: first_day, last_day and mentions over all of the model's aggregates."""
    return _frame(con, """
        SELECT min(day) AS first_day, max(day) AS last_day,
               coalesce(sum(mentions), 0)::BIGINT AS mentions
        FROM daily_aggregates WHERE model_id = ?""", [model_id])


def dimension_values(con: duckdb.DuckDBPyConnection, model_id: str) -> pd.DataFrame:
    """(dimension, value, mentions) for every brand, source and language in the data."""
    return _frame(con, """
        SELECT 'brand' AS dimension, brand AS value, sum(mentions)::BIGINT AS mentions
        FROM daily_aggregates WHERE model_id = ? GROUP BY brand
        UNION ALL
        SELECT 'source', source, sum(mentions)::BIGINT
        FROM daily_aggregates WHERE model_id = ? GROUP BY source
        UNION ALL
        SELECT 'language', language, sum(mentions)::BIGINT
        FROM daily_aggregates WHERE model_id = ? GROUP BY language
        ORDER BY dimension, mentions DESC, value""", [model_id] * 3)


def daily_volume(con: duckdb.DuckDBPyConnection, model_id: str, start: date, end: date,
                 brands: Values = None, sources: Values = None,
                 languages: Values = None) -> pd.DataFrame:
    """Per day and brand: mention, label, rating, NPS and CSAT counts (summed over sources)."""
    where = _Where()
    where.add("model_id = ?", model_id)
    where.add("day BETWEEN ? AND ?", start, end)
    where.any_of("brand", brands)
    where.any_of("source", sources)
    where.any_of("language", languages)
    return _frame(con, f"""
        SELECT day, brand,
               sum(mentions)::BIGINT AS mentions, sum(scored)::BIGINT AS scored,
               sum(positive)::BIGINT AS positive, sum(neutral)::BIGINT AS neutral,
               sum(negative)::BIGINT AS negative, sum(score_sum) AS score_sum,
               sum(rating_count)::BIGINT AS rating_count, sum(rating_sum) AS rating_sum,
               sum(nps_count)::BIGINT AS nps_count, sum(promoters)::BIGINT AS promoters,
               sum(detractors)::BIGINT AS detractors, sum(csat_count)::BIGINT AS csat_count,
               sum(csat_satisfied)::BIGINT AS csat_satisfied
        FROM daily_aggregates WHERE {where.sql()}
        GROUP BY day, brand ORDER BY day, brand""", where.params)


def daily_topics(con: duckdb.DuckDBPyConnection, model_id: str, start: date, end: date,
                 brands: Values = None, sources: Values = None,
                 languages: Values = None) -> pd.DataFrame:
    """Per day, brand and topic: scored mentions about it, and how many were positive/negative.

    Reads ``daily_topics`` when no source or language filter applies; that table has no such
    columns, so a filtered view is counted from the mentions themselves, the same way.
    """
    if sources is None and languages is None:
        where = _Where()
        where.add("model_id = ?", model_id)
        where.add("day BETWEEN ? AND ?", start, end)
        where.any_of("brand", brands)
        return _frame(con, f"""
            SELECT day, brand, topic, mentions, positive, negative
            FROM daily_topics WHERE {where.sql()}
            ORDER BY day, brand, topic""", where.params)
    where = _Where()
    where.add("s.model_id = ?", model_id)
    _period(where, "m.created_at", start, end)
    where.any_of("b.brand", brands)
    where.any_of("m.source", sources)
    where.any_of("coalesce(m.language, 'und')", languages)
    return _frame(con, f"""
        SELECT m.created_at::DATE AS day, b.brand, s.topic, count(*)::BIGINT AS mentions,
               count(*) FILTER (s.label = 'positive')::BIGINT AS positive,
               count(*) FILTER (s.label = 'negative')::BIGINT AS negative
        FROM mentions m, unnest(m.brands) AS b(brand)
        JOIN mention_topic_sentiment s ON s.source = m.source AND s.source_id = m.source_id
        WHERE {where.sql()}
        GROUP BY ALL ORDER BY day, brand, topic""", where.params)


def alerts(con: duckdb.DuckDBPyConnection, model_id: str, start: date | None = None,
           end: date | None = None, brands: Values = None, limit: int = 200) -> pd.DataFrame:
    """Negative-spike alerts whose window starts in the period, most recent first."""
    where = _Where()
    where.add("model_id = ?", model_id)
    if start is not None:
        where.add("window_start >= ?", _day_start(start))
    if end is not None:
        where.add("window_start < ?", _day_start(end + timedelta(days=1)))
    where.any_of("brand", brands)
    return _frame(con, f"""
        SELECT alert_id, brand, window_start, window_end, severity, negative_count, mentions,
               baseline, baseline_std, z_score, reason, top_terms, topics, sample_ids,
               created_at
        FROM alerts WHERE {where.sql()}
        ORDER BY window_start DESC, brand LIMIT ?""", [*where.params, limit])


def mentions(con: duckdb.DuckDBPyConnection, model_id: str, start: date, end: date,
             brands: Values = None, sources: Values = None, languages: Values = None,
             labels: Values = None, topics: Values = None, search: str | None = None,
             limit: int = 500, hide_flagged: bool = False) -> pd.DataFrame:
    """The mentions behind the numbers, newest first, with this model's label and topics.

    ``total`` (on every row) counts all matches before ``limit``. ``labels`` may include
    ``"unscored"`` for mentions the model has not scored yet. ``search`` is a plain,
    case-insensitive substring of the text or title, not a pattern. ``hide_flagged`` leaves
    out mentions the cleaning step flagged as likely spam.
    """
    where = _Where()
    _period(where, "m.created_at", start, end)
    if brands is not None:
        where.add("list_has_any(m.brands, ?::VARCHAR[])", list(brands))
    where.any_of("m.source", sources)
    where.any_of("coalesce(m.language, 'und')", languages)
    where.any_of("coalesce(s.label, 'unscored')", labels)
    if topics is not None:
        where.add("list_has_any(coalesce(s.topics, []::VARCHAR[]), ?::VARCHAR[])", list(topics))
    if search:
        where.add("(strpos(lower(m.text), lower(?)) > 0"
                  " OR strpos(lower(coalesce(m.title, '')), lower(?)) > 0)", search, search)
    if hide_flagged:
        where.add("len(coalesce(m.flags, []::VARCHAR[])) = 0")
    return _frame(con, f"""
        SELECT m.created_at, m.brands, m.source, coalesce(m.language, 'und') AS language,
               s.label, s.score, coalesce(s.topics, []::VARCHAR[]) AS topics, m.title, m.text,
               m.url, m.rating, m.nps, m.csat, m.likes, m.replies, m.reposts, m.views,
               coalesce(m.duplicates, 0) AS duplicates, coalesce(m.flags, []::VARCHAR[]) AS flags,
               m.source_id, count(*) OVER () AS total
        FROM mentions m
        LEFT JOIN scores s ON s.source = m.source AND s.source_id = m.source_id
                          AND s.model_id = ?
        WHERE {where.sql()}
        ORDER BY m.created_at DESC, m.source, m.source_id
        LIMIT ?""", [model_id, *where.params, limit])


def rating_distribution(con: duckdb.DuckDBPyConnection, start: date, end: date,
                        brands: Values = None, sources: Values = None,
                        languages: Values = None) -> pd.DataFrame:
    """(brand, kind, value, answers): star ratings (1-5), NPS (0-10) and CSAT (1-5) answers.

    Ratings are rounded to whole stars; no scores are involved, so no model filter.
    """
    where = _Where()
    _period(where, "m.created_at", start, end)
    where.any_of("b.brand", brands)
    where.any_of("m.source", sources)
    where.any_of("coalesce(m.language, 'und')", languages)
    return _frame(con, f"""
        WITH picked AS (
            SELECT b.brand, m.rating, m.nps, m.csat
            FROM mentions m, unnest(m.brands) AS b(brand)
            WHERE {where.sql()} AND (m.rating IS NOT NULL OR m.nps IS NOT NULL
                                     OR m.csat IS NOT NULL))
        SELECT brand, 'rating' AS kind, round(rating)::INTEGER AS value, count(*)::BIGINT AS answers
        FROM picked WHERE rating IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT brand, 'nps', nps, count(*)::BIGINT FROM picked WHERE nps IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT brand, 'csat', csat, count(*)::BIGINT FROM picked WHERE csat IS NOT NULL GROUP BY ALL
        ORDER BY brand, kind, value""", where.params)


def run_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The most recent pipeline steps, newest first."""
    return _frame(con, """
        SELECT finished_at, run_id, step, source, brand, status, items, seconds, message,
               interval_start, interval_end
        FROM run_log ORDER BY finished_at DESC, run_id, step, source, brand
        LIMIT ?""", [limit])


def last_run(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row for the run that finished last: run_id, finished_at, steps and failed steps.

    No rows when the pipeline has never logged a step.
    """
    return _frame(con, """
        SELECT run_id, max(finished_at) AS finished_at, count(*)::BIGINT AS steps,
               count(*) FILTER (NOT list_contains(?::VARCHAR[], lower(status)))::BIGINT
                   AS failed_steps
        FROM run_log GROUP BY run_id
        ORDER BY finished_at DESC, run_id LIMIT 1""", [list(OK_STATUSES)])


def source_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source, how its most recent run went: ``ok`` is false if any step of it failed,
    ``limited`` true if a step stored only part of the window (a service limit held it back).

    ``status`` and ``message`` are those of the failed (else limited) step, the last if several.
    """
    return _frame(con, """
        WITH steps AS (
            SELECT *, list_contains(?::VARCHAR[], lower(status)) AS step_ok,
                   lower(status) = 'partial' AS step_limited
            FROM run_log WHERE source <> ''),
        runs AS (
            SELECT source, run_id, max(finished_at) AS finished_at, bool_and(step_ok) AS ok,
                   bool_or(step_limited) AS limited,
                   arg_max(status, (NOT step_ok, step_limited, finished_at)) AS status,
                   arg_max(message, (NOT step_ok, step_limited, finished_at)) AS message,
                   sum(items)::BIGINT AS items
            FROM steps GROUP BY source, run_id)
        SELECT source, arg_max(run_id, finished_at) AS run_id, max(finished_at) AS finished_at,
               arg_max(ok, finished_at) AS ok, arg_max(limited, finished_at) AS limited,
               arg_max(status, finished_at) AS status,
               arg_max(message, finished_at) AS message, arg_max(items, finished_at) AS items
        FROM runs GROUP BY source ORDER BY source""", [list(OK_STATUSES)])
