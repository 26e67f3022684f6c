"""koe-e5 quality on TweetEval validation (needs the shared data directory)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from koe.config import SentimentSettings
from sentiment import load_analyzer
from sentiment.data import load_tweeteval_val
from sentiment.train import macro_recall

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not (DATA_DIR / "sentiment_en" / "tweeteval_val.tsv").is_file(),
    reason=f"shared labelled data not found at {DATA_DIR} (sentiment_en/tweeteval_val.tsv)",
)


def test_tweeteval_val_macro_recall() -> None:
    rows = load_tweeteval_val(DATA_DIR)
    sample = random.Random(0).sample(rows, 300)
    analyzer = load_analyzer(SentimentSettings(), ())
    out = analyzer.analyze([r.text for r in sample], ["en"] * len(sample))
    score = macro_recall([r.label for r in sample], [a.label for a in out])
    assert score >= 0.6, f"TweetEval val macro-recall {score:.3f} on 300 tweets"
