"""The loss-cliff page: its paths follow the controls; extremes give no exception."""

import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/loss_cliffs.py"


def path_traces(at):
    return {t["name"]: t for t in chart_traces(at, "cliff_map") if t.get("name", "").startswith(("no ", "clipped"))}


def test_defaults_show_the_jump_and_moving_the_start_moves_the_paths():
    at = run_app(PAGE)
    assert chart_keys(at) == ["cliff_map", "cliff_norms"]  # the first view; the others below
    paths = path_traces(at)
    assert paths["no clipping"]["x"][0] == 4.4 and paths["no clipping"]["y"][-1] > 2  # left the map upwards
    assert max(paths["clipped by norm"]["y"]) < 0
    at.slider(key="cliff_start_w").set_value(1.0).run()
    assert path_traces(at)["clipped by norm"]["x"][0] == 1.0


@pytest.mark.parametrize(("view", "charts"), [("In 3D", ["cliff_surface"]), ("A slice along w", ["cliff_slice"])])
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
    "query", [{"cliff_T": "200", "cliff_eta": "0.0001", "cliff_lr": "5", "cliff_steps": "300"},
              {"cliff_T": "1", "cliff_eta": "10000", "cliff_start_w": "-20", "cliff_start_b": "20"},
              {"cliff_w_min": "5", "cliff_w_max": "1"}],
)  # fmt: skip
def test_extremes_give_no_exception(query):
    at = run_app(PAGE, query=query)
    assert not at.exception
    if "cliff_w_min" in query:
        assert "low to high" in at.error[0].value
