"""Storage on a real DuckDB file: migrations, idempotent upserts, cursors, aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from koe.records import Engagement, Mention
from storage import ScoreRow, Store, read_snapshot
from storage.db import migrations, session

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _mentions(day: int, n: int, brands: tuple[str, ...] = ("Aurora Coffee",)) -> list[Mention]:
    start = T0 + timedelta(days=day)
    return [Mention("sample", f"{day}-{i}", f"text {day} {i}", start + timedelta(minutes=i),
                    author=f"h{i}", language="en", rating=float(1 + i % 5),
                    engagement=Engagement(likes=i), brands=brands) for i in range(n)]


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with session(path) as con:
        versions = [v for v, *_ in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert versions == [v for v, _, _ in migrations()]
    with session(path) as con:  # reopening applies nothing twice
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(versions)


def test_loading_the_same_day_twice_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    day = _mentions(0, 30)
    assert store.upsert_mentions(day, T0 + timedelta(days=1)) == 30
    with session(store.path) as con:
        first = con.execute("SELECT * FROM mentions ORDER BY source_id").fetchall()
    assert store.upsert_mentions(day, T0 + timedelta(days=2)) == 0
    with session(store.path) as con:
        second = con.execute("SELECT * FROM mentions ORDER BY source_id").fetchall()
    assert second == first  # collected_at kept, nothing duplicated
    assert store.count("mentions") == 30


def test_a_mention_seen_for_two_brands_is_one_row_with_both(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    store.upsert_mentions(_mentions(0, 1, ("Aurora Coffee",)), T0)
    store.upsert_mentions(_mentions(0, 1, ("Nimbus Brew",)), T0)
    with session(store.path) as con:
        rows = con.execute("SELECT brands FROM mentions").fetchall()
    assert rows == [(["Aurora Coffee", "Nimbus Brew"],)]


def test_cursor_only_moves_forward(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    store.advance_cursor("hn", "A", T0 + timedelta(days=5))
    store.advance_cursor("hn", "A", T0 + timedelta(days=1))  # a backfill of an old day
    assert store.cursors() == {("hn", "A"): T0 + timedelta(days=5)}


def test_aggregates_count_each_label_per_day_and_brand(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    store.upsert_mentions(_mentions(0, 4) + _mentions(1, 2), T0)
    pending = store.pending_texts("m")
    labels = ["negative", "positive", "positive", "neutral", "negative", "negative"]
    store.write_scores("m", "1", [
        ScoreRow(p.source, p.source_id, label, 0.2, 0.3, 0.5, 0.3, ("price",))
        for p, label in zip(pending, labels, strict=True)])
    assert store.pending_texts("m") == []
    assert store.pending_texts("other-model") != []  # scores never mix models
    store.refresh_aggregates("m")
    store.refresh_aggregates("m")  # recomputation is idempotent
    assert store.daily_brand_counts("m") == [
        (T0.date(), "Aurora Coffee", 4, 1), ((T0 + timedelta(days=1)).date(), "Aurora Coffee", 2, 2)]
    with session(store.path) as con:
        agg = con.execute("SELECT positive, neutral, negative, rating_count FROM daily_aggregates"
                          " ORDER BY day").fetchall()
        topics = con.execute("SELECT day, topic, mentions, negative FROM daily_topics"
                             " ORDER BY day").fetchall()
    assert agg == [(2, 1, 1, 4), (0, 0, 2, 2)]
    assert topics == [(T0.date(), "price", 4, 1), ((T0 + timedelta(days=1)).date(), "price", 2, 2)]


def test_readers_see_only_published_data(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    with read_snapshot(store.path) as con:
        assert con is None  # nothing published yet: readers get a clear "no data"
    store.upsert_mentions(_mentions(0, 3), T0)
    store.publish()
    store.upsert_mentions(_mentions(1, 3), T0)
    with read_snapshot(store.path) as con:
        assert con is not None
        assert con.execute("SELECT count(*) FROM mentions").fetchall()[0][0] == 3
        try:
            con.execute("DELETE FROM mentions")
            raise AssertionError("the snapshot must be read-only")
        except duckdb.Error:
            pass


def test_scores_of_another_model_version_count_as_missing(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.duckdb")
    store.upsert_mentions(_mentions(0, 3), T0)
    store.write_scores("m", "v1", [ScoreRow(p.source, p.source_id, "neutral", 0.2, 0.6, 0.2, 0.0, ())
                                   for p in store.pending_texts("m", "v1")])
    assert store.pending_texts("m", "v1") == []
    assert len(store.pending_texts("m", "v2")) == 3  # a retrained model re-scores everything
    store.write_scores("m", "v2", [ScoreRow(p.source, p.source_id, "positive", 0.1, 0.1, 0.8, 0.7, ())
                                   for p in store.pending_texts("m", "v2")])
    with session(store.path) as con:
        versions = con.execute("SELECT DISTINCT model_version FROM scores").fetchall()
    assert versions == [("v2",)]  # replaced, never mixed
