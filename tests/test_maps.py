"""Iterated maps: the logistic map's known values, the tanh unit's fixed points, derivatives of f∘k
against finite differences and torch autograd, the bifurcation diagram, and the figures' numbers."""

import math

import numpy as np
import pytest
import torch

from rnnviz import maps
from rnnviz.figures import maps as figures
from rnnviz.magnitudes import format_log10

FOUR_CYCLE = (0.38282, 0.82694, 0.50088, 0.87500)  # the attractor of 3.5 x (1 - x), in orbit order


# --- iterate, orbit, cobweb ------------------------------------------------------------------------


def test_iterate_equals_a_loop_elementwise_and_keeps_the_shape():
    x = np.random.default_rng(0).uniform(0, 1, (3, 5))
    for k in (1, 2, 6, 37):
        looped = x.copy()
        for _ in range(k):
            looped = 3.7 * looped * (1 - looped)
        result = maps.iterate(lambda z: maps.logistic(z, 3.7), x, k)
        assert result.shape == (3, 5)
        np.testing.assert_array_equal(result, looped)
    assert maps.iterate(maps.logistic, 0.2, 2) == pytest.approx(maps.logistic(maps.logistic(0.2)))
    assert maps.iterate(maps.logistic, 0.2, 2) == pytest.approx(0.2 * 3.5 * 0.8 * 3.5 * (1 - 0.56))


def test_iterate_zero_times_gives_x_back_as_a_copy():
    x = np.array([0.1, 0.5, 0.9])
    same = maps.iterate(maps.logistic, x, 0)
    np.testing.assert_array_equal(same, x)
    same[0] = 7.0
    assert x[0] == 0.1
    assert maps.iterate(np.cos, 0.3, 0) == 0.3
    with pytest.raises(ValueError, match="0 or more"):
        maps.iterate(np.cos, x, -1)


def test_iterate_overflow_is_a_result_not_an_error():
    with np.errstate(all="raise"):  # iterate must not trip this: it computes under its own errstate
        escaped = maps.iterate(lambda x: maps.logistic(x, 4.0), np.array([2.0, 0.5]), 20)
    assert escaped[0] == -np.inf and escaped[1] == 0.0  # 0.5 -> 1 -> 0 at r = 4


def test_orbit_and_cobweb_corners():
    xs = maps.orbit(maps.logistic, 0.1, 3)
    assert xs.shape == (4,)
    assert xs[1] == pytest.approx(0.315) and xs[3] == pytest.approx(maps.iterate(maps.logistic, 0.1, 3))
    corner_x, corner_y = maps.cobweb(maps.logistic, 0.1, 3)
    np.testing.assert_array_equal(corner_x, [xs[0], xs[0], xs[1], xs[1], xs[2], xs[2], xs[3]])
    np.testing.assert_array_equal(corner_y, [xs[0], xs[1], xs[1], xs[2], xs[2], xs[3], xs[3]])


# --- derivatives of f∘k ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "the_map",
    [maps.LogisticMap(3.5), maps.LogisticMap(3.9), maps.TanhUnit(2.0, 0.3), maps.TanhUnit(-1.5, -0.2)],
    ids=str,
)
@pytest.mark.parametrize("k", [1, 2, 5, 8])
def test_derivative_of_the_k_fold_map_matches_finite_differences(the_map, k):
    low, high = the_map.domain
    x = np.linspace(low + 0.13, high - 0.11, 7)
    step = 1e-6
    numeric = (maps.iterate(the_map.f, x + step, k) - maps.iterate(the_map.f, x - step, k)) / (2 * step)
    chain = maps.derivative(the_map.f, the_map.f_prime, x, k)
    np.testing.assert_allclose(chain, numeric, rtol=1e-5, atol=1e-6)
    assert np.abs(chain).max() > 0.1  # not 0 = 0


