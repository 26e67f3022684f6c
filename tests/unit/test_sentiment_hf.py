"""The ``hf:`` backend, on tiny random BERT models built on disk (no hub, no downloads)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from koe.config import SentimentSettings
from sentiment import SentimentError, available_models, load_analyzer, load_scorer
from sentiment._hf import HFScorer, label_columns, plan_windows

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = (
    "the", "food", "was", "great", "bad", "service", "good", "ok", "slow", "fast", "price",
    "cheap", "staff", "rude", "lovely", "place", "noisy", "quiet", "wine", "cold", "hot",
    "menu", "dessert", "waiter", "table",
)
LONG = " ".join(WORDS[i % len(WORDS)] for i in range(200))  # ~200 tokens > 64 positions
TEXTS = ["the food was great", "service was slow and the waiter rude", "", "ok", LONG]


def _build(directory: Path, id2label: dict[int, str], *, seed: int = 0,
           model_max_length: int | None = 64) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    directory.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "##s"]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    kwargs = {} if model_max_length is None else {"model_max_length": model_max_length}
    BertTokenizerFast(vocab=str(directory / "vocab.txt"), **kwargs).save_pretrained(directory)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=len(id2label), id2label=id2label,
                        label2id={v: k for k, v in id2label.items()})
    BertForSequenceClassification(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    transformers.utils.logging.disable_progress_bar()
    root = tmp_path_factory.mktemp("hf")
    return {
        "named": _build(root / "named", {0: "NEGATIVE", 1: "NEUTRAL", 2: "POSITIVE"}),
        "generic": _build(root / "generic", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, seed=1),
        "binary": _build(root / "binary", {0: "neg", 1: "pos"}, seed=2, model_max_length=None),
        "emotions": _build(root / "emotions", {0: "joy", 1: "anger", 2: "sadness"}),
    }


@pytest.fixture(scope="session")
def scorer(models: dict[str, Path]) -> HFScorer:
    s = load_scorer("hf:" + str(models["named"]), batch_size=2)
    assert isinstance(s, HFScorer)
    return s


def _valid(scores: list) -> None:
    for s in scores:
        assert s.label in ("negative", "neutral", "positive")
        probs = (s.p_negative, s.p_neutral, s.p_positive)
        assert all(0 <= p <= 1 for p in probs)
        assert sum(probs) == pytest.approx(1.0, abs=1e-6)
        assert s.label == ("negative", "neutral", "positive")[int(np.argmax(probs))]


def test_registry_scores_with_valid_probabilities(scorer: HFScorer, models) -> None:
    scores = scorer.score(TEXTS, ["en"] * len(TEXTS))
    assert len(scores) == len(TEXTS)
    _valid(scores)
    assert scorer.model_id == "hf:" + str(models["named"])
    assert scores[0].model_id == scorer.model_id
    assert scores[0].model_version == scorer.model_version
    assert scorer.model_version.startswith("named-") and len(scorer.model_version) > 8
    assert scores[0].head == "hf" and not scorer.embeds
    assert "hf:<model>" in available_models()


def test_two_loads_agree(scorer: HFScorer, models) -> None:
    again = load_scorer("hf:" + str(models["named"]), batch_size=64)
    assert again.model_version == scorer.model_version
    assert again.score(TEXTS, ["en"] * len(TEXTS)) == scorer.score(TEXTS, ["en"] * len(TEXTS))


def test_version_changes_with_the_weights(models) -> None:
    versions = {load_scorer("hf:" + str(models[k])).model_version for k in ("named", "generic")}
    assert len(versions) == 2


def test_long_text_is_scored_over_several_windows(scorer: HFScorer, monkeypatch) -> None:
    assert scorer.max_length == 64 and scorer.window == 62  # [CLS] ... [SEP]
    rows: list[int] = []
    forward = scorer._forward

    def counting(ids: list[list[int]]) -> np.ndarray:
        rows.append(len(ids))
        assert all(len(x) <= scorer.max_length for x in ids)
        return forward(ids)

    monkeypatch.setattr(scorer, "_forward", counting)
    whole = scorer.score([LONG], ["en"])[0]
    n_tokens = len(LONG.split())
    assert sum(rows) == len(plan_windows(n_tokens, 62)) >= 3
    first = scorer.score([" ".join(LONG.split()[:62])], ["en"])[0]
    assert (whole.p_negative, whole.p_positive) != pytest.approx((first.p_negative,
                                                                 first.p_positive), abs=1e-9)


def test_plan_windows_overlap_and_cover() -> None:
    assert plan_windows(0, 10) == [(0, 0)]
    assert plan_windows(10, 10) == [(0, 10)]
    spans = plan_windows(25, 10)
    assert spans[0] == (0, 10) and spans[-1] == (15, 25)
    assert all(e - s == 10 for s, e in spans)
    assert all(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))  # overlapping


def test_analyzer_uses_the_hf_scorer(models) -> None:
    analyzer = load_analyzer(SentimentSettings(model="hf:" + str(models["named"])), [])
    out = analyzer.analyze(TEXTS, ["en"] * len(TEXTS))
    assert len(out) == len(TEXTS)
    for a in out:
        assert a.topics == ()
        assert a.p_negative + a.p_neutral + a.p_positive == pytest.approx(1.0, abs=1e-6)
        assert a.score == pytest.approx(a.p_positive - a.p_negative)
    assert analyzer.model_id == "hf:" + str(models["named"])


def test_generic_three_labels_map_in_order(models) -> None:
    s = load_scorer("hf:" + str(models["generic"]))
    _valid(s.score(TEXTS, ["en"] * len(TEXTS)))
    assert label_columns({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}) == [0, 1, 2]


def test_binary_model_has_no_neutral(models) -> None:
    s = load_scorer("hf:" + str(models["binary"]))
    assert isinstance(s, HFScorer) and s.max_length == 64  # from the config: no tokenizer limit
    scores = s.score(TEXTS, ["en"] * len(TEXTS))
    _valid(scores)
    assert all(x.p_neutral == 0 and x.label != "neutral" for x in scores)


@pytest.mark.parametrize(("id2label", "columns"), [
    ({0: "negative", 1: "neutral", 2: "positive"}, [0, 1, 2]),
    ({0: "Positive", 1: "Negative", 2: "Neutral"}, [2, 0, 1]),
    ({0: "NEG", 1: "NEU", 2: "POS"}, [0, 1, 2]),
    ({0: "LABEL_0", 1: "LABEL_1"}, [0, 2]),
    ({1: "positive", 0: "negative"}, [0, 2]),
])
def test_label_variants(id2label: dict[int, str], columns: list[int]) -> None:
    assert label_columns(id2label) == columns


@pytest.mark.parametrize("id2label", [
    {0: "joy", 1: "anger", 2: "sadness"},
    {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2", 3: "LABEL_3"},
    {0: "negative", 1: "negative", 2: "positive"},
    {0: "negative", 1: "neutral"},
])
def test_unmappable_labels_are_named(id2label: dict[int, str]) -> None:
    with pytest.raises(SentimentError, match="cannot map the model's labels.*id2label"):
        label_columns(id2label)


def test_unmappable_model_fails_to_load(models) -> None:
    with pytest.raises(SentimentError, match=r"\['joy', 'anger', 'sadness'\]"):
        load_scorer("hf:" + str(models["emotions"]))


def test_missing_path_says_offline(tmp_path: Path) -> None:
    with pytest.raises(SentimentError, match="not a local directory.*hub cannot be reached"):
        load_scorer("hf:" + str(tmp_path / "no-such-model"))


def test_empty_reference() -> None:
    with pytest.raises(SentimentError, match="needs a model"):
        load_scorer("hf:")


def test_directory_without_a_model(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    with pytest.raises(SentimentError, match="could not load"):
        load_scorer("hf:" + str(tmp_path))


def test_missing_transformers_gives_pip_hint(models, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(SentimentError, match="pip install transformers torch"):
        load_scorer("hf:" + str(models["named"]))
