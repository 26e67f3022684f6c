from __future__ import annotations

import logging

import pytest

from sentiment import load_scorer
from sentiment._vader import THRESHOLD, label_from_compound, proba_from_compound


@pytest.fixture(scope="module")
def vader():
    return load_scorer("vader", batch_size=2)


def test_vader_labels_obvious_sentences(vader) -> None:
    scores = vader.score([
        "I absolutely love this, it's wonderful!",
        "This is terrible, I hate it. Worst purchase ever.",
        "The store opens at nine.",
    ], ["en", "en", "en"])
    assert [s.label for s in scores] == ["positive", "negative", "neutral"]
    assert all(s.model_id == "vader" and s.model_version.startswith("vader-") for s in scores)
    assert all(s.head == "vader" for s in scores)
    assert scores[0].score > 0.5 and scores[1].score < -0.5


@pytest.mark.parametrize("compound", [-1.0, -0.5, -0.05, -0.04, 0.0, 0.04, 0.05, 0.3, 1.0])
def test_probabilities_agree_with_thresholds(compound: float) -> None:
    p = proba_from_compound(compound)
    assert sum(p) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in p)
    label = label_from_compound(compound)
    if abs(compound) != THRESHOLD:  # on the cut-off the two classes tie
        assert ("negative", "neutral", "positive")[max(range(3), key=p.__getitem__)] == label


def test_probabilities_are_monotonic_in_compound() -> None:
    pos = [proba_from_compound(c / 10)[2] for c in range(-10, 11)]
    assert pos == sorted(pos)
    assert proba_from_compound(1.0)[2] > 0.95


def test_long_inputs_log_progress(vader, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sentiment")
    out = vader.score(["good"] * 600, ["en"] * 600)
    assert len(out) == 600
    assert any("600/600 texts" in r.getMessage() and "texts/s" in r.getMessage()
               for r in caplog.records)
