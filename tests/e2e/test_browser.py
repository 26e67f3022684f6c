"""The served dashboard in a real browser: charts and word clouds must actually render.

Serves ``app/streamlit_app.py`` with ``streamlit run`` on 127.0.0.1 (a free port, headless)
over a freshly built database, and drives Debian's chromium through playwright.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_db import UNSAFE_TEXT, build_dashboard_db

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
STARTUP_SECONDS = 60
RENDER_MS = 30_000

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install -y chromium",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="browser tests need `pip install playwright`")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit not healthy after {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_dashboard_db(tmp_path_factory.mktemp("e2e-db"))
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    env = dict(os.environ, KOE_CONFIG=str(db.config_path))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app" / "streamlit_app.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=BROWSER_ARGS, headless=True,
            viewport={"width": 1500, "height": 2200})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    tab = browser.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    yield tab
    tab.close()


def _screenshot(tab: object, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
                name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    tab.screenshot(path=str(shot), full_page=True)  # type: ignore[attr-defined]
    keep = tmp_path_factory.getbasetemp() / "screenshots"
    keep.mkdir(exist_ok=True)
    shutil.copy(shot, keep / shot.name)
    print(f"screenshot: {keep / shot.name}")
    return shot


def _open(tab: object, url: str) -> None:
    tab.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    tab.wait_for_selector("[data-testid=stApp]", timeout=RENDER_MS)  # type: ignore[attr-defined]
    tab.wait_for_selector("h1", timeout=RENDER_MS)  # type: ignore[attr-defined]


def _settle(tab: object) -> None:
    """Web fonts loaded and one frame painted, so the screenshot shows the final glyphs."""
    tab.evaluate(  # type: ignore[attr-defined]
        "document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")


def _no_exception(tab: object) -> None:
    assert tab.locator("[data-testid=stException]").count() == 0  # type: ignore[attr-defined]


def _wait_plots(tab: object, n: int) -> None:
    # Each plot renders several .main-svg layers, so count plots that have one, not layers.
    tab.wait_for_function(  # type: ignore[attr-defined]
        "n => [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(p => p.querySelector('.main-svg') && p.getBoundingClientRect().height > 50)"
        ".length >= n", arg=n, timeout=RENDER_MS)


def test_overview_renders_meters_series_and_alerts(
        served: str, page: object, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    _open(page, served)
    _wait_plots(page, 4)  # three sentiment meters and the daily series
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=RENDER_MS)
    _settle(page)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 4
    gauges = page.locator(".js-plotly-plot .indicatorlayer .trace")
    assert gauges.count() == 3
    titles = " ".join(page.locator(".js-plotly-plot").nth(i).text_content() for i in range(3))
    for brand in ("Acme", "Globex", "Initech"):
        assert brand in titles
    assert "pts vs previous" in titles
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 6
    assert "hackernews" in page.locator("[data-testid=stSidebar]").inner_text()
    _no_exception(page)
    shot = _screenshot(page, tmp_path, tmp_path_factory, "overview")
    assert shot.stat().st_size > 20_000


def test_word_clouds_render_as_images(served: str, page: object, tmp_path: Path,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    _open(page, f"{served}/word_clouds")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length >= 2", timeout=RENDER_MS)
    widths = page.eval_on_selector_all("[data-testid=stImage] img",
                                       "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(w > 0 for w in widths)
    _no_exception(page)
    _settle(page)
    _screenshot(page, tmp_path, tmp_path_factory, "word_clouds")


@pytest.mark.parametrize(("path", "plots"), [("competitors", 3), ("topics", 2), ("ratings", 3)])
def test_chart_pages_render(served: str, page: object, path: str, plots: int) -> None:
    _open(page, f"{served}/{path}")
    _wait_plots(page, plots)
    assert page.locator(".js-plotly-plot").count() == plots
    _no_exception(page)


def test_mentions_show_untrusted_text_inertly(served: str, page: object, tmp_path: Path,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    _open(page, f"{served}/mentions")
    # The grid's accessible cells carry the text: wait until the planted row is there...
    cell = page.locator("[data-testid=stDataFrame] [role=gridcell]",
                        has_text="onerror").first
    cell.wait_for(state="attached", timeout=RENDER_MS)
    assert cell.text_content() == UNSAFE_TEXT
    # ...as text: the <img onerror=alert(1)> never became an element and never ran.
    assert page.locator("img[src='x']").count() == 0
    assert page.dialogs == []
    _no_exception(page)
    _screenshot(page, tmp_path, tmp_path_factory, "mentions")


def test_pipeline_page_renders(served: str, page: object) -> None:
    _open(page, f"{served}/pipeline")
    # Streamlit renders elements one by one: wait for the second table, not just the first.
    page.locator("[data-testid=stDataFrame]").nth(1).wait_for(timeout=RENDER_MS)
    assert page.locator("[data-testid=stDataFrame]").count() == 2
    _no_exception(page)
