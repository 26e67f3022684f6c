"""Each collector under each fault: the stored rows end up equal to a clean run's.

Retriable faults (429 with Retry-After, 503, a timeout, a truncated body) must be absorbed
within the run. A refused credential is renewed where the service allows it (OAuth client
credentials, sessions); otherwise the source fails with a message naming the source and the
fix, its cursor stays put, and the rerun after the fix fills the gap without duplicates.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from contract.harness import run_pipeline
from contract.scenario import Scenario, all_scenarios
from contract.server import FAULTS, LocalServer

CASES = [pytest.param(s, f, id=f"{s.id}-{f}") for s in all_scenarios() for f in FAULTS]


@pytest.mark.parametrize(("scenario", "fault"), CASES)
def test_fault_then_rows_equal_a_clean_run(scenario: Scenario, fault: str, server: LocalServer,
                                           client: httpx.Client, tmp_path: Path) -> None:
    if fault == "expired" and scenario.expired is None:
        pytest.skip(f"{scenario.id} needs no credentials")
    server.serve(scenario.routes())
    clean = run_pipeline(scenario, server, client, tmp_path / "clean")
    assert not clean.errors, clean.errors
    assert clean.rows, "the clean run stored nothing; the scenario's brands match no item"

    server.serve(scenario.routes())
    server.inject(fault, scenario.fault_nth, scenario.expired)
    faulted = run_pipeline(scenario, server, client, tmp_path / "faulted")
    assert server.applied == [fault], "the fault never hit a request; lower fault_nth"

    if fault == "expired" and not scenario.refreshable:
        assert faulted.errors, "a refused credential must fail the source"
        message = faulted.errors[0]
        assert scenario.source(server.url).name in message
        assert any(k in message for k in scenario.credentials), message  # names the fix
        failed = [r for r in faulted.run_log if r[0] == "collect" and r[3] == "failed"]
        assert failed and failed[0][5], "the run log records the failure and its reason"
        assert not faulted.cursors, "a failed source's cursor must not move"
        for secret in scenario.credentials.values():  # never in messages or the run log
            assert secret not in message and secret not in str(faulted.run_log)
        faulted = run_pipeline(scenario, server, client, tmp_path / "faulted", run_id="run-2")
    assert not faulted.errors, faulted.errors
    assert faulted.rows == clean.rows
    keys = [(r[0], r[1]) for r in faulted.rows]
    assert len(keys) == len(set(keys))
