"""CSV / TSV / JSONL imports: reviews (stars), survey answers (NPS, CSAT) and support tickets.

``columns`` maps Koe's fields to the file's column names. Every problem with the file is
reported with the file, the line, the column and what was expected, because the person
fixing it is looking at a spreadsheet export, not at Python.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors._text import stable_hex
from collectors.base import Collector, CollectorError
from koe.config import FileSource
from koe.query import Query
from koe.records import Mention

logger = logging.getLogger(__name__)

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class _Row:
    line: int
    values: Mapping[str, Any]


class FileCollector(Collector[FileSource]):
    type = "file"
    per_query = False

    @property
    def format(self) -> str:
        if self.config.format:
            return self.config.format
        fmt = _FORMATS.get(self.config.path.suffix.lower())
        if fmt is None:
            raise CollectorError(
                f"{self.name}: cannot tell the format of {self.config.path} from its extension; "
                "set format = \"csv\", \"tsv\" or \"jsonl\" for this source"
            )
        return fmt

    def check(self) -> str:
        self._check_kind()
        path = self.config.path
        if not path.is_file():
            raise CollectorError(
                f"{self.name}: file {path} not found; check path for this source "
                "(relative paths are resolved against the config file)"
            )
        if self.format != "jsonl":  # the header must hold every mapped column
            next(iter(self._rows(path)), None)
        return f"{self.config.kind} file {path.name} ({self.format}), every row each run"

    def probe(self) -> str:
        rows = sum(1 for _ in self._rows(self.config.path))
        return f"{rows} rows readable"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        self._check_window(since, until)
        path = self.config.path
        if not path.is_file():
            raise CollectorError(
                f"{self.name}: file {path} not found; check path for this source "
                "(relative paths are resolved against the config file)"
            )
        self._check_kind()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        has_date = self.config.columns.created_at is not None
        empty = outside = total = 0
        for row in self._rows(path):
            total += 1
            mention = self._mention(row, mtime)
            if mention is None:
                empty += 1
            elif has_date and not since <= mention.created_at < until:
                outside += 1
            else:
                yield mention
        if empty:
            logger.warning("%s: skipped %d of %d rows in %s with neither text nor a score",
                           self.name, empty, total, path)
        logger.info("%s: read %d rows from %s (%d outside the window)",
                    self.name, total, path, outside)

    def _check_kind(self) -> None:
        cols = self.config.columns
        if self.config.kind == "survey" and cols.nps is None and cols.csat is None:
            raise CollectorError(
                f"{self.name}: kind = \"survey\" needs columns.nps and/or columns.csat; "
                "map the score column(s) or use kind = \"ticket\""
            )

    def _where(self, line: int, column: str | None = None) -> str:
        where = f"{self.name}: {self.config.path} line {line}"
        return f"{where}, column {column!r}" if column else where

    def _rows(self, path: Path) -> Iterator[_Row]:
        try:
            if self.format == "jsonl":
                yield from self._jsonl(path)
            else:
                yield from self._csv(path, "\t" if self.format == "tsv" else ",")
        except UnicodeDecodeError as e:
            raise CollectorError(
                f"{self.name}: {path} is not UTF-8 (byte {e.start}: {e.reason}); "
                "export it as UTF-8 (Excel: 'CSV UTF-8')"
            ) from e

    def _mapped(self) -> dict[str, str]:
        return {field: col for field, col in self.config.columns.model_dump().items() if col}

    def _csv(self, path: Path, delimiter: str) -> Iterator[_Row]:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            missing = [c for c in self._mapped().values() if c not in header]
            if missing:
                raise CollectorError(
                    f"{self.name}: {path} has no column {', '.join(map(repr, missing))}; "
                    f"available columns: {', '.join(header)}. Fix columns.* for this source"
                )
            end = reader.line_num
            try:
                for cells in reader:
                    start, end = end + 1, reader.line_num
                    if not cells or all(not c.strip() for c in cells):
                        continue
                    if len(cells) != len(header):
                        raise CollectorError(
                            f"{self._where(start)}: has {len(cells)} fields but the header has "
                            f"{len(header)}; check quoting and the delimiter ({delimiter!r})"
                        )
                    yield _Row(start, dict(zip(header, cells, strict=True)))
            except csv.Error as e:
                raise CollectorError(f"{self._where(reader.line_num)}: malformed CSV ({e})") from e

    def _jsonl(self, path: Path) -> Iterator[_Row]:
        rows: list[_Row] = []
        keys: set[str] = set()
        with path.open(encoding="utf-8-sig") as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise CollectorError(
                        f"{self._where(line_no)}: not valid JSON ({e.msg} at character "
                        f"{e.colno}); each line must be one JSON object"
                    ) from e
                if not isinstance(obj, dict):
                    raise CollectorError(
                        f"{self._where(line_no)}: expected a JSON object, got {type(obj).__name__}"
                    )
                keys.update(obj)
                rows.append(_Row(line_no, obj))
        missing = [c for c in self._mapped().values() if c not in keys]
        if rows and missing:
            raise CollectorError(
                f"{self.name}: no line of {path} has key {', '.join(map(repr, missing))}; "
                f"available keys: {', '.join(sorted(keys))}. Fix columns.* for this source"
            )
        yield from rows

    def _cell(self, row: _Row, field: str) -> Any:
        column = getattr(self.config.columns, field)
        if column is None:
            return None
        value = row.values.get(column)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def _mention(self, row: _Row, mtime: datetime) -> Mention | None:
        """The row as a Mention; None for a row with neither text nor a score.

        A survey answer or review with a score but no comment is kept with empty text: it
        counts towards NPS, CSAT and star ratings, and gets no sentiment score.
        """
        rating = self._number(row, "rating", 1, 5, "a star rating from 1 to 5", integer=False)
        nps = self._number(row, "nps", 0, 10, "an NPS score from 0 to 10", integer=True)
        csat = self._number(row, "csat", 1, 5, "a CSAT score from 1 to 5", integer=True)
        text = self._cell(row, "text")
        if text is None:
            if rating is None and nps is None and csat is None:
                return None
            text = ""
        if not isinstance(text, str):
            text = str(text)
        cols = self.config.columns
        created_at = mtime if cols.created_at is None else self._date(row)
        raw_id = self._cell(row, "id")
        if cols.id is not None and raw_id is None:
            raise CollectorError(
                f"{self._where(row.line, cols.id)}: the id is empty; every row needs an id, "
                "or remove columns.id to identify rows by their content"
            )
        source_id = str(raw_id) if raw_id is not None else "h" + stable_hex(
            json.dumps(row.values, sort_keys=True, ensure_ascii=False, default=str)
        )
        language = self._cell(row, "language")
        return Mention(
            source=self.name,
            source_id=source_id,
            text=text,
            created_at=created_at,
            url=_opt_str(self._cell(row, "url")),
            author=_opt_str(self._cell(row, "author")),
            title=_opt_str(self._cell(row, "title")),
            language=str(language).lower() if language is not None else None,
            rating=rating,
            nps=nps,
            csat=csat,
            brands=(self.config.brand,) if self.config.brand else (),
        )

    def _date(self, row: _Row) -> datetime:
        column = self.config.columns.created_at
        value = self._cell(row, "created_at")
        fmt = self.config.date_format
        expected = f"a date in the format {fmt!r}" if fmt else "an ISO 8601 date (2024-05-01T09:30:00Z)"
        if value is None:
            raise CollectorError(f"{self._where(row.line, column)}: the date is empty; expected {expected}")
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parsed = datetime.fromtimestamp(value, UTC)
            elif fmt:
                parsed = datetime.strptime(str(value), fmt)
            else:
                parsed = datetime.fromisoformat(str(value))
        except (ValueError, OverflowError, OSError) as e:
            raise CollectorError(
                f"{self._where(row.line, column)}: cannot read {value!r} as a date; expected "
                f"{expected}" + ("" if fmt else ", or set date_format for this source")
            ) from e
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    def _number(self, row: _Row, field: str, low: int, high: int, expected: str,
                *, integer: bool) -> Any:
        value = self._cell(row, field)
        if value is None:
            return None
        column = getattr(self.config.columns, field)
        try:
            number = float("nan") if isinstance(value, bool) else float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if (not math.isfinite(number) or (integer and not number.is_integer())
                or not low <= number <= high):
            raise CollectorError(f"{self._where(row.line, column)}: expected {expected}, got {value!r}")
        return int(number) if integer else number


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
