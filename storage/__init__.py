"""Koe's storage: the only package that talks to the database.

Today that is one DuckDB file plus its published read snapshot; moving to a shared catalog
changes this package's configuration, not its callers.
"""

from storage.db import StorageError, publish, read_snapshot, snapshot_path
from storage.store import AlertRow, AspectRow, PendingText, RunLogEntry, ScoreRow, Store, alert_json

__all__ = [
    "AlertRow",
    "AspectRow",
    "PendingText",
    "RunLogEntry",
    "ScoreRow",
    "StorageError",
    "Store",
    "alert_json",
    "publish",
    "read_snapshot",
    "snapshot_path",
]
