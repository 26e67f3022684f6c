"""Aspect-level sentiment is scored per clause and stored beside the mention's score."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from koe.config import parse_config
from koe.pipeline import aggregate, score
from koe.records import Mention
from storage import Store

TEXT = "love the camera, but the price is a joke"


@pytest.fixture
def config(tmp_path: Path):
    return parse_config({
        "storage": {"path": str(tmp_path / "koe.duckdb")},
        "brands": [{"name": "Lumen Phone", "query": '"lumen phone" OR camera OR price'}],
        "sources": [{"type": "sample"}],
        "topics": [
            {"name": "product", "description": "The phone itself: camera, screen, battery, design",
             "examples": ["the camera is amazing", "battery dies fast"]},
            {"name": "price", "description": "Price and value for money: expensive, cheap, deals",
             "examples": ["way too expensive", "great value for the price"]},
        ],
    })


def test_each_clause_gets_its_own_topic_and_sentiment(config) -> None:
    store = Store(config.storage.path)
    created = datetime(2026, 11, 1, 9, tzinfo=UTC)
    store.upsert_mentions([
        Mention("file", "1", TEXT, created, language="en", brands=("Lumen Phone",)),
        Mention("file", "2", "The screen is gorgeous", created, language="en",
                brands=("Lumen Phone",)),
    ], created)
    score(config, "test")
    aggregate(config, "test")

    con = duckdb.connect(str(config.storage.path), read_only=True)
    try:
        clauses = con.execute(
            "SELECT source_id, clause, text, label, topics FROM aspect_sentiments "
            "ORDER BY source_id, clause").fetchall()
        topics = dict(((t, lbl), n) for t, lbl, n in con.execute(
            "SELECT topic, label, count(*) FROM mention_topic_sentiment GROUP BY ALL").fetchall())
    finally:
        con.close()
    split = [c for c in clauses if c[0] == "1"]
    assert [c[2] for c in split] == ["love the camera", "but the price is a joke"]
    assert split[0][3] == "positive" and "product" in split[0][4]
    assert split[1][3] == "negative" and "price" in split[1][4]
    whole = [c for c in clauses if c[0] == "2"]  # one clause: the mention itself
    assert len(whole) == 1 and whole[0][2] == "The screen is gorgeous"
    # topic sentiment follows the clauses: product positive, price negative
    assert topics.get(("price", "negative"), 0) >= 1
    assert topics.get(("product", "positive"), 0) >= 1


def test_rescoring_replaces_clauses_instead_of_adding(config) -> None:
    store = Store(config.storage.path)
    created = datetime(2026, 11, 1, 9, tzinfo=UTC)
    store.upsert_mentions([Mention("file", "1", TEXT, created, language="en",
                                   brands=("Lumen Phone",))], created)
    score(config, "first")
    score(config, "again", rescore=True)
    con = duckdb.connect(str(config.storage.path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM aspect_sentiments").fetchall()[0][0] == 2
        assert con.execute("SELECT count(*) FROM scores").fetchall()[0][0] == 1
    finally:
        con.close()
