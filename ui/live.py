"""Play and Pause for the pages that train live: one flag per page in the session, and its button.

The page's live view is an `st.fragment(run_every=...)` that reruns while `player.playing()`; each
tick draws, then trains a chunk, so a closed tab stops training with it."""

from __future__ import annotations

from typing import Any

import streamlit as st


class Player:
    """The play state of one page: `prefix`_playing in the session, the button keyed `prefix`_play."""

    def __init__(self, prefix: str):
        self.flag, self.key = f"{prefix}_playing", f"{prefix}_play"

    def playing(self) -> bool:
        return st.session_state.get(self.flag, False)

    def toggle(self) -> None:
        st.session_state[self.flag] = not self.playing()

    def pause(self) -> None:
        st.session_state[self.flag] = False

    def button(self, where: Any = st, disabled: bool = False) -> None:
        """Play while paused, Pause while playing."""
        playing = self.playing()
        where.button("Pause" if playing else "Play", key=self.key, on_click=self.toggle, type="primary",
                     icon=":material/pause:" if playing else ":material/play_arrow:", width="stretch",
                     disabled=disabled)  # fmt: skip
