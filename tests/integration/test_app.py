"""The dashboard under Streamlit's AppTest, on every page, against a real published snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from dashboard_db import LAST_DAY, MODEL_ID, SPIKE_DAY, UNSAFE_TEXT, DashboardDB, build_dashboard_db
from streamlit.testing.v1 import AppTest

from storage.store import AlertRow, Store

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
PAGES = ["overview", "competitors", "topics", "word_clouds", "mentions", "ratings", "pipeline"]
TITLES = {"overview": "Overview", "competitors": "Competitors", "topics": "Topics",
          "word_clouds": "Word clouds", "mentions": "Mentions",
          "ratings": "Ratings, NPS & CSAT", "pipeline": "Pipeline"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> DashboardDB:
    return build_dashboard_db(tmp_path_factory.mktemp("app"))


@pytest.fixture
def app(db: DashboardDB, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("KOE_CONFIG", str(db.config_path))
    return AppTest.from_file(APP, default_timeout=60)


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def markdown_texts(at: AppTest) -> list[str]:
    blocks = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]
    return [str(b.value) for b in blocks]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exceptions(app: AppTest, page: str) -> None:
    at = open_page(app, page)
    assert [t.value for t in at.title] == [TITLES[page]]
    # Mention text is never passed to markdown (where HTML or links could be interpreted).
    for text in markdown_texts(at):
        assert "onerror" not in text and "javascript:" not in text


def test_sidebar_shows_freshness_and_failed_sources(app: AppTest) -> None:
    at = open_page(app, "overview")
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert f"Data through **{LAST_DAY:%Y-%m-%d}**" in captions
    assert "Last pipeline run" in captions
    (warning,) = at.sidebar.warning
    assert "hackernews" in warning.value and "429" in warning.value
    assert "sample" not in warning.value
    (limited,) = at.sidebar.info
    assert "reviews" in limited.value and "latest 500 reviews" in limited.value
    assert "hackernews" not in limited.value
    assert at.selectbox(key="period").value == "Last 7 days"
    assert at.multiselect(key="brands").value == ["Acme", "Globex", "Initech"]


def test_overview_meters_series_and_alerts(app: AppTest) -> None:
    at = open_page(app, "overview")
    specs = plotly_specs(at)
    gauges = [s["data"][0] for s in specs if s["data"][0]["type"] == "indicator"]
    assert [g["title"]["text"].split("</b>")[0].removeprefix("<b>") for g in gauges] == [
        "Acme", "Globex", "Initech"]
    for gauge in gauges:
        assert -100 <= gauge["value"] <= 100
        assert "delta" in gauge["mode"]  # the 7 days before are in the data
    acme = gauges[0]
    assert acme["value"] < gauges[1]["value"]  # the spike drags Acme below Globex
    series = [s for s in specs if s["data"][0]["type"] == "scatter"]
    assert len(series) == 1 and len(series[0]["data"]) == 6  # volume + sentiment per brand
    assert len(series[0]["data"][0]["x"]) == 7  # one point per day of the period
    (alerts,) = at.dataframe
    table = alerts.value
    assert table["Brand"].tolist() == ["Acme"]  # the old model's alert is not shown
    assert str(table.loc[0, "Day"]) == f"{SPIKE_DAY}"
    assert "配送遅延" in table.loc[0, "Top terms"]


def test_brand_filter_limits_meters_and_series(app: AppTest) -> None:
    at = open_page(app, "overview")
    at.multiselect(key="brands").set_value(["Globex"]).run()
    assert not at.exception
    specs = plotly_specs(at)
    gauges = [s for s in specs if s["data"][0]["type"] == "indicator"]
    assert len(gauges) == 1 and "Globex" in gauges[0]["data"][0]["title"]["text"]
    assert at.main.info == [] and at.success[0].value.startswith("No negative spikes")


def test_period_filter_changes_the_series(app: AppTest) -> None:
    at = open_page(app, "overview")
    at.selectbox(key="period").set_value("Last 90 days").run()
    series = [s for s in plotly_specs(at) if s["data"][0]["type"] == "scatter"][0]
    # 90 days asked, but the period starts where the data does: 20 days.
    assert len(series["data"][0]["x"]) == 20
    at.selectbox(key="period").set_value("Custom range").run()
    at.date_input(key="custom_range").set_value(
        (SPIKE_DAY - timedelta(days=1), SPIKE_DAY)).run()
    assert not at.exception
    series = [s for s in plotly_specs(at) if s["data"][0]["type"] == "scatter"][0]
    assert len(series["data"][0]["x"]) == 2


def test_competitors_share_of_voice(app: AppTest) -> None:
    at = open_page(app, "competitors")
    specs = plotly_specs(at)
    pie = next(s["data"][0] for s in specs if s["data"][0]["type"] == "pie")
    assert pie["labels"] == ["Acme", "Globex", "Initech"]
    table = at.dataframe[0].value.set_index("brand")
    assert table["share"].sum() == pytest.approx(100.0)
    assert table.loc["Acme", "role"] == "ours" and table.loc["Globex", "role"] == "competitor"
    assert table.loc["Acme", "mentions"] > table.loc["Globex", "mentions"] > table.loc[
        "Initech", "mentions"]
    at.multiselect(key="brands").set_value(["Initech"]).run()
    pie = next(s["data"][0] for s in plotly_specs(at) if s["data"][0]["type"] == "pie")
    assert pie["labels"] == ["Initech", "Other tracked brands"]


def test_topics_page(app: AppTest) -> None:
    at = open_page(app, "topics")
    assert len(plotly_specs(at)) == 2
    table = at.dataframe[0].value
    acme = table[(table["brand"] == "Acme")].set_index("topic")
    assert acme.loc["delivery", "net_sentiment"] == pytest.approx(-100.0)
    at.multiselect(key="sources").set_value(["survey"]).run()
    assert not at.exception
    assert at.dataframe[0].value["mentions"].sum() < table["mentions"].sum()


def test_word_clouds_page_draws_both_clouds(app: AppTest) -> None:
    at = open_page(app, "word_clouds")
    if at.error:
        pytest.skip(at.error[0].value)  # no CJK font on this machine
    images = at.image
    assert len(images) == 2
    captions = [c for img in images for c in img.captions]
    assert any("positive" in c for c in captions) and any("negative" in c for c in captions)
    at.selectbox(key="cloud_brand").set_value("Initech").run()
    assert not at.exception and len(at.image) == 2


def test_mentions_table_shows_text_as_data_with_links(app: AppTest, db: DashboardDB) -> None:
    at = open_page(app, "mentions")
    (frame,) = at.dataframe
    table = frame.value
    assert UNSAFE_TEXT in table["Text"].tolist()
    columns = json.loads(frame.proto.columns)
    assert columns["Link"]["type_config"]["type"] == "link"
    at.text_input(key="mention_search").set_value("onerror").run()
    assert at.dataframe[0].value["Text"].tolist() == [UNSAFE_TEXT]
    at.text_input(key="mention_search").set_value("").run()
    at.multiselect(key="mention_labels").set_value(["negative"]).run()
    assert set(at.dataframe[0].value["Label"]) == {"negative"}
    at.multiselect(key="mention_topics").set_value(["delivery"]).run()
    assert all("delivery" in t for t in at.dataframe[0].value["Topics"])
    assert len(at.get("download_button")) == 1
    at.date_input[0].set_value((SPIKE_DAY, SPIKE_DAY)).run()
    created = at.dataframe[0].value["Created"]
    assert len(created) > 30 and {c.date() for c in created} == {SPIKE_DAY}


def test_ratings_page(app: AppTest) -> None:
    at = open_page(app, "ratings")
    labels = [m.label for m in at.metric]
    assert labels.count("Star rating") == 3 and labels.count("NPS") == 3
    assert len(plotly_specs(at)) == 3
    at.multiselect(key="sources").set_value(["sample"]).run()
    assert not at.exception
    assert "No star ratings" in at.info[0].value


def test_pipeline_page(app: AppTest) -> None:
    at = open_page(app, "pipeline")
    health, log = at.dataframe
    assert health.value.set_index("source").loc["hackernews", "status"] == "failed"
    assert len(log.value) == 10
    assert [m.label for m in at.metric][-1] == "Failed steps" and at.metric[-1].value == "1"


def test_new_publish_is_visible_on_the_next_run(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = build_dashboard_db(tmp_path)
    monkeypatch.setenv("KOE_CONFIG", str(fresh.config_path))
    at = open_page(AppTest.from_file(APP, default_timeout=60), "overview")
    assert len(at.dataframe[0].value) == 1
    start = datetime.combine(LAST_DAY, time.min, tzinfo=UTC)
    store = Store(fresh.db_path)
    store.insert_alert(AlertRow(
        alert_id="globex-new", brand="Globex", window_start=start,
        window_end=start + timedelta(days=1), model_id=MODEL_ID, severity="medium",
        negative_count=9, mentions=12, baseline=2.0, baseline_std=1.0, z_score=7.0,
        reason="new", top_terms=("refund",), topics=("billing",), sample_ids=()))
    store.publish()
    at.run()
    assert at.dataframe[0].value["Brand"].tolist() == ["Globex", "Acme"]  # most recent first


@pytest.mark.parametrize("page", PAGES)
def test_no_snapshot_yet_is_a_friendly_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               page: str) -> None:
    built = build_dashboard_db(tmp_path) if page == "overview" else None
    config = tmp_path / "koe.toml"
    if built is None:
        from dashboard_db import config_toml
        config.write_text(config_toml(tmp_path / "koe.duckdb"), encoding="utf-8")
    else:
        built.db_path.with_name("koe.read.duckdb").unlink()
    monkeypatch.setenv("KOE_CONFIG", str(config))
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    (info,) = at.info
    assert "koe run --days 30" in info.value
    assert not at.get("plotly_chart") and not at.dataframe


def test_broken_config_is_an_error_message_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "koe.toml"
    config.write_text("[[brands]]\nname = 'Acme'\n", encoding="utf-8")
    monkeypatch.setenv("KOE_CONFIG", str(config))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error and "KOE_CONFIG" in at.error[0].value
    assert "koe.toml is not valid" in at.code[0].value
