"""Language detection for routing: script rules for Japanese/Korean, py3langid for the rest."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from sentiment.base import SentimentError, missing_dependency

DEFAULT = "en"
# Languages Koe expects to meet in social posts and reviews; restricting py3langid to them
# keeps it from labelling short English posts as, say, Latin or Tagalog.
LANGUAGES: tuple[str, ...] = (
    "en", "ja", "ko", "zh", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl",
    "cs", "ru", "uk", "tr", "ar", "he", "fa", "hi", "id", "ms", "vi", "th", "el", "ro", "hu",
)
# Below this many letters (after removing URLs, mentions, hashtags) detection is a guess.
MIN_LETTERS = 12
# py3langid's length-normalised confidence under which we fall back to the default.
MIN_CONFIDENCE = 0.5

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\d+")


@functools.cache
def _identifier() -> Any:
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as e:
        raise missing_dependency("py3langid", "py3langid", "language detection") from e
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``; short, empty or unclear text falls back to ``"en"``.

    Any kana means Japanese; Han ideographs without Hangul are taken as Japanese too,
    because Koe's audiences write Japanese far more often than Chinese, and the Japanese
    head reads kanji-only headlines better than the English one.
    """
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "ja"
    stripped = _NOISE.sub(" ", text)
    if sum(ch.isalpha() for ch in stripped) < MIN_LETTERS:
        return DEFAULT
    lang, confidence = _identifier().classify(stripped)
    return str(lang) if confidence >= MIN_CONFIDENCE else DEFAULT


def resolve_languages(texts: Sequence[str], languages: Sequence[str | None] | None) -> list[str]:
    """Given languages where known (normalised to lower-case ISO 639-1), detected where not."""
    if languages is None:
        return [detect_language(t) for t in texts]
    if len(languages) != len(texts):
        raise SentimentError(f"got {len(texts)} texts but {len(languages)} languages")
    return [detect_language(t) if not lang else lang.lower().split("-")[0].split("_")[0]
            for t, lang in zip(texts, languages, strict=True)]
