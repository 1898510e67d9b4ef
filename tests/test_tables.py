"""ui.tables: a few rows as a markdown pipe table."""

from ui.tables import markdown_table


def test_rows_become_a_pipe_table_in_key_order():
    rows = [{"x": 0, "y": "a"}, {"x": 1, "y": "b"}]
    assert markdown_table(rows).splitlines() == ["| x | y |", "|---|---|", "| 0 | a |", "| 1 | b |"]


def test_no_rows_no_table():
    assert markdown_table([]) == ""
