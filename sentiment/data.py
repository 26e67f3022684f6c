"""Loaders for the labelled corpora under ``<repo>/../shared/data`` (never copied into the repo).

Each loader returns plain typed records; labels are always ``negative``/``neutral``/``positive``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sentiment.base import LABELS, SentimentError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

SEMEVAL_TRAIN = Path("sentiment_en") / "semeval2017_train.tsv"
TWEETEVAL_VAL = Path("sentiment_en") / "tweeteval_val.tsv"
CHABSA_TRAIN = Path("sentiment_ja") / "chabsa_train.jsonl"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    group: str = ""  # chABSA: the company, so held-out scores never see a company twice


def _open(data_dir: Path, relative: Path) -> Path:
    path = data_dir / relative
    if not path.is_file():
        raise SentimentError(
            f"training data {path} not found; pass the shared data directory "
            f"(expected layout: <data_dir>/{relative})"
        )
    return path


def _tsv_rows(path: Path) -> Iterator[dict[str, str]]:
    # The files use CSV quoting ("" escapes) inside tab-separated columns.
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f, delimiter="\t")


def load_semeval_train(data_dir: Path) -> list[Example]:
    """SemEval-2017 4A training tweets, minus the ones TweetEval reuses as validation."""
    out = []
    for row in _tsv_rows(_open(data_dir, SEMEVAL_TRAIN)):
        if row["in_tweeteval_val"] == "1":
            continue
        if row["label"] not in LABELS:
            raise SentimentError(f"{SEMEVAL_TRAIN}: unexpected label {row['label']!r}")
        out.append(Example(row["text"], row["label"]))
    return out


def load_tweeteval_val(data_dir: Path) -> list[Example]:
    return [Example(row["text"], row["label_name"]) for row in _tsv_rows(_open(data_dir, TWEETEVAL_VAL))]


def chabsa_sentence_label(opinions: list[dict[str, object]]) -> str:
    """Majority polarity of a sentence's opinions; none or a tie is neutral."""
    pos = sum(o.get("polarity") == "positive" for o in opinions)
    neg = sum(o.get("polarity") == "negative" for o in opinions)
    if pos > neg:
        return "positive"
    if neg > pos:
        return "negative"
    return "neutral"


def load_chabsa(data_dir: Path) -> list[Example]:
    out = []
    with _open(data_dir, CHABSA_TRAIN).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out.append(Example(row["sentence"], chabsa_sentence_label(row["opinions"]), row["company"]))
    return out


EMOTION_DIR = Path("tweeteval_emotion")


def load_tweeteval_emotion(data_dir: Path, split: str) -> list[Example]:
    """TweetEval emotion (``train`` or ``val``): labels anger, joy, optimism, sadness."""
    return [Example(row["text"], row["label_name"])
            for row in _tsv_rows(_open(data_dir, EMOTION_DIR / f"{split}.tsv"))]
