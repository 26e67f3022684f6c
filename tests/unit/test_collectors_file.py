from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collectors import build_collector
from collectors.base import CollectorError
from collectors.file import FileCollector
from koe.config import Brand, FileColumns, FileSource
from koe.records import Mention

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲')]
SINCE = datetime(2024, 5, 1, tzinfo=UTC)
UNTIL = datetime(2024, 5, 8, tzinfo=UTC)
REVIEW_COLUMNS = FileColumns(text="body", id="review_id", created_at="posted", author="reviewer",
                             rating="stars", title="headline", language="lang")
SURVEY_COLUMNS = FileColumns(text="comment", id="resp", created_at="date", nps="score",
                             csat="satisfaction")


def collect(path: Path, columns: FileColumns, since: datetime = SINCE, until: datetime = UNTIL,
            **options: Any) -> list[Mention]:
    config = FileSource(type="file", name="import", path=path, columns=columns, **options)
    made = build_collector(config, brands=BRANDS)
    assert isinstance(made, FileCollector) and made.per_query is False
    return list(made.fetch(None, since, until))


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_reviews_csv_with_bom_mapping_and_window() -> None:
    mentions = collect(FILES / "reviews.csv", REVIEW_COLUMNS)
    by_id = {m.source_id: m for m in mentions}
    assert list(by_id) == ["r-001", "r-002", "r-003", "r-004"]  # r-005 is after `until`
    first = by_id["r-001"]
    assert first.source == "import" and first.author == "kumiko" and first.title == "Great"
    assert first.text == "Aurora Coffee delivered early, and the beans were fresh."
    assert first.rating == 5.0 and first.nps is None and first.language == "en"
    assert first.created_at == datetime(2024, 5, 1, 8, 15, tzinfo=UTC)
    assert by_id["r-002"].created_at == datetime(2024, 5, 1, 13, 40, tzinfo=UTC)  # +09:00
    assert by_id["r-003"].created_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)  # naive = UTC
    assert by_id["r-003"].title is None and by_id["r-003"].language == "ja"
    assert by_id["r-004"].text == "Fine, I guess.\nNothing special."
    assert by_id["r-004"].title == "Multi\nline"
    narrow = collect(FILES / "reviews.csv", REVIEW_COLUMNS, since=datetime(2024, 5, 1, 9, tzinfo=UTC),
                     until=datetime(2024, 5, 2, 10, tzinfo=UTC))
    assert [m.source_id for m in narrow] == ["r-002"]


def test_survey_tsv_with_date_format_nps_csat(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        mentions = collect(FILES / "survey.tsv", SURVEY_COLUMNS, kind="survey",
                           date_format="%d/%m/%Y %H:%M", brand="Aurora Coffee")
    # s3 answered the score without a comment: it counts towards NPS, with empty text.
    assert [(m.source_id, m.nps, m.csat, m.text) for m in mentions] == [
        ("s1", 9, 5, "Quick delivery and friendly support."),
        ("s2", 3, 2, "The refund took three weeks."), ("s3", 7, None, ""),
        ("s4", 10, 4, "Love the new app.")]
    assert mentions[1].created_at == datetime(2024, 5, 1, 13, 30, tzinfo=UTC)
    assert all(m.brands == ("Aurora Coffee",) for m in mentions)
    assert "skipped" not in caplog.text


def test_tickets_jsonl_without_id_or_date(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_bytes((FILES / "tickets.jsonl").read_bytes())
    stamp = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    columns = FileColumns(text="body", title="subject")
    mentions = collect(path, columns, kind="ticket")
    # No date column: every row is imported, dated by the file, whatever the window.
    assert [m.title for m in mentions] == ["Double charge", "Login"]
    assert all(m.created_at == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC) for m in mentions)
    ids = [m.source_id for m in mentions]
    assert len(set(ids)) == 2 and all(i.startswith("h") for i in ids)
    assert ids == [m.source_id for m in collect(path, columns, kind="ticket")]


def test_jsonl_dates_and_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "r.ndjson",
                 '{"id": 1, "at": "2024-05-02T00:00:00Z", "t": "ok", "stars": 4.5}\n'
                 '{"id": 2, "at": 1714608000, "t": "fine", "stars": null}\n')
    mentions = collect(path, FileColumns(text="t", id="id", created_at="at", rating="stars"))
    assert [(m.source_id, m.rating) for m in mentions] == [("1", 4.5), ("2", None)]
    assert mentions[1].created_at == datetime(2024, 5, 2, tzinfo=UTC)


