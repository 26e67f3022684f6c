"""Word clouds: what positive and negative mentions of one brand talk about."""

from __future__ import annotations

import streamlit as st

from app import data
from app.wordclouds import WordCloudError

snap, f = data.context()

st.title("Word clouds")
brand = st.selectbox("Brand", f.brands, key="cloud_brand")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. Word size is the number of mentions using "
           "the word; English and Japanese together; the brand's name and query words are left "
           "out.")

exclude = data.brand_exclusions(brand)
for column, label, title in zip(st.columns(2), ("positive", "negative"),
                                ("Positive mentions", "Negative mentions"), strict=True):
    with column:
        st.subheader(title)
        try:
            png, used = data.word_cloud(snap, f, brand, label, exclude)
        except WordCloudError as e:
            st.error(str(e), icon=":material/error:")
            continue
        if png is None:
            st.info(f"No words to show: {used} {label} mentions in this period.",
                    icon=":material/info:")
            continue
        st.image(png, caption=f"From the {used:,} most recent {label} mentions"
                 if used >= data.CLOUD_TEXTS_LIMIT else f"From {used:,} {label} mentions",
                 width="stretch")
