"""Streamlit wiring shared by the pages; rnnviz itself never imports streamlit."""
