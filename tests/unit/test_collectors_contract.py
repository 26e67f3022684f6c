"""One contract every collector keeps, whatever its source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from collectors import COLLECTORS, Collector, CollectorError, build_collector
from collectors.base import FetchError, MalformedResponseError
from koe.config import SOURCE_TYPES, Brand, FileColumns, FileSource, HackerNewsSource, SampleSource
from koe.errors import KoeError
from koe.records import Mention

SINCE = datetime(2024, 5, 1, tzinfo=UTC)
UNTIL = datetime(2024, 5, 4, tzinfo=UTC)
FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
BRANDS = [Brand(name="Aurora Coffee", query='"aurora coffee" OR オーロラ珈琲'),
          Brand(name="Kumo Cafe", query='"kumo cafe" OR 雲カフェ', competitor=True)]


def _hn(request: httpx.Request) -> httpx.Response:
    base = int(SINCE.timestamp())
    hits = [{"objectID": f"{request.url.params['query']}-{i}", "created_at_i": base + i * 3600,
             "comment_text": "<p>aurora coffee</p>"} for i in range(3)]
    return httpx.Response(200, json={"hits": hits, "page": 0, "nbPages": 1})


def sample() -> Collector:
    return build_collector(SampleSource(type="sample", mentions_per_day=5,
                                        spike_date=date(2024, 5, 2)), brands=BRANDS)


def file() -> Collector:
    columns = FileColumns(text="body", id="review_id", created_at="posted", rating="stars")
    return build_collector(FileSource(type="file", name="reviews", path=FILES / "reviews.csv",
                                      columns=columns), brands=BRANDS)


def hackernews() -> Collector:
    client = httpx.Client(transport=httpx.MockTransport(_hn))
    return build_collector(HackerNewsSource(type="hackernews"), brands=BRANDS, client=client,
                           sleep=lambda s: None)


FACTORIES: list[Callable[[], Collector]] = [sample, file, hackernews]


def run(collector: Collector) -> list[Mention]:
    queries = [b.parsed_query for b in BRANDS] if collector.per_query else [None]
    return [m for q in queries for m in collector.fetch(q, SINCE, UNTIL)]


def test_every_source_type_has_a_collector() -> None:
    assert set(COLLECTORS) == set(SOURCE_TYPES)
    for name, cls in COLLECTORS.items():
        assert issubclass(cls, Collector) and cls.type == name


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_collector_contract(factory: Callable[[], Collector]) -> None:
    with factory() as collector:
        assert isinstance(collector, Collector)
        assert collector.type == collector.config.type  # type: ignore[attr-defined]
        assert collector.name == collector.config.name  # type: ignore[attr-defined]
        assert isinstance(collector.per_query, bool)
        first = run(collector)
        again = run(collector)
    assert first, "a collector under contract test must yield something"
    assert [m.source_id for m in first] == [m.source_id for m in again]
    per_query_ids = [m.source_id for m in first]
    assert len(set(per_query_ids)) == len(per_query_ids) or collector.per_query
    for m in first:
        assert isinstance(m, Mention)
        assert m.source == collector.name and m.source_id and m.text.strip()
        assert m.created_at.utcoffset() is not None and m.created_at.tzinfo == UTC
        assert SINCE <= m.created_at < UNTIL


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_naive_window_is_rejected(factory: Callable[[], Collector]) -> None:
    collector = factory()
    query = BRANDS[0].parsed_query if collector.per_query else None
    with pytest.raises(CollectorError, match="timezone"):
        list(collector.fetch(query, datetime(2024, 5, 1), UNTIL))


def test_error_family() -> None:
    assert issubclass(CollectorError, KoeError)
    assert issubclass(FetchError, CollectorError)
    assert issubclass(MalformedResponseError, CollectorError)
