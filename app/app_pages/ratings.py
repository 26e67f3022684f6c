"""Ratings, NPS and CSAT: star ratings from reviews and survey answers, per brand."""

from __future__ import annotations

import math

import streamlit as st

from app import charts, data, transforms

snap, f = data.context()
colors = charts.brand_colors(data.tracked_brands())

st.title("Ratings, NPS & CSAT")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. NPS = % promoters (9-10) - % detractors "
           "(0-6); CSAT = % of answers at 4 or 5.")

summary = transforms.brand_summary(data.daily_volume(snap, f), f.brands)
summary = summary[summary["brand"].isin(f.brands)]
if not (summary["rating_count"].sum() or summary["nps_count"].sum()
        or summary["csat_count"].sum()):
    st.info("No star ratings, NPS or CSAT answers for these brands, sources and period.",
            icon=":material/info:")
    st.stop()


def _fmt(value: float, pattern: str) -> str:
    return "–" if math.isnan(value) else pattern.format(value)


for column, row in zip(st.columns(len(summary)), summary.itertuples(), strict=True):
    with column:
        st.markdown(f"**{transforms.escape_markdown(row.brand)}**")
        st.metric("Star rating", _fmt(row.rating_mean, "{:.2f} ★"),
                  help=f"{int(row.rating_count):,} ratings")
        st.metric("NPS", _fmt(row.nps, "{:+.0f}"), help=f"{int(row.nps_count):,} answers")
        st.metric("CSAT", _fmt(row.csat, "{:.0f}%"), help=f"{int(row.csat_count):,} answers")

distribution = data.rating_distribution(snap, f)
for kind, title, values in (("rating", "Star ratings", range(1, 6)),
                            ("nps", "NPS answers (0-10)", range(0, 11)),
                            ("csat", "CSAT answers (1-5)", range(1, 6))):
    shares = transforms.answer_shares(distribution, kind)
    if not shares.empty:
        st.plotly_chart(charts.answer_distribution(shares, f.brands, title=title,
                                                   values=list(values), colors=colors),
                        key=f"dist-{kind}")
