"""Term extraction for English and Japanese mentions: word clouds and alert explanations.

English goes through a regex tokenizer, Japanese through janome (pure Python, no system
dictionary), keeping nouns and the base forms of verbs and adjectives so that 遅い, 遅く and
遅かった count as one word. Counts are per text (how many mentions use a term), so one
spammer repeating a word forty times counts once.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

if TYPE_CHECKING:
    from janome.tokenizer import Tokenizer

__all__ = ["distinctive_terms", "excluded_terms", "term_counts", "tokenize"]

_URL = re.compile(r"(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# Latin words may carry inner apostrophes or hyphens ("don't", "e-mail"); split below.
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_NUMBERISH = re.compile(r"^[\d.,:/%+-]+$")
_SYMBOLS = re.compile(r"^[\W_]+$")
_HIRAGANA_CHAR = re.compile(r"^[\u3040-\u309f]$")

_ENGLISH_EXTRA = frozenset({
    # Halves of contractions once the apostrophe splits them, and the apostrophe-less spellings.
    "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn", "shouldn",
    "couldn", "haven", "hasn", "hadn", "ll", "ve", "re", "im", "ive", "dont", "doesnt", "didnt",
    "isnt", "arent", "wasnt", "cant", "wont", "thats", "youre", "theyre", "lol", "rt", "amp",
    "just", "really", "got", "get", "gets", "like", "ok", "okay", "yes", "yeah", "oh",
})
ENGLISH_STOPWORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | _ENGLISH_EXTRA

JAPANESE_STOPWORDS: frozenset[str] = frozenset({
    "する", "ある", "いる", "なる", "れる", "られる", "せる", "させる", "できる", "くる", "来る",
    "いう", "言う", "思う", "おもう", "やる", "みる", "見る", "いく", "行く", "くれる", "もらう",
    "しまう", "おく", "ない", "よい", "いい", "良い", "こと", "もの", "これ", "それ", "あれ", "どれ",
    "ここ", "そこ", "あそこ", "この", "その", "あの", "ため", "よう", "さん", "ちゃん", "くん",
    "とき", "時", "ところ", "ほう", "方", "感じ", "今日", "今回", "自分", "私", "僕", "俺",
    "みんな", "何", "なに", "なん", "の", "ん", "ー", "さ", "的", "等", "など", "人", "中",
    "笑", "w", "ww", "www",
})

# janome part-of-speech: keep content words, drop particles, auxiliaries, symbols, numbers.
_KEEP_POS = ("名詞", "動詞", "形容詞")
_DROP_DETAIL = frozenset({"数", "非自立", "代名詞", "接尾", "特殊", "副詞可能"})

_tokenizer: Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _janome() -> Tokenizer:
    """The process-wide janome tokenizer; building one loads its dictionary (about 0.5 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                from janome.tokenizer import Tokenizer

                _tokenizer = Tokenizer()
    return _tokenizer


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _latin_tokens(text: str) -> list[str]:
    out = []
    for word in _LATIN_WORD.findall(text):
        for part in re.split(r"['’]", word):
            part = part.strip("-")
            if _keep_latin(part):
                out.append(part)
    return out


def _keep_latin(word: str) -> bool:
    return (len(word) > 1 and word not in ENGLISH_STOPWORDS
            and not _NUMBERISH.match(word) and not word.isdigit())


def _japanese_tokens(text: str) -> list[str]:
    out = []
    for token in _janome().tokenize(text):
        pos = token.part_of_speech.split(",")
        if pos[0] not in _KEEP_POS:
            continue
        if pos[1] in _DROP_DETAIL or (pos[0] == "動詞" and pos[1] != "自立"):
            continue
        base = token.base_form if token.base_form and token.base_form != "*" else token.surface
        word = _normalise(base).strip()
        if not word or _SYMBOLS.match(word) or _NUMBERISH.match(word):
            continue
        if word.isascii():
            # janome passes Latin runs through as nouns; hold them to the English rules.
            out.extend(_latin_tokens(word))
            continue
        if word in JAPANESE_STOPWORDS or _HIRAGANA_CHAR.match(word):
            continue
        out.append(word)
    return out


def tokenize(text: str, language: str | None = None) -> list[str]:
    """Lower-cased content words of one text, in order, stopwords and noise removed.

    Japanese (``language == "ja"``, or any kana/kanji in the text) goes through janome;
    everything else through a regex. URLs, @handles, numbers and one-letter Latin tokens are
    dropped; ``#hashtags`` are kept whole, with their ``#``.
    """
    if not text:
        return []
    text = _normalise(text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    tags = ["#" + t for t in _HASHTAG.findall(text) if not t.isdigit()]
    text = _HASHTAG.sub(" ", text)
    if language == "ja" or _JAPANESE.search(text):
        words = _japanese_tokens(text)
    else:
        words = _latin_tokens(text)
    return words + tags


def term_counts(texts: Sequence[str],
                languages: Sequence[str | None] | None = None) -> Counter[str]:
    """How many of ``texts`` contain each term (document frequency, not raw occurrences)."""
    if languages is not None and len(languages) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(languages)} languages")
    counts: Counter[str] = Counter()
    for i, text in enumerate(texts):
        language = languages[i] if languages is not None else None
        counts.update(set(tokenize(text, language)))
    return counts


def excluded_terms(names: Iterable[str]) -> frozenset[str]:
    """Everything to leave out for these brand names / query terms: whole, tokenised, hashtagged.

    "Acme Coffee" excludes "acme coffee", "acme", "coffee", "#acme" and "#coffee"; a Japanese
    name goes through the same tokenizer the texts do, so it is excluded in the same pieces.
    """
    out: set[str] = set()
    for name in names:
        whole = _normalise(name).strip()
        if not whole:
            continue
        out.add(whole)
        out.add("#" + whole.lstrip("#").replace(" ", ""))
        for token in tokenize(whole.lstrip("#")):
            out.add(token)
            out.add("#" + token.lstrip("#"))
    return frozenset(out)


def distinctive_terms(target: Sequence[str], background: Sequence[str], n: int = 10,
                      languages_target: Sequence[str | None] | None = None,
                      languages_background: Sequence[str | None] | None = None,
                      exclude: Iterable[str] = ()) -> list[str]:
    """The ``n`` terms most over-represented in ``target`` compared with ``background``.

    Ranks by the z-score of the log-odds ratio with an add-half prior (Monroe, Colaresi and
    Quinn 2008, "Fightin' Words"): frequent and clearly over-represented beats rare. With an
    empty background it falls back to the target's most frequent terms. Terms used by only one
    target text come last when the target has at least five texts, so one odd post does not
    explain a spike.
    """
    skip = excluded_terms(exclude)
    tc = term_counts(target, languages_target)
    bc = term_counts(background, languages_background)
    for term in skip:
        tc.pop(term, None)
        bc.pop(term, None)
    if not tc:
        return []
    alpha = 0.5
    vocab = set(tc) | set(bc)
    prior = alpha * len(vocab)
    nt, nb = sum(tc.values()), sum(bc.values())
    min_count = 2 if len(target) >= 5 else 1

    def log_odds(y: int, total: int) -> float:
        # max(): with a one-word vocabulary and no other words the odds' denominator is 0.
        return math.log((y + alpha) / max(total + prior - y - alpha, alpha))

    ranked = []
    for term, yt in tc.items():
        yb = bc.get(term, 0)
        delta = log_odds(yt, nt) - log_odds(yb, nb)
        if delta <= 0:
            continue
        z = delta / math.sqrt(1 / (yt + alpha) + 1 / (yb + alpha))
        # Terms below min_count only fill places nothing better takes.
        ranked.append((yt < min_count, -z, -yt, term))
    ranked.sort()
    return [term for *_, term in ranked[:n]]
