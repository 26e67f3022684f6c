"""Reading fields of a decoded JSON response defensively: a wrong type is "absent", not a crash.

Services drop optional fields, send ``null`` or change a type now and then; each collector
reads through these so one odd item is skipped and counted instead of failing the source.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def as_int(value: Any) -> int | None:
    """An integer (a whole float counts, a bool does not), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_str(value: Any) -> str | None:
    """A non-blank string, else None."""
    return value if isinstance(value, str) and value.strip() else None


def as_utc(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or an offset; none means UTC) in UTC, else None."""
    raw = as_str(value)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def shape(body: Any) -> str:
    """What a response holds instead of the documented field, for error messages."""
    if isinstance(body, dict):
        return str(sorted(str(k) for k in body)[:10])
    return type(body).__name__
