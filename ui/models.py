"""Models on the pages: the shipped defaults, shared and never written, and each session's own.

What is shared: the default models (rnnviz.defaults), loaded once per process by `shared(name)`
and only read by the sessions (every read holds the model's lock). A session that trains (Play,
Step) or asks for other settings gets a model of its own, in st.session_state: a copy of the
default, or one built fresh. So a visitor sees a trained model at once, and what one session does
never shows in another's.

What the server does before its first visitor (`loaded_at_start`, the lifespan of the App in app.py):
import every module the pages use (torch with them: 1.6 s on its own) and load every default, so
that the first visitors of a fresh server wait for none of it.

What a page derives from a model (a reading, a sample, a decoding) is keyed by `reading_key(...)`:
the model's identity and its step, so that a cached reading is never one of an older model."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import logging
import pkgutil
import sys
import time
from collections.abc import AsyncIterator, Callable
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


def load_everything() -> list[str]:
    """Import every module of rnnviz and ui (and so torch, numpy, plotly) and load every shipped default
    into `shared`; the names of those loaded (a file out of date is left to its page, which says so).
    This runs outside any session: Streamlit's warning that there is none to draw in (once per cached
    call) is silenced meanwhile."""
    import rnnviz

    for package in (rnnviz, sys.modules["ui"]):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    no_session = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = no_session.level
    no_session.setLevel(logging.ERROR)
    loaded = []
    try:
        for name in defaults.names():
            try:
                shared(name)
                loaded.append(name)
            except defaults.OutOfDate as error:  # its page says so to its visitors; the others serve on
                print(f"rnnviz: {name} not loaded: {error}", file=sys.stderr, flush=True)
    finally:
        no_session.setLevel(level)
    return loaded


@contextlib.asynccontextmanager
async def loaded_at_start(_app) -> AsyncIterator[None]:
    """The server's lifespan (app.py): it starts answering, /_stcore/health included, only once
    `load_everything` is done (in a worker thread: the event loop stays free)."""
    start = time.perf_counter()
    names = await asyncio.to_thread(load_everything)
    print(f"rnnviz: {len(names)} shipped models loaded in {time.perf_counter() - start:.1f} s", flush=True)
    yield


class SessionModel:
    """The model a page shows in this session for its current settings (kept under `key` in
    st.session_state): the shared default while the settings are the default's and this session has
    not trained it; otherwise the session's own."""

    def __init__(self, key: str):
        self.key = key

    def get(
        self, settings: Any, default: str | None, default_settings: Any, build: Callable[[], training.Loop]
    ) -> training.Loop:
        """The model for these settings: the shared default `default` at its settings (unless this
        session restarted it), else this session's model, built by `build()` when the settings change."""
        state = st.session_state.get(self.key)
        if state is not None and state["settings"] == settings:
            return state["loop"]
        if (
            default is not None
            and settings == default_settings
            and not st.session_state.pop(f"{self.key}_fresh", False)
        ):
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
