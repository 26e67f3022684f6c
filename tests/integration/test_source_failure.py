"""One failing source: the others still load, the failure is recorded, a rerun fills the gap."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from koe.cli import main

REPO = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 10)


class _HN(BaseHTTPRequestHandler):
    healthy = False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not type(self).healthy:
            self.send_response(403)
            self.end_headers()
            self.wfile.write(b'{"message": "forbidden"}')
            return
        created = int(datetime(2026, 11, 10, 12, tzinfo=UTC).timestamp())
        body = {"hits": [{"objectID": "4242", "created_at_i": created,
                          "title": "Aurora Coffee raises prices again", "author": "pg",
                          "points": 3, "num_comments": 1}],
                "page": 0, "nbPages": 1, "hitsPerPage": 100}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hn_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    finally:
        server.shutdown()
        _HN.healthy = False


def test_failing_source_is_recorded_and_the_rerun_fills_the_gap(
        tmp_path: Path, hn_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    text = text.replace('path = ".koe/koe.duckdb"', f'path = "{tmp_path / "koe.duckdb"}"')
    text = text.replace("mentions_per_day = 40", "mentions_per_day = 5")
    text += f'\n[[sources]]\ntype = "hackernews"\nname = "hackernews"\nbase_url = "{hn_server}"\n'
    config = tmp_path / "koe.toml"
    config.write_text(text, encoding="utf-8")
    args = ["run", "--config", str(config), "--start", DAY.isoformat(), "--end", DAY.isoformat()]

    assert main(args) == 1  # a failed source makes the run fail, after the others loaded
    out = capsys.readouterr().out
    assert "FAILED" in out and "hackernews" in out and "403" in out

    con = duckdb.connect(str(tmp_path / "koe.duckdb"), read_only=True)
    sources = dict(con.execute("SELECT source, count(*) FROM mentions GROUP BY 1").fetchall())
    failures = con.execute("SELECT source, brand, message FROM run_log "
                           "WHERE step = 'collect' AND status = 'failed'").fetchall()
    cursors = con.execute("SELECT source FROM cursors").fetchall()
    con.close()
    assert sources.get("sample", 0) > 0 and "hackernews" not in sources
    assert {f[0] for f in failures} == {"hackernews"} and all("403" in f[2] for f in failures)
    assert ("hackernews",) not in cursors  # the cursor never moves past data not stored

    _HN.healthy = True
    assert main(args) == 0
    con = duckdb.connect(str(tmp_path / "koe.duckdb"), read_only=True)
    after = dict(con.execute("SELECT source, count(*) FROM mentions GROUP BY 1").fetchall())
    brands = con.execute("SELECT brands FROM mentions WHERE source = 'hackernews'").fetchall()
    con.close()
    assert after["sample"] == sources["sample"]  # no duplicates from the rerun
    assert after["hackernews"] == 1 and brands == [(["Aurora Coffee"],)]
