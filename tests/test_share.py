"""Every page's numbers: the CSV table it offers and the notebook snippet beside it give the same
numbers (the snippet is run here, as a user would paste it into a notebook)."""

import pandas as pd
import pytest
from apptest_helpers import PAGE_FILES, open_numbers, press, run_app

from ui.share import csv_text, frame

# (page, link settings, buttons to press): small settings so that the models train in a second.
CASES = [
    ("pages/hand_built_rnns.py", {}, []),
    ("pages/hand_built_rnns.py", {"hb_network": "sum"}, []),
    ("pages/hand_built_rnns.py", {"hb_network": "compare"}, []),
    ("pages/backprop_through_time.py", {}, []),
    (
        "pages/backprop_through_time.py",
        {"bptt_source": "random", "bptt_T": "7", "bptt_activation": "relu"},
        [],
    ),
    ("pages/exploding_vanishing.py", {"ev_H": "8", "ev_steps": "30", "ev_act": "sigmoid"}, []),
    ("pages/iterated_functions.py", {"maps_view": "Derivatives"}, []),
    ("pages/iterated_functions.py", {"maps_view": "Derivatives", "maps_map": "tanh unit", "maps_k": "9"}, []),
    ("pages/loss_cliffs.py", {"cliff_steps": "25"}, []),
    (
        "pages/lstm_gates.py",
        {"gates_T": "10", "gates_hidden": "4", "gates_steps": "50", "gates_example": "3"},
        ["Train this LSTM"],
    ),
    (
        "pages/long_term_dependencies.py",
        {"ltd_T": "10", "ltd_hidden": "4", "ltd_steps": "30", "ltd_step_size": "30"},
        ["Step"],
    ),
    ("pages/sentiment.py", {"sent_hidden": "8", "sent_epochs": "1", "sent_kind": "gru"}, ["Train this"]),
]


def offered(at) -> list[tuple[pd.DataFrame, str]]:
    """(the table shown, the snippet) of each offer on the page: the expanders holding a snippet."""
    pairs = []
    for expander in at.expander:
        snippets = [c.value for c in expander.code if "table =" in c.value]
        if snippets:
            pairs.append((expander.dataframe[0].value, snippets[0]))
    return pairs


@pytest.mark.parametrize(("path", "query", "buttons"), CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_snippet_reproduces_the_table(path, query, buttons):
    at = run_app(path, query=query, timeout=120)
    for label in buttons:
        at = press(at, label)
    at = open_numbers(at)
    assert not at.exception, at.exception
    pairs = offered(at)
    assert pairs, "the page offers no numbers"
    for shown, snippet in pairs:
        assert "import rnnviz" in snippet or "from rnnviz" in snippet
        namespace: dict = {}
        exec(compile(snippet, f"<snippet of {path}>", "exec"), namespace)  # our own generated code, in a test
        ours = frame(namespace["table"])
        assert list(ours.columns) == list(shown.columns)
        assert len(ours) == len(shown) > 0
        pd.testing.assert_frame_equal(
            ours.reset_index(drop=True),
            shown.reset_index(drop=True),
            check_dtype=False,
            rtol=1e-9,
            atol=1e-12,
        )


def test_every_page_is_covered():
    pages = {path for path, _, _ in CASES}
    assert pages == set(PAGE_FILES) - {"app.py"} - TESTED_IN_THEIR_OWN_FILE, sorted(set(PAGE_FILES) - pages)


# Pages whose models train for longer: their snippets are tested in their page tests.
TESTED_IN_THEIR_OWN_FILE = {"pages/char_language_model.py", "pages/sequence_to_sequence.py"}


def test_csv_has_a_header_and_full_precision():
    text = csv_text({"t": [1, 2], "value": [0.1 + 0.2, 1e-300]})
    assert text.splitlines() == ["t,value", "1,0.30000000000000004", "2,1e-300"]


def test_a_table_too_large_to_share_is_refused():
    with pytest.raises(ValueError, match="at most"):
        frame({"t": range(200_000)})
