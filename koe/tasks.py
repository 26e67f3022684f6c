"""Adapters between Airflow's task context and the pipeline steps.

Airflow hands tasks datetimes (possibly pendulum) and wants JSON-able results back; these
functions convert at that boundary so the DAG file stays pure wiring. They import no Airflow.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from koe import pipeline
from koe.config import KoeConfig, load_config
from koe.credentials import ConnectionLookup, set_connection_lookup
from koe.errors import ConfigError
from koe.privacy import resolve_key

CONFIG_ENV = "KOE_CONFIG"


def config_path() -> Path:
    """The config the DAG uses: $KOE_CONFIG, else koe.toml at the repository root."""
    return Path(os.environ.get(CONFIG_ENV) or Path(__file__).resolve().parents[1] / "koe.toml")


def _config() -> KoeConfig:
    return load_config(config_path())


def interval(start: datetime | None, end: datetime | None,
             run_after: datetime | None = None) -> pipeline.Interval:
    """The data interval, or for a run without one, the UTC day before ``run_after``."""
    if start is not None and end is not None and end > start:
        return pipeline.Interval(_utc(start), _utc(end))
    anchor = _utc(run_after or datetime.now(UTC)).date()
    return pipeline.Interval.days(anchor - timedelta(days=1), anchor - timedelta(days=1))


def _utc(value: datetime) -> datetime:
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def plan(iv: pipeline.Interval) -> list[dict[str, str]]:
    return [job.to_dict() for job in pipeline.plan(_config(), iv)]


def use_connections(lookup: ConnectionLookup) -> None:
    """Let sources name Airflow connections (``conn_id``) for their credentials."""
    set_connection_lookup(lookup)


def collect(job: dict[str, str]) -> dict[str, object]:
    manifest = pipeline.collect(_config(), pipeline.CollectJob(**job))
    return {"source": manifest.source, "brand": manifest.brand, "items": manifest.items,
            "seconds": round(manifest.seconds, 2), "notes": manifest.notes}


def is_permanent(error: BaseException) -> bool:
    """Failures a retry in a few minutes cannot fix: config, credentials, a changed API.

    Exhausted retries against a service that is down (FetchError) are worth retrying later.
    """
    from collectors.base import CollectorError, CredentialRejectedError, FetchError

    if isinstance(error, CredentialRejectedError | ConfigError):
        return True
    return isinstance(error, CollectorError) and not isinstance(error, FetchError)


def load(iv: pipeline.Interval, run_id: str) -> dict[str, object]:
    config = _config()
    key = resolve_key(os.environ.get(config.pseudonym_key_env), config.storage.path.parent)
    report = pipeline.load(config, iv, run_id, key)
    return {"items": report.items, **report.detail}


def score(run_id: str) -> dict[str, object]:
    report = pipeline.score(_config(), run_id)
    return {"items": report.items, **report.detail}


def aggregate(run_id: str) -> dict[str, object]:
    return {"rows": pipeline.aggregate(_config(), run_id).items}


def detect(iv: pipeline.Interval, run_id: str) -> list[str]:
    return [a.alert_id for a in pipeline.detect(_config(), iv, run_id)]
