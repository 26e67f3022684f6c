from __future__ import annotations

import json

import numpy as np
import pytest

from sentiment import LABELS, SentimentError
from sentiment.data import chabsa_sentence_label
from sentiment.head import LinearHead, load_heads
from sentiment.train import _fit, macro_recall, select_english


def _head() -> LinearHead:
    rng = np.random.default_rng(0)
    return LinearHead(rng.normal(size=(3, 8)).astype(np.float32), rng.normal(size=3).astype(np.float32),
                      ("positive", "negative", "neutral"))


def test_save_load_round_trip(tmp_path) -> None:
    head = _head()
    head.save(tmp_path / "en.npz")
    loaded = LinearHead.load(tmp_path / "en.npz")
    x = np.random.default_rng(1).normal(size=(5, 8)).astype(np.float32)
    assert loaded.classes == head.classes
    np.testing.assert_allclose(loaded.predict_proba(x), head.predict_proba(x), rtol=1e-6)


def test_probabilities_come_in_label_order() -> None:
    head = LinearHead(np.zeros((3, 2), np.float32), np.array([5.0, 0.0, 0.0], np.float32),
                      ("positive", "negative", "neutral"))
    p = head.predict_proba(np.zeros((1, 2), np.float32))[0]
    assert LABELS[int(p.argmax())] == "positive"
    assert p.sum() == pytest.approx(1.0)


def test_load_heads_reads_metadata(tmp_path) -> None:
    _head().save(tmp_path / "en.npz")
    (tmp_path / "metadata.json").write_text(json.dumps({"model_version": "v1",
                                                        "heads": {"en": {"file": "en.npz"}}}))
    heads, meta = load_heads(tmp_path)
    assert set(heads) == {"en"} and meta["model_version"] == "v1"


def test_missing_artefact_says_how_to_train(tmp_path) -> None:
    with pytest.raises(SentimentError, match="koe train sentiment"):
        load_heads(tmp_path)


def test_bad_classes_rejected(tmp_path) -> None:
    LinearHead(np.zeros((3, 2)), np.zeros(3), ("a", "b", "c")).save(tmp_path / "x.npz")
    with pytest.raises(SentimentError, match="classes"):
        LinearHead.load(tmp_path / "x.npz")


def test_folded_standardisation_matches_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(loc=3.0, scale=0.1, size=(300, 6))
    y = np.array(LABELS)[(x[:, 0] > 3.0).astype(int) + (x[:, 1] > 3.05).astype(int)]
    head = _fit(x, y, 1.0, None, seed=0)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    ref = LogisticRegression(C=1.0, max_iter=2000, random_state=0).fit((x - mean) / std, y)
    expected = ref.predict_proba((x - mean) / std)[:, [list(ref.classes_).index(c) for c in LABELS]]
    np.testing.assert_allclose(head.predict_proba(x), expected, atol=1e-4)


@pytest.mark.parametrize(
    ("polarities", "label"),
    [([], "neutral"), (["positive"], "positive"), (["positive", "negative"], "neutral"),
     (["negative", "negative", "positive"], "negative"), (["neutral", "positive"], "positive")],
)
def test_chabsa_sentence_label(polarities: list[str], label: str) -> None:
    assert chabsa_sentence_label([{"polarity": p} for p in polarities]) == label


def test_macro_recall() -> None:
    assert macro_recall(["positive", "negative", "negative"], ["positive", "negative", "positive"]) == 0.75


def test_english_subsample_is_seeded_prefix() -> None:
    pool = list(range(100))
    small = select_english(pool, 10, seed=0)  # type: ignore[arg-type]
    assert small == select_english(pool, 30, seed=0)[:10]  # type: ignore[arg-type]
    assert small != select_english(pool, 10, seed=1)  # type: ignore[arg-type]


def test_write_metadata_completes_and_returns_the_summary(tmp_path) -> None:
    import json as _json

    from sentiment.head import METADATA_FILE, label_counts, write_metadata

    assert label_counts(["positive", "negative", "positive"]) == {
        "negative": 1, "neutral": 0, "positive": 2}
    summary = write_metadata(tmp_path, {"model_id": "m"}, metrics={"macro_recall": 0.7},
                             seed=3, max_english=None, command="koe train sentiment",
                             version="m-1", elapsed=12.34, extra={"call": "x"})
    assert summary == {"macro_recall": 0.7, "model_version": "m-1", "train_seconds": 12.3}
    written = _json.loads((tmp_path / METADATA_FILE).read_text(encoding="utf-8"))
    assert written["model_id"] == "m" and written["seed"] == 3 and written["call"] == "x"
    assert list(written)[-3:] == ["trained_at", "train_seconds", "python"]
