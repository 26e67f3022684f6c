"""koe-minilm: fine-tuned all-MiniLM-L6-v2 (ONNX int8) for English, e5 heads for the rest.

English text is scored by the LoRA-fine-tuned MiniLM classifier and gets topics from the
base MiniLM sentence embedding (both ONNX Runtime int8, built by ``sentiment.build``).
Japanese text goes to koe-e5's Japanese head and every other language to koe-e5's
multilingual English-trained head, so no non-English text meets an English-only model.
The e5 engine is loaded only when a non-English text first arrives.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import (
    LABELS,
    MultiEncoderScorer,
    ScoredBatch,
    SentimentError,
    missing_dependency,
    scores_from_proba,
)
from sentiment.build import ARTIFACT_DIR, BUILD_DIR_NAME, ENCODER_ONNX, SENTIMENT_ONNX, build
from sentiment.head import METADATA_FILE, LinearHead
from sentiment.tweets import normalise

log = logging.getLogger(__name__)

MODEL_ID = "koe-minilm"
MINILM_ENCODER = "minilm"
E5_ENCODER = "e5"
EMOTIONS: tuple[str, ...] = ("anger", "joy", "optimism", "sadness")
MAX_TOKENS = 128
# Topic tagging on base-MiniLM cosines, which spread far wider than e5's. Calibrated on 1,500
# SemEval-2014 restaurant sentences with a food/service/price/ambience taxonomy: micro-F1
# 0.697 and 64% of topic-less sentences left untagged (e5 at its defaults: 0.612 and 74%).
MINILM_TOPIC_THRESHOLD = 0.20
MINILM_TOPIC_MARGIN = 0.10
MINILM_TOPIC_LIFT = 0.20
E5_DEFAULT_THRESHOLD = 0.80


def route(language: str) -> str:
    """Which model scores a language: ``en`` MiniLM, ``ja`` e5 Japanese head, else e5 English head."""
    if language == "en":
        return "en"
    return "ja" if language == "ja" else "e5"


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


class OnnxMiniLM:
    """Tokeniser (``tokenizers``, no torch) + the two int8 ONNX sessions, shared per process."""

    def __init__(self, build_dir: Path, threads: int = 2) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise missing_dependency("onnxruntime", "onnxruntime==1.32.0", MODEL_ID) from e
        from sentiment.finetune import base_model_dir

        self.tokenizer = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
        # No truncation: texts longer than MAX_TOKENS are scored whole, as overlapping windows.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls is None or sep is None:
            raise SentimentError("the MiniLM tokenizer has no [CLS]/[SEP] tokens; rerun setup")
        self._cls, self._sep = cls, sep
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Two sessions run back to back: spinning worker threads of one would starve the other
        # on a 2-core machine (measured: 207 instead of ~450 texts/s with both).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.classifier = ort.InferenceSession(str(build_dir / SENTIMENT_ONNX), opts,
                                                   providers=["CPUExecutionProvider"])
            self.encoder = ort.InferenceSession(str(build_dir / ENCODER_ONNX), opts,
                                                providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors
            raise SentimentError(f"cannot load koe-minilm ONNX models from {build_dir}: {e}") from e
        self._lock = threading.Lock()

    def _windows(self, texts: Sequence[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """Token windows of at most MAX_TOKENS, the text each belongs to, and its weight.

        A long text becomes windows of MAX_TOKENS-2 word pieces (plus [CLS]/[SEP]) overlapping
        by a quarter; its result is the token-weighted mean of its windows' results.
        """
        body, step = MAX_TOKENS - 2, (MAX_TOKENS - 2) * 3 // 4
        windows: list[list[int]] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, enc in enumerate(self.tokenizer.encode_batch([normalise(t) for t in texts])):
            ids = enc.ids
            if len(ids) <= MAX_TOKENS:
                windows.append(ids)
                owner.append(i)
                weight.append(1.0)
                continue
            pieces = ids[1:-1]
            starts = list(range(0, max(len(pieces) - body, 0) + 1, step))
            if starts[-1] + body < len(pieces):
                starts.append(len(pieces) - body)
            for start in starts:
                chunk = pieces[start:start + body]
                windows.append([self._cls, *chunk, self._sep])
                owner.append(i)
                weight.append(float(len(chunk)))
        return windows, np.asarray(owner), np.asarray(weight)

    @staticmethod
    def _feed(windows: Sequence[list[int]]) -> dict[str, np.ndarray]:
        width = max(len(w) for w in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for i, w in enumerate(windows):
            ids[i, :len(w)] = w
            mask[i, :len(w)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    @staticmethod
    def _pool(values: np.ndarray, owner: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
        """Token-weighted mean of window rows per text (identity for one-window texts)."""
        out = np.zeros((n, values.shape[1]), dtype=np.float64)
        np.add.at(out, owner, values * weight[:, None])
        totals = np.zeros(n)
        np.add.at(totals, owner, weight)
        return (out / totals[:, None]).astype(np.float32)

    def run(self, texts: Sequence[str], *, topics: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(sentiment logits, fine-tuned pooled features, base embeddings or None)."""
        if not texts:
            empty = np.zeros((0, 384), dtype=np.float32)
            return np.zeros((0, len(LABELS)), dtype=np.float32), empty, empty if topics else None
        windows, owner, weight = self._windows(texts)
        # Similar lengths per sub-batch: padding costs as much as real tokens.
        order = np.argsort([len(w) for w in windows], kind="stable")
        logits = np.zeros((len(windows), len(LABELS)), dtype=np.float32)
        pooled = np.zeros((len(windows), 384), dtype=np.float32)
        emb = np.zeros((len(windows), 384), dtype=np.float32) if topics else None
        with self._lock:
            for i in range(0, len(order), 32):
                rows = order[i:i + 32]
                feed = self._feed([windows[j] for j in rows])
                logits[rows], pooled[rows] = self.classifier.run(["logits", "pooled"], feed)
                if emb is not None:
                    emb[rows] = self.encoder.run(["embedding"], feed)[0]
        if len(windows) == len(texts):
            return logits, pooled, emb
        # Several windows for some texts: average probabilities (returned as log-probabilities,
        # which softmax maps back), features and renormalised embeddings.
        probs = self._pool(_softmax(logits), owner, weight, len(texts))
        merged_emb = None
        if emb is not None:
            merged_emb = self._pool(emb, owner, weight, len(texts))
            merged_emb /= np.linalg.norm(merged_emb, axis=1, keepdims=True).clip(min=1e-12)
        return (np.log(probs.clip(min=1e-12)).astype(np.float32),
                self._pool(pooled, owner, weight, len(texts)), merged_emb)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm base MiniLM sentence embeddings (the topic space)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        windows, owner, weight = self._windows(texts)
        out = np.zeros((len(windows), 384), dtype=np.float32)
        with self._lock:
            for i in range(0, len(windows), 32):
                out[i:i + 32] = self.encoder.run(["embedding"], self._feed(windows[i:i + 32]))[0]
        if len(windows) == len(texts):
            return out
        merged = self._pool(out, owner, weight, len(texts))
        return merged / np.linalg.norm(merged, axis=1, keepdims=True).clip(min=1e-12)


