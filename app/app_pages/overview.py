"""Overview: sentiment meters, daily volume and net sentiment, and the alerts list."""

from __future__ import annotations

import streamlit as st

from app import charts, data, transforms

snap, f = data.context()
colors = charts.brand_colors(data.tracked_brands())

st.title("Overview")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} ({f.days} days), "
           f"compared with the {f.days} days before")

current = data.daily_volume(snap, f)
previous = data.daily_volume(snap, f.previous())
meters = transforms.sentiment_meters(current, previous, f.brands)

st.subheader("Sentiment meters")
per_row = min(len(meters), 4) or 1
for offset in range(0, len(meters), per_row):
    columns = st.columns(per_row)
    for column, row in zip(columns, meters.iloc[offset:offset + per_row].itertuples(),
                           strict=False):
        with column:
            st.plotly_chart(
                charts.sentiment_meter(row.brand, row.net_sentiment,
                                       row.previous_net_sentiment, int(row.mentions)),
                key=f"meter-{row.brand}", config={"displayModeBar": False})

st.subheader("Volume and net sentiment")
daily = transforms.daily_sentiment(transforms.fill_days(current, f.start, f.end, f.brands))
st.plotly_chart(charts.volume_and_sentiment(daily, f.brands, colors), key="volume-sentiment")

st.subheader("Alerts")
table = transforms.alerts_table(data.alerts(snap, f))
if table.empty:
    st.success("No negative spikes detected in this period.", icon=":material/check_circle:")
else:
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={
            "Day": st.column_config.DateColumn("Day", format="YYYY-MM-DD"),
            "Negative": st.column_config.NumberColumn(
                "Negative", help="Negative mentions in the alert window"),
            "Baseline": st.column_config.NumberColumn(
                "Baseline", help="Expected negative mentions for that brand and day",
                format="%.1f"),
            "Reason": st.column_config.TextColumn("Reason", width="medium"),
            "Top terms": st.column_config.TextColumn("Top terms", width="medium"),
        })
