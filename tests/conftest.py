"""Shared test fixtures: repository paths, the shared data folder, Airflow's environment."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Airflow reads its configuration when first imported, so its environment is set before any
# test module imports it: a private AIRFLOW_HOME, SQLite metadata, this checkout's DAGs.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="koe-airflow-test-"))
os.environ.update({
    "AIRFLOW_HOME": str(_AIRFLOW_HOME),
    "AIRFLOW_CONFIG": str(REPO / "airflow.cfg"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_AIRFLOW_HOME / "logs"),
    "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
})


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"labelled data not found at {path} (it lives beside the repository)")
    return path


@pytest.fixture(scope="session")
def api_fixtures() -> Path:
    path = SHARED / "fixtures" / "api"
    if not path.is_dir():
        pytest.skip(f"recorded API responses not found at {path} (they live beside the repository)")
    return path


@pytest.fixture(scope="session")
def airflow_env() -> dict[str, str]:
    """The environment for Airflow subprocesses; the metadata database is migrated once."""
    import subprocess
    import sys

    env = dict(os.environ)
    if not (_AIRFLOW_HOME / "airflow.db").exists():
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True,
                       capture_output=True, timeout=300)
    return env
