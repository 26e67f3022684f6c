"""Source type -> collector class; the one place that knows every collector."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from collectors.base import Collector, CollectorError
from collectors.file import FileCollector
from collectors.hackernews import HackerNewsCollector
from collectors.sample import SampleCollector
from koe.config import Brand, FileSource, HackerNewsSource, SampleSource

COLLECTORS: Mapping[str, type[Collector]] = {  # type: ignore[type-arg]
    cls.type: cls for cls in (SampleCollector, FileCollector, HackerNewsCollector)
}


def build_collector(
    config: SampleSource | FileSource | HackerNewsSource,
    *,
    brands: Sequence[Brand],
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Collector:  # type: ignore[type-arg]
    """The collector for one configured source; ``client`` and ``sleep`` are for tests."""
    cls = COLLECTORS.get(config.type)
    if cls is None:
        raise CollectorError(
            f"source {config.name!r} has type {config.type!r}, which no collector handles; "
            f"known types: {', '.join(sorted(COLLECTORS))}"
        )
    return cls(config, brands=brands, client=client, sleep=sleep)
