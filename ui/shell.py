"""What every page calls first, so that it always runs inside app.py's navigation."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def run_inside_app() -> None:
    """Send a deep link on a fresh server through app.py.

    Streamlit 1.67 sees the pages/ folder and, until app.py has called st.navigation once in
    this process, runs a requested page file as an old-style pages/ app: no page config, no
    navigation. A shared link to /hand_built_rnns opened first after a restart would land
    there. Switching that mode off and rerunning runs app.py, which routes to the same page
    with the same query string."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
