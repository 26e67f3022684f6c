"""Sentiment and topics for mentions: ``load_analyzer(settings, topics).analyze(texts)``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from koe.config import SentimentSettings, Topic
from sentiment.base import LABELS, Progress, Score, Scorer, SentimentError, batches
from sentiment.language import detect_language, resolve_languages
from sentiment.registry import available_models, load_scorer
from sentiment.topics import TopicTagger

__all__ = [
    "LABELS", "Analysis", "Analyzer", "Score", "Scorer", "SentimentError", "TopicTagger",
    "available_models", "detect_language", "load_analyzer", "load_scorer",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Analysis:
    language: str
    label: str  # "negative" | "neutral" | "positive"
    p_negative: float
    p_neutral: float
    p_positive: float
    score: float  # p_positive - p_negative, in -1..1
    topics: tuple[str, ...]


class Analyzer:
    """Sentiment plus topics for batches of texts, embedding each text once for both."""

    def __init__(self, scorer: Scorer, tagger: TopicTagger | None, batch_size: int = 64) -> None:
        self.scorer, self.tagger, self.batch_size = scorer, tagger, batch_size
        self.model_id = scorer.model_id
        self.model_version = scorer.model_version

    def analyze(self, texts: Sequence[str],
                languages: Sequence[str | None] | None = None) -> list[Analysis]:
        return [a for a, _ in self.analyze_scored(texts, languages)]

    def analyze_scored(self, texts: Sequence[str],
                       languages: Sequence[str | None] | None = None) -> list[tuple[Analysis, Score]]:
        """Like ``analyze``, paired with the backend's ``Score`` (model version, which head)."""
        texts = list(texts)
        langs = resolve_languages(texts, languages)
        encoder = getattr(self.scorer, "encoder", None) if self.scorer.embeds else None
        if encoder is None and self.tagger is not None:
            encoder = self.tagger.encoder
        out: list[tuple[Analysis, Score]] = []
        progress = Progress(len(texts), f"{self.model_id}: analysed", log)
        for i in batches(len(texts), self.batch_size):
            chunk, chunk_langs = texts[i:i + self.batch_size], langs[i:i + self.batch_size]
            emb: np.ndarray | None = encoder.embed(chunk) if encoder is not None else None
            scores = self.scorer._score_batch(chunk, chunk_langs, emb if self.scorer.embeds else None)
            topics = self.tagger.assign(emb) if self.tagger is not None and emb is not None \
                else [()] * len(chunk)
            for s, t in zip(scores, topics, strict=True):
                out.append((Analysis(s.language, s.label, s.p_negative, s.p_neutral, s.p_positive,
                                     s.score, t), s))
            progress.advance(len(chunk))
        return out


def load_analyzer(settings: SentimentSettings, topics: Sequence[Topic]) -> Analyzer:
    """The configured model (``settings.model``) with a tagger for ``topics`` (none if empty).

    The e5 encoder is loaded once per process and shared by the scorer and the tagger.
    """
    scorer = load_scorer(settings.model, batch_size=settings.batch_size)
    tagger = None
    if topics:
        from sentiment._e5 import get_encoder

        tagger = TopicTagger(get_encoder(), topics, threshold=settings.topic_threshold,
                             max_topics=settings.max_topics)
    return Analyzer(scorer, tagger, settings.batch_size)
