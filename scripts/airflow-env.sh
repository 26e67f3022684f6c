# Source me: Airflow environment for this checkout (metadata DB, logs and secret under .koe/).
KOE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KOE_ROOT
export AIRFLOW_HOME="$KOE_ROOT/.koe/airflow"
export AIRFLOW_CONFIG="$KOE_ROOT/airflow.cfg"
export AIRFLOW__CORE__DAGS_FOLDER="$KOE_ROOT/dags"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$AIRFLOW_HOME/airflow.db"
export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$AIRFLOW_HOME/logs"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:${KOE_AIRFLOW_PORT:-8080}/execution/"
export AIRFLOW__API__PORT="${KOE_AIRFLOW_PORT:-8080}"
export KOE_CONFIG="${KOE_CONFIG:-$KOE_ROOT/koe.toml}"
mkdir -p "$AIRFLOW_HOME"
# Every Airflow process must share one JWT secret, or tasks fail with "Invalid auth token".
if [ ! -s "$AIRFLOW_HOME/jwt_secret" ]; then
  (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$AIRFLOW_HOME/jwt_secret")
fi
AIRFLOW__API_AUTH__JWT_SECRET="$(cat "$AIRFLOW_HOME/jwt_secret")"
export AIRFLOW__API_AUTH__JWT_SECRET
