#!/usr/bin/env bash
# The embedded default, live: Airflow (api-server, scheduler, dag-processor on 127.0.0.1),
# a 30-day backfill of the daily DAG on the sample source, and the dashboard. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/airflow-env.sh
export PATH="$KOE_ROOT/.venv/bin:$PATH"
AIRFLOW_PORT=${KOE_AIRFLOW_PORT:-8080}
DASHBOARD_PORT=${KOE_DASHBOARD_PORT:-8501}
DAYS=${KOE_DEMO_DAYS:-30}
logs="$KOE_ROOT/.koe/demo-logs"; mkdir -p "$logs"

pids=()
cleanup() {
  trap - INT TERM EXIT
  # Stop the services before printing anything: if stdout is a pipe that Ctrl-C already
  # closed (make demo | tee ...), an echo would kill this script before the kills ran.
  trap '' PIPE
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo: stopped Airflow and the dashboard" 2>/dev/null || true
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

start() {  # start NAME CMD...: own process group, so Ctrl-C stops its children too
  local name=$1; shift
  setsid "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
}

wait_for() {  # wait_for URL SECONDS NAME
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "demo: $3 did not start; see $logs" >&2; exit 1; fi
    sleep 1
  done
}

koe config check --config "$KOE_CONFIG"
airflow db migrate >"$logs/db-migrate.log" 2>&1
start api-server airflow api-server --host 127.0.0.1 --port "$AIRFLOW_PORT"
start scheduler airflow scheduler --skip-serve-logs
start dag-processor airflow dag-processor
start dashboard streamlit run app/streamlit_app.py --server.address 127.0.0.1 \
  --server.port "$DASHBOARD_PORT" --server.headless true --browser.gatherUsageStats false
wait_for "http://127.0.0.1:$AIRFLOW_PORT/api/v2/monitor/health" 120 "Airflow api-server"
wait_for "http://127.0.0.1:$DASHBOARD_PORT/_stcore/health" 60 "the dashboard"

deadline=$((SECONDS + 120))
until airflow dags list -o plain 2>/dev/null | grep -q koe_daily; do
  [ $SECONDS -lt $deadline ] || { echo "demo: the dag-processor did not load dags/koe_daily.py" >&2; exit 1; }
  sleep 2
done
from=$(date -u -d "$DAYS days ago" +%Y-%m-%d); to=$(date -u -d "1 day ago" +%Y-%m-%d)
# SQLite metadata allows one writer: retry if the scheduler holds the lock at that moment.
for attempt in 1 2 3 4 5; do
  if airflow backfill create --dag-id koe_daily --from-date "$from" --to-date "$to" \
      --max-active-runs 1 --reprocess-behavior failed >"$logs/backfill.log" 2>&1; then
    break
  fi
  # A demo stopped mid-backfill left it running: the scheduler simply carries on with it.
  if grep -q AlreadyRunningBackfill "$logs/backfill.log"; then
    echo "demo: resuming the backfill started by an earlier demo"
    break
  fi
  [ "$attempt" -lt 5 ] || { echo "demo: could not create the backfill; see $logs/backfill.log" >&2; exit 1; }
  sleep 3
done
airflow dags unpause koe_daily >/dev/null

cat <<MSG

Koe is running (Ctrl-C stops everything):
  Dashboard:   http://127.0.0.1:$DASHBOARD_PORT
  Airflow UI:  http://127.0.0.1:$AIRFLOW_PORT   (backfilling koe_daily $from .. $to)
Logs: $logs
MSG
wait -n "${pids[@]}" || true
echo "demo: a service exited; see $logs" >&2