def test_missing_column_lists_available_columns() -> None:
    columns = FileColumns(text="body", created_at="date_posted")
    with pytest.raises(CollectorError) as info:
        collect(FILES / "reviews.csv", columns)
    message = str(info.value)
    assert "reviews.csv" in message and "'date_posted'" in message
    assert "available columns: review_id, posted, reviewer, stars, headline, body, lang" in message


def test_missing_jsonl_key_lists_available_keys() -> None:
    with pytest.raises(CollectorError, match=r"'text'.*available keys: body, channel, subject"):
        collect(FILES / "tickets.jsonl", FileColumns(text="text"))


@pytest.mark.parametrize(("value", "column", "expected"), [
    ("11", "score", "an NPS score from 0 to 10, got '11'"),
    ("7.5", "score", "an NPS score from 0 to 10, got '7.5'"),
    ("great", "score", "an NPS score from 0 to 10, got 'great'"),
    ("0", "satisfaction", "a CSAT score from 1 to 5, got '0'"),
])
def test_out_of_range_scores(tmp_path: Path, value: str, column: str, expected: str) -> None:
    score, csat = (value, "4") if column == "score" else ("8", value)
    path = write(tmp_path, "survey.csv", "resp,date,score,satisfaction,comment\n"
                 "a,2024-05-01,9,5,fine\n"
                 f"b,2024-05-01,{score},{csat},hmm\n")
    with pytest.raises(CollectorError) as info:
        collect(path, SURVEY_COLUMNS, kind="survey")
    assert f"survey.csv line 3, column '{column}': expected {expected}" in str(info.value)


def test_star_rating_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "body,stars\nnice,6\n")
    with pytest.raises(CollectorError, match=r"line 2, column 'stars': expected a star rating"):
        collect(path, FileColumns(text="body", rating="stars"))


def test_unparseable_date(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "body,posted\nok,2024-05-01\nnice,yesterday\n")
    with pytest.raises(CollectorError) as info:
        collect(path, FileColumns(text="body", created_at="posted"))
    message = str(info.value)
    assert "r.csv line 3, column 'posted'" in message and "'yesterday'" in message
    assert "ISO 8601" in message and "date_format" in message


def test_date_not_matching_date_format(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "body,posted\nok,2024-05-01\n")
    with pytest.raises(CollectorError, match=r"line 2, column 'posted'.*format '%d/%m/%Y'"):
        collect(path, FileColumns(text="body", created_at="posted"), date_format="%d/%m/%Y")


def test_malformed_json_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.jsonl", '{"body": "ok"}\n\n{"body": "broken\n')
    with pytest.raises(CollectorError, match=r"t\.jsonl line 3: not valid JSON"):
        collect(path, FileColumns(text="body"))
    path = write(tmp_path, "u.jsonl", '["not", "an", "object"]\n')
    with pytest.raises(CollectorError, match=r"u\.jsonl line 1: expected a JSON object, got list"):
        collect(path, FileColumns(text="body"))


def test_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "id,body\n1,ok\n2,too,many\n")
    with pytest.raises(CollectorError, match=r"r\.csv line 3: has 3 fields but the header has 2"):
        collect(path, FileColumns(text="body", id="id"))


def test_empty_id_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "id,body\n1,ok\n,no id\n")
    with pytest.raises(CollectorError, match=r"line 3, column 'id': the id is empty"):
        collect(path, FileColumns(text="body", id="id"))


def test_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match=r"not found"):
        collect(tmp_path / "missing.csv", FileColumns(text="body"))
    with pytest.raises(CollectorError, match=r'set format = "csv", "tsv" or "jsonl"'):
        collect(write(tmp_path, "r.xlsx", "x"), FileColumns(text="body"))
    with pytest.raises(CollectorError, match=r"columns\.nps and/or columns\.csat"):
        collect(FILES / "reviews.csv", FileColumns(text="body"), kind="survey")
    with pytest.raises(CollectorError, match=r"not UTF-8.*CSV UTF-8"):
        (tmp_path / "latin.csv").write_bytes("body\ncaf\xe9\n".encode("latin-1"))
        collect(tmp_path / "latin.csv", FileColumns(text="body"))


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", "body\tposted\nhello\t2024-05-03\n")
    mentions = collect(path, FileColumns(text="body", created_at="posted"), format="tsv")
    assert [m.text for m in mentions] == ["hello"]