_RUNTIMES: dict[Path, OnnxMiniLM] = {}
_RUNTIMES_LOCK = threading.Lock()


def get_runtime(artifact_dir: Path = ARTIFACT_DIR) -> OnnxMiniLM:
    with _RUNTIMES_LOCK:
        if artifact_dir not in _RUNTIMES:
            # Setup builds the ONNX files; building here too keeps a fresh checkout working.
            build_dir = build(artifact_dir)
            _RUNTIMES[artifact_dir] = OnnxMiniLM(build_dir)
        return _RUNTIMES[artifact_dir]


class MiniLMEmbedder:
    """The topic-space embedder for English (``TopicTagger``'s ``Embedder``)."""

    def __init__(self, runtime: OnnxMiniLM) -> None:
        self.runtime = runtime

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.runtime.embed(texts)


class MiniLMScorer(MultiEncoderScorer):
    model_id = MODEL_ID

    def __init__(self, runtime: OnnxMiniLM, heads: dict[str, LinearHead], model_version: str,
                 batch_size: int = 64, artifact_dir: Path = ARTIFACT_DIR) -> None:
        missing = {"ja", "e5", "emotion_en"} - heads.keys()
        if missing:
            raise SentimentError(f"{MODEL_ID}: artefact lacks the {sorted(missing)} head(s)")
        self.runtime, self.heads = runtime, heads
        self.model_version, self.batch_size = model_version, batch_size
        self.artifact_dir = artifact_dir

    @property
    def e5(self) -> Any:
        from sentiment._e5 import get_encoder

        return get_encoder()

    def score_batch(self, texts: list[str], languages: list[str], *,
                    topics: bool = False) -> ScoredBatch:
        routes = [route(lang) for lang in languages]
        proba = np.empty((len(texts), 3), dtype=np.float64)
        emotions = np.full((len(texts), len(EMOTIONS)), np.nan)
        embeddings: dict[str, tuple[list[int], np.ndarray]] = {}
        en_rows = [i for i, r in enumerate(routes) if r == "en"]
        if en_rows:
            logits, pooled, emb = self.runtime.run([texts[i] for i in en_rows], topics=topics)
            proba[en_rows] = _softmax(logits)
            emotions[en_rows] = self.heads["emotion_en"].predict_proba(pooled, EMOTIONS)
            if emb is not None:
                embeddings[MINILM_ENCODER] = (en_rows, emb)
        other = [i for i, r in enumerate(routes) if r != "en"]
        if other:
            e5_emb = self.e5.embed([texts[i] for i in other])
            for name in ("ja", "e5"):
                local = [k for k, i in enumerate(other) if routes[i] == name]
                if local:
                    proba[[other[k] for k in local]] = self.heads[name].predict_proba(e5_emb[local])
            if "emotion_e5" in self.heads:
                emotions[other] = self.heads["emotion_e5"].predict_proba(e5_emb, EMOTIONS)
            if topics:
                embeddings[E5_ENCODER] = (other, e5_emb)
        heads = ["minilm" if r == "en" else r for r in routes]
        base = scores_from_proba(proba, model_id=self.model_id, model_version=self.model_version,
                                 languages=languages, heads=heads)
        scores = [s.with_emotions(EMOTIONS, row) for s, row in zip(base, emotions.tolist(), strict=True)]
        return ScoredBatch(scores, embeddings)

    def tagger_factories(self, topics: Sequence[Any], *, threshold: float,
                         max_topics: int) -> dict[str, Callable[[], Any]]:
        """MiniLM tagger for English, e5 tagger for the rest; ``threshold`` is on e5's scale
        and shifts MiniLM's calibrated threshold by the same amount."""
        from sentiment.topics import TopicTagger

        minilm_threshold = MINILM_TOPIC_THRESHOLD + (threshold - E5_DEFAULT_THRESHOLD)
        return {
            MINILM_ENCODER: lambda: TopicTagger(MiniLMEmbedder(self.runtime), topics,
                                                threshold=minilm_threshold, max_topics=max_topics,
                                                margin=MINILM_TOPIC_MARGIN,
                                                min_lift=MINILM_TOPIC_LIFT),
            E5_ENCODER: lambda: TopicTagger(self.e5, topics, threshold=threshold,
                                            max_topics=max_topics),
        }


def load_minilm_scorer(batch_size: int = 64, artifact_dir: Path = ARTIFACT_DIR) -> MiniLMScorer:
    meta_path = artifact_dir / METADATA_FILE
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SentimentError(f"no trained {MODEL_ID} model at {artifact_dir}; run `koe train sentiment`") \
            from None
    heads = {name: LinearHead.load(artifact_dir / entry["file"], entry.get("classes"))
             for name, entry in metadata["heads"].items() if entry.get("kind", "linear") == "linear"}
    runtime = get_runtime(artifact_dir)
    return MiniLMScorer(runtime, heads, str(metadata["model_version"]), batch_size, artifact_dir)


__all__ = ["BUILD_DIR_NAME", "EMOTIONS", "MODEL_ID", "MiniLMEmbedder", "MiniLMScorer",
           "load_minilm_scorer", "route"]
