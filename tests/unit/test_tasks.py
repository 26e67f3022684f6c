from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors import build_collector
from collectors.base import (
    CollectorError,
    CredentialRejectedError,
    FetchError,
    MalformedResponseError,
)
from koe.config import Brand, XSource
from koe.credentials import CredentialError
from koe.errors import ConfigError
from koe.tasks import is_permanent


@pytest.mark.parametrize(("error", "permanent"), [
    (CredentialRejectedError("x: HTTP 401"), True),
    (CredentialError("x: token missing"), True),
    (ConfigError("bad config"), True),
    (MalformedResponseError("x: not JSON"), True),
    (CollectorError("file not found"), True),
    (FetchError("x: still failed after 5 attempts"), False),
    (RuntimeError("a bug"), False),
])
def test_only_failures_a_retry_cannot_fix_skip_airflow_retries(error: Exception,
                                                                permanent: bool) -> None:
    assert is_permanent(error) is permanent


def test_history_note_says_what_the_service_cannot_serve() -> None:
    collector = build_collector(XSource(type="x"), brands=[Brand(name="A", query="a")])
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert collector.history_note(now - timedelta(days=6), now) is None
    note = collector.history_note(now - timedelta(days=10), now)
    assert note is not None and "last 7 days" in note and "2026-11-13" in note
    collector.history_note(now - timedelta(days=10), now)
    assert collector.notes == [note]
