"""Koe's daily pipeline: collect (per source x brand) -> load -> score -> aggregate -> detect.

Pure wiring: every task calls one function of koe.tasks. Each run covers one UTC day (its
data interval); backfill with `airflow backfill create --dag-id koe_daily ...`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable


def _connection(conn_id):
    """An Airflow connection (metadata DB or secrets backend) for koe.credentials."""
    from airflow.sdk import BaseHook

    from koe.credentials import Connection

    try:
        c = BaseHook.get_connection(conn_id)
    except Exception:  # an unknown conn_id: the credential check reports it as missing
        return None
    return Connection(c.login, c.password, c.host, c.extra_dejson)


@dag(
    dag_id="koe_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one writer at a time: DuckDB locks the file per process
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["koe"],
    doc_md=__doc__,
)
def koe_daily():
    @task
    def plan(data_interval_start=None, data_interval_end=None, dag_run=None):
        from koe import tasks

        iv = tasks.interval(data_interval_start, data_interval_end, dag_run.run_after)
        return tasks.plan(iv)

    @task(retries=3, retry_exponential_backoff=True)
    def collect(job):
        from airflow.exceptions import AirflowFailException

        from koe import tasks

        tasks.use_connections(_connection)
        try:
            return tasks.collect(job)
        except Exception as e:
            if tasks.is_permanent(e):  # refused credentials, bad config: retrying cannot help
                raise AirflowFailException(str(e)) from e
            raise

    @task(trigger_rule="all_done")
    def load(data_interval_start=None, data_interval_end=None, dag_run=None, run_id=None):
        from koe import tasks

        iv = tasks.interval(data_interval_start, data_interval_end, dag_run.run_after)
        return tasks.load(iv, run_id)

    @task
    def score(run_id=None):
        from koe import tasks

        return tasks.score(run_id)

    @task
    def aggregate(run_id=None):
        from koe import tasks

        return tasks.aggregate(run_id)

    @task
    def detect(data_interval_start=None, data_interval_end=None, dag_run=None, run_id=None):
        from koe import tasks

        iv = tasks.interval(data_interval_start, data_interval_end, dag_run.run_after)
        return tasks.detect(iv, run_id)

    collected = collect.expand(job=plan())
    collected >> load() >> score() >> aggregate() >> detect()


koe_daily()
