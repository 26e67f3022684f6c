"""storage.queries against a real DuckDB snapshot built through the pipeline's Store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dashboard_db import (
    FIRST_DAY,
    LAST_DAY,
    MODEL_ID,
    OLD_MODEL_ID,
    SPIKE_DAY,
    UNSAFE_TEXT,
    DashboardDB,
    build_dashboard_db,
)

from storage import queries as q
from storage.db import read_snapshot
from storage.store import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> DashboardDB:
    return build_dashboard_db(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture
def con(db: DashboardDB) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_snapshot(db.db_path) as connection:
        assert connection is not None
        yield connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    return con.execute(sql, params or []).fetchall()[0][0]


def test_data_extent(con: duckdb.DuckDBPyConnection, db: DashboardDB) -> None:
    row = q.data_extent(con, MODEL_ID).iloc[0]
    assert pd.Timestamp(row["first_day"]).date() == FIRST_DAY
    assert pd.Timestamp(row["last_day"]).date() == LAST_DAY
    # One mention names two brands, so brand-mentions exceed mentions by one.
    assert row["mentions"] == db.mentions + 1
    assert pd.isna(q.data_extent(con, "no-such-model").iloc[0]["last_day"])


def test_dimension_values(con: duckdb.DuckDBPyConnection) -> None:
    frame = q.dimension_values(con, MODEL_ID)
    values = {d: set(g["value"]) for d, g in frame.groupby("dimension")}
    assert values == {"brand": {"Acme", "Globex", "Initech"},
                      "source": {"sample", "hackernews", "reviews", "survey"},
                      "language": {"en", "ja"}}
    brands = frame[frame["dimension"] == "brand"]
    assert brands["value"].iloc[0] == "Acme"  # busiest first


def test_daily_volume_matches_the_mentions_and_this_models_labels(
        con: duckdb.DuckDBPyConnection) -> None:
    start, end = LAST_DAY - timedelta(days=6), LAST_DAY
    frame = q.daily_volume(con, MODEL_ID, start, end)
    assert frame["day"].min().date() == start and frame["day"].max().date() == end
    expected_mentions = scalar(con, """
        SELECT count(*) FROM mentions, unnest(brands) AS b(brand)
        WHERE created_at::DATE BETWEEN ? AND ?""", [start, end])
    assert frame["mentions"].sum() == expected_mentions
    expected_positive = scalar(con, """
        SELECT count(*) FROM mentions m, unnest(m.brands) AS b(brand)
        JOIN scores s ON s.source = m.source AND s.source_id = m.source_id
        WHERE s.model_id = ? AND s.label = 'positive' AND m.created_at::DATE BETWEEN ? AND ?""",
                               [MODEL_ID, start, end])
    assert frame["positive"].sum() == expected_positive
    # Unscored mentions are counted as mentions but not as scored.
    assert (frame["scored"] <= frame["mentions"]).all()
    assert frame["scored"].sum() < frame["mentions"].sum()


def test_daily_volume_shows_one_model_never_a_mix(con: duckdb.DuckDBPyConnection) -> None:
    current = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY)
    old = q.daily_volume(con, OLD_MODEL_ID, FIRST_DAY, LAST_DAY)
    assert current["mentions"].sum() == old["mentions"].sum()
    # The old model's labels are flipped: its positives are the current model's negatives.
    assert old["positive"].sum() == current["negative"].sum()
    # ...and vice versa, except the two-brand post only the current model scored (2 rows).
    assert old["negative"].sum() == current["positive"].sum() - 2


def test_daily_volume_filters(con: duckdb.DuckDBPyConnection) -> None:
    every = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY)
    acme = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY, brands=["Acme"])
    assert set(acme["brand"]) == {"Acme"}
    assert acme["mentions"].sum() == every[every["brand"] == "Acme"]["mentions"].sum()
    ja = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY, languages=["ja"])
    en = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY, languages=["en"])
    assert ja["mentions"].sum() + en["mentions"].sum() == every["mentions"].sum()
    reviews = q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY, sources=["reviews"])
    assert reviews["rating_count"].sum() == reviews["mentions"].sum() > 0
    assert q.daily_volume(con, MODEL_ID, FIRST_DAY, LAST_DAY, sources=[]).empty
    one_day = q.daily_volume(con, MODEL_ID, SPIKE_DAY, SPIKE_DAY, brands=["Acme"])
    assert len(one_day) == 1 and one_day.iloc[0]["negative"] > one_day.iloc[0]["positive"]


def test_daily_topics_paths_agree(con: duckdb.DuckDBPyConnection) -> None:
    """The daily_topics table and the on-the-fly count (used under source filters) agree."""
    table = q.daily_topics(con, MODEL_ID, FIRST_DAY, LAST_DAY)
    counted = q.daily_topics(con, MODEL_ID, FIRST_DAY, LAST_DAY,
                             sources=["sample", "hackernews", "reviews", "survey"])
    key = ["day", "brand", "topic"]
    pd.testing.assert_frame_equal(table.sort_values(key).reset_index(drop=True),
                                  counted.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)
    delivery = table[(table["brand"] == "Acme") & (table["topic"] == "delivery")]
    on_spike = delivery["day"].dt.date == SPIKE_DAY
    assert delivery[on_spike]["negative"].iloc[0] > 3 * delivery[~on_spike]["negative"].max()
    only_sample = q.daily_topics(con, MODEL_ID, FIRST_DAY, LAST_DAY, sources=["sample"])
    assert 0 < only_sample["mentions"].sum() < table["mentions"].sum()
    assert q.daily_topics(con, OLD_MODEL_ID, FIRST_DAY, LAST_DAY).empty  # old model: no topics


def test_alerts_are_this_models_most_recent_first(con: duckdb.DuckDBPyConnection,
                                                  db: DashboardDB) -> None:
    store = Store(db.db_path)
    assert len(store.alerts()) == 2
    frame = q.alerts(con, MODEL_ID)
    assert frame["alert_id"].tolist() == ["acme-spike"]
    row = frame.iloc[0]
    assert list(row["top_terms"]) == ["delivery", "courier", "配送遅延", "parcel"]
    assert q.alerts(con, MODEL_ID, SPIKE_DAY, SPIKE_DAY)["alert_id"].tolist() == ["acme-spike"]
    assert q.alerts(con, MODEL_ID, SPIKE_DAY + timedelta(days=1), LAST_DAY).empty
    assert q.alerts(con, MODEL_ID, brands=["Globex"]).empty
    assert q.alerts(con, OLD_MODEL_ID)["alert_id"].tolist() == ["old-model-alert"]


def test_mentions_are_not_duplicated_by_several_models(con: duckdb.DuckDBPyConnection,
                                                      db: DashboardDB) -> None:
    frame = q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, limit=100_000)
    assert len(frame) == db.mentions
    assert frame["total"].iloc[0] == db.mentions
    assert frame["created_at"].is_monotonic_decreasing
    labels = dict(con.execute("SELECT source_id, label FROM scores WHERE model_id = ?",
                              [MODEL_ID]).fetchall())
    for row in frame.itertuples():
        assert (row.label if isinstance(row.label, str) else None) == labels.get(row.source_id)


def test_mentions_filters(con: duckdb.DuckDBPyConnection) -> None:
    week = (LAST_DAY - timedelta(days=6), LAST_DAY)
    neg = q.mentions(con, MODEL_ID, *week, brands=["Acme"], labels=["negative"], limit=1000)
    assert set(neg["label"]) == {"negative"}
    assert all("Acme" in b for b in neg["brands"])
    unscored = q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, labels=["unscored"], limit=1000)
    assert len(unscored) > 0 and unscored["label"].isna().all()
    delivery = q.mentions(con, MODEL_ID, *week, topics=["delivery"], limit=1000)
    assert all("delivery" in list(t) for t in delivery["topics"])
    ja = q.mentions(con, MODEL_ID, *week, languages=["ja"], sources=["reviews"], limit=1000)
    assert set(ja["language"]) == {"ja"} and set(ja["source"]) == {"reviews"}
    both = q.mentions(con, MODEL_ID, LAST_DAY, LAST_DAY, brands=["Globex"], search="acme beans")
    assert len(both) == 1 and sorted(both.iloc[0]["brands"]) == ["Acme", "Globex"]


def test_mentions_search_is_plain_case_insensitive_text(con: duckdb.DuckDBPyConnection) -> None:
    found = q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, search="DELIVERY", limit=1000)
    assert len(found) > 0 and all("delivery" in t.lower() for t in found["text"])
    assert len(q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, search="配送")) > 0
    # Pattern characters and SQL are just text to look for.
    assert q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, search="%").empty
    assert q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, search="_").empty
    assert q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY,
                      search="' OR 1=1; DROP TABLE mentions; --").empty
    assert scalar(con, "SELECT count(*) FROM mentions") > 0
    unsafe = q.mentions(con, MODEL_ID, LAST_DAY, LAST_DAY, search="onerror")
    assert unsafe["text"].tolist() == [UNSAFE_TEXT]


def test_mentions_limit_keeps_the_total(con: duckdb.DuckDBPyConnection, db: DashboardDB) -> None:
    frame = q.mentions(con, MODEL_ID, FIRST_DAY, LAST_DAY, limit=10)
    assert len(frame) == 10 and frame["total"].iloc[0] == db.mentions


def test_rating_distribution(con: duckdb.DuckDBPyConnection) -> None:
    frame = q.rating_distribution(con, FIRST_DAY, LAST_DAY)
    assert set(frame["kind"]) == {"rating", "nps", "csat"}
    ratings = frame[frame["kind"] == "rating"]
    assert set(ratings["value"]) <= {1, 2, 3, 4, 5}
    assert ratings["answers"].sum() == scalar(
        con, "SELECT count(*) FROM mentions WHERE rating IS NOT NULL")
    nps = frame[frame["kind"] == "nps"]
    assert set(nps["value"]) <= set(range(11))
    acme = q.rating_distribution(con, FIRST_DAY, LAST_DAY, brands=["Acme"], sources=["sample"])
    assert acme.empty  # the sample source carries no ratings


def test_run_log_and_source_health(con: duckdb.DuckDBPyConnection) -> None:
    log = q.run_log(con)
    assert len(log) == 10 and log["finished_at"].is_monotonic_decreasing
    assert q.run_log(con, limit=3).shape[0] == 3
    last = q.last_run(con).iloc[0]
    assert last["run_id"] == "run-2" and last["steps"] == 5 and last["failed_steps"] == 1
    health = q.source_health(con).set_index("source")
    assert set(health.index) == {"sample", "hackernews", "reviews"}
    assert not health.loc["hackernews", "ok"]
    assert health.loc["hackernews", "status"] == "failed"
    assert "429" in health.loc["hackernews", "message"]
    assert health.loc["sample", "ok"] and health.loc["sample", "run_id"] == "run-2"
    assert not health.loc["sample", "limited"] and not health.loc["hackernews", "limited"]
    assert health.loc["reviews", "ok"] and health.loc["reviews", "limited"]
    assert "latest 500" in health.loc["reviews", "message"]


def test_empty_published_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "koe.duckdb")
    store.migrate()
    store.publish()
    day = date(2025, 1, 1)
    with read_snapshot(tmp_path / "koe.duckdb") as con:
        assert con is not None
        assert pd.isna(q.data_extent(con, MODEL_ID).iloc[0]["last_day"])
        for frame in (q.dimension_values(con, MODEL_ID), q.daily_volume(con, MODEL_ID, day, day),
                      q.daily_topics(con, MODEL_ID, day, day),
                      q.daily_topics(con, MODEL_ID, day, day, sources=["x"]),
                      q.alerts(con, MODEL_ID), q.mentions(con, MODEL_ID, day, day),
                      q.rating_distribution(con, day, day), q.run_log(con), q.last_run(con),
                      q.source_health(con)):
            assert frame.empty


def test_nothing_published_yet(tmp_path: Path) -> None:
    Store(tmp_path / "koe.duckdb").migrate()
    with read_snapshot(tmp_path / "koe.duckdb") as con:
        assert con is None


def test_mentions_show_copies_and_flags_and_can_hide_spam(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from koe.cleaning import Duplicate
    from koe.records import Mention

    store = Store(tmp_path / "koe.duckdb")
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    store.upsert_mentions([
        Mention("x", "1", "Aurora Coffee is late again", at, brands=("Aurora",)),
        Mention("x", "2", "GIVEAWAY follow & RT", at, brands=("Aurora",), flags=("promo",)),
    ], at, [Duplicate("x", "3", "x", "1", "exact", at, None),
            Duplicate("x", "4", "x", "1", "near", at, None)])
    store.publish()
    with read_snapshot(tmp_path / "koe.duckdb") as c:
        assert c is not None
        rows = q.mentions(c, MODEL_ID, at.date(), at.date())
        shown = q.mentions(c, MODEL_ID, at.date(), at.date(), hide_flagged=True)
    by_id = rows.set_index("source_id")
    assert by_id.loc["1", "duplicates"] == 2 and list(by_id.loc["2", "flags"]) == ["promo"]
    assert shown["source_id"].tolist() == ["1"] and shown["total"].iloc[0] == 1
