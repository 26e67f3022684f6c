"""The scorer interface every sentiment backend implements, and the package's error family."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from koe.errors import KoeError

log = logging.getLogger(__name__)

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
# Below this many texts a run is quick enough that progress lines would only be noise.
PROGRESS_MIN_TEXTS = 500
PROGRESS_EVERY_S = 10.0


class SentimentError(KoeError):
    """A sentiment model could not be loaded, trained or run."""


def missing_dependency(module: str, package: str, model_id: str) -> SentimentError:
    return SentimentError(
        f"model {model_id!r} needs the {module!r} module; install it with `pip install {package}`"
    )


@dataclass(frozen=True, slots=True)
class Score:
    """One text's sentiment, with the model that produced it (so a model change re-scores)."""

    label: str
    p_negative: float
    p_neutral: float
    p_positive: float
    model_id: str
    model_version: str
    language: str
    head: str  # which classifier scored the text, e.g. "en", "ja" or "vader"
    # TweetEval emotion (anger/joy/optimism/sadness), for models that have an emotion head.
    emotion: str | None = None
    p_anger: float | None = None
    p_joy: float | None = None
    p_optimism: float | None = None
    p_sadness: float | None = None

    def with_emotions(self, names: Sequence[str], proba: Sequence[float]) -> Score:
        """This score plus emotion probabilities (in ``names`` order); NaN means no emotion head."""
        if any(p != p for p in proba):  # NaN: no emotion head covered this text
            return self
        values = dict(zip(names, (float(p) for p in proba), strict=True))
        return replace(self, emotion=max(values, key=values.__getitem__),
                       p_anger=values["anger"], p_joy=values["joy"],
                       p_optimism=values["optimism"], p_sadness=values["sadness"])

    @property
    def score(self) -> float:
        return self.p_positive - self.p_negative


def scores_from_proba(proba: np.ndarray, *, model_id: str, model_version: str,
                      languages: Sequence[str], heads: Sequence[str]) -> list[Score]:
    """Rows of (negative, neutral, positive) probabilities -> Scores labelled by argmax."""
    out = []
    for row, lang, head in zip(proba.tolist(), languages, heads, strict=True):
        out.append(Score(LABELS[int(np.argmax(row))], row[0], row[1], row[2],
                         model_id, model_version, lang, head))
    return out


class Progress:
    """Logs counts and rates for long inputs, at most every ``PROGRESS_EVERY_S`` seconds."""

    def __init__(self, total: int, what: str, logger: logging.Logger = log) -> None:
        self.total, self.what, self.log = total, what, logger
        self.done = 0
        self.start = self.last = time.perf_counter()

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.total >= PROGRESS_MIN_TEXTS and (now - self.last >= PROGRESS_EVERY_S
                                                 or self.done >= self.total):
            self.last = now
            self.log.info("%s %d/%d texts (%.1f texts/s)", self.what, self.done, self.total,
                          self.done / max(now - self.start, 1e-9))


def batches(n: int, size: int) -> range:
    return range(0, n, max(1, size))


class Scorer(ABC):
    """``score(texts) -> list[Score]``; batching and progress live here, models in subclasses."""

    model_id: str
    model_version: str
    batch_size: int = 64

    def score(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Score]:
        """Score texts; ``languages[i]`` None (or no ``languages``) means detect it."""
        from sentiment.language import resolve_languages

        texts = list(texts)
        langs = resolve_languages(texts, languages)
        out: list[Score] = []
        progress = Progress(len(texts), f"{self.model_id}: scored", log)
        for i in batches(len(texts), self.batch_size):
            chunk = texts[i:i + self.batch_size]
            out.extend(self._score_batch(chunk, langs[i:i + self.batch_size], None))
            progress.advance(len(chunk))
        return out

    @property
    def embeds(self) -> bool:
        """Whether ``_score_batch`` consumes e5 embeddings (so a caller can embed once and share)."""
        return False

    @abstractmethod
    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        """Score one batch; ``embeddings`` are the texts' e5 vectors when the caller has them."""


@dataclass(frozen=True, slots=True)
class ScoredBatch:
    """One scored batch, and per encoder name the rows it embedded and their vectors (for topics)."""

    scores: list[Score]
    embeddings: dict[str, tuple[list[int], np.ndarray]]


class MultiEncoderScorer(Scorer):
    """A scorer whose texts are embedded by different encoders by language (koe-minilm).

    Each encoder has its own topic space, so topics come from one tagger per encoder.
    """

    @abstractmethod
    def score_batch(self, texts: list[str], languages: list[str], *, topics: bool = False) -> ScoredBatch:
        """Scores, plus the embeddings topic tagging needs when ``topics``."""

    @abstractmethod
    def tagger_factories(self, topics: Sequence[Any], *, threshold: float,
                         max_topics: int) -> dict[str, Callable[[], Any]]:
        """A ``TopicTagger`` factory per encoder name; ``threshold`` is on koe-e5's scale."""

    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        return self.score_batch(texts, languages).scores
