"""Topics: what mentions are about, per brand, with each topic's net sentiment."""

from __future__ import annotations

import streamlit as st

from app import charts, data, transforms

snap, f = data.context()
colors = charts.brand_colors(data.tracked_brands())

st.title("Topics")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. Scored mentions per topic (reason for "
           "contact); a mention can have several topics.")

summary = transforms.topic_summary(data.daily_topics(snap, f))
if summary.empty:
    st.info("No topics were assigned to mentions in this period.", icon=":material/info:")
    st.stop()

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.topic_volume(summary, f.brands, colors), key="topic-volume")
with right:
    st.plotly_chart(charts.topic_sentiment_heatmap(summary, f.brands), key="topic-sentiment")

st.dataframe(
    summary, hide_index=True, width="stretch",
    column_config={
        "brand": "Brand", "topic": "Topic", "mentions": "Mentions", "positive": "Positive",
        "negative": "Negative",
        "net_sentiment": st.column_config.NumberColumn("Net sentiment", format="%+.0f"),
    })
