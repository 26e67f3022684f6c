"""Clean collected mentions before they are stored: duplicates collapsed, spam flagged.

Reposts, retweets, cross-posts and copy-paste campaigns say the same thing many times. Each
such group keeps one *canonical* mention (the first stored; within a batch the earliest) and
every other copy is recorded as its duplicate, so volumes are not inflated and the count of
copies is kept (``mentions.duplicates``). Two texts posted within ``NEAR_WINDOW`` of each
other are duplicates when their normalised forms are equal (exact) or, for texts long enough
to judge, when their character 3-gram sets overlap by at least ``NEAR_JACCARD`` (near). The
same words a month apart are two mentions, not a repost, and a short text ("great app!")
from different people is many opinions: short texts collapse only when one author repeats
them. Candidates
are found with MinHash locality-sensitive hashing (32 hashes in 8 bands of 4: a pair at
Jaccard 0.8 shares a band with probability 0.985), so only likely pairs are compared.

Spam is flagged, never deleted: the dashboard can show or hide it. The heuristics are simple
and visible in ``spam_flags``.

A mention already stored is never reclassified on a rerun, which keeps reruns idempotent.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from koe.records import Mention

NEAR_JACCARD = 0.8
NEAR_MIN_CHARS = 24
NEAR_WINDOW = timedelta(hours=72)
_PERMUTATIONS = 32
_BANDS = 8
_ROWS = _PERMUTATIONS // _BANDS
_PRIME = (1 << 31) - 1
_rng = np.random.default_rng(20261123)  # fixed: the same text hashes the same everywhere
_A = _rng.integers(1, _PRIME, _PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, _PERMUTATIONS, dtype=np.uint64)

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.\-]+")
_RT = re.compile(r"^\s*(?:rt|rp|repost)\s*@[\w.\-]+:?\s*", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<!\w)[#＃][\w\u3040-\u30ff\u3400-\u9fff]+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_BOT_NAME = re.compile(r"(?:^|[_\-.\d])bot(?:$|[_\-.\d])|bot$|^bot", re.IGNORECASE)
_PROMO = re.compile(
    r"giveaway|promo code|discount code|use code \w+|follow (?:and|&) (?:rt|retweet)|"
    r"dm (?:me|us) (?:for|to)|free followers|click (?:the )?link in bio|"
    r"フォロー[&＆と]?(?:RT|リツイート|リポスト)|プレゼント企画|懸賞|フォロバ",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """The text with what differs between copies removed: case, width, links, handles, RT."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _RT.sub("", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def _fingerprint(norm: str) -> str:
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=10).hexdigest()


def fingerprint(text: str) -> str:
    return _fingerprint(normalise(text))


def _shingles(norm: str) -> frozenset[str]:
    compact = norm.replace(" ", "")
    if len(compact) < 3:
        return frozenset({compact} if compact else ())
    return frozenset(compact[i:i + 3] for i in range(len(compact) - 2))


def _bands(grams: frozenset[str]) -> tuple[tuple[int, ...], ...]:
    if not grams:
        return ()
    hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) % _PRIME for g in grams),
                         dtype=np.uint64, count=len(grams))
    signature = ((_A[:, None] * hashes[None, :] + _B[:, None]) % _PRIME).min(axis=1)
    values = [int(v) for v in signature]
    return tuple(tuple(values[i * _ROWS:(i + 1) * _ROWS]) for i in range(_BANDS))


def minhash_bands(text: str) -> tuple[tuple[int, ...], ...]:
    """The text's MinHash signature of character 3-grams, cut into LSH bands."""
    return _bands(_shingles(normalise(text)))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def jaccard(a: str, b: str) -> float:
    return _jaccard(_shingles(normalise(a)), _shingles(normalise(b)))


@dataclass(frozen=True, slots=True)
class _Signature:
    """Everything duplicate detection needs of one text, computed once."""

    norm: str
    fingerprint: str
    shingles: frozenset[str]
    bands: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, text: str) -> _Signature:
        norm = normalise(text)
        grams = _shingles(norm)
        long_enough = len(norm) >= NEAR_MIN_CHARS
        return cls(norm, _fingerprint(norm), grams, _bands(grams) if long_enough else ())

    @property
    def short(self) -> bool:
        return len(self.norm) < NEAR_MIN_CHARS


