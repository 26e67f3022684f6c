"""Collectors: turn a source (an API, a file, Koe's sample generator) into Mention records.

A collector fetches and parses; it stores nothing, reads no environment and does not
decide which brand a mention belongs to. ``build_collector`` picks the class for a source.
"""

from __future__ import annotations

from collectors.base import Collector, CollectorError, FetchError, MalformedResponseError
from collectors.registry import COLLECTORS, build_collector

__all__ = [
    "COLLECTORS",
    "Collector",
    "CollectorError",
    "FetchError",
    "MalformedResponseError",
    "build_collector",
]
