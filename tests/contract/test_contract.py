"""The contract every network collector keeps, run over each service's recorded conversations.

Served on 127.0.0.1 by a real HTTP server and read through a real httpx client: the genuine
recordings in ../shared/fixtures/api exactly as recorded, and hand-written pages for what
they lack (Japanese, optional fields absent, HTML and entities, empty last pages).
"""

from __future__ import annotations

import re
from datetime import UTC

import httpx
import pytest

from contract.harness import collector_for, fetch_all
from contract.scenario import Scenario, all_scenarios
from contract.server import LocalServer

SCENARIOS = all_scenarios()
HTML_LEFT = re.compile(r"<(?:a|p|br|i|b|em|strong|span|div)[\s/>]|&(?:amp|lt|gt|quot|#x?[0-9a-fA-F]+);")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_contract(scenario: Scenario, server: LocalServer, client: httpx.Client) -> None:
    routes = scenario.routes()
    server.serve(routes)
    with collector_for(scenario, server, client) as collector:
        assert collector.type == scenario.source(server.url).type
        first = fetch_all(collector, scenario)
        data_first = [(r.method, r.path, r.params) for r in server.data_requests]
        again = fetch_all(collector, scenario)

    assert not server.unmatched, f"requests no route answers: {server.unmatched[:3]}"
    missed = [f"{r.method} {r.path} {dict(r.params)}" for r in routes
              if not r.hits and not r.optional]
    assert not missed, f"pages never requested (paging stopped early): {missed}"
    # A rerun asks for the same pages (a token or session may be reused, so auth requests
    # are not compared).
    data_again = [(r.method, r.path, r.params) for r in server.data_requests][len(data_first):]
    assert data_again == data_first, "a rerun made different requests"

    mentions = [m for per_query in first for m in per_query]
    assert mentions, "a contract scenario must yield mentions"
    assert [[m.source_id for m in q] for q in first] == [[m.source_id for m in q] for q in again]
    for per_query in first:
        ids = [m.source_id for m in per_query]
        assert len(ids) == len(set(ids)), "a query yielded the same item twice"
    for m in mentions:
        assert m.source == collector.name
        assert isinstance(m.source_id, str) and m.source_id.strip()
        assert m.text.strip(), f"{m.source_id} has no text"
        assert not HTML_LEFT.search(m.text), f"{m.source_id}: markup left in {m.text[:120]!r}"
        assert m.created_at.tzinfo == UTC
        assert scenario.since <= m.created_at < scenario.until, m.created_at
        assert m.url is None or m.url.startswith(("http://", "https://"))
    if scenario.expect_ids is not None:
        assert {m.source_id for m in mentions} == scenario.expect_ids
    texts = {m.source_id: f"{m.title or ''}\n{m.text}" for m in mentions}
    for source_id, fragment in scenario.expect_text.items():
        assert fragment in texts[source_id], f"{source_id}: {fragment!r} not in {texts[source_id]!r}"


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.narrow], ids=lambda s: s.id)
def test_window_is_honoured(scenario: Scenario, server: LocalServer,
                            client: httpx.Client) -> None:
    assert scenario.narrow is not None
    since, until = scenario.narrow
    server.serve(scenario.routes())
    with collector_for(scenario, server, client) as collector:
        full = [m for q in fetch_all(collector, scenario) for m in q]
        narrow = [m for q in fetch_all(collector, scenario, since, until) for m in q]
    inside = {m.source_id for m in full if since <= m.created_at < until}
    assert inside and len(inside) < len({m.source_id for m in full}), "pick a narrower window"
    assert {m.source_id for m in narrow} == inside
