"""Competitors: share of voice and net sentiment side by side, and share of voice over time."""

from __future__ import annotations

import streamlit as st

from app import charts, data, transforms

snap, f = data.context()
tracked = data.tracked_brands()
colors = charts.brand_colors(tracked)
competitor = {b.name: b.competitor for b in data.config().brands}

st.title("Competitors")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. Share of voice is each brand's share of all "
           "tracked brands' mentions in the same period, sources and languages.")

every_brand = data.daily_volume_all_brands(snap, f)
summary = transforms.brand_summary(every_brand, tracked)
sov = transforms.share_of_voice(summary, tracked, shown=f.brands)
shown = summary[summary["brand"].isin(f.brands)]

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.share_of_voice_donut(sov, f.brands, colors), key="sov")
with right:
    st.plotly_chart(charts.net_sentiment_bars(shown, f.brands, colors), key="net")

daily = transforms.fill_days(every_brand, f.start, f.end, tracked)
daily_sov = transforms.share_of_voice_daily(daily, tracked, shown=f.brands)
series = [b for b in (*f.brands, transforms.OTHER_BRANDS) if b in set(daily_sov["brand"])]
st.plotly_chart(charts.share_of_voice_over_time(daily_sov, series, colors), key="sov-time")

table = shown.merge(sov[["brand", "share"]], on="brand", how="left")
st.dataframe(
    table.assign(role=table["brand"].map(lambda b: "competitor" if competitor.get(b) else "ours"))[
        ["brand", "role", "mentions", "share", "net_sentiment", "positive", "neutral",
         "negative"]],
    hide_index=True, width="stretch",
    column_config={
        "brand": "Brand", "role": "Role", "mentions": "Mentions",
        "share": st.column_config.NumberColumn("Share of voice", format="%.1f%%"),
        "net_sentiment": st.column_config.NumberColumn("Net sentiment", format="%+.0f"),
        "positive": "Positive", "neutral": "Neutral", "negative": "Negative",
    })