@pytest.mark.parametrize("k", [1, 10, 30])
def test_derivative_of_the_k_fold_map_matches_torch_autograd(k):
    x = np.array([0.05, 0.2, 0.37, 0.61, 0.93])
    for the_map, torch_f in (
        (maps.LogisticMap(3.8), lambda z: 3.8 * z * (1 - z)),
        (maps.TanhUnit(1.7, -0.4), lambda z: torch.tanh(1.7 * z - 0.4)),
    ):
        z0 = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        z = z0
        for _ in range(k):
            z = torch_f(z)
        z.sum().backward()  # each output depends on its own input only: the gradient is the derivative
        np.testing.assert_allclose(maps.iterate(the_map.f, x, k), z.detach().numpy(), rtol=1e-12)
        chain = maps.derivative(the_map.f, the_map.f_prime, x, k)
        np.testing.assert_allclose(chain, z0.grad.numpy(), rtol=1e-9, atol=1e-300)
        _, gains = maps.log10_gains(the_map.f, the_map.f_prime, x, k)
        np.testing.assert_allclose(gains[-1], np.log10(np.abs(z0.grad.numpy())), rtol=1e-9, atol=1e-9)


def test_log10_gains_do_not_underflow_where_the_product_does():
    small = maps.LogisticMap(0.0005)
    x = np.array([0.3])
    assert maps.derivative(small.f, small.f_prime, x, 100)[0] == 0.0  # about 0.0005^100 = 8e-331
    _, gains = maps.log10_gains(small.f, small.f_prime, x, 100)
    # f'(0.3) = 0.4 r, then ~r
    assert gains[-1, 0] == pytest.approx(100 * math.log10(0.0005) + math.log10(0.4), abs=1e-3)
    assert maps.first_step_beyond(gains[:, 0]) == ("vanished", 91)  # -3.301 t - 0.398 < -300 from t = 91


def test_a_zero_factor_makes_the_gradient_exactly_zero_from_that_step():
    the_map = maps.LogisticMap(3.5)
    _, gains = maps.log10_gains(the_map.f, the_map.f_prime, 0.5, 5)  # f'(1/2) = 0
    assert gains[0] == 0.0 and np.all(gains[1:] == -np.inf)
    assert maps.first_step_beyond(gains) == ("vanished", 1)
    assert format_log10(gains[-1], 3) == "0"
    assert maps.first_step_beyond(np.array([0.0, 150.0, 301.0])) == ("exploded", 2)
    assert maps.first_step_beyond(np.array([0.0, -299.0])) is None


def test_gains_beyond_float64_are_written_as_the_exploding_page_writes_them():
    # a gain is a sum of log10|f'|: 1e-450 is a result, written as such (rnnviz.magnitudes)
    assert format_log10(-4.5, 3) == "3.16e-5"
    assert format_log10(-450.5, 3) == "3.16e-451"
    assert format_log10(400.0, 3) == "1.00e+400"
    assert format_log10(float("nan"), 3) == "undefined"


# --- fixed points and cycles -----------------------------------------------------------------------


@pytest.mark.parametrize("r", [1.2, 2.0, 2.5, 2.99, 3.01, 3.5, 4.0])
def test_logistic_fixed_point_attracts_exactly_for_r_between_1_and_3(r):
    zero, inner = maps.fixed_points(maps.LogisticMap(r))
    assert zero.points == (0.0,) and zero.multiplier == pytest.approx(r) and zero.stability == "repelling"
    assert inner.points[0] == pytest.approx(1 - 1 / r) and inner.multiplier == pytest.approx(2 - r)
    assert inner.stability == ("attracting" if 1 < r < 3 else "repelling")


def test_logistic_fixed_points_at_the_ends_of_the_range():
    (only,) = maps.fixed_points(maps.LogisticMap(0.5))  # 1 - 1/r < 0: outside [0, 1]
    assert only.points == (0.0,) and only.stability == "attracting"
    (only,) = maps.fixed_points(maps.LogisticMap(1.0))
    assert only.stability == "neutral"
    assert [c.stability for c in maps.fixed_points(maps.LogisticMap(3.0))] == ["repelling", "neutral"]
    with pytest.raises(ValueError, match="from 0 to 4"):
        maps.LogisticMap(4.5)


def test_the_attractor_at_3_5_is_the_lecture_4_cycle():
    (cycle,) = maps.attracting_cycles(maps.LogisticMap(3.5))
    assert cycle.period == 4
    np.testing.assert_allclose(cycle.points, FOUR_CYCLE, atol=1e-5)
    np.testing.assert_allclose(maps.logistic(np.array(cycle.points)), np.roll(cycle.points, -1), atol=1e-9)
    assert cycle.multiplier == pytest.approx(np.prod(3.5 * (1 - 2 * np.array(cycle.points))), rel=1e-12)
    assert cycle.multiplier == pytest.approx(-0.0305, abs=2e-4)  # 0.50088 sits near 1/2, where f' = 0
    assert cycle.stability == "attracting"


