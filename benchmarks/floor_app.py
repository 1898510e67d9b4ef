"""The floor of serve_load.py: the least a Streamlit page can do, one slider and one plotly line.

Served from the repository's root, so with the project's own .streamlit/config.toml: what it costs
is what Streamlit itself costs per interaction on this machine, and the lab's pages are read as
multiples of it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

frequency = st.slider("frequency", 0.0, 10.0, 1.0, 0.01, key="floor_f")
x = np.linspace(0.0, 1.0, 200)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * frequency * x))), key="floor_chart")
