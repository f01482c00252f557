"""Streamlit-only helpers shared by the pages: cached loaders, the shared sidebar selection, widgets."""
