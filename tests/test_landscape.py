"""The loss cliff: closed-form gradients against autograd, clipping, and the lecture's point."""

import numpy as np
import pytest
import torch

from rnnviz import activations, landscape, maps


def torch_loss(w, b, T):
    x = torch.tensor(0.5, dtype=torch.float64)
    for _ in range(T):
        x = w * torch.sigmoid(x) + b
    return (torch.sigmoid(x) - 0.7) ** 2


@pytest.mark.parametrize("T", [1, 5, 50, 200])
def test_gradient_matches_autograd_across_the_grid(T):
    rng = np.random.default_rng(T)
    for w0, b0 in zip(rng.uniform(-2, 8, 25), rng.uniform(-6, 2, 25)):
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
        loss = torch_loss(w, b, T)
        loss.backward()
        E, dE_dw, dE_db = landscape.loss_and_gradient(w0, b0, T)
        assert float(E) == pytest.approx(loss.item(), rel=1e-12, abs=1e-15)
        assert float(dE_dw) == pytest.approx(w.grad.item(), rel=1e-9, abs=1e-13)
        assert float(dE_db) == pytest.approx(b.grad.item(), rel=1e-9, abs=1e-13)


def test_surface_is_the_pointwise_loss_and_has_the_cliff_near_w_4_7_b_minus_2_4():
    grid = landscape.loss_surface((-2, 8), (-6, 2), T=50, n=200)
    assert grid.loss.shape == (200, 200)
    j, i = 37, 120
    assert grid.loss[j, i] == landscape.loss_and_gradient(grid.w[i], grid.b[j], 50)[0]
    cut = landscape.loss_slice(-2.4, (4.0, 5.5), T=50, n=3001)
    jump = np.argmax(np.abs(np.diff(cut["loss"])))
    assert 4.6 < cut["w"][jump] < 4.75  # the wall

    def at(w: float) -> float:
        return cut["loss"][np.argmin(np.abs(cut["w"] - w))]

    assert at(4.6) > 0.25 and at(4.75) < 0.05 and np.abs(np.diff(cut["loss"])).max() > 0.1
    assert np.max(np.abs(cut["dE_dw"])) > 1e3 * np.median(np.abs(cut["dE_dw"]))  # flat, then a wall


@pytest.mark.parametrize("eta", [1e-4, 0.5, 3.0, 1e4])
def test_clipping_by_norm_keeps_direction_and_caps_the_norm(eta):
    rng = np.random.default_rng(0)
    for g in rng.standard_normal((20, 2)) * rng.uniform(0.01, 100, (20, 1)):
        clipped = landscape.clip_by_norm(g, eta)
        norm = np.linalg.norm(g)
        assert np.linalg.norm(clipped) == pytest.approx(min(norm, eta))
        assert np.dot(clipped, g) / (np.linalg.norm(clipped) * norm) == pytest.approx(1.0)  # same direction
        element = landscape.clip_elementwise(g, eta)
        assert np.all(np.abs(element) <= eta) and np.all(np.sign(element) == np.sign(g))
    with pytest.raises(ValueError, match="positive"):
        landscape.clip_by_norm(np.ones(2), 0.0)


def test_at_the_defaults_the_unclipped_path_jumps_off_the_cliff_and_the_clipped_one_does_not():
    plain, by_norm = (landscape.descend((4.4, -2.6), 0.5, 60, 50, c, 0.5) for c in ("none", "norm"))
    plain_steps = np.hypot(np.diff(plain.w), np.diff(plain.b))
    norm_steps = np.hypot(np.diff(by_norm.w), np.diff(by_norm.b))
    assert plain_steps.max() > 5 and norm_steps.max() <= 0.5 * 0.5 + 1e-12  # lr * eta
    assert not (-2 <= plain.w[-1] <= 8 and -6 <= plain.b[-1] <= 2) or plain.b[-1] > 2  # off the map
    assert plain.loss[-1] > 10 * by_norm.loss[-1]
    assert plain.grad_norm.max() > 10  # the spike at the cliff


