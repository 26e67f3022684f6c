"""Koe's daily pipeline: collect (per source x brand) -> load -> score -> aggregate -> detect.

Pure wiring: every task calls one function of koe.tasks. Each run covers one UTC day (its
data interval); backfill with `airflow backfill create --dag-id koe_daily ...`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable


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
        from koe import tasks

        return tasks.collect(job)

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
