from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contract.server import LocalServer, running_server

CLIENT_TIMEOUT = 0.75  # below server.TIMEOUT_DELAY, so the timeout fault really times out


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    yield from running_server()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=CLIENT_TIMEOUT) as c:
        yield c
