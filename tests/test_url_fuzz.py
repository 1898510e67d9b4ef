"""Every page opened from a link full of garbage: random strings, NaN, infinities, huge and
out-of-range numbers in every URL parameter. The page falls back to defaults, says which values it
did not take, and never shows a traceback."""

import functools

import pytest
from apptest_helpers import PAGE_FILES, run_app, widgets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GARBAGE = st.one_of(
    st.sampled_from(
        [
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e400",
            "-1e400",
            "1e308",
            "99999999999999999999",
            "-0",
            "",
            " ",
            "0x10",
            "None",
            "true",
            "[1, 2]",
            "%00",
            "1,5",
            "１２",
            "\u202e3",
            "' OR 1=1 --",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.text(max_size=40),
    st.text(max_size=5000).filter(lambda s: len(s) > 2000),  # longer than any text box takes
)


@functools.cache
def bound_keys(path: str) -> tuple[str, ...]:
    """The keys of the page's widgets at their defaults: every one of them is a URL parameter."""
    at = run_app(path, timeout=180)
    return tuple(sorted({w.key for w in widgets(at) if w.key}))


def number_keys(path: str) -> set[str]:
    at = run_app(path, timeout=180)
    return {w.key for kind in ("number_input", "slider") for w in at.get(kind) if w.key}


@pytest.mark.parametrize("path", [p for p in PAGE_FILES if p != "app.py"])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_garbage_link_opens_with_defaults_and_a_warning(path, data):
    keys = bound_keys(path)
    chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    query = {key: data.draw(GARBAGE) for key in chosen}
    at = run_app(path, query=query, timeout=180)
    assert not at.exception, (query, at.exception)


@pytest.mark.parametrize("value", ["nan", "1e400"])  # 1e400: Streamlit 1.67 itself raises on it (ui.controls)
@pytest.mark.parametrize("path", [p for p in PAGE_FILES if p != "app.py"])
def test_a_non_number_in_every_number_is_named_in_the_warning(path, value):
    keys = sorted(number_keys(path))
    at = run_app(path, query=dict.fromkeys(keys, value), timeout=180)
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    for key in keys:
        assert f"{key}={value}" in warning, key
