"""Each page's controls in one table (key, label, default, range) that both the widgets and the URL
read, as in TensorFlow Playground's state.ts. A control of a config's field is made from the field's
rnnviz.settings.Setting (`Number.of`, `Choice.of`, `Toggle.of`), so a page cannot allow what the
config refuses. Every widget is bound to the query string, so the address bar always holds the whole
view; values in a link that are malformed or out of range are dropped by Streamlit, and
`warn_about_bad_link` says so on the page. `widget` returns typed values (an int from a whole-number
control), `widgets` a row of them by field name: `Config(**widgets(...))`."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from rnnviz import settings


@dataclass(frozen=True)
class Number:
    """A number widget: a slider when `slider`, else a number box."""

    key: str
    label: str
    default: float
    min: float
    max: float
    step: float
    slider: bool = False
    help: str | None = None
    format: str | None = None

    @classmethod
    def of(
        cls,
        config_class: type,
        name: str,
        key: str,
        *,
        default: float | None = None,
        slider: bool = False,
        format: str | None = None,
    ) -> Number:
        """The control of a config field: label, range, step and help from its rnnviz.settings.Setting;
        the default is the config's unless the page opens elsewhere (a preset's value)."""
        spec = settings.of(config_class, name)
        value = spec.default if default is None else default
        return cls(key, spec.label, value, spec.low, spec.high, spec.step, slider, spec.help, format)

    @property
    def whole(self) -> bool:
        """Whether the widget holds whole numbers (an int default and step)."""
        return isinstance(self.default, int) and isinstance(self.step, int)

    def problem(self, raw: str) -> str | None:
        """Why Streamlit will not take this URL value (it then uses the default), or None."""
        kind = "a whole number" if isinstance(self.default, int) else "a number"
        expected = f"{kind} from {self.min:g} to {self.max:g}; using {self.default:g}"
        try:
            value = float(raw)
        except ValueError:
            return expected
        in_range = math.isfinite(value) and self.min <= value <= self.max
        return None if in_range and (kind == "a number" or value == int(value)) else expected


@dataclass(frozen=True)
class Choice:
    """One of a few options, shown as a horizontal radio."""

    key: str
    label: str
    options: tuple[str, ...]
    default: str
    help: str | None = None

    @classmethod
    def of(cls, config_class: type, name: str, key: str, *, default: str | None = None) -> Choice:
        """The control of a config field with options (rnnviz.settings.Setting)."""
        spec = settings.of(config_class, name)
        return cls(key, spec.label, spec.options, spec.default if default is None else default, spec.help)

    def problem(self, raw: str) -> str | None:
        """Why Streamlit will not take this URL value (it then uses the default), or None."""
        if raw in self.options:
            return None
        return f"one of {', '.join(self.options)}; using {self.default}"


@dataclass(frozen=True)
class Text:
    """A line of typed text; the page parses it and reports its errors itself."""

    key: str
    label: str
    default: str
    max_chars: int = 2000
    help: str | None = None

    def problem(self, raw: str) -> str | None:
        """Streamlit cuts a longer URL value to max_chars; say so."""
        return None if len(raw) <= self.max_chars else f"at most {self.max_chars} characters; cut there"


@dataclass(frozen=True)
class Toggle:
    """A checkbox: on or off."""

    key: str
    label: str
    default: bool
    help: str | None = None

    @classmethod
    def of(cls, config_class: type, name: str, key: str) -> Toggle:
        """The control of a yes-or-no config field (rnnviz.settings.Setting)."""
        spec = settings.of(config_class, name)
        return cls(key, spec.label, spec.default, spec.help)

    def problem(self, raw: str) -> str | None:
        """Streamlit takes 'true' or 'false' in a link."""
        return (
            None if raw.lower() in ("true", "false") else f"true or false; using {str(self.default).lower()}"
        )


Control = Number | Choice | Text | Toggle


def widget(control: Control, where: Any = st) -> Any:
    """Draw the control (in `where`: st, a column, the sidebar) bound to the URL; return its value, typed:
    an int from a whole-number control, a float from any other number, so pages never cast."""
    # The default stays the same on every run: Streamlit drops a URL parameter equal to it, so
    # a link holds only what differs from the defaults. Values that preset buttons put into
    # st.session_state win over it (config: disableWidgetStateDuplicationWarning).
    common = dict(key=control.key, help=control.help, bind="query-params")
    if isinstance(control, Number):
        raw = st.query_params.get(control.key)
        if raw is not None and control.problem(raw) is not None:
            _drop_from_link(control.key)  # the default is used; warn_about_bad_link has said so

        number = where.slider if control.slider else where.number_input
        extra = {} if control.format is None else {"format": control.format}
        value = number(
            control.label,
            min_value=control.min,
            max_value=control.max,
            value=control.default,
            step=control.step,
            **extra,
            **common,
        )
        return int(value) if control.whole else float(value)
    if isinstance(control, Toggle):
        return where.checkbox(control.label, value=control.default, **common)
    if isinstance(control, Choice):
        index = control.options.index(control.default)
        return where.radio(control.label, control.options, index=index, horizontal=True, **common)
    return where.text_input(control.label, value=control.default, max_chars=control.max_chars, **common)


def position(control: Number, last: int, where: Any = st) -> int:
    """A slider over the positions 0..last of a text whose length changes (a typed sentence, a sample):
    its range ends at the text's end, a value past it (from a longer text before) moves to the end, and a
    text of one position has no slider (0)."""
    if not last:
        return 0
    if st.session_state.get(control.key, 0) > last:
        st.session_state[control.key] = last
    return widget(replace(control, default=min(control.default, last), max=last), where)


def widgets(controls: dict[str, Control], columns: list[Any]) -> dict[str, Any]:
    """Draw a row of controls, one per column; return their values by name (a config's field names,
    so that `Config(**widgets(...))` builds it)."""
    return {name: widget(control, column) for (name, control), column in zip(controls.items(), columns)}


def _drop_from_link(key: str) -> None:
    """Remove a parameter from the link before its widget reads it.

    Streamlit 1.67 seeds an integer number box from the link with int(float(value)) and lets the
    OverflowError of `inf` or `1e400` escape as a traceback. The widgets are seeded from the link's
    initial values, which st.query_params does not reach: this goes through the session's own."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    with get_session_state().query_params() as query_params:
        query_params._initial_query_params.pop(key, None)
        query_params.remove_param(key)


def warn_about_bad_link(controls: list[Control]) -> None:
    """Say which settings of the link were not taken as they are; call before the widgets."""
    problems = []
    for control in controls:
        if control.key in st.query_params:
            raw = st.query_params[control.key]
            problem = control.problem(raw)
            if problem:
                shown = raw if len(raw) <= 30 else raw[:30] + "…"
                problems.append(f"- `{control.key}={shown}`: expected {problem}.")
    if problems:
        st.warning("This link had settings that are malformed or out of range:\n" + "\n".join(problems))


def set_values(values: dict[str, Any]) -> None:
    """Set widgets by key (from a button callback, or before the widgets are drawn)."""
    for key, value in values.items():
        st.session_state[key] = value
