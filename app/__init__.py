"""Koe's Streamlit dashboard: reads the published snapshot through ``storage`` only."""