def spam_flags(m: Mention) -> tuple[str, ...]:
    """Obvious bot/spam signals; each flag names its reason."""
    text = m.text
    flags = []
    if len(_HASHTAG.findall(text)) >= 6:
        flags.append("many_hashtags")
    urls = _URL.findall(text)
    if len(urls) >= 3:
        flags.append("many_links")
    rest = _HASHTAG.sub("", _HANDLE.sub("", _URL.sub("", text))).strip()
    if urls and len(_NON_WORD.sub("", rest)) < 8:
        flags.append("link_only")
    if m.author and _BOT_NAME.search(m.author.strip()):
        flags.append("bot_name")
    if _PROMO.search(text):
        flags.append("promo")
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        flags.append("all_caps")
    return tuple(flags)


@dataclass(frozen=True, slots=True)
class Stored:
    """A mention already in storage, as far as duplicate detection needs it."""

    source: str
    source_id: str
    created_at: datetime
    fingerprint: str | None
    text: str
    author: str | None = None  # the raw author, known only within one batch


@dataclass(frozen=True, slots=True)
class Duplicate:
    source: str
    source_id: str
    canonical_source: str
    canonical_id: str
    kind: str  # "exact" | "near"
    created_at: datetime
    author: str | None


@dataclass(frozen=True)
class Cleaned:
    mentions: list[Mention]
    duplicates: list[Duplicate]

    @property
    def flagged(self) -> int:
        return sum(1 for m in self.mentions if m.flags)


class _Index:
    """The mentions seen so far (stored, then kept from this batch), by fingerprint and band.

    A candidate's 3-grams are computed when it is first compared, and kept for later
    comparisons; most mentions are never a candidate, so most are never computed.
    """

    def __init__(self) -> None:
        self.exact: dict[str, list[Stored]] = defaultdict(list)
        self.bands: dict[tuple[int, tuple[int, ...]], list[tuple[Stored, str]]] = \
            defaultdict(list)
        self._grams: dict[tuple[str, str], frozenset[str]] = {}

    def add(self, item: Stored, sig: _Signature) -> None:
        self.exact[sig.fingerprint].append(item)
        for band in enumerate(sig.bands):
            self.bands[band].append((item, sig.norm))

    def same(self, sig: _Signature, when: datetime, author: str | None) -> Stored | None:
        # A short text ("great app!") written by many people is many opinions, not copies:
        # it only counts as a copy when the same author posted it again.
        for item in self.exact.get(sig.fingerprint, ()):
            if abs(item.created_at - when) > NEAR_WINDOW:
                continue
            if not sig.short or (author is not None and item.author == author):
                return item
        return None

    def near(self, sig: _Signature, when: datetime) -> Stored | None:
        seen: set[tuple[str, str]] = set()
        best: tuple[float, Stored] | None = None
        for band in enumerate(sig.bands):
            for item, norm in self.bands.get(band, ()):
                key = (item.source, item.source_id)
                if key in seen or abs(item.created_at - when) > NEAR_WINDOW:
                    continue
                seen.add(key)
                grams = self._grams.get(key)
                if grams is None:
                    grams = self._grams[key] = _shingles(norm)
                score = _jaccard(sig.shingles, grams)
                if score >= NEAR_JACCARD and (best is None or score > best[0]):
                    best = (score, item)
        return best[1] if best else None


def clean(incoming: Sequence[Mention], stored: Sequence[Stored]) -> Cleaned:
    """Flag spam and split ``incoming`` into mentions to store and duplicates of others.

    ``stored`` are the mentions already in storage around the incoming ones' dates.
    """
    stored_keys = {(s.source, s.source_id) for s in stored}
    index = _Index()
    for s in sorted(stored, key=lambda s: (s.created_at, s.source, s.source_id)):
        sig = _Signature.of(s.text)
        if sig.norm:
            index.add(s, sig)
    keep: list[Mention] = []
    duplicates: list[Duplicate] = []
    for m in sorted(incoming, key=lambda m: (m.created_at, m.source, m.source_id)):
        sig = _Signature.of(m.text)
        m = replace(m, fingerprint=sig.fingerprint, flags=spam_flags(m))
        key = (m.source, m.source_id)
        if not sig.norm:  # a score without a comment: nothing to compare
            keep.append(m)
            continue
        if key not in stored_keys:
            hit, kind = index.same(sig, m.created_at, m.author), "exact"
            if hit is None:
                hit, kind = index.near(sig, m.created_at), "near"
            canonical = (hit.source, hit.source_id) if hit else None
            if canonical is not None and canonical != key:
                duplicates.append(Duplicate(m.source, m.source_id, canonical[0], canonical[1],
                                            kind, m.created_at, m.author))
                continue
        keep.append(m)
        index.add(Stored(m.source, m.source_id, m.created_at, sig.fingerprint, m.text, m.author),
                  sig)
    return Cleaned(keep, duplicates)
