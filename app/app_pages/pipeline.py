"""Pipeline: how fresh the data is, which sources failed, and the recent run log."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app import data, transforms

snap, _ = data.context()

st.title("Pipeline")
run = data.last_run(snap)
health = data.source_health(snap)
if run.empty:
    st.info("The pipeline has not logged any run yet.", icon=":material/info:")
    st.stop()

finished = run.loc[0, "finished_at"].to_pydatetime()
age, steps, failed = st.columns(3)
age.metric("Last run", transforms.age(finished, datetime.now(UTC)),
           help=f"{finished:%Y-%m-%d %H:%M} UTC")
steps.metric("Steps in last run", int(run.loc[0, "steps"]))
failed.metric("Failed steps", int(run.loc[0, "failed_steps"]))

st.subheader("Sources")
st.dataframe(
    health[["source", "ok", "limited", "status", "finished_at", "items", "message"]],
    hide_index=True,
    width="stretch",
    column_config={
        "source": "Source",
        "ok": st.column_config.CheckboxColumn("OK"),
        "status": "Last status",
        "finished_at": st.column_config.DatetimeColumn("Last run (UTC)",
                                                       format="YYYY-MM-DD HH:mm"),
        "items": "Items",
        "message": st.column_config.TextColumn("Message", width="large"),
    })

st.subheader("Recent steps")
st.dataframe(
    data.run_log(snap)[["finished_at", "step", "source", "brand", "status", "items", "seconds",
                        "message", "run_id"]],
    hide_index=True, width="stretch",
    column_config={
        "finished_at": st.column_config.DatetimeColumn("Finished (UTC)",
                                                       format="YYYY-MM-DD HH:mm:ss"),
        "step": "Step", "source": "Source", "brand": "Brand", "status": "Status",
        "items": "Items", "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
        "message": st.column_config.TextColumn("Message", width="large"), "run_id": "Run",
    })
