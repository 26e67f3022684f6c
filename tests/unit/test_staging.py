from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from koe import staging
from koe.records import Engagement, Mention

M = Mention(source="s", source_id="1", text="オーロラ珈琲 & Aurora", author="a",
            created_at=datetime(2026, 11, 20, tzinfo=UTC), engagement=Engagement(likes=3),
            brands=("Aurora",), flags=("promo",))


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    assert staging.write_mentions(tmp_path, "job", [M, M]) == 2
    assert list(staging.read_mentions(tmp_path, "job")) == [M, M]


def test_a_failed_collection_leaves_no_file_behind(tmp_path: Path) -> None:
    staging.write_mentions(tmp_path, "job", [M])  # an earlier attempt's result

    def broken() -> Iterator[Mention]:
        yield M
        raise RuntimeError("HTTP 503 on page 2")

    with pytest.raises(RuntimeError):
        staging.write_mentions(tmp_path, "job", broken())
    assert list(tmp_path.iterdir()) == []
    assert list(staging.read_mentions(tmp_path, "job")) == []
