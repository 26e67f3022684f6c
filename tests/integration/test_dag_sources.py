"""The daily DAG over three locally served sources, one of them failing, then a rerun."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from contract.server import LocalServer, Reply, Route, running_server

REPO = Path(__file__).resolve().parents[2]
DAY = date.today() - timedelta(days=2)
NOON = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)
TOKEN_ENV = "KOE_DAG_TEST_X_TOKEN"
# X ids are Snowflakes: this one was minted at NOON.
TWEET_ID = str((int(NOON.timestamp() * 1000) - 1288834974657) << 22)

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Coffee trade news</title><link>https://news.test/</link>
<description>trade</description>
<item><title>Aurora Coffee opens its 100th shop</title><link>https://news.test/a/1</link>
<guid>https://news.test/a/1</guid><pubDate>{NOON:%a, %d %b %Y %H:%M:%S} GMT</pubDate>
<description>&lt;p&gt;The chain celebrates with a new blend.&lt;/p&gt;</description></item>
</channel></rss>"""


def _routes(x_healthy: bool) -> list[Route]:
    hn = {"hits": [{"objectID": "777", "created_at_i": int(NOON.timestamp()),
                    "comment_text": "Aurora Coffee&#x27;s app keeps crashing", "author": "pg"}],
          "page": 0, "nbPages": 1, "hitsPerPage": 100, "nbHits": 1}
    tweets = {"data": [{"id": TWEET_ID, "text": "Aurora Coffee raised prices again &amp; again",
                        "created_at": NOON.isoformat().replace("+00:00", ".000Z"),
                        "edit_history_tweet_ids": [TWEET_ID]}],
              "meta": {"result_count": 1, "newest_id": TWEET_ID, "oldest_id": TWEET_ID}}
    x_reply = (Reply(body=tweets) if x_healthy else
               Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                           "detail": "Unauthorized"}))
    return [
        Route("GET", "/api/v1/search_by_date", Reply(body=hn)),
        Route("GET", "/feeds/trade.xml", Reply(body=RSS, content_type="application/rss+xml")),
        Route("GET", "/2/tweets/search/recent", x_reply),
    ]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    yield from running_server()


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "koe.toml"
    path.write_text(f"""
[storage]
path = "{tmp_path / 'koe.duckdb'}"

[[brands]]
name = "Aurora Coffee"
query = '"aurora coffee"'

[[sources]]
type = "hackernews"
base_url = "{url}/api/v1"

[[sources]]
type = "news"
google_news = false
feeds = ["{url}/feeds/trade.xml"]

[[sources]]
type = "x"
base_url = "{url}/2"
bearer_token_env = "{TOKEN_ENV}"
""", encoding="utf-8")
    return path


def _dags_test(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "koe_daily",
         (DAY + timedelta(days=1)).isoformat()],
        env=env, capture_output=True, text=True, timeout=600, cwd=REPO)


def _db(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(tmp_path / "koe.read.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.airflow
def test_one_failing_source_does_not_stop_the_others_and_a_rerun_fills_the_gap(
        tmp_path: Path, server: LocalServer, airflow_env: dict[str, str]) -> None:
    env = {**airflow_env, "KOE_CONFIG": str(_config(tmp_path, server.url)),
           TOKEN_ENV: "revoked-token"}
    server.serve(_routes(x_healthy=False))
    first = _dags_test(env)
    output = first.stdout[-4000:] + first.stderr[-4000:]

    stored = _db(tmp_path, "SELECT source, source_id FROM mentions ORDER BY source")
    assert stored == [("hackernews", "777"), ("news", stored[1][1])], output
    failed = _db(tmp_path, "SELECT source, message FROM run_log "
                           "WHERE step = 'collect' AND status = 'failed'")
    assert [r[0] for r in failed] == ["x"], output
    assert TOKEN_ENV in str(failed[0][1]) and "401" in str(failed[0][1])
    ok = _db(tmp_path, "SELECT source, items, seconds FROM run_log "
                       "WHERE step = 'collect' AND status = 'ok' ORDER BY source")
    assert [(r[0], r[1]) for r in ok] == [("hackernews", 1), ("news", 1)]
    assert all(r[2] >= 0 for r in ok)
    cursors = {r[0] for r in _db(tmp_path, "SELECT source FROM cursors")}
    assert cursors == {"hackernews", "news"}  # the failed source's cursor did not move

    server.serve(_routes(x_healthy=True))  # the credential was fixed
    second = _dags_test(env)
    output = second.stdout[-4000:] + second.stderr[-4000:]
    assert second.returncode == 0, output
    stored = _db(tmp_path, "SELECT source, source_id FROM mentions ORDER BY source")
    assert [r[0] for r in stored] == ["hackernews", "news", "x"], output
    assert stored[2][1] == TWEET_ID
    assert {r[0] for r in _db(tmp_path, "SELECT source FROM cursors")} == {
        "hackernews", "news", "x"}
