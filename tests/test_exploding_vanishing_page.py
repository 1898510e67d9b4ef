"""AppTest tests of the exploding and vanishing gradients page: the lecture's numbers one click
away, every section following its controls, and the extremes giving numbers, not tracebacks."""

import math

import numpy as np
import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/exploding_vanishing.py"
CHARTS = ["ev_linear", "ev_nonlinear", "ev_norms", "ev_singular", "ev_eigen", "ev_heatmap", "ev2_ellipse"]


def button(at, label_start):
    return next(b for b in at.button if b.label.startswith(label_start))


def linear_curve(at):
    """x (T) and log10 |w^(T-1)| of the linear chart's line, and the marked value's text."""
    line, marker = chart_traces(at, "ev_linear")
    return line["x"], line["y"], marker["text"][0]


def test_defaults_show_the_formula_at_the_lectures_T_and_say_what_the_lectures_numbers_are():
    at = run_app(PAGE)
    assert not at.exception and chart_keys(at) == CHARTS
    assert (
        at.latex[2].value.strip("$\n")
        == r"\frac{\partial h_{50}}{\partial h_1} = w^{T-1} = (1.1)^{49} = 106.7"
    )
    note = at.info[0].value
    assert "117.4 is 1.1⁵⁰ = 117.4: fifty factors of w, i.e. ∂h₅₁/∂h₁" in note
    assert "0.00515 is 0.9⁵⁰ = 0.005154" in note and "0.9⁴⁹ = 0.005726" in note
    x, y, text = linear_curve(at)
    assert x == list(range(1, 51)) and text == "106.7"
    np.testing.assert_allclose(y, np.arange(50) * math.log10(1.1), rtol=1e-12)


@pytest.mark.parametrize(
    "label, w, value", [("Lecture, exploding", 1.1, "117.4"), ("Lecture, vanishing", 0.9, "0.005154")]
)
def test_the_lecture_buttons_set_w_and_T_to_fifty_factors(label, w, value):
    at = run_app(PAGE)
    button(at, label).click().run()
    assert at.slider(key="ev_w").value == w and at.slider(key="ev_T").value == 51
    assert at.latex[2].value.strip("$\n").endswith(rf"= ({w:g})^{{50}} = {value}")
    x, y, text = linear_curve(at)
    assert x[-1] == 51 and text == value
    assert y[-1] == pytest.approx(50 * math.log10(w), rel=1e-12)


def test_moving_w_and_T_redraws_the_linear_curve():
    at = run_app(PAGE)
    at.slider(key="ev_w").set_value(0.5).run()
    at.slider(key="ev_T").set_value(1000).run()
    x, y, text = linear_curve(at)
    assert len(x) == 1000 and text == "1.867e-301"  # 0.5^999 = 2^-999
    np.testing.assert_allclose(y, np.arange(1000) * math.log10(0.5), rtol=1e-12)
    assert "fell below 1e-300 at T = 998" in at.warning[0].value


def test_the_nonlinear_curve_follows_its_controls():
    at = run_app(PAGE)
    linear, tanh, dphi = chart_traces(at, "ev_nonlinear")
    assert linear["y"] == linear_curve(at)[1]  # the same w^(T-1) on both charts
    assert tanh["y"][-1] < -20  # u = 1 with random inputs saturates tanh: far below w^(T-1)
    assert max(dphi["y"]) <= 1.0
    at.radio(key="ev_uni_inputs").set_value("zero").run()  # h stays at 0, where tanh' = 1
    _, tanh, dphi = chart_traces(at, "ev_nonlinear")
    np.testing.assert_allclose(tanh["y"], linear["y"], rtol=1e-13)
    assert set(dphi["y"]) == {1.0}
    at.radio(key="ev_uni_phi").set_value("sigmoid").run()  # sigmoid'(z) <= 1/4 at every step
    _, sigmoid, dphi = chart_traces(at, "ev_nonlinear")
    assert max(dphi["y"]) <= 0.25 and sigmoid["y"][-1] < np.log10(1.1**49 * 0.25**49) + 1e-9
    assert "against w^(T−1) = 106.7 for linear ones" in at.markdown[1].value


def test_the_multivariate_plots_follow_their_controls():
    at = run_app(PAGE)
    norm_before = chart_traces(at, "ev_norms")[1]["y"]
    at.radio(key="ev_kind").set_value("identity").run()
    at.radio(key="ev_act").set_value("linear").run()
    at.slider(key="ev_radius").set_value(1.5).run()
    bound, norm = chart_traces(at, "ev_norms")
    assert norm["y"] != norm_before and len(norm["y"]) == 201  # t = 0 .. 200
    np.testing.assert_allclose(norm["y"], np.arange(201) * math.log10(1.5), rtol=1e-12)  # 1.5^t
    np.testing.assert_allclose(bound["y"], norm["y"], rtol=1e-12)  # the bound is reached
    assert at.error[0].value.startswith("Measured growth rate: +0.4055 per step")  # ln 1.5; explodes
    eigen = chart_traces(at, "ev_eigen")[1]
    assert set(eigen["x"]) == {1.5} and set(eigen["y"]) == {0.0}
    heat = chart_traces(at, "ev_heatmap")[0]
    assert heat["x"][-1] == 200 and len(heat["x"]) == 21 and heat["x"][1] == 10
    assert any("a grid of 21 × 21 steps" in caption.value for caption in at.caption)
    at.slider(key="ev_H").set_value(8).run()
    assert len(chart_traces(at, "ev_eigen")[1]["x"]) == 8


