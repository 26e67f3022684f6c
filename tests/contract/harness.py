"""Running one scenario: straight through a collector, or through plan -> collect -> load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from collectors import Collector, build_collector
from contract.scenario import Scenario
from contract.server import LocalServer
from koe import pipeline
from koe.config import KoeConfig, Storage
from koe.credentials import Credentials
from koe.errors import KoeError
from koe.records import Mention
from storage import Store
from storage.db import session

PSEUDONYM_KEY = b"contract-test-key"


def collector_for(scenario: Scenario, server: LocalServer, client: httpx.Client,
                  waits: list[float] | None = None) -> Collector:  # type: ignore[type-arg]
    return build_collector(scenario.source(server.url), brands=scenario.brands, client=client,
                           sleep=(waits.append if waits is not None else lambda s: None),
                           credentials=Credentials(env=dict(scenario.credentials)))


def fetch_all(collector: Collector, scenario: Scenario, since: Any = None,  # type: ignore[type-arg]
              until: Any = None) -> list[list[Mention]]:
    """One list of mentions per brand query (or one list for per-source collectors)."""
    queries = [b.parsed_query for b in scenario.brands] if collector.per_query else [None]
    return [list(collector.fetch(q, since or scenario.since, until or scenario.until))
            for q in queries]


@dataclass
class PipelineRun:
    rows: list[tuple[Any, ...]]
    errors: list[str] = field(default_factory=list)
    cursors: dict[tuple[str, str], Any] = field(default_factory=dict)
    run_log: list[tuple[Any, ...]] = field(default_factory=list)


def config_for(scenario: Scenario, server: LocalServer, data_dir: Path) -> KoeConfig:
    return KoeConfig(storage=Storage(path=data_dir / "koe.duckdb"), brands=scenario.brands,
                     sources=(scenario.source(server.url),))


def run_pipeline(scenario: Scenario, server: LocalServer, client: httpx.Client, data_dir: Path,
                 run_id: str = "run-1") -> PipelineRun:
    """plan -> collect (every job) -> load over the scenario's window, as the DAG does."""
    config = config_for(scenario, server, data_dir)
    store = Store(config.storage.path)
    store.migrate()
    interval = pipeline.Interval(scenario.since, scenario.until)
    errors = []
    for job in pipeline.plan(config, interval, store):
        try:
            pipeline.collect(config, job, client=client, sleep=lambda s: None,
                             credentials=Credentials(env=dict(scenario.credentials)))
        except KoeError as e:
            errors.append(str(e))
    pipeline.load(config, interval, run_id, PSEUDONYM_KEY, store)
    with session(config.storage.path) as con:
        rows = con.execute(
            "SELECT source, source_id, text, title, url, language, created_at, brands, rating, "
            "likes, replies, reposts, views FROM mentions ORDER BY source, source_id"
        ).fetchall()
        log = con.execute(
            "SELECT step, source, brand, status, items, message FROM run_log "
            "WHERE run_id = ? ORDER BY step, source, brand", [run_id]).fetchall()
    return PipelineRun(rows, errors, store.cursors(), log)
