"""The collector interface and the collectors' error family."""

from __future__ import annotations

import builtins
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

import httpx

from koe.errors import KoeError

if TYPE_CHECKING:
    from koe.config import Brand
    from koe.query import Query
    from koe.records import Mention


class CollectorError(KoeError):
    """A source could not be read; the message names the source and what to do."""


class FetchError(CollectorError):
    """An HTTP/API request failed for good (fatal status, or retries exhausted)."""


class MalformedResponseError(CollectorError):
    """A response arrived but is not what the source documents (not JSON, truncated, schema drift)."""


ConfigT = TypeVar("ConfigT")


class Collector(ABC, Generic[ConfigT]):
    """One configured source.

    ``per_query`` collectors (search APIs) are called once per brand query; the others
    (files, the sample generator) once per run with ``query=None``. Either way ``fetch``
    yields mentions with ``since <= created_at < until`` and a ``source_id`` that is the
    same on every run, so the pipeline's upsert makes reruns harmless.
    """

    type: ClassVar[str]
    per_query: ClassVar[bool]

    def __init__(
        self,
        config: ConfigT,
        *,
        brands: Sequence[Brand],
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.brands: tuple[Brand, ...] = tuple(brands)
        self.client = client
        self.sleep = sleep

    @property
    def name(self) -> str:
        return str(self.config.name)  # type: ignore[attr-defined]

    @abstractmethod
    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        """Yield the source's mentions created in ``[since, until)``."""

    def close(self) -> None:
        """Release network resources the collector opened itself (none by default)."""

    def __enter__(self) -> Collector[ConfigT]:
        return self

    def __exit__(
        self,
        exc_type: builtins.type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_window(self, since: datetime, until: datetime) -> None:
        for label, value in (("since", since), ("until", until)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise CollectorError(
                    f"{self.name}: {label}={value.isoformat()} has no timezone; "
                    "pass timezone-aware datetimes (UTC), e.g. the data interval bounds"
                )
        if until - since < timedelta(0):
            raise CollectorError(
                f"{self.name}: window is empty or reversed (since={since.isoformat()}, "
                f"until={until.isoformat()}); since must be before until"
            )
