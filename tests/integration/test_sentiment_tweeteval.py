"""Default-model quality on TweetEval validation (needs the shared data directory)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from koe.config import SentimentSettings
from sentiment import load_analyzer
from sentiment._minilm import EMOTIONS
from sentiment.data import load_tweeteval_emotion, load_tweeteval_val
from sentiment.train import macro_recall
from sentiment.train_minilm import macro_f1

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not (DATA_DIR / "sentiment_en" / "tweeteval_val.tsv").is_file(),
    reason=f"shared labelled data not found at {DATA_DIR} (sentiment_en/tweeteval_val.tsv)",
)


@pytest.mark.parametrize(("model", "floor"), [("koe-minilm", 0.68), ("koe-e5", 0.6)])
def test_tweeteval_val_macro_recall(model: str, floor: float) -> None:
    rows = load_tweeteval_val(DATA_DIR)
    sample = random.Random(0).sample(rows, 300)
    analyzer = load_analyzer(SentimentSettings(model=model), ())
    out = analyzer.analyze([r.text for r in sample], ["en"] * len(sample))
    score = macro_recall([r.label for r in sample], [a.label for a in out])
    assert score >= floor, f"{model}: TweetEval val macro-recall {score:.3f} on 300 tweets"


def test_emotion_val_macro_f1() -> None:
    rows = load_tweeteval_emotion(DATA_DIR, "val")
    analyzer = load_analyzer(SentimentSettings(model="koe-minilm"), ())
    out = analyzer.analyze([r.text for r in rows], ["en"] * len(rows))
    score = macro_f1([r.label for r in rows], [a.emotion or "" for a in out], EMOTIONS)
    assert score >= 0.65, f"TweetEval emotion val macro-F1 {score:.3f}"
