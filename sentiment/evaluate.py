"""Score a labelled file with a sentiment model and measure it: ``koe eval``'s logic.

Reading rows, mapping labels, the metrics (plain numpy) and the report's text and JSON forms
live here; the CLI only wires them to a model. Metrics follow SemEval-2017 4A's convention of
macro-averaged recall as the headline number, which is robust to class imbalance.

Averages are over the classes present in the truth labels: a class the file never contains
has no defined recall, and counting it as 0 (or 1) would move the average for no reason.
Its per-class recall is reported as None. A class present in the truth but never predicted
has precision 0/0, taken as 0, so its F1 is 0.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sentiment.base import LABELS, SentimentError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class EvaluationError(SentimentError):
    """A labelled file or a label mapping could not be read."""


@dataclass(frozen=True, slots=True)
class LabelledText:
    line: int  # the file line the row starts on, for messages
    text: str
    label: str  # one of LABELS


@dataclass(frozen=True, slots=True)
class LabelledSet:
    path: Path
    rows: tuple[LabelledText, ...]
    skipped: int  # rows whose label maps to none of LABELS


@dataclass(frozen=True, slots=True)
class Metrics:
    n: int
    accuracy: float
    macro_recall: float
    macro_f1: float
    per_class_recall: dict[str, float | None]  # None: the class is absent from the truth
    per_class_f1: dict[str, float | None]
    confusion: tuple[tuple[int, ...], ...]  # rows = true, cols = predicted, in LABELS order


@dataclass(frozen=True, slots=True)
class EvalReport:
    path: Path
    model_id: str
    model_version: str
    metrics: Metrics
    skipped: int
    seconds: float  # scoring only, model loading excluded

    @property
    def texts_per_s(self) -> float:
        return self.metrics.n / self.seconds if self.seconds > 0 else 0.0


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


class Labeller(Protocol):
    """What ``evaluate`` needs of a model: ``sentiment.Analyzer`` satisfies it."""

    model_id: str
    model_version: str

    def analyze(self, texts: Sequence[str]) -> Sequence[_Labelled]: ...


def parse_label_map(spec: str) -> dict[str, str]:
    """``"0=negative,1=neutral,2=positive"`` -> ``{"0": "negative", ...}``."""
    out: dict[str, str] = {}
    for item in spec.split(","):
        if not item.strip():
            continue
        raw, sep, target = item.partition("=")
        target = target.strip().lower()
        if not sep or not raw.strip():
            raise EvaluationError(
                f"label map entry {item.strip()!r} is not RAW=LABEL; "
                "write e.g. 0=negative,1=neutral,2=positive")
        if target not in LABELS:
            raise EvaluationError(
                f"label map entry {item.strip()!r} maps to {target!r}; "
                f"targets must be one of {', '.join(LABELS)}")
        out[raw.strip()] = target
    if not out:
        raise EvaluationError("the label map is empty; write e.g. 0=negative,1=neutral,2=positive")
    return out


def map_label(raw: Any, label_map: Mapping[str, str] | None = None) -> str | None:
    """A raw label cell -> one of LABELS, or None when it maps to nothing.

    The map is tried first (exact, then case-insensitive), then the label words themselves.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # JSON 2.0 means the same class as CSV "2"
    key = str(raw).strip()
    if label_map:
        if key in label_map:
            return label_map[key]
        folded = {k.lower(): v for k, v in label_map.items()}
        if key.lower() in folded:
            return folded[key.lower()]
    return key.lower() if key.lower() in LABELS else None


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise EvaluationError(
            f"{path}: unknown file extension {path.suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(FORMATS))}") from None


