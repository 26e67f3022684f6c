"""Split a mention into clauses for aspect-level sentiment, in English and Japanese.

Sentences are split on terminal punctuation, then on contrast markers ("but", "however",
"although", 「が、」「けど」「しかし」...) because a brand mention's aspects usually turn there:
"love the camera, but the price is a joke" is two opinions about two topics.
"""

from __future__ import annotations

import re

MIN_CLAUSE_CHARS = 4  # Latin text; a Japanese opinion fits in two characters (高い)
MIN_CLAUSE_CHARS_CJK = 2
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MAX_CLAUSES = 12

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")
# English: split before the contrast word (it belongs to the clause it introduces).
_EN_CONTRAST = re.compile(
    r"\s*[,;]?\s+(?=(?:but|however|although|though|whereas|yet|except that)\b)", re.IGNORECASE)
# Japanese: split after a clause-final contrast particle, or before a contrastive adverb.
_JA_AFTER = re.compile(r"(?<=が、)|(?<=けど、)|(?<=けれど、)|(?<=けれども、)|(?<=のに、)|(?<=けど)(?=[^、。])")
_JA_BEFORE = re.compile(r"(?=しかし)|(?=でも、)|(?=一方で)|(?=ただ、)")


def _split(pattern: re.Pattern[str], parts: list[str]) -> list[str]:
    return [piece for part in parts for piece in pattern.split(part)]


def split_clauses(text: str, language: str | None = None) -> list[str]:
    """The text's clauses in order; a text without turns is one clause (itself, stripped)."""
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p and p.strip()]
    if language == "ja" or _CJK.search(text):
        parts = _split(_JA_BEFORE, _split(_JA_AFTER, parts))
    parts = _split(_EN_CONTRAST, parts)
    clauses: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        # Fragments too short to carry an opinion ("lol", "👍") stay with the clause before.
        cjk = _CJK.search(part) is not None
        if clauses and len(part) < (MIN_CLAUSE_CHARS_CJK if cjk else MIN_CLAUSE_CHARS):
            clauses[-1] = f"{clauses[-1]}{'' if cjk else ' '}{part}"
        else:
            clauses.append(part)
    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[:MAX_CLAUSES - 1] + [" ".join(clauses[MAX_CLAUSES - 1:])]
    return clauses or [text.strip()]
