"""How well a topic taxonomy tags text: per-topic precision/recall/F1 against labelled sentences.

The labelled sets are SemEval aspect-category sentences (2014 and 2016 restaurants). Their
categories are mapped onto Koe's restaurant taxonomy (``tests/fixtures/restaurant_topics.toml``):
SemEval-2016 ``ENTITY#ATTRIBUTE`` by entity, except that any ``#PRICES`` attribute is ``price``
and ``RESTAURANT#GENERAL``/``#MISCELLANEOUS`` are no topic; SemEval-2014's coarse categories
by name, ``anecdotes/miscellaneous`` being no topic. A sentence with no mapped category is
"no topic": tagging it with anything is a false positive.

SemEval-2014 has no drinks or location category (its guidelines put drinks under food), so on
that set a predicted ``drinks`` counts as ``food`` and ``location`` is not scored.

    python -m sentiment.topic_eval --data semeval2016_restaurants_train.jsonl \\
        --taxonomy tests/fixtures/restaurant_topics.toml --sweep
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import ValidationError

from koe.config import SentimentSettings, Topic
from sentiment.base import SentimentError

log = logging.getLogger(__name__)

NO_TOPIC = "(no topic)"
SEMEVAL2016_ENTITIES = {"FOOD": "food", "DRINKS": "drinks", "SERVICE": "service",
                        "AMBIENCE": "ambience", "LOCATION": "location"}
SEMEVAL2014_CATEGORIES = {"food": "food", "service": "service", "price": "price",
                          "ambience": "ambience"}
# What a taxonomy topic counts as under SemEval-2014's coarser scheme (None: not scored).
SEMEVAL2014_FOLD: dict[str, str | None] = {"drinks": "food", "location": None}
SWEEP = tuple(round(0.74 + 0.01 * i, 2) for i in range(13))  # 0.74 .. 0.86


class Tagger(Protocol):
    names: tuple[str, ...]

    def tag(self, texts: Sequence[str]) -> list[tuple[str, ...]]: ...


@dataclass(frozen=True, slots=True)
class GoldSet:
    """Sentences with their gold topics, in the taxonomy's names."""

    name: str
    texts: tuple[str, ...]
    gold: tuple[frozenset[str], ...]
    topics: tuple[str, ...]  # the topics this annotation scheme can express
    fold: Mapping[str, str | None] = field(default_factory=dict)  # predicted -> scheme topic

    def sample(self, n: int, seed: int = 0) -> GoldSet:
        if n >= len(self.texts):
            return self
        keep = sorted(random.Random(seed).sample(range(len(self.texts)), n))
        return GoldSet(f"{self.name}[{n} of {len(self.texts)}, seed {seed}]",
                       tuple(self.texts[i] for i in keep), tuple(self.gold[i] for i in keep),
                       self.topics, self.fold)


@dataclass(frozen=True, slots=True)
class TopicScore:
    topic: str
    precision: float
    recall: float
    f1: float
    support: int  # sentences with this gold topic
    predicted: int  # sentences tagged with it