def _csv_cells(path: Path, delimiter: str, text_col: str,
               label_col: str) -> Iterator[tuple[int, Any, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            for column in (text_col, label_col):
                if column not in header:
                    raise EvaluationError(
                        f"{path} line 1: no column {column!r}; "
                        f"available columns: {', '.join(header)}")
            ti, li = header.index(text_col), header.index(label_col)
            end = reader.line_num
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not cells or all(not c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise EvaluationError(
                        f"{path} line {start}: has {len(cells)} fields but the header has "
                        f"{len(header)}; check quoting and the delimiter ({delimiter!r})")
                yield start, cells[ti], cells[li]
        except csv.Error as e:
            raise EvaluationError(f"{path} line {reader.line_num}: malformed CSV ({e})") from e


def _jsonl_cells(path: Path, text_col: str, label_col: str) -> Iterator[tuple[int, Any, Any]]:
    with path.open(encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise EvaluationError(
                    f"{path} line {line_no}: not valid JSON ({e.msg} at character {e.colno}); "
                    "each line must be one JSON object") from e
            if not isinstance(obj, dict):
                raise EvaluationError(
                    f"{path} line {line_no}: expected a JSON object, got {type(obj).__name__}")
            for column in (text_col, label_col):
                if column not in obj:
                    raise EvaluationError(
                        f"{path} line {line_no}: no key {column!r}; "
                        f"keys on this line: {', '.join(sorted(obj))}")
            yield line_no, obj[text_col], obj[label_col]


def read_labelled(path: Path | str, text_col: str, label_col: str,
                  label_map: Mapping[str, str] | None = None,
                  limit: int | None = None) -> LabelledSet:
    """Rows of a CSV, TSV or JSONL file (by extension), labels mapped onto LABELS.

    ``limit`` reads only the first N data rows (labelled or skipped).
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise EvaluationError(f"{path}: file not found")
    cells = (_jsonl_cells(path, text_col, label_col) if fmt == "jsonl"
             else _csv_cells(path, "\t" if fmt == "tsv" else ",", text_col, label_col))
    rows: list[LabelledText] = []
    skipped = 0
    try:
        for i, (line, text, raw_label) in enumerate(cells):
            if limit is not None and i >= limit:
                break
            label = map_label(raw_label, label_map)
            if label is None:
                skipped += 1
                continue
            if text is None or isinstance(text, (dict, list)):
                raise EvaluationError(
                    f"{path} line {line}, column {text_col!r}: expected text, "
                    f"got {type(text).__name__}")
            rows.append(LabelledText(line, str(text), label))
    except UnicodeDecodeError as e:
        raise EvaluationError(
            f"{path} is not UTF-8 (byte {e.start}: {e.reason}); export it as UTF-8") from e
    return LabelledSet(path, tuple(rows), skipped)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


def compute_metrics(truth: Sequence[str], predicted: Sequence[str]) -> Metrics:
    """Accuracy, macro recall/F1 over the classes present in ``truth``, and the confusion."""
    if len(truth) != len(predicted):
        raise EvaluationError(f"{len(truth)} true labels but {len(predicted)} predictions")
    if not truth:
        raise EvaluationError("no labelled rows to evaluate")
    index = {label: i for i, label in enumerate(LABELS)}
    unknown = sorted({x for x in (*truth, *predicted) if x not in index})
    if unknown:
        raise EvaluationError(f"labels {unknown} are not among {', '.join(LABELS)}")
    confusion = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    np.add.at(confusion, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    tp = np.diag(confusion).astype(float)
    support, predicted_n = confusion.sum(axis=1), confusion.sum(axis=0)
    recall, precision = _ratio(tp, support), _ratio(tp, predicted_n)
    f1 = _ratio(2 * precision * recall, precision + recall)
    present = support > 0
    return Metrics(
        n=len(truth),
        accuracy=float(tp.sum() / len(truth)),
        macro_recall=float(recall[present].mean()),
        macro_f1=float(f1[present].mean()),
        per_class_recall={c: float(recall[i]) if present[i] else None
                          for i, c in enumerate(LABELS)},
        per_class_f1={c: float(f1[i]) if present[i] else None for i, c in enumerate(LABELS)},
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),
    )


def evaluate(data: LabelledSet, model: Labeller) -> EvalReport:
    """Score every row of ``data`` with ``model`` (batched) and measure it.

    ``seconds`` times the scoring pass only, after one untimed warm-up text.
    """
    texts = [r.text for r in data.rows]
    if texts:
        # Lazy loads on first use (language identification, lexicons) are not scoring speed.
        model.analyze(texts[:1])
    started = time.perf_counter()
    predicted = [a.label for a in model.analyze(texts)] if texts else []
    seconds = time.perf_counter() - started
    metrics = compute_metrics([r.label for r in data.rows], predicted)
    return EvalReport(data.path, model.model_id, model.model_version, metrics, data.skipped,
                      seconds)


def report_dict(report: EvalReport) -> dict[str, Any]:
    m = report.metrics
    return {
        "file": str(report.path),
        "model_id": report.model_id,
        "model_version": report.model_version,
        "n": m.n,
        "skipped": report.skipped,
        "macro_recall": m.macro_recall,
        "macro_f1": m.macro_f1,
        "accuracy": m.accuracy,
        "per_class_recall": m.per_class_recall,
        "per_class_f1": m.per_class_f1,
        "labels": list(LABELS),
        "confusion": [list(row) for row in m.confusion],
        "seconds": report.seconds,
        "texts_per_s": report.texts_per_s,
    }


def report_json(report: EvalReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False)


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def format_report(report: EvalReport) -> str:
    m = report.metrics
    width = max(len(c) for c in LABELS) + 2
    lines = [
        f"{report.path}: {report.model_id} ({report.model_version})",
        f"  n {m.n}  skipped {report.skipped}  {report.texts_per_s:.1f} texts/s "
        f"({report.seconds:.2f}s scoring)",
        f"  macro recall {m.macro_recall:.3f}  macro F1 {m.macro_f1:.3f}  "
        f"accuracy {m.accuracy:.3f}",
        "  recall    " + "  ".join(f"{c} {_fmt(m.per_class_recall[c])}" for c in LABELS),
        "  confusion (rows = true, cols = predicted):",
        "    " + " " * width + "".join(f"{c:>{width}}" for c in LABELS),
    ]
    lines += ["    " + f"{c:<{width}}" + "".join(f"{v:>{width}}" for v in row)
              for c, row in zip(LABELS, m.confusion, strict=True)]
    return "\n".join(lines)
