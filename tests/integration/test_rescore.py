"""`koe rescore` on a database built by `koe run`: every mention scored again, nothing mixed."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from koe.cli import main
from sentiment._vader import vader_version

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("koe-rescore")
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    text = text.replace('path = ".koe/koe.duckdb"', f'path = "{d / "koe.duckdb"}"')
    text = text.replace("mentions_per_day = 40", "mentions_per_day = 3")
    text = re.sub(r'(?m)^model = "[^"]*"', 'model = "vader"', text)
    # Topics would load the e5 encoder for tagging; VADER alone keeps this test to seconds.
    text = re.sub(r"\[\[topics\]\]\n(?:[^\[\n].*\n)*", "", text)
    assert "[[topics]]" not in text and 'model = "vader"' in text
    path = d / "koe.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", "--config", str(path), "--days", "5"]) == 0
    return path


def _state(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        def one(sql: str) -> object:
            return con.execute(sql).fetchall()[0][0]

        return {
            "mentions": one("SELECT count(*) FROM mentions"),
            "scores": one("SELECT count(*) FROM scores"),
            "versions": con.execute(
                "SELECT DISTINCT model_id, model_version FROM scores").fetchall(),
            "oldest": one("SELECT min(scored_at) FROM scores"),
            "newest": one("SELECT max(scored_at) FROM scores"),
            "aggregates": one("SELECT count(*) FROM daily_aggregates WHERE model_id = 'vader'"),
            "aggregated_unscored": one(
                "SELECT sum(mentions - scored) FROM daily_aggregates WHERE model_id = 'vader'"),
            "rescore_log": one("SELECT count(*) FROM run_log WHERE step = 'rescore'"),
            "rescore_aggregate_log": one(
                "SELECT count(*) FROM run_log "
                "WHERE step = 'aggregate' AND run_id LIKE 'cli-rescore-%'"),
        }
    finally:
        con.close()


def test_rescore_replaces_every_score_with_the_current_model(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = config.parent / "koe.duckdb"
    before = _state(db)
    assert isinstance(before["mentions"], int) and before["mentions"] > 0
    assert before["scores"] == before["mentions"]
    capsys.readouterr()

    assert main(["rescore", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "koe rescore" in out and "rescore" in out and "aggregate" in out and "done in" in out
    assert re.search(rf"rescore\s+{before['mentions']} rows", out), out

    after = _state(db)
    assert after["mentions"] == before["mentions"]
    assert after["scores"] == before["scores"]
    assert after["versions"] == [("vader", vader_version())]
    assert isinstance(after["oldest"], datetime) and isinstance(before["newest"], datetime)
    assert after["oldest"] > before["newest"]
    assert isinstance(after["aggregates"], int) and after["aggregates"] > 0
    assert after["aggregated_unscored"] == 0  # the aggregates were rebuilt on the new scores
    assert after["rescore_log"] == 1 and after["rescore_aggregate_log"] == 1


def test_rescore_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    config = tmp_path / "koe.toml"
    config.write_text(text.replace('path = ".koe/koe.duckdb"',
                                   f'path = "{tmp_path / "absent.duckdb"}"'), encoding="utf-8")
    assert main(["rescore", "--config", str(config)]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "absent.duckdb").exists()
