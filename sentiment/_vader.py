"""The VADER lexicon baseline (English only)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sentiment.base import Score, Scorer, missing_dependency

MODEL_ID = "vader"
THRESHOLD = 0.05  # VADER's own recommended compound cut-offs
# Probabilities are a softmax over (-K*c, B, K*c) for compound c; B/K = THRESHOLD puts the
# argmax boundaries exactly at VADER's cut-offs, and K makes |c| = 1 near-certain.
_K = 5.0
_B = _K * THRESHOLD


def vader_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"vader-{version('vaderSentiment')}"
    except PackageNotFoundError:
        return "vader-unknown"


def proba_from_compound(compound: float) -> tuple[float, float, float]:
    logits = (-_K * compound, _B, _K * compound)
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return exps[0] / total, exps[1] / total, exps[2] / total


def label_from_compound(compound: float) -> str:
    if compound >= THRESHOLD:
        return "positive"
    if compound <= -THRESHOLD:
        return "negative"
    return "neutral"


class VaderScorer(Scorer):
    """Lexicon and rules; texts in other languages mostly come out neutral (no lexicon hits)."""

    model_id = MODEL_ID

    def __init__(self, batch_size: int = 64) -> None:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError as e:
            raise missing_dependency("vaderSentiment", "vaderSentiment", MODEL_ID) from e
        self._analyzer: Any = SentimentIntensityAnalyzer()
        self.model_version = vader_version()
        self.batch_size = batch_size

    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        out = []
        for text, lang in zip(texts, languages, strict=True):
            compound = float(self._analyzer.polarity_scores(text)["compound"])
            p_neg, p_neu, p_pos = proba_from_compound(compound)
            out.append(Score(label_from_compound(compound), p_neg, p_neu, p_pos,
                             self.model_id, self.model_version, lang, "vader"))
        return out
