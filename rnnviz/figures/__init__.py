"""Plotly figure builders: arrays in, go.Figure out; no computation, no Streamlit."""
