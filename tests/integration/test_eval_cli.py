"""`koe eval` end to end with the real VADER model on the small labelled fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from koe.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "eval"
CSV_ROWS = 10  # data rows in labelled.csv: 8 labelled, 1 "mixed", 1 empty label
NUMERIC = "0=negative,1=neutral,2=positive"


def _one_json_object(out: str) -> dict[str, object]:
    obj, end = json.JSONDecoder().raw_decode(out.strip())
    assert out.strip()[end:] == "", f"more than one JSON value on stdout: {out!r}"
    assert isinstance(obj, dict)
    return obj


def test_eval_json_is_exactly_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", str(FIXTURES / "labelled.csv"), "--text-col", "text",
                 "--label-col", "sentiment", "--label-map", NUMERIC, "--model", "vader",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    obj = _one_json_object(captured.out)
    for key in ("macro_recall", "macro_f1", "accuracy", "n", "skipped", "texts_per_s",
                "per_class_recall", "confusion", "model_id", "model_version"):
        assert key in obj, key
    for key in ("macro_recall", "macro_f1", "accuracy"):
        value = obj[key]
        assert isinstance(value, float) and 0.0 <= value <= 1.0, (key, value)
    assert obj["n"] == 8 and obj["skipped"] == 2
    assert obj["n"] + obj["skipped"] == CSV_ROWS
    assert isinstance(obj["texts_per_s"], float) and obj["texts_per_s"] > 0
    assert obj["model_id"] == "vader" and str(obj["model_version"]).startswith("vader-")
    confusion = obj["confusion"]
    assert isinstance(confusion, list) and len(confusion) == 3
    assert sum(sum(row) for row in confusion) == obj["n"]
    recall = obj["per_class_recall"]
    assert isinstance(recall, dict) and set(recall) == {"negative", "neutral", "positive"}


def test_eval_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(FIXTURES / "labelled.tsv"), "--text-col", "text",
                 "--label-col", "label", "--model", "vader"]) == 0
    out = capsys.readouterr().out
    assert "vader" in out and "n 8  skipped 2" in out and "texts/s" in out
    assert "macro recall" in out and "macro F1" in out and "accuracy" in out
    assert "rows = true, cols = predicted" in out


def test_eval_uses_the_configured_model_and_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    config = tmp_path / "koe.toml"
    config.write_text(re.sub(r'(?m)^model = "[^"]*"', 'model = "vader"', text), encoding="utf-8")
    assert main(["eval", str(FIXTURES / "labelled.jsonl"), "--text-col", "body",
                 "--label-col", "stars", "--label-map", NUMERIC, "--config", str(config),
                 "--limit", "5", "--json"]) == 0
    obj = _one_json_object(capsys.readouterr().out)
    assert obj["model_id"] == "vader" and obj["n"] == 5 and obj["skipped"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--text-col", "body", "--label-col", "sentiment"], "line 1: no column 'body'"),
    (["--text-col", "text", "--label-col", "sentiment", "--label-map", "0=bad"],
     "targets must be one of"),
    (["--text-col", "text", "--label-col", "sentiment"], "pass --label-map"),
    (["--text-col", "text", "--label-col", "sentiment", "--label-map", NUMERIC,
      "--model", "no-such-model"], "unknown sentiment model"),
    (["--text-col", "text", "--label-col", "sentiment", "--label-map", NUMERIC,
      "--limit", "0"], "--limit must be at least 1"),
])
def test_eval_errors_are_one_line_on_stderr(
        args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(FIXTURES / "labelled.csv"), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("koe: error: ") and message in captured.err


def test_eval_missing_named_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(FIXTURES / "labelled.csv"), "--text-col", "text",
                 "--label-col", "sentiment", "--label-map", NUMERIC,
                 "--config", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml not found" in capsys.readouterr().err