@pytest.mark.parametrize("r, period", [(2.8, 1), (3.2, 2), (3.5, 4), (3.56, 8), (3.83, 3)])
def test_periods_along_the_cascade(r, period):
    (cycle,) = maps.attracting_cycles(maps.LogisticMap(r))
    assert cycle.period == period and abs(cycle.multiplier) < 1


@pytest.mark.parametrize("r", [3.9, 4.0])
def test_no_attracting_cycle_in_chaos(r):
    assert maps.attracting_cycles(maps.LogisticMap(r)) == []


def test_tanh_unit_fixed_points_and_their_stability():
    (zero,) = maps.fixed_points(maps.TanhUnit(0.5, 0.0))
    assert zero.points == (0.0,) and zero.multiplier == 0.5 and zero.stability == "attracting"
    low, middle, high = maps.fixed_points(maps.TanhUnit(2.0, 0.0))
    assert middle.points == (0.0,) and middle.stability == "repelling" and middle.multiplier == 2.0
    assert low.points[0] == pytest.approx(-0.9575, abs=1e-4) and high.points[0] == pytest.approx(
        0.9575, abs=1e-4
    )
    assert low.stability == high.stability == "attracting"
    assert high.multiplier == pytest.approx(2 * (1 - high.points[0] ** 2))
    attractors = maps.attracting_cycles(maps.TanhUnit(2.0, 0.0))
    assert [c.period for c in attractors] == [1, 1]
    np.testing.assert_allclose([c.points[0] for c in attractors], [low.points[0], high.points[0]], atol=1e-9)


@pytest.mark.parametrize(
    "w, b",
    [(0.5, 0.0), (2.0, 0.0), (2.0, 0.5), (4.0, 2.0), (-4.0, -2.0), (1.3, -0.1), (0.0, 1.0), (-0.7, 0.4)],
)
def test_tanh_unit_fixed_points_solve_the_equation(w, b):
    the_map = maps.TanhUnit(w, b)
    points = maps.fixed_points(the_map)
    assert 1 <= len(points) <= 3
    for point in points:
        (h,) = point.points
        assert math.tanh(w * h + b) == pytest.approx(h, abs=1e-14)
        assert point.multiplier == pytest.approx(w * (1 - h**2), abs=1e-12)
        assert point.stability == ("attracting" if abs(w * (1 - h**2)) < 1 else "repelling")


def test_tanh_unit_with_negative_weight_oscillates_on_a_2_cycle():
    (cycle,) = maps.attracting_cycles(maps.TanhUnit(-2.0, 0.0))
    assert cycle.period == 2
    np.testing.assert_allclose(cycle.points, [-0.957504, 0.957504], atol=1e-6)
    assert cycle.multiplier == pytest.approx((2 * (1 - 0.957504**2)) ** 2, rel=1e-4)


# --- Lyapunov exponent and the bifurcation diagram -------------------------------------------------


def test_lyapunov_exponent_is_ln2_at_4_and_negative_in_periodic_windows():
    assert maps.lyapunov_exponent(4.0) == pytest.approx(math.log(2), abs=0.01)
    assert f"{maps.lyapunov_exponent(4.0):.4f}" == "0.6930"  # the README's number (ln 2 = 0.6931)
    # log|multiplier|/p
    assert maps.lyapunov_exponent(3.5) == pytest.approx(math.log(0.0304999) / 4, abs=1e-3)
    assert maps.lyapunov_exponent(3.83) < 0
    assert maps.lyapunov_exponent(3.9) > 0.1
    assert maps.lyapunov_exponent(2.5) == pytest.approx(math.log(0.5), abs=1e-6)  # |f'(1 - 1/r)| = |2 - r|
    assert maps.lyapunov_exponent(0.0) == -np.inf  # f' = 0 everywhere


