"""Share and reproduce: a page's numbers as a table and a CSV download, with the few lines of Python
that compute the same table with rnnviz in a notebook.

A page calls `offer(table, snippet, name)` once, below its charts. `table` maps column names to
equal-length columns; `snippet` is Python that imports rnnviz and ends with a variable `table`
holding those same columns (tests/test_share.py runs every page's snippet and compares).

The expander is drawn closed and filled only once opened (its state is `<name>_numbers` in the
URL): a table, its CSV and the code cost a few milliseconds on every rerun that nobody looks at."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

MAX_ROWS = 100_000  # a CSV larger than this would be a dump, not a view's numbers


def frame(table: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The table as a DataFrame, columns in the order given."""
    data = pd.DataFrame({name: list(column) for name, column in table.items()})
    if len(data) > MAX_ROWS:
        raise ValueError(f"a shared table holds at most {MAX_ROWS:,} rows, got {len(data):,}")
    return data


def csv_text(table: Mapping[str, Sequence[Any]]) -> str:
    """The table as CSV text with a header row; floats written in full (repr) precision."""
    return frame(table).to_csv(index=False)


def offer(table: Mapping[str, Sequence[Any]], snippet: str, name: str, where: Any = st) -> None:
    """An expander with the numbers behind the view, their CSV download and the notebook snippet."""
    rows = len(next(iter(table.values()), ()))
    numbers = where.expander(
        f"The numbers ({rows:,} rows): CSV download and the Python that reproduces them",
        key=f"{name}_numbers",
        on_change="rerun",
        bind="query-params",
    )
    if not numbers.open:
        return
    data = frame(table)
    with numbers:
        st.dataframe(data, hide_index=True, height=min(400, 38 + 35 * len(data)))
        st.download_button(
            "Download CSV",
            data=lambda: data.to_csv(index=False),
            file_name=f"rnnviz-{name}.csv",
            mime="text/csv",
            key=f"{name}_csv",
            on_click="ignore",
            icon=":material/download:",
        )
        st.caption(
            "In a notebook (with rnnviz importable: run it from this repository's folder) these lines give "
            "the same `table`:"
        )
        st.code(textwrap.dedent(snippet).strip() + "\n", language="python")