def test_descend_records_consistent_lengths_and_refuses_bad_settings():
    path = landscape.descend((1.0, 0.0), 0.1, 7, 10, "elementwise", 0.2)
    assert len(path.w) == len(path.b) == len(path.loss) == 8 and len(path.grad_norm) == 7
    assert path.summary().startswith("elementwise: final loss")
    with pytest.raises(ValueError, match="clipping"):
        landscape.descend((1.0, 0.0), 0.1, 7, 10, "sometimes")
    with pytest.raises(ValueError, match="between 1 and 200"):
        landscape.loss_and_gradient(1.0, 0.0, 201)
    with pytest.raises(ValueError, match="low to high"):
        landscape.loss_surface((3, 1), (0, 1))


@pytest.mark.parametrize("T", [1, 50, 200])
def test_one_point_in_floats_equals_the_same_point_in_an_array(T):
    # descend() evaluates single points, which take the float path; the maps take the array path
    w, b = np.array([4.4, 30.0, -7.0, 0.0]), np.array([-2.6, 9.0, 3.0, -50.0])
    grid = landscape.loss_and_gradient(w, b, T)
    for i in range(len(w)):
        point = landscape.loss_and_gradient(float(w[i]), float(b[i]), T)
        assert all(isinstance(value, float) for value in point)
        np.testing.assert_allclose(point, [array[i] for array in grid], rtol=1e-12, atol=1e-15)


# --- clipping does nothing for vanishing gradients ---------------------------------------------------


def test_at_the_defaults_the_unclipped_path_ends_on_a_plateau_where_clipping_changes_nothing():
    paths = landscape.descents((4.4, -2.6), 0.5, 60, 50, 0.5)
    plain = paths[0]
    assert plain.clipping == "none" and plain.final_grad_norm == pytest.approx(4.5476e-5, rel=1e-3)
    E, dE_dw, dE_db = landscape.loss_and_gradient(plain.w[-1], plain.b[-1], 50)  # the number, recomputed
    assert plain.final_grad_norm == np.hypot(dE_dw, dE_db) and plain.loss[-1] == E
    note = landscape.clipping_and_vanishing(paths, 0.5, 0.5)
    assert "norm of 4.5e-05" in note and "lr × ‖g‖ = 2.3e-05" in note and "w = 7.03, b = 2.8" in note
    # what the note claims: from there, clipped descents take exactly the unclipped steps
    end = (plain.w[-1], plain.b[-1])
    onward = [landscape.descend(end, 0.5, 200, 50, clipping, 0.5) for clipping in landscape.CLIPPINGS]
    for path in onward[1:]:
        np.testing.assert_array_equal(path.w, onward[0].w)
        np.testing.assert_array_equal(path.b, onward[0].b)
    assert np.hypot(onward[0].w[-1] - end[0], onward[0].b[-1] - end[1]) < 0.01  # 200 more steps: still stuck
    assert (
        landscape.clipping_and_vanishing(landscape.descents((4.0, -1.9), 0.5, 60, 50, 0.5), 0.5, 0.5) is None
    )


# --- the loss in expectation over the starts x_0 ------------------------------------------------------


def test_random_starts_are_the_papers_x0_alone_or_seeded_draws():
    np.testing.assert_array_equal(landscape.random_starts(1), [0.5])
    starts = landscape.random_starts(16)
    np.testing.assert_array_equal(starts, landscape.random_starts(16))
    np.testing.assert_array_equal(starts, 0.5 + np.random.default_rng(0).standard_normal(16))
    assert landscape.MAX_STARTS == 16
    for n in (0, landscape.MAX_STARTS + 1):
        with pytest.raises(ValueError, match="number of starts"):
            landscape.random_starts(n)


