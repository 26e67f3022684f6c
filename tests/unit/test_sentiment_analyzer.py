"""koe-e5 end to end on the real encoder and the committed heads (no shared data needed)."""

from __future__ import annotations

import math

import pytest
from sample_topics import TAXONOMY

from koe.config import SentimentSettings, Topic
from sentiment import Analysis, Analyzer, TopicTagger, load_analyzer
from sentiment._e5 import E5Scorer, get_encoder, route


@pytest.fixture(scope="session")
def settings() -> SentimentSettings:
    return SentimentSettings(model="koe-e5", batch_size=4)


@pytest.fixture(scope="session")
def analyzer(settings: SentimentSettings) -> Analyzer:
    return load_analyzer(settings, TAXONOMY)


def test_identity_and_version(analyzer: Analyzer) -> None:
    assert analyzer.model_id == "koe-e5"
    assert analyzer.model_version.startswith("koe-e5-en") and "-ja" in analyzer.model_version


def test_fields_and_ranges(analyzer: Analyzer) -> None:
    texts = ["Great service!", "配送が遅い", "", "The weather is mild today.", "x" * 5000]
    out = analyzer.analyze(texts)
    assert len(out) == len(texts)
    for a in out:
        assert isinstance(a, Analysis)
        assert a.label in {"negative", "neutral", "positive"}
        probs = (a.p_negative, a.p_neutral, a.p_positive)
        assert all(0.0 <= p <= 1.0 for p in probs) and math.isclose(sum(probs), 1.0, abs_tol=1e-6)
        assert a.label == ("negative", "neutral", "positive")[probs.index(max(probs))]
        assert a.score == pytest.approx(a.p_positive - a.p_negative) and -1 <= a.score <= 1
        assert len(a.topics) <= 3 and isinstance(a.topics, tuple)
    assert [a.language for a in out[:2]] == ["en", "ja"]


def test_empty_input(analyzer: Analyzer) -> None:
    assert analyzer.analyze([]) == []


def test_router() -> None:
    assert route("ja") == "ja"
    assert route("en") == "en" and route("es") == "en" and route("ko") == "en"


def test_japanese_text_is_scored_by_the_japanese_head(analyzer: Analyzer) -> None:
    pairs = analyzer.analyze_scored(["この商品は最高です", "I love this product", "Me encanta"],
                                    [None, None, "es"])
    assert [s.head for _, s in pairs] == ["ja", "en", "en"]
    assert [a.language for a, _ in pairs] == ["ja", "en", "es"]
    # A given language wins over detection: Japanese-tagged text goes to the Japanese head.
    (_, forced), = analyzer.analyze_scored(["great"], ["ja"])
    assert forced.head == "ja"


def test_heads_actually_differ(analyzer: Analyzer) -> None:
    assert isinstance(analyzer.scorer, E5Scorer)
    text = ["売上高は前年同期比で大幅に増加しました"]
    (ja,) = analyzer.analyze(text, ["ja"])
    (en,) = analyzer.analyze(text, ["en"])
    assert (ja.p_negative, ja.p_positive) != (en.p_negative, en.p_positive)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I absolutely love this phone, best purchase I've made all year!", "positive"),
        ("Worst customer service ever. I'm furious and never buying from them again.", "negative"),
        ("売上高は前年同期比15%増加し、過去最高益を達成しました", "positive"),
        ("業績は大幅に悪化し、営業損失を計上しました", "negative"),
        ("最悪の対応でした。二度と利用しません。", "negative"),
    ],
)
def test_obvious_sentences(analyzer: Analyzer, text: str, label: str) -> None:
    (a,) = analyzer.analyze([text])
    assert a.label == label, a


def test_delivery_complaint_gets_delivery_topic(analyzer: Analyzer) -> None:
    out = analyzer.analyze([
        "My parcel arrived a week late and the box was completely crushed",
        "荷物が一週間も届かない。配送遅すぎる",
    ])
    assert all("delivery" in a.topics for a in out), out


def test_unrelated_text_gets_no_topic(analyzer: Analyzer) -> None:
    (a,) = analyzer.analyze(["What a beautiful sunset over the mountains tonight"])
    assert a.topics == ()


def test_adding_a_topic_needs_no_retraining(settings: SentimentSettings) -> None:
    text = "The sunscreen left a greasy white cast on my skin"
    before = load_analyzer(settings, TAXONOMY)
    version = before.model_version
    (a,) = before.analyze([text])
    assert "skincare" not in a.topics
    skincare = Topic(name="skincare", description="Skin care products: sunscreen, moisturiser, texture",
                     examples=("This moisturiser feels greasy",))
    after = load_analyzer(settings, (*TAXONOMY, skincare))
    (b,) = after.analyze([text])
    assert "skincare" in b.topics
    assert after.model_version == version and a.label == b.label


def test_tagger_respects_max_topics_and_threshold() -> None:
    enc = get_encoder()
    text = ["The app crashed while I was paying and I got charged twice, and delivery is late"]
    tagger = TopicTagger(enc, TAXONOMY, threshold=0.0, max_topics=2, margin=1.0)
    assert len(tagger.tag(text)[0]) == 2
    tagger = TopicTagger(enc, TAXONOMY, threshold=0.999, max_topics=3)
    assert tagger.tag(text) == [()]
    assert TopicTagger(enc, (), threshold=0.8, max_topics=3).tag(text) == [()]


def test_no_topics_configured(settings: SentimentSettings) -> None:
    plain = load_analyzer(settings, ())
    assert plain.tagger is None
    (a,) = plain.analyze(["My order never arrived"])
    assert a.topics == ()


def test_long_text_is_scored_whole() -> None:
    enc = get_encoder()
    neutral = "The meeting covered the agenda for next quarter in detail. " * 80
    tail = "In the end, though, the product broke and I am extremely angry and disappointed. " * 10
    whole, head_only = enc.embed([neutral + tail, neutral])
    # The ending beyond the 512-token window still moves the embedding.
    assert float(whole @ head_only) < 0.999


def test_vader_analyzer_shares_the_api(settings: SentimentSettings) -> None:
    vader = load_analyzer(settings.model_copy(update={"model": "vader"}), TAXONOMY)
    (a,) = vader.analyze(["The courier lost my package, terrible!"])
    assert vader.model_id == "vader" and a.label == "negative" and "delivery" in a.topics
