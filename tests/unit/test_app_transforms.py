"""app.transforms: the brief's formulas (net sentiment, share of voice, NPS, CSAT), exactly."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from app import transforms as t

COUNTS = ["mentions", "scored", "positive", "neutral", "negative", "rating_count", "rating_sum",
          "nps_count", "promoters", "detractors", "csat_count", "csat_satisfied"]


def daily(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in COUNTS:
        if column not in frame:
            frame[column] = 0
    return frame


def test_net_sentiment_uses_scored_mentions_as_denominator() -> None:
    assert t.net_sentiment(positive=30, negative=10, scored=50) == 40.0
    assert t.net_sentiment(positive=0, negative=5, scored=5) == -100.0
    assert math.isnan(t.net_sentiment(0, 0, 0))


def test_periods() -> None:
    assert t.preset_period(date(2025, 3, 20), 7) == (date(2025, 3, 14), date(2025, 3, 20))
    assert t.previous_period(date(2025, 3, 14), date(2025, 3, 20)) == (
        date(2025, 3, 7), date(2025, 3, 13))
    assert t.previous_period(date(2025, 3, 20), date(2025, 3, 20)) == (
        date(2025, 3, 19), date(2025, 3, 19))
    with pytest.raises(ValueError):
        t.preset_period(date(2025, 3, 20), 0)
    with pytest.raises(ValueError):
        t.previous_period(date(2025, 3, 20), date(2025, 3, 19))


def test_brand_summary_sums_days_and_applies_formulas() -> None:
    frame = daily([
        {"day": "2025-03-01", "brand": "Acme", "mentions": 12, "scored": 10, "positive": 6,
         "neutral": 2, "negative": 2, "rating_count": 2, "rating_sum": 9.0, "nps_count": 4,
         "promoters": 2, "detractors": 1, "csat_count": 4, "csat_satisfied": 3},
        {"day": "2025-03-02", "brand": "Acme", "mentions": 10, "scored": 10, "positive": 1,
         "neutral": 1, "negative": 8, "rating_count": 0, "rating_sum": 0.0, "nps_count": 0},
    ])
    row = t.brand_summary(frame, ["Acme", "Globex"]).set_index("brand")
    assert row.loc["Acme", "mentions"] == 22
    # (7 positive - 10 negative) / 20 scored, not / 22 mentions.
    assert row.loc["Acme", "net_sentiment"] == pytest.approx(-15.0)
    assert row.loc["Acme", "rating_mean"] == pytest.approx(4.5)
    assert row.loc["Acme", "nps"] == pytest.approx(25.0)
    assert row.loc["Acme", "csat"] == pytest.approx(75.0)
    # A tracked brand with no mentions still has a row, with no opinion rather than 0.
    assert row.loc["Globex", "mentions"] == 0
    assert math.isnan(row.loc["Globex", "net_sentiment"])
    assert math.isnan(row.loc["Globex", "nps"])


def test_brand_summary_of_nothing() -> None:
    out = t.brand_summary(pd.DataFrame(columns=["day", "brand", *COUNTS]), ["Acme"])
    assert list(out["brand"]) == ["Acme"]
    assert math.isnan(out.loc[0, "net_sentiment"])


def test_sentiment_meters_report_change_in_points_against_previous_period() -> None:
    now = daily([{"day": "2025-03-20", "brand": "Acme", "mentions": 10, "scored": 10,
                  "positive": 2, "negative": 6}])
    before = daily([{"day": "2025-03-13", "brand": "Acme", "mentions": 10, "scored": 8,
                     "positive": 4, "negative": 2}])
    meters = t.sentiment_meters(now, before, ["Acme", "Globex"]).set_index("brand")
    assert meters.loc["Acme", "net_sentiment"] == pytest.approx(-40.0)
    assert meters.loc["Acme", "previous_net_sentiment"] == pytest.approx(25.0)
    assert meters.loc["Acme", "delta"] == pytest.approx(-65.0)
    assert math.isnan(meters.loc["Globex", "delta"])


def test_share_of_voice_is_over_all_tracked_brands() -> None:
    summary = pd.DataFrame({"brand": ["Acme", "Globex", "Initech", "Untracked"],
                            "mentions": [50, 30, 20, 1000]})
    sov = t.share_of_voice(summary, ["Acme", "Globex", "Initech"]).set_index("brand")
    assert sov["share"].to_dict() == {"Acme": 50.0, "Globex": 30.0, "Initech": 20.0}


def test_share_of_voice_groups_brands_not_shown_instead_of_renormalising() -> None:
    summary = pd.DataFrame({"brand": ["Acme", "Globex", "Initech"], "mentions": [50, 30, 20]})
    sov = t.share_of_voice(summary, ["Acme", "Globex", "Initech"], shown=["Acme"])
    assert sov.set_index("brand")["share"].to_dict() == {"Acme": 50.0, t.OTHER_BRANDS: 50.0}


def test_share_of_voice_without_mentions_is_undefined() -> None:
    summary = pd.DataFrame({"brand": ["Acme"], "mentions": [0]})
    assert math.isnan(t.share_of_voice(summary, ["Acme"]).loc[0, "share"])


def test_share_of_voice_daily_sums_to_100_each_day() -> None:
    frame = pd.DataFrame({"day": ["d1", "d1", "d1", "d2", "d2"],
                          "brand": ["Acme", "Globex", "Initech", "Acme", "Globex"],
                          "mentions": [6, 3, 1, 0, 4]})
    out = t.share_of_voice_daily(frame, ["Acme", "Globex", "Initech"], shown=["Acme", "Globex"])
    assert out.groupby("day")["share"].sum().tolist() == [100.0, 100.0]
    d1 = out[out["day"] == "d1"].set_index("brand")["share"]
    assert d1.to_dict() == {"Acme": 60.0, "Globex": 30.0, t.OTHER_BRANDS: 10.0}


def test_daily_sentiment_and_fill_days() -> None:
    frame = daily([{"day": pd.Timestamp("2025-03-02"), "brand": "Acme", "mentions": 4,
                    "scored": 4, "positive": 3, "negative": 1}])
    filled = t.fill_days(frame, date(2025, 3, 1), date(2025, 3, 3), ["Acme", "Globex"])
    assert len(filled) == 6
    out = t.daily_sentiment(filled)
    acme = out[out["brand"] == "Acme"].set_index("day")
    assert acme.loc[pd.Timestamp("2025-03-01"), "mentions"] == 0
    assert math.isnan(acme.loc[pd.Timestamp("2025-03-01"), "net_sentiment"])
    assert acme.loc[pd.Timestamp("2025-03-02"), "net_sentiment"] == pytest.approx(50.0)


def test_topic_summary() -> None:
    topics = pd.DataFrame({"day": ["d1", "d2", "d1"], "brand": ["Acme", "Acme", "Acme"],
                           "topic": ["delivery", "delivery", "price"],
                           "mentions": [5, 5, 2], "positive": [1, 0, 2], "negative": [4, 5, 0]})
    out = t.topic_summary(topics)
    assert out["topic"].tolist() == ["delivery", "price"]
    assert out["net_sentiment"].tolist() == [pytest.approx(-80.0), pytest.approx(100.0)]
    assert t.topic_summary(topics.iloc[0:0]).empty


def test_nps_and_csat() -> None:
    assert t.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)
    assert t.nps([10, 10, 9, 5]) == pytest.approx(50.0)
    assert t.csat([5, 4, 3, 1]) == pytest.approx(50.0)
    assert math.isnan(t.nps([])) and math.isnan(t.csat([]))


def test_answer_shares() -> None:
    dist = pd.DataFrame({"brand": ["Acme", "Acme", "Acme"], "kind": ["rating", "rating", "nps"],
                         "value": [1, 5, 10], "answers": [1, 3, 7]})
    out = t.answer_shares(dist, "rating")
    assert out["share"].tolist() == [25.0, 75.0]


def test_alerts_table_is_most_recent_first_and_readable() -> None:
    start = datetime(2025, 3, 18, tzinfo=UTC)
    alerts = pd.DataFrame({
        "brand": ["Acme", "Globex"], "window_start": [start - timedelta(days=3), start],
        "severity": ["low", "high"], "negative_count": [12, 40], "baseline": [3.14159, 5.0],
        "reason": ["r1", "r2"], "top_terms": [["late"], ["courier", "配送"]],
        "topics": [["delivery"], []]})
    out = t.alerts_table(alerts)
    assert out["Brand"].tolist() == ["Globex", "Acme"]
    assert out.loc[0, "Day"] == date(2025, 3, 18)
    assert out.loc[0, "Top terms"] == "courier, 配送"
    assert out.loc[1, "Baseline"] == 3.1
    assert t.alerts_table(alerts.iloc[0:0]).empty


def test_mentions_table_keeps_text_verbatim() -> None:
    text = '<script>alert(1)</script> **bold** [x](javascript:alert(1))'
    rows = pd.DataFrame({
        "created_at": [datetime(2025, 3, 1, tzinfo=UTC)], "brands": [["Acme", "Globex"]],
        "source": ["sample"], "language": ["en"], "label": [None], "score": [float("nan")],
        "topics": [["delivery", "price"]], "text": [text], "url": ["https://example.com/1"],
        "rating": [None]})
    out = t.mentions_table(rows)
    assert out.loc[0, "Text"] == text
    assert out.loc[0, "Label"] == "unscored"
    assert out.loc[0, "Brand"] == "Acme, Globex"
    assert out.loc[0, "Topics"] == "delivery, price"
    assert out.loc[0, "Copies"] == 0 and out.loc[0, "Flags"] == ""


def test_mentions_table_shows_copies_and_spam_flags() -> None:
    rows = pd.DataFrame({
        "created_at": [datetime(2025, 3, 1, tzinfo=UTC)], "brands": [["Acme"]],
        "source": ["x"], "language": ["en"], "label": ["negative"], "score": [-0.8],
        "topics": [[]], "text": ["GIVEAWAY"], "url": [None], "rating": [None],
        "duplicates": [12], "flags": [["promo", "all_caps"]]})
    out = t.mentions_table(rows)
    assert out.loc[0, "Copies"] == 12 and out.loc[0, "Flags"] == "promo, all_caps"


def test_cloud_frequencies_leave_the_brand_out() -> None:
    freqs = t.cloud_frequencies(["Acme delivery late", "#acme late", "アクメの配送が遅い"],
                                None, exclude=["Acme", "アクメ"])
    assert freqs["late"] == 2 and freqs["配送"] == 1
    assert not {"acme", "#acme", "アクメ"} & set(freqs)
    top = t.cloud_frequencies(["espresso crema aroma", "espresso crema", "espresso latte"], None,
                              (), max_words=2)
    assert top == {"espresso": 3, "crema": 2}


def test_escape_markdown_neutralises_links_html_and_emphasis() -> None:
    out = t.escape_markdown("**x** [a](javascript:1) <b>y</b> :red[z]")
    assert "**" not in out.replace("\\*", "")
    for raw in ("[a]", "<b>", ":red["):
        assert raw not in out
    assert out.replace("\\", "") == "**x** [a](javascript:1) <b>y</b> :red[z]"


def test_age() -> None:
    now = datetime(2025, 3, 21, 12, tzinfo=UTC)
    assert t.age(now - timedelta(seconds=5), now) == "just now"
    assert t.age(now - timedelta(minutes=5), now) == "5 min ago"
    assert t.age(now - timedelta(hours=3), now) == "3 h ago"
    assert t.age(now - timedelta(days=4), now) == "4 days ago"


def test_language_name() -> None:
    assert t.language_name("ja") == "日本語 (ja)"
    assert t.language_name("und") == "Unknown"
    assert t.language_name("fr") == "fr"


def test_picked_range_handles_a_selection_in_progress() -> None:
    fallback = (date(2025, 3, 1), date(2025, 3, 7))
    assert t.picked_range((date(2025, 3, 5), date(2025, 3, 2)), fallback) == (
        date(2025, 3, 2), date(2025, 3, 5))
    assert t.picked_range((date(2025, 3, 5),), fallback) == (date(2025, 3, 5), date(2025, 3, 5))
    assert t.picked_range((), fallback) == fallback
    assert t.picked_range(None, fallback) == fallback
    assert t.picked_range(date(2025, 3, 4), fallback) == (date(2025, 3, 4), date(2025, 3, 4))


def test_source_list_escapes_names_and_messages() -> None:
    health = pd.DataFrame({"source": ["x_api", "news"], "status": ["failed", "partial"],
                           "message": ["HTTP 401 [see](javascript:x)", None]})
    # A missing message (NaN in the frame) shows the status, never "nan".
    assert t.source_list(health) == ("- **x\\_api**: HTTP 401 \\[see\\]\\(javascript\\:x\\)\n"
                                     "- **news**: partial")
