"""``sentiment.evaluate``: reading labelled files, label maps, and metrics checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentiment import Analyzer, Score, Scorer
from sentiment.evaluate import (
    EvaluationError,
    LabelledSet,
    compute_metrics,
    evaluate,
    format_report,
    map_label,
    parse_label_map,
    read_labelled,
    report_dict,
    report_json,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eval"
NUMERIC = {"0": "negative", "1": "neutral", "2": "positive"}

# What the fake model says for each fixture text; truth is in the fixture files.
PREDICTIONS = {
    "Terrible, slow, and rude staff.": "negative",            # true negative
    "Worst coffee I have ever had": "negative",               # true negative
    'Not great, not awful, just "meh"': "neutral",            # true negative
    "The shop opens at 9am\nand closes at 6pm": "neutral",    # true neutral
    "Store moved to Main St.": "positive",                    # true neutral
    "Love it, best latte in town!": "positive",               # true positive
    "Great beans": "positive",                                # true positive
    "Pretty good I guess": "neutral",                         # true positive
}
# rows = true, cols = predicted (negative, neutral, positive)
CONFUSION = ((2, 1, 0), (0, 1, 1), (0, 1, 2))
# recall: 2/3, 1/2, 2/3; precision: 2/2, 1/3, 2/3; F1: 4/5, 2/5, 2/3
MACRO_RECALL = (2 / 3 + 1 / 2 + 2 / 3) / 3  # 11/18
MACRO_F1 = (4 / 5 + 2 / 5 + 2 / 3) / 3      # 28/45
ACCURACY = 5 / 8


class FakeScorer(Scorer):
    """Predictions chosen by the test, through the real Analyzer batching path."""

    model_id = "fake"
    model_version = "fake-1"

    def __init__(self, predictions: dict[str, str]) -> None:
        self.predictions = predictions
        self.batch_size = 3
        self.seen: list[str] = []

    def _score_batch(self, texts: list[str], languages: list[str],
                     embeddings: np.ndarray | None) -> list[Score]:
        self.seen.extend(texts)
        out = []
        for text, lang in zip(texts, languages, strict=True):
            label = self.predictions[text]
            p_neg, p_neu, p_pos = (0.8 if label == c else 0.1
                                   for c in ("negative", "neutral", "positive"))
            out.append(Score(label, p_neg, p_neu, p_pos, self.model_id, self.model_version,
                             lang, "fake"))
        return out


@pytest.fixture
def fake() -> Analyzer:
    return Analyzer(FakeScorer(PREDICTIONS), None, batch_size=3)


def _check_fixture_set(data: LabelledSet) -> None:
    assert len(data.rows) == 8 and data.skipped == 2
    assert [r.text for r in data.rows] == list(PREDICTIONS)
    assert [r.label for r in data.rows] == ["negative"] * 3 + ["neutral"] * 2 + ["positive"] * 3


def test_metrics_by_hand_through_the_fake_model(fake: Analyzer) -> None:
    data = read_labelled(FIXTURES / "labelled.csv", "text", "sentiment", NUMERIC)
    report = evaluate(data, fake)
    m = report.metrics
    assert m.confusion == CONFUSION
    assert m.macro_recall == pytest.approx(11 / 18) == pytest.approx(MACRO_RECALL)
    assert m.macro_f1 == pytest.approx(28 / 45) == pytest.approx(MACRO_F1)
    assert m.accuracy == pytest.approx(ACCURACY)
    assert m.per_class_recall == pytest.approx({"negative": 2 / 3, "neutral": 0.5,
                                                "positive": 2 / 3})
    assert m.per_class_f1 == pytest.approx({"negative": 0.8, "neutral": 0.4, "positive": 2 / 3})
    assert m.n == 8 and report.skipped == 2
    assert (report.model_id, report.model_version) == ("fake", "fake-1")
    assert report.texts_per_s > 0
    # one untimed warm-up text, then every labelled row in order
    texts = list(PREDICTIONS)
    assert isinstance(fake.scorer, FakeScorer) and fake.scorer.seen == texts[:1] + texts


def test_a_class_absent_from_the_truth_is_left_out_of_the_averages() -> None:
    m = compute_metrics(["negative", "positive", "positive"], ["neutral", "positive", "positive"])
    assert m.per_class_recall == {"negative": 0.0, "neutral": None, "positive": 1.0}
    assert m.macro_recall == pytest.approx(0.5)
    # negative: never predicted, precision 0/0 -> 0, F1 0; positive: P = R = 1
    assert m.macro_f1 == pytest.approx(0.5)
    assert m.accuracy == pytest.approx(2 / 3)
    assert m.confusion == ((0, 1, 0), (0, 0, 0), (0, 0, 2))


def test_perfect_predictions() -> None:
    labels = ["negative", "neutral", "positive", "positive"]
    m = compute_metrics(labels, labels)
    assert (m.macro_recall, m.macro_f1, m.accuracy) == (1.0, 1.0, 1.0)


def test_metrics_reject_bad_input() -> None:
    with pytest.raises(EvaluationError, match="no labelled rows"):
        compute_metrics([], [])
    with pytest.raises(EvaluationError, match="2 true labels but 1"):
        compute_metrics(["negative", "neutral"], ["negative"])
    with pytest.raises(EvaluationError, match="mixed"):
        compute_metrics(["negative"], ["mixed"])


@pytest.mark.parametrize(("name", "text_col", "label_col", "label_map"), [
    ("labelled.csv", "text", "sentiment", NUMERIC),      # BOM, quoted commas, "" quotes
    ("labelled.tsv", "text", "label", None),             # label words in any case
    ("labelled.jsonl", "body", "stars", NUMERIC),        # int labels, null label, blank line
])
def test_every_format_reads_the_same_rows(name: str, text_col: str, label_col: str,
                                          label_map: dict[str, str] | None) -> None:
    _check_fixture_set(read_labelled(FIXTURES / name, text_col, label_col, label_map))


def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefflabel,text\npositive,\"good, very good\"\n".encode())
    data = read_labelled(path, "text", "label")
    assert [(r.text, r.label, r.line) for r in data.rows] == [("good, very good", "positive", 2)]


def test_line_numbers_follow_multiline_cells() -> None:
    data = read_labelled(FIXTURES / "labelled.csv", "text", "sentiment", NUMERIC)
    assert [r.line for r in data.rows] == [2, 3, 4, 5, 7, 8, 9, 10]


def test_limit_reads_only_the_first_rows() -> None:
    data = read_labelled(FIXTURES / "labelled.csv", "text", "sentiment", NUMERIC, limit=4)
    assert len(data.rows) == 4 and data.skipped == 0
    data = read_labelled(FIXTURES / "labelled.csv", "text", "sentiment", NUMERIC, limit=100)
    assert len(data.rows) + data.skipped == 10


def test_without_a_map_numeric_labels_are_all_skipped() -> None:
    data = read_labelled(FIXTURES / "labelled.csv", "text", "sentiment")
    assert data.rows == () and data.skipped == 10


def test_label_map_parsing_and_mapping() -> None:
    assert parse_label_map("0=negative, 1=Neutral ,2=positive,") == NUMERIC
    assert parse_label_map("neg=negative,pos=positive") == {"neg": "negative",
                                                             "pos": "positive"}
    assert map_label(2, NUMERIC) == "positive"
    assert map_label(2.0, NUMERIC) == "positive"
    assert map_label(" 0 ", NUMERIC) == "negative"
    assert map_label("NEG", {"neg": "negative"}) == "negative"
    assert map_label("Positive", NUMERIC) == "positive"  # the words always count
    assert map_label("mixed", NUMERIC) is None
    assert map_label("", NUMERIC) is None
    assert map_label(None, NUMERIC) is None
    assert map_label(True, {"True": "positive"}) is None


@pytest.mark.parametrize(("spec", "message"), [
    ("0=negative,1=meh", "targets must be one of negative, neutral, positive"),
    ("0negative", "is not RAW=LABEL"),
    ("=negative", "is not RAW=LABEL"),
    (" , ", "empty"),
])
def test_bad_label_maps(spec: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        parse_label_map(spec)


def test_missing_column_names_file_line_and_column() -> None:
    with pytest.raises(EvaluationError) as e:
        read_labelled(FIXTURES / "labelled.csv", "body", "sentiment", NUMERIC)
    msg = str(e.value)
    assert "labelled.csv line 1" in msg and "'body'" in msg and "id, text, sentiment" in msg


def test_missing_json_key_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "ok", "label": "positive"}\n{"text": "no label"}\n',
                    encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"rows.jsonl line 2: no key 'label'"):
        read_labelled(path, "text", "label")


def test_bad_json_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "ok", "label": "positive"}\n\n{"text": "broken",\n',
                    encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"rows.jsonl line 3: not valid JSON"):
        read_labelled(path, "text", "label")
    path.write_text('["text", "positive"]\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match="line 1: expected a JSON object, got list"):
        read_labelled(path, "text", "label")


def test_non_text_json_value_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": null, "label": "positive"}\n', encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"line 1, column 'text': expected text"):
        read_labelled(path, "text", "label")


def test_ragged_csv_row_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("text,label\nfine,positive\ntoo,many,cells\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"rows.csv line 3: has 3 fields"):
        read_labelled(path, "text", "label")


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match=r"unknown file extension '\.xlsx'"):
        read_labelled(tmp_path / "rows.xlsx", "text", "label")
    with pytest.raises(EvaluationError, match="file not found"):
        read_labelled(tmp_path / "absent.csv", "text", "label")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes("text,label\ncaf\u00e9,positive\n".encode("latin-1"))
    with pytest.raises(EvaluationError, match="not UTF-8"):
        read_labelled(path, "text", "label")


def test_report_forms(fake: Analyzer) -> None:
    report = evaluate(read_labelled(FIXTURES / "labelled.csv", "text", "sentiment", NUMERIC),
                      fake)
    obj = json.loads(report_json(report))
    assert obj == json.loads(json.dumps(report_dict(report)))
    assert obj["confusion"] == [list(r) for r in CONFUSION]
    assert obj["labels"] == ["negative", "neutral", "positive"]
    assert obj["macro_recall"] == pytest.approx(MACRO_RECALL)
    text = format_report(report)
    assert "macro recall 0.611" in text and "macro F1 0.622" in text and "accuracy 0.625" in text
    assert "n 8  skipped 2" in text and "rows = true, cols = predicted" in text
    assert text.splitlines()[-3].split()[1:] == ["2", "1", "0"]
