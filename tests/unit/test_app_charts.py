"""app.charts and app.wordclouds: pure figure and image builders, no Streamlit involved."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from app import charts
from app.wordclouds import WordCloudError, find_cjk_font, render_cloud


def test_sentiment_meter_is_a_gauge_of_net_sentiment_with_change() -> None:
    fig = charts.sentiment_meter("Acme", net=-40.0, previous_net=-12.5, mentions=102)
    (gauge,) = fig.data
    assert gauge.type == "indicator"
    assert gauge.mode == "gauge+number+delta"
    assert gauge.value == -40.0
    assert gauge.delta.reference == -12.5
    assert tuple(gauge.gauge.axis.range) == (-100, 100)
    assert gauge.gauge.threshold.value == -40.0
    assert "Acme" in gauge.title.text and "102 mentions" in gauge.title.text


def test_sentiment_meter_without_previous_period_shows_no_change() -> None:
    fig = charts.sentiment_meter("Acme", net=10.0, previous_net=math.nan, mentions=5)
    assert fig.data[0].mode == "gauge+number"


def test_sentiment_meter_without_scored_mentions_shows_no_number() -> None:
    fig = charts.sentiment_meter("Acme", net=math.nan, previous_net=math.nan, mentions=0)
    assert fig.data[0].mode == "gauge"
    assert fig.data[0].value is None
    assert "no scored mentions" in fig.data[0].title.text


def test_labels_from_data_are_html_escaped() -> None:
    fig = charts.sentiment_meter("<b>Evil</b>", net=0.0, previous_net=0.0, mentions=1)
    assert "<b>Evil</b>" not in fig.data[0].title.text
    assert "&lt;b&gt;Evil&lt;/b&gt;" in fig.data[0].title.text
    sov = pd.DataFrame({"brand": ["<i>x</i>"], "mentions": [3], "share": [100.0]})
    assert charts.share_of_voice_donut(sov, ["<i>x</i>"]).data[0].labels == ("&lt;i&gt;x&lt;/i&gt;",)


def daily() -> pd.DataFrame:
    days = pd.date_range("2025-03-01", periods=3, freq="D")
    return pd.DataFrame({"day": list(days) * 2, "brand": ["Acme"] * 3 + ["Globex"] * 3,
                         "mentions": [5, 7, 0, 2, 3, 4],
                         "net_sentiment": [20.0, -10.0, math.nan, 0.0, 50.0, 25.0]})


def test_volume_and_sentiment_has_a_volume_and_a_sentiment_panel_per_brand() -> None:
    fig = charts.volume_and_sentiment(daily(), ["Acme", "Globex"])
    assert [tr.name for tr in fig.data] == ["Acme", "Acme", "Globex", "Globex"]
    volume, sentiment = fig.data[0], fig.data[1]
    assert list(volume.y) == [5, 7, 0]
    assert sentiment.yaxis == "y2"
    assert tuple(fig.layout.yaxis2.range) == (-100, 100)
    assert fig.data[0].line.color != fig.data[2].line.color


def test_brand_colours_are_stable_whatever_is_shown() -> None:
    colors = charts.brand_colors(["Acme", "Globex", "Initech"])
    fig = charts.volume_and_sentiment(daily()[daily()["brand"] == "Globex"], ["Globex"], colors)
    assert fig.data[0].line.color == colors["Globex"]


def test_share_of_voice_and_net_sentiment_charts() -> None:
    sov = pd.DataFrame({"brand": ["Acme", "Globex"], "mentions": [60, 40], "share": [60.0, 40.0]})
    donut = charts.share_of_voice_donut(sov, ["Acme", "Globex"])
    assert donut.data[0].type == "pie" and list(donut.data[0].values) == [60, 40]
    summary = pd.DataFrame({"brand": ["Acme", "Globex"], "net_sentiment": [-40.0, math.nan]})
    bars = charts.net_sentiment_bars(summary, ["Acme", "Globex"])
    assert list(bars.data[0].text) == ["-40", "n/a"]
    assert tuple(bars.layout.yaxis.range) == (-100, 100)


def test_share_of_voice_over_time_stacks_shares() -> None:
    frame = pd.DataFrame({"day": ["d1", "d1"], "brand": ["Acme", "Globex"],
                          "share": [70.0, 30.0]})
    fig = charts.share_of_voice_over_time(frame, ["Acme", "Globex"])
    assert {tr.stackgroup for tr in fig.data} == {"sov"}
    assert [list(tr.y) for tr in fig.data] == [[70.0], [30.0]]


def test_topic_charts() -> None:
    topics = pd.DataFrame({"brand": ["Acme", "Acme", "Globex"],
                           "topic": ["delivery", "price", "delivery"],
                           "mentions": [10, 2, 4], "net_sentiment": [-80.0, 100.0, -50.0]})
    volume = charts.topic_volume(topics, ["Acme", "Globex"])
    # Busiest topic at the top of a horizontal bar chart, i.e. last.
    assert list(volume.data[0].y) == ["price", "delivery"]
    assert list(volume.data[1].x) == [0, 4]
    heat = charts.topic_sentiment_heatmap(topics, ["Acme", "Globex"])
    z = heat.data[0].z
    assert z[1][0] == -80.0 and z[1][1] == -50.0 and math.isnan(z[0][1])
    assert heat.data[0].text[1][0] == "-80 (10)"


def test_answer_distribution_skips_brands_without_answers() -> None:
    shares = pd.DataFrame({"brand": ["Acme", "Acme"], "value": [1, 5], "answers": [1, 3],
                           "share": [25.0, 75.0]})
    fig = charts.answer_distribution(shares, ["Acme", "Globex"], title="Stars",
                                     values=range(1, 6))
    assert [tr.name for tr in fig.data] == ["Acme"]
    assert list(fig.data[0].y) == [25.0, 0, 0, 0, 75.0]


def test_missing_cjk_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(WordCloudError, match="fonts-noto-cjk"):
        find_cjk_font(candidates=(str(tmp_path / "nope.ttc"),), search_dirs=(str(tmp_path),))


def test_cjk_font_found_by_search_when_not_at_a_known_path(tmp_path: Path) -> None:
    font = tmp_path / "sub" / "NotoSansCJK-Regular.ttc"
    font.parent.mkdir()
    font.write_bytes(b"")
    assert find_cjk_font(candidates=(), search_dirs=(str(tmp_path),)) == font


def test_render_cloud_refuses_nothing_to_draw() -> None:
    with pytest.raises(WordCloudError, match="no words"):
        render_cloud({})


def _cjk_font() -> Path:
    try:
        return find_cjk_font()
    except WordCloudError as e:
        pytest.skip(str(e))


def test_render_cloud_draws_english_and_japanese_deterministically() -> None:
    font = _cjk_font()
    freqs = {"delivery": 12, "配送": 9, "遅い": 5, "courier": 3}
    png = render_cloud(freqs, width=400, height=200, font_path=font)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (400, 200)
    assert image.convert("L").getextrema()[0] < 128  # something dark was drawn
    assert render_cloud(freqs, width=400, height=200, font_path=font) == png


def test_render_cloud_japanese_glyphs_are_not_tofu_boxes() -> None:
    # A font without kana draws every missing glyph as the same box; a CJK font does not.
    font = _cjk_font()
    a = render_cloud({"配送": 1}, width=300, height=150, font_path=font)
    b = render_cloud({"遅延": 1}, width=300, height=150, font_path=font)
    assert a != b
