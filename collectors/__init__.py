"""Collectors: turn a source (an API, a file, Koe's sample generator) into Mention records.

A collector fetches and parses; it stores nothing, reads credentials only through the
``koe.credentials.Credentials`` it is given, and leaves brand matching to the pipeline (it may
only attribute what the configuration attributes: an app's reviews, a brand's own subreddit).
``build_collector`` picks the class for a source.
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
