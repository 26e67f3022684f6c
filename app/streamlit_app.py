"""Koe dashboard entry point: navigation, the shared sidebar filters, then the chosen page.

Serve with ``KOE_CONFIG=koe.toml streamlit run app/streamlit_app.py``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, "") and "app" not in sys.modules:
    # `streamlit run app/streamlit_app.py` puts app/ itself on sys.path, not the repository;
    # without an installed koe package the imports below need the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st

from app import data, transforms
from koe.errors import KoeError

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Koe", page_icon=":material/forum:", layout="wide")

page = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", icon=":material/speed:", default=True),
    st.Page(PAGES / "competitors.py", title="Competitors", icon=":material/leaderboard:"),
    st.Page(PAGES / "topics.py", title="Topics", icon=":material/category:"),
    st.Page(PAGES / "word_clouds.py", title="Word clouds", icon=":material/cloud:"),
    st.Page(PAGES / "mentions.py", title="Mentions", icon=":material/forum:"),
    st.Page(PAGES / "ratings.py", title="Ratings, NPS & CSAT", icon=":material/star:"),
    st.Page(PAGES / "pipeline.py", title="Pipeline", icon=":material/monitor_heart:"),
])

try:
    snap = data.snapshot()
except KoeError as e:
    st.error(f"The configuration file {data.CONFIG_ENV} points to cannot be used:", icon=":material/error:")
    st.code(str(e), language=None)
    st.stop()

NO_DATA = ("No data has been published yet. Run `koe run --days 30` to collect and score the "
           "last 30 days, or wait for the first scheduled pipeline run; this page picks the data "
           "up as soon as it is published.")

if snap is None:
    st.title("Koe")
    st.info(NO_DATA, icon=":material/hourglass_empty:")
    st.stop()

first_day, last_day = data.extent(snap)
if first_day is None or last_day is None:
    st.title("Koe")
    st.info(f"{NO_DATA}\n\n(The published data has no aggregates for the configured model "
            f"`{transforms.escape_markdown(snap.model_id)}` yet.)", icon=":material/hourglass_empty:")
    st.stop()

tracked = data.tracked_brands()
present = data.dimension_values(snap)
custom = "Custom range"

with st.sidebar:
    choice = st.selectbox("Period", [*transforms.PERIOD_PRESETS, custom], index=0, key="period")
    if choice == custom:
        default_start, _ = transforms.preset_period(last_day, 30)
        default_range = (max(first_day, default_start), last_day)
        picked = st.date_input("Dates", value=default_range, min_value=first_day,
                               max_value=last_day, key="custom_range")
        start, end = transforms.picked_range(picked, default_range)
    else:
        start, end = transforms.preset_period(last_day, transforms.PERIOD_PRESETS[choice])
    # A period cannot start before the data does: charts would show those days as silent.
    start = max(start, first_day)
    brands = st.multiselect("Brands", list(tracked), default=list(tracked), key="brands",
                            placeholder="All tracked brands")
    sources = st.multiselect("Sources", present["source"], key="sources",
                             placeholder="All sources")
    languages = st.multiselect("Languages", present["language"], key="languages",
                               format_func=transforms.language_name, placeholder="All languages")

    st.caption(f"Data through **{last_day:%Y-%m-%d}** (UTC) · {start:%b %d} – {end:%b %d}")
    run = data.last_run(snap)
    if not run.empty:
        finished = run.loc[0, "finished_at"].to_pydatetime()
        st.caption(f"Last pipeline run {transforms.age(finished, datetime.now(UTC))} "
                   f"({finished:%Y-%m-%d %H:%M} UTC)")
    else:
        st.caption("The pipeline has not logged a run yet.")
    health = data.source_health(snap)
    failing = health[~health["ok"].astype(bool)] if not health.empty else health
    if not failing.empty:
        st.warning("Last run failed for these sources; their latest data may be missing:\n"
                   + transforms.source_list(failing), icon=":material/warning:")
    limited = (health[health["ok"].astype(bool) & health["limited"].astype(bool)]
               if not health.empty else health)
    if not limited.empty:
        st.info("Some sources could not serve their whole window (service limits):\n"
                + transforms.source_list(limited), icon=":material/info:")

data.set_context(snap, data.Filters(
    start=start, end=end, brands=tuple(brands) or tracked,
    sources=tuple(sources) or None, languages=tuple(languages) or None))
page.run()
