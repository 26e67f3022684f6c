"""A multinomial logistic-regression head as plain numpy: weights, bias, classes.

Training (sklearn) folds its feature standardisation into the weights, so inference is
one matrix product and a softmax, with no sklearn at run time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import LABELS, SentimentError

METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class LinearHead:
    weights: np.ndarray  # (n_classes, dim)
    bias: np.ndarray  # (n_classes,)
    classes: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.weights.ndim != 2 or not (self.weights.shape[0] == self.bias.shape[0]
                                          == len(self.classes)):
            raise SentimentError(f"head shapes disagree: {self.weights.shape} vs {self.bias.shape}")

    def predict_proba(self, x: np.ndarray, order: Sequence[str] = LABELS) -> np.ndarray:
        """Probabilities in ``order`` (default ``LABELS``: negative, neutral, positive)."""
        logits = x.astype(np.float64) @ self.weights.T.astype(np.float64) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p[:, [self.classes.index(label) for label in order]]

    def save(self, path: Path) -> None:
        np.savez(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                 classes=np.array(self.classes))

    @classmethod
    def load(cls, path: Path, classes: Sequence[str] | None = None) -> LinearHead:
        """Read a head; its classes must be ``classes`` (default: the sentiment ``LABELS``)."""
        try:
            with np.load(path) as z:
                head = cls(z["weights"], z["bias"], tuple(str(c) for c in z["classes"]))
        except (OSError, KeyError, ValueError) as e:
            raise SentimentError(f"cannot read sentiment head {path}: {e}") from e
        want = tuple(classes) if classes is not None else LABELS
        if set(head.classes) != set(want):
            raise SentimentError(f"{path}: classes {head.classes} are not {want}")
        return head


def load_heads(artifact_dir: Path) -> tuple[dict[str, LinearHead], dict[str, Any]]:
    """Read ``metadata.json`` and the heads it lists (``{"heads": {"en": "en.npz", ...}}``)."""
    meta_path = artifact_dir / METADATA_FILE
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SentimentError(
            f"no trained sentiment model at {artifact_dir}; run `koe train sentiment`"
        ) from None
    except json.JSONDecodeError as e:
        raise SentimentError(f"{meta_path} is not valid JSON: {e}") from e
    heads = {name: LinearHead.load(artifact_dir / entry["file"])
             for name, entry in metadata["heads"].items()}
    return heads, metadata


def label_counts(labels: Sequence[str]) -> dict[str, int]:
    """How many of each sentiment label, in LABELS order (for training metadata)."""
    return {c: sum(label == c for label in labels) for c in LABELS}


def write_metadata(out_dir: Path, metadata: dict[str, Any], *, metrics: dict[str, Any],
                   seed: int, max_english: int | None, command: str, version: str,
                   elapsed: float, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Complete a trained model's metadata (run facts), write it, return the metrics summary."""
    import logging
    import platform
    from datetime import UTC, datetime

    full = {
        **metadata,
        "metrics": metrics,
        "seed": seed,
        "max_english": max_english,
        "command": command,
        **(extra or {}),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_seconds": round(elapsed, 1),
        "python": platform.python_version(),
    }
    (out_dir / METADATA_FILE).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    logging.getLogger(__name__).info("wrote %s (%s) in %.0fs: %s", out_dir, version, elapsed,
                                     metrics)
    return {**metrics, "model_version": version, "train_seconds": round(elapsed, 1)}
