"""The load step cleans: duplicates collapse with a count, spam is flagged, reruns change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from koe import pipeline, staging
from koe.config import Brand, FileColumns, FileSource, KoeConfig, Storage
from koe.records import Mention
from storage import Store
from storage.db import session

DAY = pipeline.Interval(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
TEXT = "Aurora Coffee's new app crashes every single time I try to pay at checkout"


def _config(tmp_path: Path) -> KoeConfig:
    return KoeConfig(
        storage=Storage(path=tmp_path / "koe.duckdb"),
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee"'),),
        sources=(FileSource(type="file", name="posts", path=tmp_path / "unused.csv",
                            columns=FileColumns(text="text")),),
    )


def _stage(config: KoeConfig, interval: pipeline.Interval, mentions: list[Mention]) -> None:
    directory = pipeline.staging_dir(config, interval)
    staging.write_mentions(directory, "posts--all", mentions)
    staging.write_manifest(directory, staging.Manifest(
        "posts--all", "posts", "", interval.start.isoformat(), interval.end.isoformat(), "ok",
        len(mentions), 0.1))


def _m(source_id: str, text: str, hours: float, author: str = "fan") -> Mention:
    return Mention(source="posts", source_id=source_id, text=text,
                   created_at=DAY.start + timedelta(hours=hours), author=author)


def _rows(config: KoeConfig) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with session(config.storage.path) as con:
        mentions = con.execute("SELECT source_id, duplicates, flags FROM mentions "
                               "ORDER BY source_id").fetchall()
        dups = con.execute("SELECT source_id, canonical_id, kind, author_hash FROM "
                           "mention_duplicates ORDER BY source_id").fetchall()
    return mentions, dups


def test_duplicates_collapse_with_a_count_and_reruns_are_idempotent(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.storage.path)
    batch = [
        _m("1", TEXT, 1),
        _m("2", f"RT @someone: {TEXT} https://t.co/x", 2, author="copycat"),
        _m("3", TEXT.replace("every single time", "every time"), 3),
        _m("4", "GIVEAWAY! Follow & RT to win a year of Aurora Coffee", 4, author="promo_bot"),
        _m("5", "Nothing to do with any brand", 5),
    ]
    _stage(config, DAY, batch)
    report = pipeline.load(config, DAY, "r1", b"k", store)
    assert report.detail["duplicates"] == 2 and report.detail["dropped"] == 1
    mentions, dups = _rows(config)
    assert mentions == [("1", 2, []), ("4", 0, ["bot_name", "promo"])]
    assert [(d[0], d[1], d[2]) for d in dups] == [("2", "1", "exact"), ("3", "1", "near")]
    assert all(d[3] and d[3] != "copycat" for d in dups)  # authors pseudonymised

    with session(config.storage.path) as con:
        log = con.execute("SELECT message FROM run_log WHERE step = 'collect'").fetchall()
    assert log[0][0] == ("5 fetched, 2 stored, 1 matched no brand, 2 duplicates, "
                         "1 flagged as spam")

    _stage(config, DAY, batch)  # the same day again
    pipeline.load(config, DAY, "r2", b"k", store)
    assert _rows(config) == (mentions, dups)

    # A copy arriving the next day joins the stored canonical mention.
    next_day = pipeline.Interval(DAY.end, DAY.end + timedelta(days=1))
    _stage(config, next_day, [_m("6", TEXT, 26)])
    pipeline.load(config, next_day, "r3", b"k", store)
    mentions, dups = _rows(config)
    assert mentions[0] == ("1", 3, []) and [d[0] for d in dups] == ["2", "3", "6"]


def test_failed_and_limited_jobs_are_explained_in_the_run_log(tmp_path: Path) -> None:
    config = _config(tmp_path)
    directory = pipeline.staging_dir(config, DAY)
    staging.write_mentions(directory, "posts--all", [_m("1", TEXT, 1)])
    staging.write_manifest(directory, staging.Manifest(
        "posts--all", "posts", "", DAY.start.isoformat(), DAY.end.isoformat(), "failed", 0, 2.5,
        "posts: HTTP 401 from https://api.test/search: check KOE_TOKEN",
        "posts: the service only serves the last 7 days"))
    report = pipeline.load(config, DAY, "r1", b"k", Store(config.storage.path))
    assert report.items == 0 and report.detail["failed"] == ["posts"]
    with session(config.storage.path) as con:
        rows = con.execute("SELECT step, status, seconds, message FROM run_log "
                           "ORDER BY step").fetchall()
        cursors = con.execute("SELECT count(*) FROM cursors").fetchall()[0][0]
    collect, load = rows
    assert collect[:3] == ("collect", "failed", 2.5)
    assert "check KOE_TOKEN" in collect[3] and "last 7 days" in collect[3]
    assert load[1] == "failed" and "failed sources: posts" in load[3]
    assert cursors == 0  # nothing of a failed job is loaded, its cursor stays


def test_a_job_the_service_held_back_is_partial_and_its_cursor_moves(tmp_path: Path) -> None:
    config = _config(tmp_path)
    directory = pipeline.staging_dir(config, DAY)
    staging.write_mentions(directory, "posts--all", [_m("1", TEXT, 1)])
    staging.write_manifest(directory, staging.Manifest(
        "posts--all", "posts", "", DAY.start.isoformat(), DAY.end.isoformat(), "ok", 1, 0.4,
        None, "posts: the service only serves the last 7 days"))
    pipeline.load(config, DAY, "r1", b"k", Store(config.storage.path))
    with session(config.storage.path) as con:
        status, message = con.execute("SELECT status, message FROM run_log "
                                      "WHERE step = 'collect'").fetchall()[0]
        cursors = con.execute("SELECT count(*) FROM cursors").fetchall()[0][0]
    assert status == "partial" and message.endswith("; posts: the service only serves the last 7 days")
    assert cursors == 1  # what the service serves was stored; waiting would not bring the rest


def test_brands_a_collector_attributed_are_kept_if_configured(tmp_path: Path) -> None:
    from dataclasses import replace

    config = _config(tmp_path)
    own = replace(_m("1", "New seasonal blend is out", 1), brands=("Aurora Coffee",))
    stale = replace(_m("2", "Unrelated chatter", 2), brands=("Gone Brand",))
    _stage(config, DAY, [own, stale])
    report = pipeline.load(config, DAY, "r1", b"k", Store(config.storage.path))
    assert report.detail["dropped"] == 1
    with session(config.storage.path) as con:
        assert con.execute("SELECT source_id, brands FROM mentions").fetchall() == [
            ("1", ["Aurora Coffee"])]
