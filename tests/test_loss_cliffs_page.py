"""The loss-cliff page: its paths follow the controls; clipping on a plateau and the loss averaged over
starts say what a computation shows; extremes give no exception."""

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import chart_keys, chart_traces, open_numbers, run_app

from rnnviz import landscape
from ui.share import frame

PAGE = "pages/loss_cliffs.py"


def path_traces(at):
    return {
        t["name"]: t
        for t in chart_traces(at, "cliff_map")
        if t.get("name", "").startswith(("no ", "clipped"))
    }


def test_defaults_show_the_jump_and_moving_the_start_moves_the_paths():
    at = run_app(PAGE)
    assert chart_keys(at) == ["cliff_map", "cliff_norms"]  # the first view; the others below
    paths = path_traces(at)
    assert paths["no clipping"]["x"][0] == 4.4 and paths["no clipping"]["y"][-1] > 2  # left the map upwards
    assert max(paths["clipped by norm"]["y"]) < 0
    at.slider(key="cliff_start_w").set_value(1.0).run()
    assert path_traces(at)["clipped by norm"]["x"][0] == 1.0


@pytest.mark.parametrize(
    ("view", "charts"), [("In 3D", ["cliff_surface"]), ("A slice along w", ["cliff_slice"])]
)
def test_each_view_draws_its_chart_and_follows_the_start(view, charts):
    at = run_app(PAGE, query={"cliff_view": view, "cliff_start_b": "-2.4"})
    assert not at.exception and chart_keys(at) == charts
    traces = chart_traces(at, charts[0])
    if view == "In 3D":
        assert [t["x"][0] for t in traces[1:]] == [4.4] * 3  # the three paths start at the start
    else:
        assert "at the start's b = -2.4" in at.caption[0].value


def test_a_click_on_the_map_moves_the_start():
    at = run_app(PAGE)
    at.session_state["cliff_map"] = {"selection": {"points": [{"x": 2.5, "y": -1.0}]}}
    at.run()
    assert (at.slider(key="cliff_start_w").value, at.slider(key="cliff_start_b").value) == (2.5, -1.0)


@pytest.mark.parametrize(
    "query",
    [
        {"cliff_T": "200", "cliff_eta": "0.0001", "cliff_lr": "5", "cliff_steps": "300"},
        {"cliff_T": "1", "cliff_eta": "10000", "cliff_start_w": "-20", "cliff_start_b": "20"},
        {"cliff_w_min": "5", "cliff_w_max": "1"},
        {
            "cliff_starts": "16",
            "cliff_T": "200",
            "cliff_lr": "5",
            "cliff_steps": "300",
            "cliff_start_w": "20",
        },
    ],
)
def test_extremes_give_no_exception(query):
    at = run_app(PAGE, query=query)
    assert not at.exception
    if "cliff_w_min" in query:
        assert "low to high" in at.error[0].value


def test_the_page_says_clipping_does_nothing_on_the_plateau_where_the_unclipped_path_ends():
    at = run_app(PAGE)
    assert "does nothing on the plateaus" in at.markdown[0].value
    note = next(i.value for i in at.info if "plateau" in i.value)
    assert "norm of 4.5e-05" in note and "lr × ‖g‖ = 2.3e-05" in note and "exactly the same steps" in note
    at = run_app(PAGE, query={"cliff_start_w": "4.0", "cliff_start_b": "-1.9"})  # no plateau there
    assert not any("plateau" in i.value for i in at.info)


def test_averaging_over_starts_redraws_the_map_and_paths_and_says_what_it_is():
    at = run_app(PAGE, query={"cliff_starts": "16"})
    assert not at.exception and chart_keys(at) == ["cliff_map", "cliff_norms"]
    assert any(
        "In expectation, the cost may be fairly smooth" in i.value and "16 starts" in i.value for i in at.info
    )
    heatmap = chart_traces(at, "cliff_map")[0]
    assert (
        heatmap["colorbar"]["title"]["text"] == "mean E<br>over 16 x₀"
        and len(heatmap["z"]) == len(heatmap["z"][0]) == 100
    )
    assert any("100 × 100 instead of 150 × 150" in i.value for i in at.info)
    expected = landscape.descents((4.4, -2.6), 0.5, 60, 50, 0.5, landscape.random_starts(16))
    drawn = path_traces(at)["no clipping"]
    np.testing.assert_allclose(drawn["x"], expected[0].w, rtol=1e-12)
    np.testing.assert_allclose(drawn["y"], expected[0].b, rtol=1e-12)


def test_the_averaged_slice_shows_the_single_start_and_the_softer_staircase():
    at = run_app(PAGE, query={"cliff_view": "A slice along w", "cliff_starts": "16"})
    assert not at.exception
    traces = chart_traces(at, "cliff_slice")
    assert traces[0]["name"] == "E at x₀ = 0.5" and len(traces) == 3
    captions = " ".join(c.value for c in at.caption)
    assert (
        "the largest jump between neighbouring samples is 0.03, against 0.33 for x₀ = 0.5 alone" in captions
    )


def test_the_snippet_of_an_averaged_descent_reproduces_its_table():
    at = open_numbers(run_app(PAGE, query={"cliff_starts": "4", "cliff_steps": "20"}))
    expander = next(e for e in at.expander if any("table =" in c.value for c in e.code))
    snippet = next(c.value for c in expander.code if "table =" in c.value)
    namespace: dict = {}
    exec(compile(snippet, "<snippet>", "exec"), namespace)  # our own generated code, in a test
    pd.testing.assert_frame_equal(
        frame(namespace["table"]), expander.dataframe[0].value, check_dtype=False, rtol=1e-9, atol=1e-12
    )
