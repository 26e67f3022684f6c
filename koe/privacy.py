"""Author pseudonymisation: a keyed hash, so names never reach the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def pseudonymise(author: str | None, key: bytes) -> str | None:
    if not author:
        return None
    digest = hmac.new(key, author.strip().casefold().encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:20]


def resolve_key(env_value: str | None, data_dir: Path) -> bytes:
    """The key from the environment, else one generated once and kept beside the data.

    Called at the edge (CLI, DAG); the file is created private (0600) and never logged.
    """
    if env_value:
        return env_value.encode("utf-8")
    path = data_dir / "pseudonym.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