def test_lyapunov_exponent_takes_arrays_and_is_deterministic():
    r = np.array([[3.5, 3.83], [3.9, 4.0]])
    result = maps.lyapunov_exponent(r)
    assert result.shape == (2, 2)
    np.testing.assert_array_equal(result, maps.lyapunov_exponent(r))
    assert result[0, 0] == pytest.approx(maps.lyapunov_exponent(3.5))
    assert isinstance(maps.lyapunov_exponent(3.5), float)
    with pytest.raises(ValueError, match=r"\[0, 4\]"):
        maps.lyapunov_exponent([3.0, 4.2])


def test_bifurcation_diagram_of_1000_values_by_1000_steps_is_right():
    # (its speed is a benchmark's: benchmarks/run.py times it, 9.7 ms)
    diagram = maps.logistic_bifurcation(2.5, 4.0, n=1000, iterations=1000)
    assert diagram.values.shape == (1000,) and diagram.visits.shape == (300, 1000)
    assert diagram.visits.sum(axis=0).tolist() == [200] * 1000  # the last 200 states of every orbit
    column = int(np.argmin(np.abs(diagram.values - 3.5)))
    visited = diagram.states[diagram.visits[:, column] > 0]
    assert len(visited) == 4 and np.allclose(visited, sorted(FOUR_CYCLE), atol=1 / 300)
    column = int(np.argmin(np.abs(diagram.values - 2.8)))
    assert np.count_nonzero(diagram.visits[:, column]) == 1
    assert diagram.lyapunov.shape == (1, 1000)
    assert diagram.lyapunov[0, -1] == pytest.approx(math.log(2), abs=0.05)  # r = 4, from only 800 steps
    periodic = (diagram.values >= 3.83) & (diagram.values <= 3.84)  # inside the period-3 window
    assert np.all(diagram.lyapunov[0, periodic] < 0)


def test_tanh_bifurcation_shows_both_attractors_and_is_never_chaotic():
    diagram = maps.tanh_bifurcation(0.0)
    assert diagram.lyapunov.shape == (2, 1000)
    assert np.all(diagram.lyapunov <= 1e-3)
    column = int(np.argmin(np.abs(diagram.values - 2.0)))
    visited = diagram.states[diagram.visits[:, column] > 0]
    np.testing.assert_allclose(visited, [-0.9575, 0.9575], atol=2 / 300)
    column = int(np.argmin(np.abs(diagram.values - 0.5)))
    assert diagram.states[diagram.visits[:, column] > 0] == pytest.approx([1 / 300], abs=1e-9)  # the bin of 0


@pytest.mark.parametrize("low, high", [(3.0, 3.0), (3.5, 2.5)])
def test_a_backwards_range_gets_a_plain_message(low, high):
    with pytest.raises(ValueError, match="must run upwards"):
        maps.logistic_bifurcation(low, high)


# --- the page's view and its figures ---------------------------------------------------------------


def test_explore_collects_what_the_page_draws():
    view = maps.explore(maps.LogisticMap(3.5), 40, 0.1)
    assert set(view.iterates) == {1, 2, 3, 6, 40}
    np.testing.assert_allclose(view.iterates[1], 3.5 * view.grid * (1 - view.grid))
    np.testing.assert_allclose(view.iterates[6], maps.iterate(maps.logistic, view.grid, 6))
    assert sorted(np.round(view.orbit[-4:], 5)) == pytest.approx(sorted(FOUR_CYCLE), abs=1e-5)
    assert view.lyapunov == pytest.approx(math.log(0.0304999) / 4, abs=1e-3)
    table = maps.cycle_table(view)
    assert table["kind"] == ["fixed point", "fixed point", "4-cycle"]
    assert table["stability"] == ["repelling", "repelling", "attracting"]
    assert table["points"][2] == "0.38282, 0.82694, 0.50088, 0.87500"
    with pytest.raises(ValueError, match="from 1 to 100"):
        maps.explore(maps.LogisticMap(3.5), 101, 0.1)
    with pytest.raises(ValueError, match="h0"):
        maps.explore(maps.TanhUnit(), 10, 1.5)