def test_a_link_reopens_the_same_view():
    at = run_app(PAGE, query={"ev_w": "0.9", "ev_T": "51", "ev_act": "sigmoid", "ev_steps": "30"})
    assert at.slider(key="ev_w").value == 0.9 and at.radio(key="ev_act").value == "sigmoid"
    assert linear_curve(at)[2] == "0.005154"
    assert len(chart_traces(at, "ev_norms")[1]["y"]) == 31
    assert not at.warning


@pytest.mark.parametrize("query", [{"ev_T": "0"}, {"ev_H": "1000"}, {"ev_act": "gelu"}, {"ev_radius": "nan"}])
def test_garbage_in_the_link_falls_back_to_defaults_with_a_warning(query):
    at = run_app(PAGE, query=query)
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert chart_keys(at) == CHARTS


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu"])
def test_the_page_at_its_extremes_gives_numbers_not_tracebacks(activation):
    at = run_app(
        PAGE,
        query={
            "ev_w": "3",
            "ev_T": "1000",
            "ev_uni_phi": "relu" if activation == "linear" else activation,
            "ev_H": "256",
            "ev_steps": "1000",
            "ev_radius": "3",
            "ev_scale": "3",
            "ev_act": activation,
        },
        timeout=120,
    )
    assert not at.exception and chart_keys(at) == CHARTS
    warnings = " ".join(w.value for w in at.warning)
    assert "w^(T−1) exceeded 1e308 at T = 647" in warnings
    norms = chart_traces(at, "ev_norms")[1]["y"]
    assert len(norms) == 1001 and norms[0] == 0.0
    if activation in ("linear", "relu"):  # radius 3 explodes past float64, drawn on in log10
        assert "‖∂h_t/∂h₀‖ exceeded 1e308" in warnings and max(v for v in norms if v is not None) > 308


@pytest.mark.parametrize(
    "query",
    [
        {"ev_w": "0", "ev_radius": "0", "ev_scale": "0"},
        {"ev_T": "1", "ev_steps": "1", "ev_H": "1"},
        {"ev_w": "-3", "ev_b": "-3", "ev_uni_phi": "relu", "ev_kind": "orthogonal"},
    ],
)
def test_the_other_corners(query):
    at = run_app(PAGE, query=query)
    assert not at.exception and chart_keys(at) == CHARTS


def test_both_sections_index_z_as_the_lecture_does():
    """z_t is what produces h_t in both sections, so dh_{t+1}/dh_t = diag(phi'(z_{t+1})) W_hh (issue 15)."""
    at = run_app(PAGE)
    formulas = [latex.value for latex in at.latex]
    one_unit = next(f for f in formulas if r"\phi'(z_2)" in f)
    many = next(f for f in formulas if "J_t" in f)
    assert r"h_t = \phi(z_t),\ \ z_t = w\,h_{t-1}" in one_unit
    assert (
        r"\mathbf h_t = \phi(\mathbf z_t),\ \ \mathbf z_t = W_{hh}\mathbf h_{t-1} + W_{xh}\mathbf x_t" in many
    )
    assert (
        r"\mathrm{diag}\big(\phi'(\mathbf z_{t+1})\big)\,W_{hh}" in many and r"\phi'(\mathbf z_t)" not in many
    )


def test_two_units_print_the_products_singular_values_and_follow_the_weights():
    from rnnviz import ellipses

    at = run_app(PAGE)
    view = ellipses.product_ellipses([[1.2, -0.6], [0.6, 0.9]], "tanh", 40)
    text = next(m.value for m in at.markdown if m.value.startswith("After T = 40 steps"))
    assert f"σ₁ = {view.sigma[-1, 0]:.3g}" in text and f"σ₂/σ₁ = {view.flatness[-1]:.3g}" in text
    assert view.flatness[-1] < 0.01 and "nearly the same line" in text  # the defaults show the collapse
    before = chart_traces(at, "ev2_ellipse")
    at.slider(key="ev2_w11").set_value(0.5).run()
    assert not at.exception and chart_traces(at, "ev2_ellipse") != before
    moved = ellipses.product_ellipses([[0.5, -0.6], [0.6, 0.9]], "tanh", 40)
    assert f"σ₁ = {moved.sigma[-1, 0]:.3g}" in next(
        m.value for m in at.markdown if m.value.startswith("After T")
    )


def test_the_readmes_numbers_at_the_defaults_are_what_the_page_prints():
    """README: tanh turns w^(T−1) = 106.7 into 2.1e-26; ‖∂h₂₀₀/∂h₀‖ = 3.2e-5 (−0.052 per step) under a
    bound of 1.97^t; the two-unit ellipse's σ₂/σ₁ falls to 6.9e-8."""
    at = run_app(PAGE)
    texts = " ".join(m.value for m in at.markdown)
    assert "∂h_T/∂h₁ = 2.091e-26 with tanh units, against w^(T−1) = 106.7" in texts
    # st.info: it vanishes
    verdict = next(i.value for i in at.info if i.value.startswith("Measured growth rate"))
    assert verdict.startswith("Measured growth rate: -0.0518 per step") and "shrinks to 3.15e-5" in verdict
    assert "γ·σ_max(W_hh) = 1 × 1.97 = 1.97" in verdict
    assert "σ₂/σ₁ = 6.88e-08" in texts


def test_the_ellipse_does_not_always_collapse_as_the_page_says():
    """σ₂/σ₁ falls only when the two directions grow at different rates: a rotation keeps the circle."""
    from rnnviz import ellipses

    rotation = ellipses.product_ellipses([[0.0, -1.0], [1.0, 0.0]], "linear", 40)
    np.testing.assert_allclose(rotation.flatness, 1.0, rtol=1e-12)
    at = run_app(PAGE)
    assert any("not under a rotation with linear units, where it stays 1" in m.value for m in at.markdown)
