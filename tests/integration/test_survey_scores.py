"""A survey answer with a score and no comment counts for NPS/CSAT and is never scored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from koe import pipeline
from koe.config import Brand, FileColumns, FileSource, KoeConfig, SentimentSettings, Storage
from storage import Store
from storage.db import session

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def test_scores_without_comments_count_for_nps_but_get_no_sentiment(tmp_path: Path) -> None:
    config = KoeConfig(
        storage=Storage(path=tmp_path / "koe.duckdb"),
        brands=(Brand(name="Aurora Coffee", query='"aurora coffee"'),),
        sources=(FileSource(type="file", name="survey", path=FILES / "survey.tsv", kind="survey",
                            brand="Aurora Coffee", date_format="%d/%m/%Y %H:%M",
                            columns=FileColumns(id="resp", created_at="date", nps="score",
                                                csat="satisfaction", text="comment")),),
        sentiment=SentimentSettings(model="vader"),
    )
    interval = pipeline.Interval(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 3, tzinfo=UTC))
    store = Store(config.storage.path)
    for job in pipeline.plan(config, interval, store):
        pipeline.collect(config, job)
    pipeline.load(config, interval, "r1", b"k", store)
    assert pipeline.score(config, "r1", store).items == 3
    pipeline.aggregate(config, "r1", store)
    with session(config.storage.path) as con:
        texts = con.execute("SELECT source_id, text FROM mentions ORDER BY 1").fetchall()
        scored = con.execute("SELECT source_id FROM scores ORDER BY 1").fetchall()
        nps = con.execute("SELECT sum(nps_count), sum(promoters), sum(detractors), "
                          "sum(mentions), sum(scored) FROM daily_aggregates").fetchall()[0]
    assert texts == [("s1", "Quick delivery and friendly support."),
                     ("s2", "The refund took three weeks."), ("s3", ""),
                     ("s4", "Love the new app.")]
    assert scored == [("s1",), ("s2",), ("s4",)]
    assert nps == (4, 2, 1, 4, 3)  # s3's 7 is a passive: counted, neither promoter nor detractor
