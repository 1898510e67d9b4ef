"""Small tables as markdown: a few rows that st.dataframe would send through pandas and Arrow, about
3 ms a table on every rerun, for what a markdown pipe table shows as well."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows of equal keys as a markdown pipe table, one column per key, values as str() gives them."""
    if not rows:
        return ""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[name]) for name in header) + " |" for row in rows]
    return "\n".join(lines)
