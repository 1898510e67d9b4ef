"""The backprop-through-time page: moving a weight moves the numbers; bad input gets a message."""

import pytest
from apptest_helpers import open_numbers, chart_traces, run_app

PAGE = "pages/backprop_through_time.py"


def totals(at):
    """The diamonds of the gradient chart: u_bar, v_bar, w_bar as drawn."""
    return chart_traces(at, "bptt_gradients")[-1]["y"]


def test_defaults_show_the_graph_gradients_and_a_tight_autograd_check():
    at = run_app(PAGE)
    assert not at.exception
    nodes = chart_traces(at, "bptt_graph")[-1]
    assert any(h.startswith("z_1 = 0.5<br>z̄_1") for h in nodes["hovertext"])  # z_1 = u x_1 = 0.5 * 1
    assert len(chart_traces(at, "bptt_gradients")) == 6 + 1  # one segment per step, and the totals
    assert float(at.metric[1].value) < 1e-10
    assert at.metric[1].value == "2.2e-16"  # the README's number: one rounding of 1, at the defaults


def test_moving_w_changes_the_gradients_and_zero_w_cuts_the_path_back():
    at = run_app(PAGE)
    before = totals(at)
    at.slider(key="bptt_w").set_value(0.0).run()
    assert totals(at) != before
    at = open_numbers(at)
    # with w = 0 no gradient comes back from later steps: h_bar_t = r_bar_t v (v = 1 here)
    table = at.dataframe[0].value
    assert table["h_bar"].tolist() == pytest.approx(table["r_bar"].tolist())
    at.slider(key="bptt_w").set_value(0.9).run()
    table = at.dataframe[0].value
    assert table["h_bar"].tolist() != pytest.approx(table["r_bar"].tolist())


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "relu"])
def test_extremes_run_and_the_check_holds(activation):
    at = run_app(
        PAGE,
        query={
            "bptt_source": "random",
            "bptt_T": "100",
            "bptt_activation": activation,
            "bptt_u": "3",
            "bptt_v": "-3",
            "bptt_w": "3",
            "bptt_numbers": "true",
        },
    )
    assert not at.exception
    assert len(at.dataframe[0].value) == 100
    gap = float(at.metric[1].value)
    loss = float(at.metric[0].value)
    assert gap <= 1e-12 * max(1.0, loss)  # relative to the size of the numbers (3^100 for linear)


@pytest.mark.parametrize(
    "x, targets, message",
    [("1 2 3", "1 2", "same length"), ("1 banana", "1 2", "'banana', is not a number"), ("", "1", "empty")],
)
def test_bad_typed_sequences_get_a_message(x, targets, message):
    at = run_app(PAGE)
    at.text_input(key="bptt_x").set_value(x)
    at.text_input(key="bptt_targets").set_value(targets).run()
    assert not at.exception and message in at.error[0].value
    assert not at.get("plotly_chart")


def test_the_formulas_say_where_the_recursion_starts():
    at = run_app(PAGE)
    assert r"\overline{z_{T+1}} = 0" in at.latex[0].value
    assert any("starts from z̄_(T+1) = 0" in c.value and "h̄_T = r̄_T v" in c.value for c in at.caption)
