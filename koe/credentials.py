"""Where credentials come from: environment variables, then Airflow connections.

Secrets never appear in ``koe.toml``, logs or the database. A source names the environment
variables that hold its credentials (``client_id_env = "KOE_REDDIT_CLIENT_ID"``) and may name
an Airflow connection (``conn_id``) whose login/password/extra hold them instead.

Airflow connections are read without importing Airflow: from ``AIRFLOW_CONN_<ID>``
environment variables (URI or JSON, as Airflow itself accepts them), or through a lookup the
DAG installs with :func:`set_connection_lookup` (Airflow's secrets backends, metadata DB).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from koe.errors import ConfigError


class CredentialError(ConfigError):
    """A source's credentials are missing; the message says which and how to provide them."""


@dataclass(frozen=True)
class Connection:
    login: str | None = None
    password: str | None = None
    host: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        if key == "login":
            return self.login
        if key == "password":
            return self.password
        if key == "host":
            return self.host
        value = self.extra.get(key)
        return None if value is None else str(value)


ConnectionLookup = Callable[[str], Connection | None]
_installed_lookup: ConnectionLookup | None = None


def set_connection_lookup(lookup: ConnectionLookup | None) -> None:
    """Install a resolver for Airflow connections (the DAG does; tests may)."""
    global _installed_lookup
    _installed_lookup = lookup


def parse_connection(value: str) -> Connection:
    """An ``AIRFLOW_CONN_*`` value: JSON (``{"login": ...}``) or a URI (``x://login:pw@host``)."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
        return Connection(data.get("login"), data.get("password"), data.get("host"),
                          {str(k): str(v) for k, v in extra.items()})
    parts = urlsplit(value)
    return Connection(
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        parts.hostname,
        dict(parse_qsl(parts.query)),
    )


class Credentials:
    """Resolves one credential: the named environment variable, else the connection's field."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 connections: ConnectionLookup | None = None) -> None:
        self._env = os.environ if env is None else env
        self._connections = connections

    def connection(self, conn_id: str) -> Connection | None:
        raw = self._env.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if raw:
            try:
                return parse_connection(raw)
            except (ValueError, TypeError) as e:
                raise CredentialError(
                    f"AIRFLOW_CONN_{conn_id.upper()} is not a connection URI or JSON ({e})"
                ) from None
        lookup = self._connections or _installed_lookup
        return lookup(conn_id) if lookup else None

    def get(self, env_name: str | None, conn_id: str | None = None,
            conn_field: str = "password") -> str | None:
        if env_name:
            value = self._env.get(env_name)
            if value and value.strip():
                return value.strip()
        if conn_id:
            conn = self.connection(conn_id)
            if conn is not None:
                value = conn.get(conn_field)
                if value and value.strip():
                    return value.strip()
        return None

    def require(self, source: str, what: str, env_name: str | None, conn_id: str | None = None,
                conn_field: str = "password", how: str = "") -> str:
        value = self.get(env_name, conn_id, conn_field)
        if value is None:
            where = f"environment variable {env_name}" if env_name else "no environment variable"
            if conn_id:
                where += f" or the {conn_field!r} field of Airflow connection {conn_id!r}"
            raise CredentialError(
                f"{source}: {what} is missing; set {where}" + (f". {how}" if how else "")
            )
        return value


def location(env_names: Sequence[str], conn_id: str | None, fields: str = "password") -> str:
    """Where a source's credentials are read from, for messages: ``"KOE_X (or the password of
    Airflow connection 'koe_x')"``."""
    where = " and ".join(env_names)
    return where + (f" (or the {fields} of Airflow connection {conn_id!r})" if conn_id else "")


ENVIRONMENT = Credentials()  # the process environment (and any installed connection lookup)
