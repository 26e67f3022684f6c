"""The project-wide error base; each package derives its own family from it."""

from __future__ import annotations


class KoeError(Exception):
    """Base of every error Koe raises on purpose; the message is meant for a user."""


class ConfigError(KoeError):
    """The configuration file is missing, malformed or inconsistent."""
