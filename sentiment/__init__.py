"""Sentiment and topics for mentions: ``load_analyzer(settings, topics).analyze(texts)``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from koe.config import SentimentSettings, Topic
from sentiment.base import (
    LABELS,
    MultiEncoderScorer,
    Progress,
    Score,
    Scorer,
    SentimentError,
    batches,
)
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
    # TweetEval emotion of the text (anger/joy/optimism/sadness); None where the model has none.
    emotion: str | None = None
    p_anger: float | None = None
    p_joy: float | None = None
    p_optimism: float | None = None
    p_sadness: float | None = None


def _analysis(s: Score, topics: tuple[str, ...]) -> Analysis:
    return Analysis(s.language, s.label, s.p_negative, s.p_neutral, s.p_positive, s.score, topics,
                    s.emotion, s.p_anger, s.p_joy, s.p_optimism, s.p_sadness)


class Analyzer:
    """Sentiment plus topics for batches of texts, embedding each text once for both."""

    def __init__(self, scorer: Scorer, tagger: TopicTagger | None, batch_size: int = 64,
                 taggers: Mapping[str, Callable[[], TopicTagger]] | None = None) -> None:
        """``taggers``: for scorers that embed with several encoders (koe-minilm), a tagger
        factory per encoder name, built on first use (so English-only runs never load e5)."""
        self.scorer, self.tagger, self.batch_size = scorer, tagger, batch_size
        self.model_id = scorer.model_id
        self.model_version = scorer.model_version
        self._tagger_factories = dict(taggers or {})
        self._taggers: dict[str, TopicTagger] = {}

    def _tagger_for(self, encoder: str) -> TopicTagger:
        if encoder not in self._taggers:
            self._taggers[encoder] = self._tagger_factories[encoder]()
        return self._taggers[encoder]

    def analyze(self, texts: Sequence[str],
                languages: Sequence[str | None] | None = None) -> list[Analysis]:
        return [a for a, _ in self.analyze_scored(texts, languages)]

    def analyze_scored(self, texts: Sequence[str],
                       languages: Sequence[str | None] | None = None) -> list[tuple[Analysis, Score]]:
        """Like ``analyze``, paired with the backend's ``Score`` (model version, which head)."""
        texts = list(texts)
        langs = resolve_languages(texts, languages)
        if isinstance(self.scorer, MultiEncoderScorer):
            return self._analyze_multi(self.scorer, texts, langs)
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
                out.append((_analysis(s, t), s))
            progress.advance(len(chunk))
        return out

    def _analyze_multi(self, scorer: MultiEncoderScorer, texts: list[str],
                       langs: list[str]) -> list[tuple[Analysis, Score]]:
        out: list[tuple[Analysis, Score]] = []
        progress = Progress(len(texts), f"{self.model_id}: analysed", log)
        want_topics = bool(self._tagger_factories)
        for i in batches(len(texts), self.batch_size):
            chunk, chunk_langs = texts[i:i + self.batch_size], langs[i:i + self.batch_size]
            batch = scorer.score_batch(chunk, chunk_langs, topics=want_topics)
            topics: list[tuple[str, ...]] = [()] * len(chunk)
            for encoder, (rows, emb) in batch.embeddings.items():
                for row, t in zip(rows, self._tagger_for(encoder).assign(emb), strict=True):
                    topics[row] = t
            out.extend((_analysis(s, t), s) for s, t in zip(batch.scores, topics, strict=True))
            progress.advance(len(chunk))
        return out


def load_analyzer(settings: SentimentSettings, topics: Sequence[Topic]) -> Analyzer:
    """The configured model (``settings.model``) with a tagger for ``topics`` (none if empty).

    Encoders are loaded once per process and shared by the scorer and the taggers; koe-minilm
    tags English with the base MiniLM space and other languages with e5, each on its own scale.
    """
    scorer = load_scorer(settings.model, batch_size=settings.batch_size)
    if isinstance(scorer, MultiEncoderScorer):
        factories = scorer.tagger_factories(topics, threshold=settings.topic_threshold,
                                            max_topics=settings.max_topics) if topics else {}
        return Analyzer(scorer, None, settings.batch_size, factories)
    tagger = None
    if topics:
        from sentiment._e5 import get_encoder

        tagger = TopicTagger(get_encoder(), topics, threshold=settings.topic_threshold,
                             max_topics=settings.max_topics)
    return Analyzer(scorer, tagger, settings.batch_size)
