"""Source type -> collector class; the one place that knows every collector.

Collector modules are imported on first use, so planning a run or checking the config does
not import every service's parser.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

import httpx

from collectors.base import Collector, CollectorError
from koe.config import Brand, SourceConfig
from koe.credentials import ENVIRONMENT, Credentials

_CLASSES = {
    "sample": "collectors.sample:SampleCollector",
    "file": "collectors.file:FileCollector",
    "hackernews": "collectors.hackernews:HackerNewsCollector",
    "reddit": "collectors.reddit:RedditCollector",
    "mastodon": "collectors.mastodon:MastodonCollector",
    "bluesky": "collectors.bluesky:BlueskyCollector",
    "news": "collectors.news:NewsCollector",
    "appstore": "collectors.appstore:AppStoreCollector",
    "googleplay": "collectors.googleplay:GooglePlayCollector",
    "youtube": "collectors.youtube:YouTubeCollector",
    "x": "collectors.x:XCollector",
}


class _Registry(Mapping[str, type[Collector]]):  # type: ignore[type-arg]
    def __getitem__(self, key: str) -> type[Collector]:  # type: ignore[type-arg]
        module, _, name = _CLASSES[key].partition(":")
        cls: type[Collector] = getattr(importlib.import_module(module), name)  # type: ignore[type-arg]
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(_CLASSES)

    def __len__(self) -> int:
        return len(_CLASSES)


COLLECTORS: Mapping[str, type[Collector]] = _Registry()  # type: ignore[type-arg]


def build_collector(
    config: SourceConfig,
    *,
    brands: Sequence[Brand],
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    credentials: Credentials = ENVIRONMENT,
) -> Collector:  # type: ignore[type-arg]
    """The collector for one configured source; ``client``, ``sleep`` and ``credentials``
    are for tests (and the DAG, which resolves Airflow connections)."""
    if config.type not in _CLASSES:
        raise CollectorError(
            f"source {config.name!r} has type {config.type!r}, which no collector handles; "
            f"known types: {', '.join(sorted(_CLASSES))}"
        )
    return COLLECTORS[config.type](config, brands=brands, client=client, sleep=sleep,
                                   credentials=credentials)