def test_the_mean_loss_and_gradient_are_the_direct_average_over_the_starts_and_match_autograd():
    starts = landscape.random_starts(7)
    rng = np.random.default_rng(2)
    w, b = rng.uniform(-2, 8, 30), rng.uniform(-6, 2, 30)
    E, dE_dw, dE_db = landscape.mean_loss_and_gradient(w, b, 50, starts)
    for i in range(len(w)):
        direct = np.mean(
            [landscape.loss_and_gradient(float(w[i]), float(b[i]), 50, float(x0)) for x0 in starts], axis=0
        )
        np.testing.assert_allclose([E[i], dE_dw[i], dE_db[i]], direct, rtol=1e-12, atol=1e-15)
    w_t = torch.tensor(w[:5], requires_grad=True)
    b_t = torch.tensor(b[:5], requires_grad=True)
    x = torch.tensor(starts)[None, :].repeat(5, 1)  # (5, S)
    for _ in range(50):
        x = w_t[:, None] * torch.sigmoid(x) + b_t[:, None]
    mean = ((torch.sigmoid(x) - 0.7) ** 2).mean(dim=1)  # (5,)
    mean.sum().backward()
    np.testing.assert_allclose(E[:5], mean.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dE_dw[:5], w_t.grad.numpy(), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(dE_db[:5], b_t.grad.numpy(), rtol=1e-9, atol=1e-13)


def test_the_averaged_surface_is_the_mean_of_the_single_start_surfaces():
    starts = landscape.random_starts(5)
    grid = landscape.loss_surface((-2, 8), (-6, 2), T=30, n=40, starts=starts)
    singles = [landscape.loss_surface((-2, 8), (-6, 2), T=30, n=40, starts=[x0]) for x0 in starts]
    assert grid.starts == 5 and singles[0].starts == 1
    np.testing.assert_allclose(grid.loss, np.mean([s.loss for s in singles], axis=0), rtol=1e-12, atol=1e-15)


def test_the_three_descents_together_equal_each_descent_alone():
    # two equal starts: the mean is the one start's loss, through the batched path
    together = landscape.descents((4.4, -2.6), 0.5, 60, 50, 0.5, starts=[0.5, 0.5])
    for path in together:
        alone = landscape.descend((4.4, -2.6), 0.5, 60, 50, path.clipping, 0.5)
        for field in ("w", "b", "loss", "grad_norm"):
            # numpy's tanh and math.tanh may differ in the last bit; the cliff step amplifies that to 1e-8
            np.testing.assert_allclose(getattr(path, field), getattr(alone, field), rtol=1e-6, atol=1e-12)
        assert path.final_grad_norm == pytest.approx(alone.final_grad_norm, rel=1e-6)
    starts = landscape.random_starts(8)
    for path in landscape.descents((4.4, -2.6), 0.5, 20, 50, 0.5, starts):  # each gradient is the mean's
        _, dE_dw, dE_db = landscape.mean_loss_and_gradient(path.w[:-1], path.b[:-1], 50, starts)
        np.testing.assert_allclose(path.grad_norm, np.hypot(dE_dw, dE_db), rtol=1e-12)


def test_averaging_over_starts_softens_the_cliff():
    single = landscape.steepness(landscape.loss_slice(-2.6, (-2, 8), T=50, n=2000))
    averaged = landscape.steepness(
        landscape.loss_slice(-2.6, (-2, 8), T=50, n=2000, starts=landscape.random_starts(16))
    )
    assert single.jump > 0.3 and 4.97 < single.jump_w < 4.99  # one wall of about 0.33
    assert averaged.jump < 0.04  # the largest step of the staircase
    assert single.spacing == averaged.spacing == pytest.approx(10 / 1999)
    assert f"{single.jump:.2g}" == "0.33" and f"{averaged.jump:.2g}" == "0.03"


# --- the map behind the cliff ---------------------------------------------------------------------


def test_the_cliff_map_fixed_points_lie_on_the_closed_form_branch_and_attract_as_their_multiplier_says():
    view = landscape.cliff_map(5.2, -2.7)
    assert [c.stability for c in view.fixed_points] == ["attracting", "repelling", "attracting"]
    for cycle in view.fixed_points:
        (x,) = cycle.points
        assert abs(view.unit.f(np.array(x)) - x) < 1e-12
        assert abs((x - 5.2 * activations.sigmoid(np.array(x))) - (-2.7)) < 1e-12  # b = x* - w sigmoid(x*)
    low, repeller, high = (c.points[0] for c in view.fixed_points)
    # every grid point left of the repelling fixed point goes to the low attractor, right of it to the high one
    goes_to = np.array([view.attractors[i].points[0] for i in view.basin])
    np.testing.assert_allclose(goes_to[view.grid < repeller - 1e-3], low, atol=1e-6)
    np.testing.assert_allclose(goes_to[view.grid > repeller + 1e-3], high, atol=1e-6)


def test_the_cliff_through_x0_is_where_x0_is_the_repelling_fixed_point():
    w = 5.2
    cliff = landscape.cliff_map(w, -2.6).cliff_b
    assert cliff == pytest.approx(landscape.X0 - w / (1 + np.exp(-landscape.X0)), abs=1e-12)
    # across it, x_T after many steps lands on different attractors: E jumps there and nowhere near
    below, above = (landscape.cliff_map(w, cliff + d) for d in (-0.01, 0.01))
    assert below.attractors[below.x0_basin].points[0] < 0 < above.attractors[above.x0_basin].points[0]
    E = [float(landscape.loss_and_gradient(w, cliff + d, T=200)[0]) for d in (-0.02, -0.01, 0.01, 0.02)]
    assert abs(E[1] - E[2]) > 100 * max(abs(E[0] - E[1]), abs(E[2] - E[3]))
    # the page's default slice (b = -2.6, T = 50) has its largest jump where this line crosses b = -2.6
    cut = landscape.loss_slice(-2.6, (-2.0, 8.0), 50)
    crossing = (landscape.X0 + 2.6) / (1 / (1 + np.exp(-landscape.X0)))  # w with X0 - w sigmoid(X0) = -2.6
    assert abs(landscape.steepness(cut).jump_w - crossing) < 0.02


def test_below_the_fold_no_cliff_passes_through_x0():
    view = landscape.cliff_map(3.0, -1.0)  # w sigmoid'(x0) = 3 x 0.235 < 1
    assert view.cliff_b is None and "no b puts a cliff through x₀" in view.summary()
    assert len(view.attractors) == 1


def test_for_negative_w_the_cliff_is_where_x0_repels_and_orbits_reach_the_2_cycle_in_opposite_phases():
    """|w| sigmoid'(x0) > 1, not w sigmoid'(x0) > 1: at w = -6 (multiplier -1.41 at x0) there is a cliff."""
    w = -6.0
    cliff = landscape.cliff_map(w, 4.0).cliff_b
    assert cliff == pytest.approx(landscape.X0 - w * activations.sigmoid(landscape.X0), abs=1e-12)  # 4.2348
    below, above = (landscape.cliff_map(w, cliff + d) for d in (-0.01, 0.01))
    assert below.attractors[below.x0_basin].period == above.attractors[above.x0_basin].period == 2
    assert "opposite phases" in below.summary() and "no b puts a cliff" not in below.summary()
    x_T = [maps.iterate(view.unit.f, landscape.X0, 50) for view in (below, above)]
    assert x_T[0] < 0 < x_T[1] or x_T[1] < 0 < x_T[0]  # the two points of the cycle: one each side
    b = np.linspace(4.1, 4.4, 3001)  # E along b at this w: its one wall is at the cliff
    E = landscape.loss_and_gradient(np.full_like(b, w), b, 50)[0]
    jumps = np.abs(np.diff(E))
    assert jumps.max() > 0.2 and abs(b[np.argmax(jumps)] - cliff) < 1e-3
    assert landscape.cliff_map(-3.0, 1.0).cliff_b is None  # |w| sigmoid'(x0) = 0.70 < 1


def test_the_readmes_numbers_of_the_default_descents():
    """README, loss cliffs: a step of 5.7 at step 17, final loss 0.090, by norm 0.004; averaged over 16
    starts, the longest unclipped step 1.48 and the largest gradient norm 3.0 instead of 11.4."""
    plain, by_norm, _ = landscape.descents((4.4, -2.6), 0.5, 60, 50, 0.5)
    assert (
        "final loss 0.08997" in plain.summary()
        and "its longest step, 5.68, came at step 17" in plain.summary()
    )
    assert "final loss 0.003982" in by_norm.summary() and f"{plain.grad_norm.max():.3g}" == "11.4"
    averaged = landscape.descents((4.4, -2.6), 0.5, 60, 50, 0.5, landscape.random_starts(16))[0]
    assert "its longest step, 1.48," in averaged.summary() and f"{averaged.grad_norm.max():.2g}" == "3"


def test_the_cliff_map_figure_is_valid_plotly():
    import plotly.graph_objects as go

    from rnnviz.figures import landscape as figures

    go.Figure(figures.cliff_map(landscape.cliff_map(5.2, -2.6)).to_dict())
    go.Figure(figures.cliff_map(landscape.cliff_map(-6.0, 2.0)).to_dict())  # a 2-cycle
