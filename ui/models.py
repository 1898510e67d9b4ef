"""Models on the pages: the shipped defaults, shared and never written, and each session's own.

What is shared: the default models (rnnviz.defaults), loaded once per process by `shared(name)`
and only read by the sessions (every read holds the model's lock). A session that trains (Play,
Step) or asks for other settings gets a model of its own, in st.session_state: a copy of the
default, or one built fresh. So a visitor sees a trained model at once, and what one session does
never shows in another's.

What a page derives from a model (a reading, a sample, a decoding) is keyed by `reading_key(...)`:
the model's identity and its step, so that a cached reading is never one of an older model."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import streamlit as st

from rnnviz import defaults, training

_OWNERS = itertools.count(1)  # every model a session builds or copies gets its own number

# One torch thread for the whole server: it runs many sessions on its cores, and torch's intra-op
# threads would fight them and each other. Reading the sentiment default's 2000 held-out sentences
# took 2.05 s on two threads while another process kept one core busy, 0.13 s on one.
training.set_threads(1)


@st.cache_resource(max_entries=64, show_spinner="Loading the trained model...")
def shared(name: str) -> training.Loop:
    """The default `name`, as shipped: the same object for every session, never trained further."""
    return defaults.load(name)


class SessionModel:
    """The model a page shows in this session for its current settings (kept under `key` in
    st.session_state): the shared default while the settings are the default's and this session has
    not trained it; otherwise the session's own."""

    def __init__(self, key: str):
        self.key = key

    def get(self, settings: Any, default: str | None, default_settings: Any, build: Callable[[], training.Loop]) -> training.Loop:
        """The model for these settings: the shared default `default` at its settings (unless this
        session restarted it), else this session's model, built by `build()` when the settings change."""
        state = st.session_state.get(self.key)
        if state is not None and state["settings"] == settings:
            return state["loop"]
        if default is not None and settings == default_settings and not st.session_state.pop(f"{self.key}_fresh", False):
            loop, owner = shared(default), 0
        else:
            loop, owner = build(), next(_OWNERS)
        st.session_state[self.key] = {"settings": settings, "loop": loop, "owner": owner}
        return loop

    def own(self) -> training.Loop:
        """The model, made this session's own first if it is the shared default (a copy that trains on
        from where the default stands): call before training it."""
        state = st.session_state[self.key]
        if state["owner"] == 0:
            state["loop"], state["owner"] = state["loop"].clone(), next(_OWNERS)
        return state["loop"]

    def restart(self) -> None:
        """Forget the model: the next `get` builds a fresh one (even at the default's settings)."""
        st.session_state.pop(self.key, None)
        st.session_state[f"{self.key}_fresh"] = True

    def reading_key(self) -> tuple:
        """Who the model is and how far it has trained: a key for caches of what is read from it."""
        state = st.session_state[self.key]
        return state["owner"], repr(state["settings"]), state["loop"].step_count
