"""Pure pandas transforms behind the dashboard's numbers; no Streamlit, no database.

The product brief's formulas, exactly:
- net sentiment = (positive - negative) / all scored mentions, in -100..+100;
- share of voice = a brand's mentions / all tracked brands' mentions, same period and sources;
- NPS = % promoters (9-10) - % detractors (0-6); CSAT = % of answers at 4 or 5.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import pandas as pd

from koe.terms import excluded_terms, term_counts

PERIOD_PRESETS: dict[str, int] = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90}

_COUNTS = ["mentions", "scored", "positive", "neutral", "negative", "rating_count", "rating_sum",
           "nps_count", "promoters", "detractors", "csat_count", "csat_satisfied"]


def net_sentiment(positive: float, negative: float, scored: float) -> float:
    """(positive - negative) / scored * 100; NaN when nothing is scored (no opinion, not 0)."""
    if not scored:
        return math.nan
    return 100.0 * (positive - negative) / scored


def _net(frame: pd.DataFrame) -> pd.Series:
    scored = frame["scored"].astype("float64").where(frame["scored"] > 0)
    return 100.0 * (frame["positive"] - frame["negative"]) / scored


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    whole = whole.astype("float64")
    return 100.0 * part / whole.where(whole > 0)


def preset_period(last_day: date, days: int) -> tuple[date, date]:
    """The ``days`` days ending on (and including) ``last_day``."""
    if days < 1:
        raise ValueError(f"a period needs at least one day, got {days}")
    return last_day - timedelta(days=days - 1), last_day


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``start``."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def picked_range(picked: object, fallback: tuple[date, date]) -> tuple[date, date]:
    """A date_input range answer as (start, end); mid-selection it holds one date or none."""
    days = [d for d in (picked if isinstance(picked, (tuple, list)) else (picked,))
            if isinstance(d, date)]
    if not days:
        return fallback
    return min(days), max(days)


def brand_summary(daily: pd.DataFrame, brands: Sequence[str] = ()) -> pd.DataFrame:
    """One row per brand: summed counts, net sentiment, mean star rating, NPS and CSAT.

    ``brands`` adds rows (of zeros) for brands with no mentions so every tracked brand shows.
    """
    if daily.empty:
        summed = pd.DataFrame(columns=["brand", *_COUNTS])
    else:
        summed = daily.groupby("brand", as_index=False)[_COUNTS].sum()
    missing = [b for b in brands if b not in set(summed["brand"])]
    if missing:
        zeros = pd.DataFrame({"brand": missing, **{c: 0 for c in _COUNTS}})
        summed = zeros if summed.empty else pd.concat([summed, zeros], ignore_index=True)
    for column in _COUNTS:
        summed[column] = pd.to_numeric(summed[column])
    summed["net_sentiment"] = _net(summed)
    summed["rating_mean"] = summed["rating_sum"] / summed["rating_count"].where(
        summed["rating_count"] > 0)
    summed["nps"] = (_percent(summed["promoters"], summed["nps_count"])
                     - _percent(summed["detractors"], summed["nps_count"]))
    summed["csat"] = _percent(summed["csat_satisfied"], summed["csat_count"])
    order = list(brands) + sorted(set(summed["brand"]) - set(brands))
    summed["_order"] = summed["brand"].map({b: i for i, b in enumerate(order)})
    return summed.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def sentiment_meters(current: pd.DataFrame, previous: pd.DataFrame,
                     brands: Sequence[str]) -> pd.DataFrame:
    """Per brand: net sentiment now, in the previous period, and the change in points."""
    now = brand_summary(current, brands)[["brand", "mentions", "scored", "net_sentiment"]]
    before = brand_summary(previous, brands)[["brand", "mentions", "net_sentiment"]]
    before = before.rename(columns={"mentions": "previous_mentions",
                                    "net_sentiment": "previous_net_sentiment"})
    out = now.merge(before, on="brand", how="left")
    out["delta"] = out["net_sentiment"] - out["previous_net_sentiment"]
    return out[out["brand"].isin(brands)].reset_index(drop=True)


def daily_sentiment(daily: pd.DataFrame) -> pd.DataFrame:
    """Per day and brand: mentions and net sentiment (NaN on days with nothing scored)."""
    out = daily[["day", "brand", "mentions", "scored", "positive", "negative"]].copy()
    out["net_sentiment"] = _net(out)
    return out.sort_values(["day", "brand"]).reset_index(drop=True)


def fill_days(daily: pd.DataFrame, start: date, end: date, brands: Sequence[str]) -> pd.DataFrame:
    """Add zero-mention rows for days a brand had none, so lines drop to 0 instead of skipping."""
    days = pd.date_range(start, end, freq="D")
    grid = pd.MultiIndex.from_product([days, list(brands)], names=["day", "brand"])
    frame = daily.copy()
    frame["day"] = pd.to_datetime(frame["day"])
    numeric = [c for c in frame.columns if c not in ("day", "brand")]
    out = frame.set_index(["day", "brand"]).reindex(grid)
    out[numeric] = out[numeric].fillna(0)
    return out.reset_index()


OTHER_BRANDS = "Other tracked brands"


def _group_others(rows: pd.DataFrame, shown: Sequence[str] | None,
                  keys: list[str]) -> pd.DataFrame:
    """Brands not shown are summed into one OTHER_BRANDS row (per key) so shares stay honest."""
    if shown is None:
        return rows
    others = rows[~rows["brand"].isin(shown)]
    kept = rows[rows["brand"].isin(shown)]
    if others.empty:
        return kept
    grouped = others.groupby(keys, as_index=False)["mentions"].sum()
    grouped["brand"] = OTHER_BRANDS
    return pd.concat([kept, grouped[rows.columns]], ignore_index=True)


def share_of_voice(summary: pd.DataFrame, tracked: Sequence[str],
                   shown: Sequence[str] | None = None) -> pd.DataFrame:
    """brand, mentions, share (%) of all tracked brands' mentions in the same period and sources.

    The denominator is always every tracked brand; brands outside ``shown`` become one
    OTHER_BRANDS row. Untracked brands in the data count nowhere.
    """
    rows = summary[summary["brand"].isin(tracked)][["brand", "mentions"]].copy()
    total = rows["mentions"].sum()
    rows = _others_total(rows, shown)
    rows["share"] = 100.0 * rows["mentions"] / total if total else math.nan
    return rows.reset_index(drop=True)


def _others_total(rows: pd.DataFrame, shown: Sequence[str] | None) -> pd.DataFrame:
    if shown is None:
        return rows
    others = rows[~rows["brand"].isin(shown)]["mentions"].sum()
    kept = rows[rows["brand"].isin(shown)]
    if not others:
        return kept
    extra = pd.DataFrame({"brand": [OTHER_BRANDS], "mentions": [others]})
    return pd.concat([kept, extra], ignore_index=True)


def share_of_voice_daily(daily: pd.DataFrame, tracked: Sequence[str],
                         shown: Sequence[str] | None = None) -> pd.DataFrame:
    """Per day: each shown brand's share (%) of that day's tracked mentions (others grouped)."""
    rows = daily[daily["brand"].isin(tracked)][["day", "brand", "mentions"]].copy()
    rows = _group_others(rows, shown, ["day"])
    totals = rows.groupby("day")["mentions"].transform("sum")
    rows["share"] = _percent(rows["mentions"], totals)
    return rows.sort_values(["day", "brand"]).reset_index(drop=True)


def topic_summary(topics: pd.DataFrame) -> pd.DataFrame:
    """Per brand and topic over the period: mentions, positive, negative, net sentiment."""
    if topics.empty:
        return pd.DataFrame(columns=["brand", "topic", "mentions", "positive", "negative",
                                     "net_sentiment"])
    out = topics.groupby(["brand", "topic"], as_index=False)[
        ["mentions", "positive", "negative"]].sum()
    # daily_topics only counts scored mentions, so mentions is the scored denominator here.
    out["net_sentiment"] = _percent(out["positive"] - out["negative"], out["mentions"])
    return out.sort_values(["brand", "mentions", "topic"],
                           ascending=[True, False, True]).reset_index(drop=True)


def nps(scores: Iterable[int]) -> float:
    """% promoters (9-10) - % detractors (0-6); NaN without answers."""
    values = list(scores)
    if not values:
        return math.nan
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return 100.0 * (promoters - detractors) / len(values)


def csat(answers: Iterable[int]) -> float:
    """% of 1-5 answers at 4 or 5; NaN without answers."""
    values = list(answers)
    if not values:
        return math.nan
    return 100.0 * sum(1 for v in values if v >= 4) / len(values)


def answer_shares(distribution: pd.DataFrame, kind: str) -> pd.DataFrame:
    """brand, value, answers, share (%) within the brand, for one kind (rating, nps, csat)."""
    rows = distribution[distribution["kind"] == kind][["brand", "value", "answers"]].copy()
    rows["share"] = _percent(rows["answers"], rows.groupby("brand")["answers"].transform("sum"))
    return rows.reset_index(drop=True)


def alerts_table(alerts: pd.DataFrame) -> pd.DataFrame:
    """Alerts as the Overview lists them: most recent first, one readable row each."""
    if alerts.empty:
        return pd.DataFrame(columns=["Day", "Brand", "Severity", "Negative", "Baseline",
                                     "Reason", "Top terms", "Topics"])
    out = alerts.sort_values(["window_start", "brand"], ascending=[False, True])
    return pd.DataFrame({
        "Day": pd.to_datetime(out["window_start"]).dt.date,
        "Brand": out["brand"],
        "Severity": out["severity"],
        "Negative": out["negative_count"].astype("int64"),
        "Baseline": out["baseline"].round(1),
        "Reason": out["reason"],
        "Top terms": [", ".join(t) for t in out["top_terms"]],
        "Topics": [", ".join(t) for t in out["topics"]],
    }).reset_index(drop=True)


def mentions_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Mention rows for the table: lists joined, label 'unscored' where the model has none,
    with how many reposts/copies were collapsed into each and any spam flags."""
    n = len(mentions)
    copies = mentions["duplicates"] if "duplicates" in mentions else pd.Series([0] * n)
    flags = mentions["flags"] if "flags" in mentions else pd.Series([[]] * n)
    out = pd.DataFrame({
        "Created": mentions["created_at"],
        "Brand": [", ".join(b) for b in mentions["brands"]],
        "Source": mentions["source"],
        "Language": mentions["language"],
        "Label": mentions["label"].fillna("unscored"),
        "Score": mentions["score"].round(2),
        "Topics": [", ".join(t) for t in mentions["topics"]],
        "Text": mentions["text"],
        "Rating": mentions["rating"],
        "Copies": [int(c) for c in copies],
        "Flags": [", ".join(x) for x in flags],
        "Link": mentions["url"],
    })
    return out.reset_index(drop=True)


def cloud_frequencies(texts: Sequence[str], languages: Sequence[str | None] | None,
                      exclude: Iterable[str], max_words: int = 100) -> dict[str, int]:
    """Word-cloud sizes: how many of ``texts`` use each term, brand and query terms left out."""
    skip = excluded_terms(exclude)
    counts = term_counts(texts, languages)
    top = [(t, c) for t, c in counts.most_common() if t not in skip]
    return dict(top[:max_words])


def source_list(health: pd.DataFrame) -> str:
    """A markdown bullet per source with its message (or status), both escaped."""
    return "\n".join(
        f"- **{escape_markdown(r.source)}**: "
        f"{escape_markdown(str(r.status if pd.isna(r.message) or not r.message else r.message))}"
        for r in health.itertuples(index=False))


def age(then: datetime, now: datetime) -> str:
    """'5 min ago', '3 h ago', '2 days ago' (timestamps in the future read 'just now')."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape everything Streamlit's markdown would interpret (links, HTML, emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "und": "Unknown"}


def language_name(code: str) -> str:
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name and code != "und" else (name or code)
