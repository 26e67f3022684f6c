"""koe-minilm end to end on the built ONNX models and the committed artefact (no shared data)."""

from __future__ import annotations

import math

import pytest
from sample_topics import TAXONOMY

from koe.config import SentimentSettings
from sentiment import Analysis, Analyzer, load_analyzer
from sentiment._minilm import EMOTIONS, MiniLMScorer, route


@pytest.fixture(scope="session")
def minilm() -> Analyzer:
    return load_analyzer(SentimentSettings(model="koe-minilm", batch_size=4), TAXONOMY)


def test_identity_and_version(minilm: Analyzer) -> None:
    assert minilm.model_id == "koe-minilm"
    assert minilm.model_version.startswith("koe-minilm-") and "-ja" in minilm.model_version
    assert isinstance(minilm.scorer, MiniLMScorer)


def test_fields_and_ranges(minilm: Analyzer) -> None:
    texts = ["Great service!", "配送が遅い", "", "The weather is mild today.", "x" * 5000,
             "@someone check http://t.co/abc &amp; more"]
    out = minilm.analyze(texts)
    assert len(out) == len(texts)
    for a in out:
        assert isinstance(a, Analysis)
        probs = (a.p_negative, a.p_neutral, a.p_positive)
        assert all(0.0 <= p <= 1.0 for p in probs) and math.isclose(sum(probs), 1.0, abs_tol=1e-6)
        assert a.label == ("negative", "neutral", "positive")[probs.index(max(probs))]
        assert a.score == pytest.approx(a.p_positive - a.p_negative)
        assert len(a.topics) <= 3
        emotions = (a.p_anger, a.p_joy, a.p_optimism, a.p_sadness)
        assert a.emotion in EMOTIONS and all(p is not None for p in emotions)
        assert math.isclose(sum(p for p in emotions if p is not None), 1.0, abs_tol=1e-6)
    assert [a.language for a in out[:2]] == ["en", "ja"]


def test_empty_input(minilm: Analyzer) -> None:
    assert minilm.analyze([]) == []


def test_router() -> None:
    assert route("en") == "en" and route("ja") == "ja"
    assert route("es") == "e5" and route("ko") == "e5"


def test_no_japanese_text_meets_the_english_model(minilm: Analyzer) -> None:
    pairs = minilm.analyze_scored(["この商品は最高です", "I love this product", "Me encanta", "great"],
                                  [None, None, "es", "ja"])
    assert [s.head for _, s in pairs] == ["ja", "minilm", "e5", "ja"]


def test_obvious_polarity_and_emotion(minilm: Analyzer) -> None:
    pos, neg, neu = minilm.analyze(["I absolutely love this, best purchase ever!",
                                    "This is the worst service I have ever had. Furious.",
                                    "The store opens at 9am on Monday."], ["en"] * 3)
    assert (pos.label, neg.label, neu.label) == ("positive", "negative", "neutral")
    assert neg.emotion == "anger" and pos.emotion in {"joy", "optimism"}


def test_topics_for_english_and_japanese(minilm: Analyzer) -> None:
    en, ja = minilm.analyze(["I was charged twice and still have no refund",
                             "アプリがログイン後に毎回落ちる"])
    assert "billing" in en.topics
    assert "app" in ja.topics


def test_scorer_interface_matches_analyzer(minilm: Analyzer) -> None:
    texts = ["so happy with it", "meh"]
    scores = minilm.scorer.score(texts, ["en", "en"])
    assert [s.label for s in scores] == [a.label for a in minilm.analyze(texts, ["en", "en"])]


def test_long_texts_are_scored_whole_not_truncated(minilm: Analyzer) -> None:
    from sentiment._minilm import MAX_TOKENS, get_runtime

    runtime = get_runtime()
    filler = " ".join(["The package arrived on Tuesday and I unpacked it in the kitchen."] * 20)
    ending = " Honestly the worst purchase I have ever made, it broke in a day, I hate it."
    windows, owner, _ = runtime._windows([filler + ending, "short one"])
    assert len(windows) > 2 and all(len(w) <= MAX_TOKENS for w in windows)
    assert set(owner.tolist()) == {0, 1} and (owner == 1).sum() == 1
    # The complaint at the end is only seen if the whole text is scored.
    whole, prefix = minilm.analyze([filler + ending, filler], ["en", "en"])
    assert whole.p_negative > prefix.p_negative + 0.05
