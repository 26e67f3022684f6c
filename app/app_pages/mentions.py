"""Mentions: the posts behind every number, filterable, with links back to the source.

Mention text is untrusted input: it is only ever shown as table data, never as markdown/HTML.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from app import data, transforms

snap, f = data.context()

st.title("Mentions")

labels_col, topics_col, search_col, dates_col = st.columns([1.2, 1.5, 1.5, 1.3])
with labels_col:
    labels = st.multiselect("Label", ["positive", "neutral", "negative", "unscored"],
                            key="mention_labels", placeholder="All labels")
with topics_col:
    topics = st.multiselect("Topic", [t.name for t in data.config().topics],
                            key="mention_topics", placeholder="All topics")
with search_col:
    search = st.text_input("Text contains", key="mention_search", placeholder="e.g. delivery, 配送")
with dates_col:
    picked = st.date_input("Dates", value=(f.start, f.end), min_value=f.start, max_value=f.end,
                           key=f"mention_dates_{f.start}_{f.end}")
start, end = transforms.picked_range(picked, (f.start, f.end))
f = dataclasses.replace(f, start=start, end=end)
hide_flagged = st.toggle("Hide likely spam", key="mention_hide_flagged",
                         help="Mentions the cleaning step flagged (many hashtags or links, bot-like "
                              "author names, giveaway wording, all caps). They are never deleted.")

rows = data.mentions(snap, f, labels=tuple(labels) or None, topics=tuple(topics) or None,
                     search=search.strip() or None, hide_flagged=hide_flagged)
total = int(rows["total"].iloc[0]) if not rows.empty else 0
if total > len(rows):
    st.caption(f"Showing the {len(rows):,} newest of {total:,} matching mentions; "
               "narrow the filters to see older ones.")
else:
    st.caption(f"{total:,} matching mentions.")

table = transforms.mentions_table(rows)
st.dataframe(
    table, hide_index=True, width="stretch", height=620,
    column_config={
        "Created": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
        "Score": st.column_config.NumberColumn("Score", format="%+.2f",
                                               help="p(positive) - p(negative)"),
        "Text": st.column_config.TextColumn("Text", width="large"),
        "Rating": st.column_config.NumberColumn("Rating", format="%.0f ★"),
        "Copies": st.column_config.NumberColumn(
            "Copies", help="Reposts and near-identical copies collapsed into this mention"),
        "Flags": st.column_config.TextColumn("Flags", help="Why it looks like spam"),
        "Link": st.column_config.LinkColumn("Link", display_text="open"),
    })
st.download_button("Download CSV", table.to_csv(index=False).encode("utf-8-sig"),
                   file_name=f"koe-mentions-{f.start}-{f.end}.csv", mime="text/csv",
                   icon=":material/download:")
