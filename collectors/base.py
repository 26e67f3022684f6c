"""The collector interface and the collectors' error family."""

from __future__ import annotations

import builtins
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

import httpx

from koe.credentials import ENVIRONMENT, Credentials
from koe.errors import KoeError

if TYPE_CHECKING:
    from koe.config import Brand
    from koe.query import Query
    from koe.records import Mention


class CollectorError(KoeError):
    """A source could not be read; the message names the source and what to do."""


class FetchError(CollectorError):
    """An HTTP/API request failed for good (fatal status, or retries exhausted).

    ``status`` is the HTTP status of the refusing response, when there was one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class MalformedResponseError(CollectorError):
    """A response arrived but is not what the source documents (not JSON, truncated, schema drift)."""


class CredentialRejectedError(FetchError):
    """The service refused the configured credentials (expired, revoked or wrong)."""


logger = logging.getLogger(__name__)

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
    #: How far back the service lets anyone read (None: as far as the data goes). A window
    #: starting earlier is collected as far as possible and the run log says what was missed.
    history: ClassVar[timedelta | None] = None

    def __init__(
        self,
        config: ConfigT,
        *,
        brands: Sequence[Brand],
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        credentials: Credentials = ENVIRONMENT,
    ) -> None:
        self.config = config
        self.brands: tuple[Brand, ...] = tuple(brands)
        self.client = client
        self.sleep = sleep
        self.credentials = credentials
        #: Notes for the run log: what this run could not collect and why (limits, history).
        self.notes: list[str] = []
        self.setup()

    def setup(self) -> None:
        """Build what the collector needs from ``self.config``, ``self.client``, ``self.sleep``
        and ``self.credentials`` (HTTP clients, rate limiters); called once by ``__init__``."""

    def note(self, note: str) -> None:
        """Tell the run log (and the log) what this run could not collect and why; once each."""
        logger.warning("%s", note)
        if note not in self.notes:
            self.notes.append(note)

    @property
    def name(self) -> str:
        return str(self.config.name)  # type: ignore[attr-defined]

    @abstractmethod
    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        """Yield the source's mentions created in ``[since, until)``."""

    def check(self) -> str:
        """Offline check: config usable and credentials present. Returns what will be collected.

        Raises :class:`CollectorError` (or ``CredentialError``) saying what to fix.
        """
        return self.describe()

    def describe(self) -> str:
        return self.type

    def probe(self) -> str:
        """Online check: one cheap request proving the service answers and takes our credentials."""
        until = datetime.now(UTC)
        query = self.brands[0].parsed_query if self.per_query and self.brands else None
        for _ in self.fetch(query, until - timedelta(hours=1), until):
            break
        return "answered"

    def history_note(self, since: datetime, now: datetime) -> str | None:
        """A warning when ``since`` is further back than the service keeps, else None."""
        if self.history is None or since >= now - self.history:
            return None
        note = (f"{self.name}: the service only serves the last {self.history.days} days; "
                f"mentions from {since:%Y-%m-%d} to {now - self.history:%Y-%m-%d} cannot be "
                "collected (backfill is partial)")
        self.note(note)
        return note

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
