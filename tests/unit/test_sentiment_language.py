from __future__ import annotations

import pytest

from sentiment import SentimentError
from sentiment.language import detect_language, resolve_languages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("配送が遅くて最悪でした", "ja"),
        ("カスタマーサポート", "ja"),
        ("東京都新宿区", "ja"),  # kanji only, no Hangul
        ("배송이 너무 늦었어요", "ko"),
        ("The delivery was late and the package arrived damaged.", "en"),
        ("La entrega llegó tarde y el paquete estaba dañado.", "es"),
        ("Die Lieferung kam zu spät und das Paket war beschädigt.", "de"),
        ("La livraison est arrivée en retard et le colis était abîmé.", "fr"),
        ("", "en"),
        ("ok", "en"),
        ("lol 👍", "en"),
        ("@acme https://t.co/xyz #fail 123", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_resolve_keeps_given_languages_and_detects_missing() -> None:
    texts = ["素晴らしい商品です", "This is great, I love it so much!"]
    assert resolve_languages(texts, ["EN", None]) == ["en", "en"]
    assert resolve_languages(texts, [None, "ja-JP"]) == ["ja", "ja"]
    assert resolve_languages(texts, None) == ["ja", "en"]


def test_resolve_rejects_mismatched_lengths() -> None:
    with pytest.raises(SentimentError, match="2 texts but 1 languages"):
        resolve_languages(["a", "b"], ["en"])
