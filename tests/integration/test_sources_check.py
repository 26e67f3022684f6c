"""`koe sources check`: a row per source, offline, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from koe.cli import main
from koe.config import load_config

REPO = Path(__file__).resolve().parents[2]


def _rows(out: str) -> dict[str, tuple[str, str, str]]:
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["source", "type", "status"]
    rows = {}
    for line in lines[1:-1]:
        name, type_, status, detail = line.split(maxsplit=3)
        rows[name] = (type_, status, detail)
    return rows


def test_sample_config_checks_offline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "check", "--config", str(REPO / "koe.toml")]) == 0
    out = capsys.readouterr()
    config = load_config(REPO / "koe.toml")
    rows = _rows(out.out)
    assert set(rows) == {s.name for s in config.sources}
    assert all(status == "ok" for _, status, _ in rows.values())
    assert "Traceback" not in out.out + out.err


def test_every_source_type_gets_a_row_with_the_fix(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("KOE_REDDIT_CLIENT_ID", "KOE_REDDIT_CLIENT_SECRET", "KOE_MASTODON_TOKEN",
                "KOE_BLUESKY_HANDLE", "KOE_BLUESKY_APP_PASSWORD", "KOE_YOUTUBE_API_KEY",
                "KOE_X_BEARER_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KOE_X_BEARER_TOKEN", "present")  # one credentialed source is ready
    assert main(["sources", "check", "--config", str(REPO / "koe.example.toml")]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    rows = _rows(out.out)
    config = load_config(REPO / "koe.example.toml")
    assert {s.type for s in config.sources} >= {"hackernews", "news", "appstore", "googleplay",
                                                 "file", "reddit", "mastodon", "bluesky",
                                                 "youtube", "x"}
    assert set(rows) == {s.name for s in config.sources}
    assert rows["x"][1] == "ok"
    assert rows["hackernews"][1] == rows["news"][1] == rows["appstore-aurora"][1] == "ok"
    assert rows["reddit"][1] == "failed" and "KOE_REDDIT_CLIENT_ID" in rows["reddit"][2]
    assert rows["bluesky"][1] == "failed" and "KOE_BLUESKY_HANDLE" in rows["bluesky"][2]
    assert rows["youtube"][1] == "failed" and "KOE_YOUTUBE_API_KEY" in rows["youtube"][2]
    assert rows["survey-2026q4"][1] == "failed" and "not found" in rows["survey-2026q4"][2]
    assert out.out.strip().splitlines()[-1].startswith(f"{len(rows) - 4} ok, 4 failed")


def test_online_check_sends_one_cheap_request_each(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from contract.server import Reply, Route, running_server

    monkeypatch.setenv("KOE_CHECK_X_TOKEN", "tok-9f8e7d")
    for server in running_server():
        server.serve([
            Route("GET", "/api/v1/search_by_date",
                  Reply(body={"hits": [], "page": 0, "nbPages": 0, "nbHits": 0})),
            Route("GET", "/2/tweets/search/recent",
                  Reply(401, {"title": "Unauthorized", "status": 401})),
        ])
        config = tmp_path / "koe.toml"
        config.write_text(f"""
[[brands]]
name = "Aurora Coffee"
query = '"aurora coffee"'

[[sources]]
type = "hackernews"
base_url = "{server.url}/api/v1"

[[sources]]
type = "x"
base_url = "{server.url}/2"
bearer_token_env = "KOE_CHECK_X_TOKEN"
""", encoding="utf-8")
        assert main(["sources", "check", "--online", "--config", str(config)]) == 1
        out = capsys.readouterr()
        assert len(server.requests) == 2 and not server.unmatched
    rows = _rows(out.out)
    assert rows["hackernews"][1] == "ok" and "online: Algolia answered" in rows["hackernews"][2]
    assert rows["x"][1] == "failed"
    assert "401" in rows["x"][2] and "KOE_CHECK_X_TOKEN" in rows["x"][2]
    assert "tok-9f8e7d" not in out.out + out.err and "Traceback" not in out.out + out.err
