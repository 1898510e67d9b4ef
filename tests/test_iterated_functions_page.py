"""The iterated-functions page: the lecture's default (the 4-cycle of 3.5 x (1 - x)), widgets that
move what the figures show, the tanh unit, and every slider at its extremes without a traceback.

The page draws one view at a time (a tab, its name in the URL as maps_view): a test opens the view
whose charts it reads."""

import numpy as np
import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/iterated_functions.py"
VIEWS = {  # each view and the charts it draws
    "The lecture's panels": ["maps_panels"],
    "Iterate and cobweb": ["maps_iterate", "maps_cobweb"],
    "Derivatives": ["maps_derivative", "maps_gradient"],
    "Fixed points and cycles": [],
    "Bifurcation diagram": ["maps_bifurcation"],
}
FOUR_CYCLE = [0.38282, 0.50088, 0.82694, 0.875]


def show(at, view):
    """The same session with another view open (as a click on its tab, which also writes the URL)."""
    at.session_state["maps_view"] = at.query_params["maps_view"] = view
    return at.run()


def trace(at, key, name):
    """The trace called `name` of the chart drawn with `key`."""
    return next(t for t in chart_traces(at, key) if t.get("name") == name)


def current_attractors(at):
    """The orange marks on the bifurcation diagram: (parameter values, states)."""
    marks = next(
        t for t in chart_traces(at, "maps_bifurcation") if t.get("name", "").startswith("attractors at")
    )
    return marks["x"], sorted(marks["y"])


def test_defaults_show_the_lecture_map_and_its_4_cycle():
    at = run_app(PAGE)
    assert not at.exception
    assert chart_keys(at) == ["maps_panels"]  # the first view, the lecture's
    f = trace(at, "maps_panels", "y = f(x)")
    assert np.allclose(f["y"], 3.5 * np.array(f["x"]) * (1 - np.array(f["x"])))
    assert max(f["y"]) == pytest.approx(3.5 / 4)
    orbit = trace(show(at, "Iterate and cobweb"), "maps_cobweb", "(xₜ, xₜ₊₁)")
    assert orbit["x"][0] == pytest.approx(0.1) and len(orbit["x"]) == 40
    # the orbit has settled on the cycle
    assert sorted(orbit["x"][-4:]) == pytest.approx(FOUR_CYCLE, abs=1e-5)
    x, y = current_attractors(show(at, "Bifurcation diagram"))
    assert x == [3.5] * 4 and y == pytest.approx(FOUR_CYCLE, abs=1e-5)
    table = show(at, "Fixed points and cycles").dataframe[0].value
    assert table["kind"].tolist() == ["fixed point", "fixed point", "4-cycle"]
    assert table["stability"].tolist() == ["repelling", "repelling", "attracting"]
    assert [m.value for m in show(at, "Derivatives").metric] == ["3.51e-5", "0.774", "-0.8725"]


def test_moving_r_moves_every_figure_but_not_the_cached_diagram():
    at = run_app(PAGE, query={"maps_view": "Bifurcation diagram"})
    heat_before = chart_traces(at, "maps_bifurcation")[0]["z"]
    at.slider(key="maps_r").set_value(2.8)
    at.slider(key="maps_k").set_value(100).run()
    assert not at.exception
    assert current_attractors(at) == ([2.8], pytest.approx([1 - 1 / 2.8]))
    assert chart_traces(at, "maps_bifurcation")[0]["z"] == heat_before  # it depends on the range only
    f = trace(show(at, "The lecture's panels"), "maps_panels", "y = f(x)")
    assert max(f["y"]) == pytest.approx(2.8 / 4)
    at = show(at, "Iterate and cobweb")
    orbit = trace(at, "maps_cobweb", "(xₜ, xₜ₊₁)")
    assert orbit["y"][-1] == pytest.approx(1 - 1 / 2.8, abs=1e-8)  # drawn in: the distance shrinks 0.8 a step
    assert trace(at, "maps_iterate", "attracting fixed point")["x"] == pytest.approx([1 - 1 / 2.8])
    assert show(at, "Fixed points and cycles").dataframe[0].value["stability"].tolist() == [
        "repelling",
        "attracting",
    ]
    at = show(at, "Derivatives")
    assert float(at.metric[2].value) == pytest.approx(np.log(0.8), abs=1e-4)  # log|2 - r|, shown to 4 places


