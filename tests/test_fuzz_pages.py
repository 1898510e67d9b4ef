"""Hypothesis sets every widget of every page to random values within its bounds: no exception."""

import pytest
from apptest_helpers import PAGE_FILES, run_app, widgets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Typed text: valid-looking sequences, junk, and the empty string.
TEXT = st.one_of(
    st.lists(st.sampled_from(["0", "1", "2", "-1.5", "1e6", "x", ",", ""]), max_size=30).map(" ".join),
    st.text(max_size=60),
)


def value_for(widget, data):
    """A random value the widget itself would accept."""
    kind = type(widget).__name__
    if kind in ("NumberInput", "Slider"):
        is_int = isinstance(widget.value, int) and isinstance(widget.step, int)
        if is_int:
            return data.draw(st.integers(int(widget.min), int(widget.max)))
        return data.draw(st.floats(widget.min, widget.max, allow_nan=False))
    if kind in ("Radio", "Selectbox"):
        return data.draw(st.sampled_from(widget.options))
    if kind == "TextInput":
        return data.draw(TEXT)[: widget.max_chars or None]
    if kind == "Checkbox":
        return data.draw(st.booleans())
    return None


@pytest.mark.parametrize("path", PAGE_FILES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_widget_values_never_raise(path, data):
    at = run_app(path)
    for _ in range(2):  # twice: the first draw may reveal widgets (e.g. another network's weights)
        for widget in widgets(at):
            value = value_for(widget, data)
            if value is not None:
                widget.set_value(value)
        at.run()
        assert not at.exception, at.exception
