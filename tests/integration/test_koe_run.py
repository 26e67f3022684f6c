"""`koe run` end to end on the sample source: collect, load, score, aggregate, detect."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from koe.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("koe-run")
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    text = text.replace('path = ".koe/koe.duckdb"', f'path = "{d / "koe.duckdb"}"')
    text = text.replace("mentions_per_day = 40", "mentions_per_day = 12")
    (d / "koe.toml").write_text(text, encoding="utf-8")
    return d


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("mentions", "scores", "daily_aggregates", "daily_topics", "alerts")}
    finally:
        con.close()


def test_run_collects_scores_aggregates_and_finds_the_planted_spike(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(workdir / "koe.toml")
    assert main(["run", "--config", config, "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "collect sample" in out and "score" in out and "detect" in out

    counts = _counts(workdir / "koe.duckdb")
    assert counts["mentions"] > 500
    assert counts["scores"] == counts["mentions"]
    assert counts["daily_aggregates"] > 0 and counts["daily_topics"] > 0

    assert main(["alerts", "list", "--config", config, "--json"]) == 0
    alerts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    spike_day = (date.today() - timedelta(days=4)).isoformat()  # koe.toml: spike_days_ago = 4
    planted = [a for a in alerts if a["brand"] == "Aurora Coffee"
               and a["window_start"].startswith(spike_day)]
    assert len(planted) == 1, alerts
    alert = planted[0]
    assert alert["negative_count"] > 3 * alert["baseline"]
    assert alert["window_end"].startswith((date.today() - timedelta(days=3)).isoformat())
    assert alert["severity"] in {"medium", "high"} and alert["reason"]
    assert alert["top_terms"] and alert["sample_ids"]
    # quiet days stay quiet: the planted day is the only alert
    assert len(alerts) == 1, [a["window_start"] for a in alerts]

    con = duckdb.connect(str(workdir / "koe.duckdb"), read_only=True)
    try:
        models = con.execute("SELECT DISTINCT model_id FROM scores").fetchall()
        langs = dict(con.execute("SELECT language, count(*) FROM mentions GROUP BY 1").fetchall())
    finally:
        con.close()
    assert models == [("koe-minilm",)]
    assert langs.get("ja", 0) > 0.2 * counts["mentions"] and langs.get("en", 0) > 0


def test_rerunning_the_same_days_changes_nothing(workdir: Path) -> None:
    before = _counts(workdir / "koe.duckdb")
    assert main(["run", "--config", str(workdir / "koe.toml"), "--days", "30"]) == 0
    assert _counts(workdir / "koe.duckdb") == before


def test_run_rejects_a_bad_window(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--config", str(workdir / "koe.toml"),
                 "--start", "2026-11-10", "--end", "2026-11-01"]) == 2
    assert "before start date" in capsys.readouterr().err