def test_k_and_x0_change_the_iterate_the_cobweb_and_the_gradient():
    at = run_app(PAGE)
    at.slider(key="maps_k").set_value(1).run()
    panel_f = trace(at, "maps_panels", "y = f(x)")
    at = show(at, "Iterate and cobweb")
    f1 = trace(at, "maps_iterate", "y = f(x)")
    # f∘1 is f (the panel: fewer points)
    assert f1["y"][:: len(f1["y"]) // (len(panel_f["y"]) - 1)] == panel_f["y"]
    at.slider(key="maps_x0").set_value(0.5).run()
    assert trace(at, "maps_cobweb", "start x₀")["x"] == [0.5]
    at = show(at, "Derivatives")
    assert at.metric[0].value == "0"  # f'(1/2) = 0: the gradient is exactly 0 after one step
    assert "vanished below 1e-300 at step 1" in at.warning[0].value
    below = trace(at, "maps_gradient", "below 1e-300 (vanished)")
    assert below["x"] == [1]


def test_the_bifurcation_range_is_a_setting_and_a_backwards_one_gets_a_message():
    at = run_app(
        PAGE,
        query={
            "maps_r_from": "3.8",
            "maps_r_to": "3.9",
            "maps_r": "3.83",
            "maps_view": "Bifurcation diagram",
        },
    )
    heat = chart_traces(at, "maps_bifurcation")[0]
    assert heat["x"][0] == pytest.approx(3.8) and heat["x"][-1] == pytest.approx(3.9)
    x, y = current_attractors(at)
    assert x == [3.83] * 3 and len(y) == 3  # the period-3 window
    at.number_input(key="maps_r_from").set_value(3.95).run()
    assert not at.exception
    assert "must run upwards" in at.error[0].value
    assert chart_keys(at) == []


def test_the_tanh_unit_shows_two_attractors_a_cliff_and_vanishing_gradients():
    at = run_app(PAGE, query={"maps_map": "tanh unit", "maps_view": "Fixed points and cycles"})
    assert not at.exception
    table = at.dataframe[0].value
    assert table["points"].tolist() == ["-0.95750", "0.00000", "0.95750"]
    assert table["stability"].tolist() == ["attracting", "repelling", "attracting"]
    derivative = trace(show(at, "Derivatives"), "maps_derivative", "|df∘40/dh|")
    middle = derivative["x"].index(0.0)
    assert derivative["y"][middle] == pytest.approx(2.0**40)  # the cliff between the basins: 2 per step
    assert max(derivative["y"][:900]) < 1e-10  # far from it, the gradient has vanished
    x, y = current_attractors(show(at, "Bifurcation diagram"))
    assert x == [2.0, 2.0] and y == pytest.approx([-0.9575, 0.9575], abs=1e-4)
    at.slider(key="maps_w").set_value(0.5).run()
    table = show(at, "Fixed points and cycles").dataframe[0].value
    assert table["points"].tolist() == ["0.00000"] and table["multiplier"].tolist() == [0.5]
    gradient = trace(show(at, "Derivatives"), "maps_gradient", "|dhₜ/dh₀|")
    assert gradient["y"][-1] < 0.5**40 * 1.01  # |w (1 - h^2)| <= 0.5 at every step


@pytest.mark.parametrize(
    "query",
    [
        {"maps_r": "4", "maps_k": "100"},
        {"maps_r": "0"},
        {"maps_r": "0", "maps_k": "100", "maps_r_from": "0"},
        {"maps_x0": "0"},
        {"maps_x0": "1", "maps_r": "4"},
        {"maps_r": "3", "maps_k": "100"},
        {"maps_r": "1"},
        {"maps_map": "tanh unit", "maps_w": "4", "maps_b": "2", "maps_h0": "1", "maps_k": "100"},
        {"maps_map": "tanh unit", "maps_w": "-4", "maps_b": "-2", "maps_h0": "-1", "maps_k": "100"},
        {"maps_map": "tanh unit", "maps_w": "0", "maps_b": "0", "maps_h0": "0"},
        {"maps_map": "tanh unit", "maps_w": "1", "maps_b": "0", "maps_w_from": "0.9", "maps_w_to": "1"},
    ],
)
def test_slider_extremes_draw_every_chart_without_a_traceback(query):
    at = run_app(PAGE, query=query)
    for view, charts in VIEWS.items():
        at = show(at, view)
        assert not at.exception, at.exception
        assert chart_keys(at) == charts
        assert not at.error
        for key in charts:
            assert chart_traces(at, key), key  # never an empty chart


def test_r_zero_reports_a_vanished_gradient():
    at = run_app(PAGE, query={"maps_r": "0", "maps_view": "Derivatives"})
    assert "vanished below 1e-300 at step 1" in at.warning[0].value
    assert at.metric[2].value == "−∞"
    assert len(trace(at, "maps_derivative", "below 1e-300 (vanished)")["x"]) == 2001


def test_garbage_in_the_link_falls_back_to_defaults_with_a_warning():
    at = run_app(PAGE, query={"maps_r": "5", "maps_k": "abc", "maps_map": "lstm"})
    assert not at.exception
    warning = at.warning[0].value
    assert "`maps_r=5`: expected a number from 0 to 4; using 3.5." in warning
    assert "`maps_k=abc`: expected a whole number from 1 to 100; using 40." in warning
    assert at.slider(key="maps_r").value == 3.5 and chart_keys(at) == ["maps_panels"]


def test_the_bifurcation_caption_says_lambda_touches_0_and_is_not_kept_there():
    at = run_app(PAGE, query={"maps_view": "Bifurcation diagram"})
    caption = next(c.value for c in at.caption if "bottom: λ" in c.value)
    assert "λ touches 0 at a bifurcation" in caption and "it is not kept there" in caption


def test_the_intro_says_that_at_3_5_the_values_gravitate_to_a_4_cycle_not_to_a_fixed_point_of_f():
    from rnnviz import maps

    lecture = maps.LogisticMap(3.5)
    assert [c.multiplier for c in maps.fixed_points(lecture)] == pytest.approx([3.5, -1.5])  # both repel
    (cycle,) = maps.attracting_cycles(lecture)
    assert cycle.period == 4 and abs(cycle.multiplier) < 1  # attracting fixed points of f∘4
    for p in cycle.points:
        assert maps.iterate(lecture.f, p, 4) == pytest.approx(p, abs=1e-12)
        assert maps.iterate(lecture.f, p, 8) == pytest.approx(p, abs=1e-12)
    intro = run_app(PAGE).markdown[0].value
    assert "two fixed points of $f$ itself repel (multipliers 3.5 and −1.5)" in intro and "a 4-cycle" in intro


def test_the_readmes_tanh_unit_numbers():
    """README: at w = 2, b = 0, attractors ±0.9575 (multiplier 0.166), the repeller 0 with |d f∘40/dh| =
    2⁴⁰ there, and |dh₄₀/dh₀| = 3.2e-28 from h₀ = 0.1."""
    at = show(run_app(PAGE, query={"maps_map": "tanh unit"}), "Derivatives")
    assert at.metric[0].value == "3.16e-28"
    table = show(at, "Fixed points and cycles").dataframe[0].value
    assert [round(m, 3) for m in table["multiplier"]] == [0.166, 2.0, 0.166]
