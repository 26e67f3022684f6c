"""Connections, migrations and the published read snapshot.

DuckDB locks a database file against every other process while any connection holds it
(read-only ones included). So the pipeline writes ``koe.duckdb`` through short-lived
connections and, after each step, publishes a copy (``koe.read.duckdb``) with an atomic
``os.replace``. The dashboard only ever opens that copy, read-only: it never waits for the
pipeline and never sees a half-written state.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from koe.errors import KoeError

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 120.0


class StorageError(KoeError):
    """The database cannot be opened, migrated or written."""


def snapshot_path(path: Path) -> Path:
    return path.with_name(path.stem + ".read" + path.suffix)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _is_lock_error(error: Exception) -> bool:
    text = str(error)
    return "lock" in text.lower() or "Conflicting lock" in text


def connect(path: Path, *, read_only: bool = False,
            wait_seconds: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting (with jittered backoff) while another process holds the lock."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET TimeZone = 'UTC'")
            return con
        except duckdb.IOException as e:
            if not _is_lock_error(e) or time.monotonic() >= deadline:
                raise StorageError(f"cannot open {path}: {e}") from e
            log.debug("database %s is locked, retrying in %.2fs", path, delay)
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 2.0)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet recorded; returns the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name]
            )
            con.execute("COMMIT")
        except duckdb.Error as e:
            con.execute("ROLLBACK")
            raise StorageError(f"migration {name} failed: {e}") from e
        log.info("applied migration %s", name)
        applied.append(version)
    return applied


@contextmanager
def session(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection on the pipeline's database, migrated on open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    try:
        migrate(con)
        yield con
    finally:
        con.close()


def publish(path: Path) -> Path:
    """Copy the database to its read snapshot atomically; call with no connection open."""
    target = snapshot_path(path)
    with session(path) as con:
        con.execute("CHECKPOINT")
        # Copy while still holding the lock so no other writer changes the file mid-copy.
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    log.debug("published %s", target)
    return target


@contextmanager
def read_snapshot(path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection on the published snapshot, or None if nothing is published."""
    target = snapshot_path(path)
    if not target.exists():
        yield None
        return
    con = duckdb.connect(str(target), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    try:
        yield con
    finally:
        con.close()
