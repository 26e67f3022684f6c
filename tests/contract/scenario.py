"""What a collector's contract and fault tests need to know about one recorded conversation.

Each service's module in ``scenarios/`` lists ``SCENARIOS``; the generic tests in this folder
run every one of them, so a new collector joins the contract by adding a module there.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from contract.server import Reply, Request, Route
from koe.config import Brand, SourceConfig

SHARED_API = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "api"


def recording(relative: str) -> bytes:
    """The bytes of a genuine recorded response in ../shared/fixtures/api, unedited."""
    path = SHARED_API / relative
    if not path.is_file():
        pytest.skip(f"genuine recording {path} not found (../shared lives beside the repository)")
    return path.read_bytes()


@dataclass(frozen=True)
class Scenario:
    """One service conversation served locally.

    ``source`` builds the source config pointing at the local server's URL; ``routes``
    builds the route table (called inside the test, so a missing recording skips).
    ``since``/``until`` is the window collected; ``narrow`` a smaller window inside it whose
    result must be exactly the items created in it. ``expired`` is what the service answers
    to a refused credential (None for sources without credentials); ``refreshable`` says
    whether the collector can renew it on its own (OAuth client credentials, sessions).
    ``fault_nth`` is which data request (0-based) the fault tests break.
    """

    id: str
    source: Callable[[str], SourceConfig]
    routes: Callable[[], list[Route]]
    brands: tuple[Brand, ...]
    since: datetime
    until: datetime
    credentials: Mapping[str, str] = field(default_factory=dict)
    expired: Reply | None = None
    refreshable: bool = False
    expect_ids: frozenset[str] | None = None
    expect_text: Mapping[str, str] = field(default_factory=dict)
    narrow: tuple[datetime, datetime] | None = None
    fault_nth: int = 1
    genuine: bool = False


def all_scenarios() -> list[Scenario]:
    from contract import scenarios

    found: list[Scenario] = []
    for module in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda m: m.name):
        found.extend(importlib.import_module(f"{scenarios.__name__}.{module.name}").SCENARIOS)
    return found


def has_auth(request: Request, header: str = "authorization") -> bool:
    return bool(request.headers.get(header))


__all__ = ["Reply", "Request", "Route", "Scenario", "all_scenarios", "has_auth", "recording"]
