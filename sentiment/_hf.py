"""Any Hugging Face sequence-classification model as a scorer: ``model = "hf:<id-or-path>"``.

Texts longer than the model's window are scored whole: their tokens are cut into windows
that overlap by a quarter, each window is classified, and the window probabilities are
averaged weighted by how many of the text's tokens each window holds. Nothing is silently
truncated.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import (
    LABELS,
    Score,
    Scorer,
    SentimentError,
    missing_dependency,
    scores_from_proba,
)

log = logging.getLogger(__name__)

PREFIX = "hf:"
NUM_THREADS = 2
# Tokenizers without a saved limit report this huge sentinel instead of a real length.
_NO_LIMIT = 1_000_000
# Models whose position ids start after the padding index lose those slots from their window.
_PADDING_OFFSET_MODELS = {"roberta", "xlm-roberta", "camembert", "longformer", "bertweet",
                          "data2vec-text", "xmod", "roberta-prelayernorm"}
_VERSION_SUFFIXES = {".json", ".safetensors", ".bin", ".txt", ".model"}
_HUB_PATTERNS = ["*.json", "*.txt", "*.model", "*.safetensors", "*.bin"]
_HUB_IGNORE = ["*onnx*", "*.h5", "*.msgpack", "*.ot", "training_args.bin"]

_ALIASES = {
    "negative": "negative", "neg": "negative",
    "neutral": "neutral", "neu": "neutral",
    "positive": "positive", "pos": "positive",
}
_GENERIC = re.compile(r"label_(\d+)")


def label_columns(id2label: Mapping[int, str]) -> list[int]:
    """For each model output (in id order) its column in ``LABELS``.

    Names match case-insensitively (negative/neg, neutral/neu, positive/pos). Generic
    ``LABEL_i`` names mean negative/neutral/positive for 3-label models and
    negative/positive for 2-label ones. Raises ``SentimentError`` when they cannot be mapped.
    """
    ids = sorted(int(i) for i in id2label)
    names = [str(id2label[i]) for i in ids]
    keys = [n.strip().lower() for n in names]
    if all(_GENERIC.fullmatch(k) for k in keys) and ids == list(range(len(ids))):
        generic = {2: ["negative", "positive"], 3: list(LABELS)}.get(len(ids))
        targets = generic or []
    else:
        targets = [_ALIASES.get(k, "") for k in keys]
    if (len(targets) == len(ids) and all(targets) and len(set(targets)) == len(targets)
            and {"negative", "positive"} <= set(targets)):
        return [LABELS.index(t) for t in targets]
    raise SentimentError(
        f"cannot map the model's labels {names} to negative/neutral/positive; use a sentiment "
        "model whose config.json id2label names them (negative/neutral/positive, neg/neu/pos, "
        "or LABEL_0..LABEL_2 in that order), or edit id2label in its config.json"
    )


def plan_windows(n_tokens: int, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` token spans of at most ``size`` covering ``n_tokens``, overlapping by ~1/4."""
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = max(1, size - size // 4)
    spans = []
    start = 0
    while start + size < n_tokens:
        spans.append((start, start + size))
        start += step
    # The last window ends at the text's end, so no window is a short tail.
    spans.append((n_tokens - size, n_tokens))
    return spans


def resolve_model_dir(ref: str, model_id: str) -> Path:
    """A local model directory, or a hub id fetched (or found in the local hub cache)."""
    path = Path(ref).expanduser()
    if path.is_dir():
        return path
    looks_local = ref.startswith((".", "/", "~")) or path.exists() or ref.count("/") > 1
    hint = (f"{model_id}: {ref!r} is not a local directory, and the Hugging Face hub cannot be "
            "reached offline; download the model with internet access (or copy it) into a "
            "directory and use model = \"hf:/path/to/that/directory\"")
    if looks_local:
        raise SentimentError(hint)
    try:
        from huggingface_hub import snapshot_download
    except ImportError as e:
        raise missing_dependency("huggingface_hub", "huggingface_hub", model_id) from e
    def fetch(local_only: bool) -> Path:
        return Path(snapshot_download(ref, allow_patterns=_HUB_PATTERNS,
                                      ignore_patterns=_HUB_IGNORE, local_files_only=local_only))

    # The hub has no common error base (offline, 404, gated, ...): any failure is reported.
    try:
        return fetch(local_only=True)
    except Exception:
        pass
    try:
        return fetch(local_only=False)
    except Exception as e:
        raise SentimentError(f"{hint} ({type(e).__name__}: {e})") from e


def model_version(name_or_path: str, directory: Path) -> str:
    """``<name>-<hash>``: the model's name and a hash of its config/weight/tokenizer files' names
    and sizes, so retrained or swapped weights get a new version (and re-score)."""
    files = sorted(p for p in directory.iterdir()
                   if p.is_file() and p.suffix in _VERSION_SUFFIXES)
    digest = hashlib.sha256()
    for p in files:
        digest.update(f"{p.name}:{p.stat().st_size}\n".encode())
    name = Path(name_or_path).name if Path(name_or_path).is_dir() else name_or_path
    return f"{name or directory.name}-{digest.hexdigest()[:10]}"


@dataclass(frozen=True, slots=True)
class _Window:
    text: int  # index of the text in its batch
    ids: list[int]  # with special tokens
    weight: int  # the text's tokens this window holds


class HFScorer(Scorer):
    """A transformers ``AutoModelForSequenceClassification`` on CPU, batched, in eval mode."""

    def __init__(self, ref: str, *, batch_size: int = 64, num_threads: int = NUM_THREADS) -> None:
        self.model_id = PREFIX + ref
        self.batch_size = batch_size
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as e:
            raise missing_dependency("transformers", "transformers torch", self.model_id) from e
        self._torch: Any = torch
        directory = resolve_model_dir(ref, self.model_id)
        torch.set_num_threads(num_threads)
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(directory)
            self.model: Any = AutoModelForSequenceClassification.from_pretrained(directory)
        except (OSError, ValueError, KeyError) as e:
            raise SentimentError(
                f"{self.model_id}: could not load a sequence-classification model and its "
                f"tokenizer from {directory}: {e}"
            ) from e
        self.model.eval()
        config = self.model.config
        self.columns = label_columns(config.id2label)
        self.model_version = model_version(str(config.name_or_path or directory), directory)
        self.max_length = self._max_length(config)
        self._prefix, self._suffix = self._special_tokens()
        self.window = self.max_length - len(self._prefix) - len(self._suffix)
        if self.window < 1:
            raise SentimentError(f"{self.model_id}: window of {self.max_length} tokens leaves no "
                                 "room for text after the special tokens")

    def _max_length(self, config: Any) -> int:
        limits = []
        positions = getattr(config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 0:
            if config.model_type in _PADDING_OFFSET_MODELS:
                positions -= int(getattr(config, "pad_token_id", 1) or 1) + 1
            limits.append(positions)
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_limit, int) and 0 < tok_limit < _NO_LIMIT:
            limits.append(tok_limit)
        if not limits:
            raise SentimentError(f"{self.model_id}: neither the config nor the tokenizer says "
                                 "how many tokens the model accepts")
        return min(limits)

    def _special_tokens(self) -> tuple[list[int], list[int]]:
        """The ids the tokenizer puts before and after a single text (e.g. [CLS] ... [SEP])."""
        probe = "a"
        bare = self._encode([probe], special=False)[0]
        full = self._encode([probe], special=True)[0]
        for i in range(len(full) - len(bare) + 1):
            if bare and full[i:i + len(bare)] == bare:
                return full[:i], full[i + len(bare):]
        empty = self._encode([""], special=True)[0]
        return empty[:1], empty[1:]

    def _encode(self, texts: Sequence[str], *, special: bool) -> list[list[int]]:
        # verbose=False: long texts are expected here, they are windowed below.
        enc = self.tokenizer(list(texts), add_special_tokens=special, truncation=False,
                             verbose=False)
        return [list(ids) for ids in enc["input_ids"]]

    def windows(self, texts: Sequence[str]) -> list[_Window]:
        out = []
        for i, ids in enumerate(self._encode(texts, special=False)):
            for start, end in plan_windows(len(ids), self.window):
                out.append(_Window(i, self._prefix + ids[start:end] + self._suffix,
                                   max(1, end - start)))
        return out

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        """Softmax probabilities, in the model's label order, for one padded batch of windows."""
        torch = self._torch
        batch = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(input_ids=batch["input_ids"],
                                attention_mask=batch["attention_mask"]).logits
        return np.asarray(torch.softmax(logits.float(), dim=-1).numpy(), dtype=np.float64)

    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        wins = self.windows(texts)
        model_proba = np.empty((len(wins), len(self.columns)), dtype=np.float64)
        for i in range(0, len(wins), self.batch_size):
            chunk = wins[i:i + self.batch_size]
            model_proba[i:i + len(chunk)] = self._forward([w.ids for w in chunk])
        proba = np.zeros((len(texts), len(LABELS)), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        for w, row in zip(wins, model_proba, strict=True):
            proba[w.text, self.columns] += w.weight * row
            weights[w.text] += w.weight
        proba /= weights[:, None]
        return scores_from_proba(proba, model_id=self.model_id, model_version=self.model_version,
                                 languages=languages, heads=["hf"] * len(texts))


def load_hf_scorer(ref: str, *, batch_size: int = 64) -> HFScorer:
    if not ref:
        raise SentimentError('"hf:" needs a model after it, e.g. model = "hf:/path/to/model"')
    return HFScorer(ref, batch_size=batch_size)
