"""Staged collection results: what collect tasks hand to the single load task.

Collect tasks run in parallel and must not touch the database (DuckDB allows one writer
process), so each writes its mentions to a JSONL file and a small manifest beside it; the
load step reads them all, stores them in one transaction and advances cursors.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from koe.records import Engagement, Mention


@dataclass(frozen=True, slots=True)
class Manifest:
    job_id: str
    source: str
    brand: str
    since: str
    until: str
    status: str  # "ok" | "failed"
    items: int
    seconds: float
    error: str | None = None
    notes: str | None = None  # what could not be collected and why (service limits)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _mention_to_json(m: Mention) -> str:
    d = asdict(m)
    d["created_at"] = m.created_at.isoformat()
    return json.dumps(d, ensure_ascii=False)


def _mention_from_json(line: str) -> Mention:
    d = json.loads(line)
    d["created_at"] = datetime.fromisoformat(d["created_at"])
    d["engagement"] = Engagement(**d["engagement"])
    d["brands"] = tuple(d["brands"])
    d["flags"] = tuple(d.get("flags", ()))
    return Mention(**d)


def write_mentions(directory: Path, job_id: str, mentions: Iterable[Mention]) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{job_id}.jsonl"
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    path.unlink(missing_ok=True)  # an earlier attempt's file must not outlive a failed one
    try:
        with tmp.open("w", encoding="utf-8") as f:
            for m in mentions:
                f.write(_mention_to_json(m) + "\n")
                n += 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return n


def write_manifest(directory: Path, manifest: Manifest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _atomic_write(directory / f"{manifest.job_id}.manifest.json",
                  json.dumps(asdict(manifest), ensure_ascii=False))


def manifests(directory: Path) -> list[Manifest]:
    if not directory.exists():
        return []
    return [Manifest(**json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(directory.glob("*.manifest.json"))]


def read_mentions(directory: Path, job_id: str) -> Iterator[Mention]:
    path = directory / f"{job_id}.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield _mention_from_json(line)


def clear(directory: Path, job_ids: Iterable[str]) -> None:
    for job_id in job_ids:
        for suffix in (".jsonl", ".manifest.json"):
            (directory / f"{job_id}{suffix}").unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # other jobs' files (a failed source) stay for the rerun
        directory.rmdir()
