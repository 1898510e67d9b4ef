"""AppTest tests: every page runs; moving a control changes what the figure shows."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from apptest_helpers import PAGE_FILES, decode, chart_keys, chart_traces, charts, run_app

HAND_BUILT = "pages/hand_built_rnns.py"


def heatmap(at):
    """The unrolled computation's heatmap trace, and all of its traces."""
    traces = chart_traces(at, "hb_unrolled")
    return traces[0], traces


@pytest.mark.parametrize("path", PAGE_FILES)
def test_every_page_runs_without_exception_and_draws_valid_figures(path):
    at = run_app(path)
    assert not at.exception, at.exception
    assert len(at.title) == 1  # the page really ran: AppTest shows nothing at all for a SyntaxError
    # The builders skip plotly.py's validation (rnnviz/figures/__init__.py): here each chart goes
    # through it, and must come out unchanged (no unknown property, no shorthand left to coerce).
    for key, spec in charts(at).items():
        as_sent, validated = (
            decode(json.loads(pio.to_json(go.Figure(spec, _validate=check), validate=False)))
            for check in (False, True)
        )
        for figure in (as_sent, validated):  # the empty template, which validation fills with stubs
            assert figure["layout"].pop("template").get("layout", {}) == {}
        assert validated == as_sent, f"chart {key} is not in plotly's own schema"


def test_home_page_lists_every_page():
    at = run_app("app.py")
    pages = sorted(p.removeprefix("pages/").removesuffix(".py") for p in PAGE_FILES[1:])
    assert sorted(link.proto.page for link in at.get("page_link")) == pages
    text = " ".join(m.value for m in at.markdown)
    assert "parity" in text and "backprop through time" in text


def test_hand_built_defaults_show_the_lecture_example():
    at = run_app(HAND_BUILT)
    trace, _ = heatmap(at)
    assert trace["y"] == ["x (input)", "h₁", "h₂", "y (output)", "parity so far"]
    assert trace["text"][0] == list("0101101011")
    assert trace["text"][3] == list("0110110010")  # the lecture's parity bits 0 1 1 0 1 1 ...
    assert [s.value for s in at.success] == [
        "The output matches the target at all 10 steps.",
        "Correct on all 2,046 sequences of length 1 to 10.",
    ]


def test_typing_bits_changes_the_unrolled_figure():
    at = run_app(HAND_BUILT)
    at.text_input(key="hb_bits").set_value("1 1 1").run()
    trace, _ = heatmap(at)
    assert trace["x"] == [1, 2, 3]
    assert trace["text"][3] == ["1", "0", "1"]


def test_breaking_a_weight_marks_wrong_steps_and_the_checker_finds_counterexamples():
    at = run_app(HAND_BUILT)
    at.number_input(key="hb_parity_b_h1").set_value(-0.5).run()  # h1 becomes OR: y stays 0
    _, traces = heatmap(at)
    assert len(traces) == 2 and traces[1]["x"] == [2, 3, 5, 6, 9]  # steps where the parity is 1
    assert at.error[0].value.startswith("Wrong on")
    counterexamples = next(m.value for m in at.markdown if m.value.startswith("| input"))
    assert counterexamples.splitlines()[2] == "| 1 | 1 | 0 |"  # input 1: parity 1, the network says 0
    at.button[0].click().run()  # the lecture's solution
    assert at.number_input(key="hb_parity_b_h1").value == -1.5
    assert len(heatmap(at)[1]) == 1 and not at.error


def truth_table_column(at, name: str) -> list[str]:
    """A column of the XOR truth table (a markdown table) as text."""
    table = next(m.value for m in at.markdown if m.value.startswith("| y(t-1)"))
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]
    return [row[rows[0].index(name)] for row in rows[2:]]


def test_truth_table_follows_the_weights():
    at = run_app(HAND_BUILT)
    assert truth_table_column(at, "y(t)") == ["0", "1", "1", "0"]
    at.number_input(key="hb_parity_h1_to_y").set_value(0.0).run()  # y = OR now
    assert truth_table_column(at, "y(t)") == ["0", "1", "1", "1"]


def test_sum_and_compare_networks():
    at = run_app(HAND_BUILT)
    at.radio(key="hb_network").set_value("sum").run()
    at.text_input(key="hb_sum_x").set_value("1 2 3 4").run()
    trace, _ = heatmap(at)
    assert trace["text"][-1] == ["1", "3", "6", "10"] and trace["text"][2] == ["1", "3", "6", "10"]
    at.radio(key="hb_network").set_value("compare").run()
    at.text_input(key="hb_compare_first").set_value("1 1").run()
    at.text_input(key="hb_compare_second").set_value("0 3").run()
    trace, _ = heatmap(at)
    assert trace["text"][2] == ["1", "-1"] and trace["text"][-1] == ["1", "0"]
    at.text_input(key="hb_compare_second").set_value("0").run()
    assert "same length" in at.error[0].value and not at.exception


@pytest.mark.parametrize("text", ["", "0 1 2", "banana", "1" * 300])
def test_bad_sequences_get_a_message_not_a_traceback(text):
    at = run_app(HAND_BUILT)
    at.text_input(key="hb_bits").set_value(text[:400]).run()
    assert not at.exception and len(at.error) == 1
    assert chart_keys(at) == ["hb_diagram"]  # the unrolled computation is replaced by the message


def test_a_link_reopens_the_same_view():
    at = run_app(HAND_BUILT, query={"hb_bits": "1 0 1", "hb_parity_b_y": "0.25", "hb_check_n": "4"})
    assert at.text_input(key="hb_bits").value == "1 0 1"
    assert at.number_input(key="hb_parity_b_y").value == 0.25
    assert at.slider(key="hb_check_n").value == 4
    assert heatmap(at)[0]["x"] == [1, 2, 3]
    assert not any("malformed" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "query",
    [
        {"hb_check_n": "abc"},
        {"hb_check_n": "99"},
        {"hb_parity_b_y": "nan"},
        {"hb_network": "lstm"},
        {"hb_parity_x_to_h1": "1e308"},
    ],
)
def test_garbage_in_the_link_falls_back_to_defaults_with_a_warning(query):
    at = run_app(HAND_BUILT, query=query)
    assert not at.exception
    assert "malformed or out of range" in at.warning[0].value
    assert at.slider(key="hb_check_n").value == 10
    assert at.success[0].value == "The output matches the target at all 10 steps."


def test_learning_the_parity_weights_fills_the_boxes_and_passes_the_checker():
    at = run_app(HAND_BUILT)
    at.number_input(key="hb_learn_steps").set_value(400).run()
    learn = next(b for b in at.button if b.label == "Learn the parity weights")
    learn.click().run(timeout=120)
    assert not at.exception
    learned = at.number_input(key="hb_parity_b_h1").value
    assert learned != -1.5 and np.isfinite(learned)
    assert at.success[-1].value.startswith("Correct on all")
    assert chart_keys(at) == ["hb_diagram", "hb_unrolled", "hb_learning"]


def test_the_warning_says_what_each_bad_setting_should_be():
    at = run_app(HAND_BUILT, query={"hb_check_n": "99", "hb_network": "lstm", "hb_bits": "1" * 2500})
    warning = at.warning[0].value
    assert "`hb_check_n=99`: expected a whole number from 1 to 16; using 10." in warning
    assert "`hb_network=lstm`: expected one of parity, sum, compare; using parity." in warning
    assert "at most 2000 characters; cut there" in warning
    assert "Entry" in at.error[0].value or "at most 200" in at.error[0].value  # 2000 bits: too many
