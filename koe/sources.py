"""``koe sources check``: is each configured source ready to collect?"""

from __future__ import annotations

from dataclasses import dataclass

from koe.config import KoeConfig
from koe.credentials import ENVIRONMENT, Credentials


@dataclass(frozen=True, slots=True)
class SourceCheck:
    source: str
    type: str
    status: str  # "ok" | "failed"
    detail: str


def check_sources(config: KoeConfig, *, online: bool = False,
                  credentials: Credentials = ENVIRONMENT) -> list[SourceCheck]:
    """Check every source; a failure becomes a row with its reason, never an exception."""
    from collectors.registry import build_collector

    results = []
    for source in config.sources:
        try:
            with build_collector(source, brands=config.brands,
                                 credentials=credentials) as collector:
                detail = collector.check()
                if online:
                    detail = f"{detail}; online: {collector.probe()}"
            results.append(SourceCheck(source.name, source.type, "ok", detail))
        except Exception as e:  # noqa: BLE001 - the table reports every failure, whatever it is
            message = str(e) if str(e) else type(e).__name__
            prefix = f"{source.name}: "
            results.append(SourceCheck(source.name, source.type, "failed",
                                       message.removeprefix(prefix)))
    return results
