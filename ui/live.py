"""Play and Pause for the pages that train live: one flag per page in the session, its button, and the
row of the live view's controls (Play / Pause, Step, the step size, Restart).

The page's live view is an `st.fragment(run_every=...)` that reruns while `player.playing()`; each
tick draws, then trains a chunk, so a closed tab stops training with it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui.controls import Number, widget


class Player:
    """The play state of one page: `prefix`_playing in the session, the button keyed `prefix`_play."""

    def __init__(self, prefix: str):
        self.prefix, self.flag, self.key = prefix, f"{prefix}_playing", f"{prefix}_play"

    def playing(self) -> bool:
        return st.session_state.get(self.flag, False)

    def toggle(self) -> None:
        st.session_state[self.flag] = not self.playing()

    def pause(self) -> None:
        st.session_state[self.flag] = False

    def button(self, where: Any = st, disabled: bool = False) -> None:
        """Play while paused, Pause while playing."""
        playing = self.playing()
        where.button(
            "Pause" if playing else "Play",
            key=self.key,
            on_click=self.toggle,
            type="primary",
            icon=":material/pause:" if playing else ":material/play_arrow:",
            width="stretch",
            disabled=disabled,
        )

    def controls(
        self,
        step_size: Number,
        step: Callable[[int], None],
        restart: Callable[[], None],
        disabled: bool = False,
        restart_help: str | None = None,
        widths: Sequence[float] = (1, 1, 1, 1),
    ) -> list[Any]:
        """The live view's row: Play / Pause, Step (pause, then `step(n)`, n from the step_size control),
        the step size, Restart (pause, then `restart()`). Columns beyond the first four of `widths` are
        returned, for the page's own buttons."""
        columns = st.columns(widths, vertical_alignment="bottom")
        self.button(columns[0], disabled=disabled)
        n = widget(step_size, columns[2])
        columns[1].button(
            "Step",
            key=f"{self.prefix}_step",
            on_click=self._pause_then,
            args=(step, n),
            icon=":material/skip_next:",
            width="stretch",
            disabled=disabled,
        )
        columns[3].button(
            "Restart",
            key=f"{self.prefix}_restart",
            on_click=self._pause_then,
            args=(restart,),
            icon=":material/replay:",
            width="stretch",
            help=restart_help,
        )
        return columns[4:]

    def _pause_then(self, action: Callable[..., None], *args: Any) -> None:
        self.pause()
        action(*args)