def test_lecture_panels_and_marks():
    view = maps.explore(maps.LogisticMap(3.5), 4, 0.1)
    panels = figures.lecture_panels(view)
    curves = [t for t in panels.data if t.name and t.name.startswith("y = ")]
    assert [t.name for t in curves] == ["y = f(x)", "y = f∘2(x)", "y = f∘3(x)", "y = f∘6(x)"]
    np.testing.assert_allclose(curves[1].x, view.grid[:: figures.PANEL_EVERY])  # every 4th grid point
    np.testing.assert_allclose(curves[1].y, maps.iterate(maps.logistic, curves[1].x, 2))
    fixed = [t for t in panels.data if t.name == "repelling fixed point"]
    assert len(fixed) == 4 and list(fixed[0].x) == pytest.approx([0.0, 1 - 1 / 3.5])
    marks = [t for t in panels.data if t.mode == "markers"]
    assert sorted(t.name for t in marks if t.showlegend) == sorted({t.name for t in marks})  # each named once
    # the 4-cycle's points are fixed points of f∘4 (drawn, k = 4) but not of f∘6
    assert not any("4-cycle" in (t.name or "") for t in panels.data)
    marks = [t for t in figures.iterate_graph(view).data if t.name == "attracting 4-cycle"]
    assert sorted(marks[0].x) == pytest.approx(sorted(FOUR_CYCLE), abs=1e-5)


def test_log_figures_mark_what_vanished_instead_of_breaking_the_axis():
    view = maps.explore(maps.LogisticMap(0.0), 100, 0.3)  # f' = 0: every derivative is exactly 0
    fig = figures.gradient_through_time(view)
    line, below = fig.data
    assert np.isnan(np.asarray(line.y[1:], dtype=float)).all() and line.y[0] == 1.0
    assert below.name == "below 1e-300 (vanished)" and len(below.x) == 100
    low, high = fig.layout.yaxis.range
    assert 10**low < below.y[0] < 1 and high - low >= 4  # drawn inside the axis, not at 1e-300
    view = maps.explore(maps.LogisticMap(3.5), 40, 0.1)
    fig = figures.derivative_over_domain(view)
    below = [t for t in fig.data if t.name == "below 1e-300 (vanished)"]
    assert list(below[0].x) == [0.5]  # f'(1/2) = 0
    drawn = np.asarray(fig.data[0].y, dtype=float)
    finite = drawn[np.isfinite(drawn)]
    assert finite.max() > 1e10 and finite.min() < 1e-8  # very large and very small, as in the lecture
    assert fig.layout.yaxis.type == "log"


def test_bifurcation_figure_marks_the_current_value_and_its_attractors():
    diagram = maps.logistic_bifurcation()
    view = maps.explore(maps.LogisticMap(3.5), 10, 0.1)
    fig = figures.bifurcation(diagram, 3.5, view.cycles)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (300, 1000)
    assert (np.asarray(heat.z) > 0).sum() == (diagram.visits > 0).sum()
    current = fig.data[-1]
    assert list(current.x) == [3.5] * 4 and sorted(current.y) == pytest.approx(sorted(FOUR_CYCLE), abs=1e-5)
    assert [s.x0 for s in fig.layout.shapes if s.xref == "x"] == [3.5, 3.5]
    lyapunov = fig.data[1]
    assert lyapunov.yaxis == "y2" and len(lyapunov.x) == 1000
    outside = figures.bifurcation(diagram, 1.0, [])
    assert not [s for s in outside.layout.shapes if s.xref == "x"] and len(outside.data) == 2


@pytest.mark.parametrize(
    "bifurcation", [3.0, 1 + math.sqrt(6)]
)  # the fixed point's, the 2-cycle's period doubling
def test_lyapunov_touches_0_at_a_bifurcation_and_is_not_kept_there(bifurcation):
    """What the page says: λ reaches 0 where a cycle's multiplier passes through -1, and is negative on
    either side (it is not held at 0 over a range)."""
    at = maps.lyapunov_exponent(bifurcation, iterations=20000)
    assert -1e-3 < at <= 0
    assert f"{at:.4f}" == "-0.0002"  # the README's number: over 20,000 steps (0 in the limit)
    for offset in (-0.05, 0.05):
        assert maps.lyapunov_exponent(bifurcation + offset, iterations=20000) < -0.05
    diagram = maps.tanh_bifurcation(0.0, 0.5, 1.5, n=11)  # the tanh unit's pitchfork at w = 1 (multiplier +1)
    exponent = diagram.lyapunov[0]
    assert abs(exponent[5]) < 0.01 and np.all(np.delete(exponent, 5) < -0.1)