@dataclass(frozen=True, slots=True)
class TopicReport:
    per_topic: tuple[TopicScore, ...]
    macro_f1: float  # mean F1 over topics that are in the gold or were predicted
    micro_f1: float
    no_topic: TopicScore  # "no topic" as its own class: gold empty vs. nothing tagged
    sentences: int

    def format(self) -> str:
        lines = [f"{'topic':<12} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'tagged':>6}"]
        for s in (*self.per_topic, self.no_topic):
            lines.append(f"{s.topic:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                         f"{s.support:6d} {s.predicted:6d}")
        lines.append(f"macro-F1 {self.macro_f1:.3f}  micro-F1 {self.micro_f1:.3f}  "
                     f"({self.sentences} sentences)")
        return "\n".join(lines)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    # Zero denominators score 0, as in scikit-learn's zero_division=0.
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _score(name: str, tp: int, fp: int, fn: int) -> TopicScore:
    p, r, f = _prf(tp, fp, fn)
    return TopicScore(name, p, r, f, tp + fn, tp + fp)


def evaluate_predictions(predicted: Sequence[Sequence[str]], gold: Sequence[frozenset[str]],
                         topics: Sequence[str], fold: Mapping[str, str | None] | None = None,
                         ) -> TopicReport:
    """Multi-label scores of ``predicted`` topic tuples against ``gold`` sets, over ``topics``.

    ``fold`` renames predicted topics into the gold scheme (None drops one). Topics that are
    neither in the gold nor predicted are listed but left out of the macro average.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions for {len(gold)} gold sentences")
    fold = fold or {}
    known = set(topics)
    counts = {t: [0, 0, 0] for t in topics}  # tp, fp, fn
    none_counts = [0, 0, 0]
    for pred_raw, gold_set in zip(predicted, gold, strict=True):
        pred = {fold.get(t, t) for t in pred_raw} & known
        for t in topics:
            if t in pred and t in gold_set:
                counts[t][0] += 1
            elif t in pred:
                counts[t][1] += 1
            elif t in gold_set:
                counts[t][2] += 1
        gold_none, pred_none = not (gold_set & known), not pred
        none_counts[0] += gold_none and pred_none
        none_counts[1] += pred_none and not gold_none
        none_counts[2] += gold_none and not pred_none
    per_topic = tuple(_score(t, *counts[t]) for t in topics)
    scored = [s.f1 for s in per_topic if s.support or s.predicted]
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    return TopicReport(per_topic, float(np.mean(scored)) if scored else 0.0, _prf(tp, fp, fn)[2],
                       _score(NO_TOPIC, *none_counts), len(gold))


def evaluate_topics(tagger: Tagger, sentences: Sequence[str], gold: Sequence[frozenset[str]],
                    *, topics: Sequence[str] | None = None,
                    fold: Mapping[str, str | None] | None = None) -> TopicReport:
    """Tag ``sentences`` with ``tagger`` and score them against ``gold`` (see ``evaluate_predictions``).

    ``topics`` defaults to the tagger's topics (after ``fold``).
    """
    if topics is None:
        folded = ((fold or {}).get(t, t) for t in tagger.names)
        topics = list(dict.fromkeys(t for t in folded if t is not None))
    return evaluate_predictions(tagger.tag(list(sentences)), gold, topics, fold)


def sweep_thresholds(tagger: object, embeddings: np.ndarray, gold_set: GoldSet,
                     thresholds: Sequence[float] = SWEEP) -> list[tuple[float, TopicReport]]:
    """Reports at several absolute thresholds of a ``TopicTagger``, from one set of embeddings."""
    out = []
    for threshold in thresholds:
        t = copy.copy(tagger)
        t.threshold = threshold  # type: ignore[attr-defined]
        predicted = t.assign(embeddings)  # type: ignore[attr-defined]
        out.append((threshold, evaluate_predictions(predicted, gold_set.gold, gold_set.topics,
                                                    gold_set.fold)))
    return out


def _semeval2016_topics(opinions: Sequence[Mapping[str, str]]) -> frozenset[str]:
    out = set()
    for op in opinions:
        entity, _, attribute = op["category"].partition("#")
        topic = "price" if attribute == "PRICES" else SEMEVAL2016_ENTITIES.get(entity)
        if topic:
            out.add(topic)
    return frozenset(out)


def _semeval2014_topics(categories: Sequence[Mapping[str, str]]) -> frozenset[str]:
    return frozenset(SEMEVAL2014_CATEGORIES[c["category"]] for c in categories
                     if c["category"] in SEMEVAL2014_CATEGORIES)


def load_semeval(path: Path) -> GoldSet:
    """A SemEval restaurant JSONL file (2016 ``opinions`` or 2014 ``aspect_categories``)."""
    texts: list[str] = []
    gold: list[frozenset[str]] = []
    scheme = None
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "opinions" in row:
                scheme, topics = "2016", _semeval2016_topics(row["opinions"])
            elif "aspect_categories" in row:
                scheme, topics = "2014", _semeval2014_topics(row["aspect_categories"])
            else:
                raise SentimentError(f"{path}:{n}: neither 'opinions' (SemEval-2016) nor "
                                     "'aspect_categories' (SemEval-2014)")
            texts.append(row["text"])
            gold.append(topics)
    if scheme == "2014":
        return GoldSet(path.name, tuple(texts), tuple(gold),
                       tuple(SEMEVAL2014_CATEGORIES.values()), SEMEVAL2014_FOLD)
    return GoldSet(path.name, tuple(texts), tuple(gold),
                   ("food", "drinks", "service", "price", "ambience", "location"))


def load_taxonomy(path: Path) -> tuple[Topic, ...]:
    """The ``[[topics]]`` tables of a Koe config (or config fragment)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(Topic.model_validate(t) for t in raw.get("topics", ()))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as e:
        raise SentimentError(f"could not read topics from {path}: {e}") from e


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment.topic_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="SemEval restaurant JSONL (repeatable)")
    parser.add_argument("--taxonomy", type=Path, required=True,
                        help="TOML file with [[topics]] tables")
    parser.add_argument("--limit", type=int, default=0, help="evaluate a seeded random sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep", action="store_true",
                        help="also report a sweep of absolute thresholds (e5 tagger only)")
    parser.add_argument("--model", default=None,
                        help="tag through this model's analyzer (e.g. koe-minilm, the default) "
                             "instead of the plain e5 tagger; sentences are taken as English")
    args = parser.parse_args(argv)
    if args.model:
        return _main_model(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from sentiment._e5 import get_encoder
    from sentiment.topics import TopicTagger

    settings = SentimentSettings()
    topics = load_taxonomy(args.taxonomy)
    tagger = TopicTagger(get_encoder(), topics, threshold=settings.topic_threshold,
                         max_topics=settings.max_topics)
    out = sys.stdout
    for path in args.data:
        gold_set = load_semeval(path)
        if args.limit:
            gold_set = gold_set.sample(args.limit, args.seed)
        log.info("embedding %d sentences of %s", len(gold_set.texts), gold_set.name)
        embeddings = tagger.encoder.embed(gold_set.texts)
        report = evaluate_predictions(tagger.assign(embeddings), gold_set.gold, gold_set.topics,
                                      gold_set.fold)
        out.write(f"\n{gold_set.name}: threshold {settings.topic_threshold} "
                  f"(default), max_topics {settings.max_topics}\n{report.format()}\n")
        if args.sweep:
            out.write("threshold  macro-F1  micro-F1  no-topic-F1\n")
            for threshold, r in sweep_thresholds(tagger, embeddings, gold_set):
                out.write(f"{threshold:9.2f}  {r.macro_f1:8.3f}  {r.micro_f1:8.3f}  "
                          f"{r.no_topic.f1:11.3f}\n")
    return 0


def _main_model(args: argparse.Namespace) -> int:
    """Topics exactly as the pipeline assigns them with ``args.model`` and default settings."""
    from sentiment import load_analyzer

    topics = load_taxonomy(args.taxonomy)
    settings = SentimentSettings(model=args.model)
    analyzer = load_analyzer(settings, topics)
    for path in args.data:
        gold_set = load_semeval(path)
        if args.limit:
            gold_set = gold_set.sample(args.limit, args.seed)
        log.info("tagging %d sentences of %s with %s", len(gold_set.texts), gold_set.name,
                 args.model)
        results = analyzer.analyze(gold_set.texts, ["en"] * len(gold_set.texts))
        report = evaluate_predictions([r.topics for r in results], gold_set.gold,
                                      gold_set.topics, gold_set.fold)
        sys.stdout.write(f"\n{gold_set.name}: {analyzer.model_id} {analyzer.model_version}, "
                         f"default settings\n{report.format()}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
