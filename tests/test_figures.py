"""Figure builders take arrays and return plotly figures showing exactly those numbers."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from rnnviz import handbuilt, maps
from rnnviz.figures import figure
from rnnviz.figures import handbuilt as figures
from rnnviz.figures import maps as maps_figures
from rnnviz.handbuilt import ParityWeights


def test_unrolled_prints_values_and_marks_wrong_steps():
    rows = {
        "x": np.array([1.0, 0.0, 1.0]),
        "y": np.array([1.0, 1.0, 0.0]),
        "target": np.array([1.0, 1.0, 0.0]),
    }
    fig = figures.unrolled(rows, wrong=np.array([False, True, False]))
    heat, marks = fig.data
    assert list(heat.y) == ["x", "y", "target"] and list(heat.x) == [1, 2, 3]
    assert [list(r) for r in heat.text] == [["1", "0", "1"], ["1", "1", "0"], ["1", "1", "0"]]
    assert list(marks.x) == [2] and list(marks.y) == ["y"]  # the output row, just above the target


def test_unrolled_shades_each_row_by_its_own_range_and_survives_inf():
    rows = {"h": np.array([0.0, 50.0, 100.0]), "y": np.array([1.0, np.inf, np.nan]), "t": np.zeros(3)}
    heat = figures.unrolled(rows).data[0]
    np.testing.assert_allclose(np.asarray(heat.z)[0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(np.asarray(heat.z)[1], [0.0, 1.6, 1.6])  # overflow: darkest
    assert list(heat.text[1]) == ["1", "inf", "nan"]
    assert len(figures.unrolled(rows).data) == 1  # no wrong marks given


def test_learning_curves_draw_every_start_and_highlight_the_kept_one():
    losses = np.array([[0.7, 0.7, 0.7], [0.6, 0.1, 0.65]])
    fig = figures.learning_curves(losses, best_start=1)
    assert len(fig.data) == 3 and list(fig.data[-1].y) == [0.7, 0.1]
    assert fig.layout.yaxis.type == "log"


def test_network_diagram_labels_every_edge_with_its_weight():
    from rnnviz.handbuilt import CompareWeights, ParityWeights, SumWeights

    fig = figures.network_diagram(ParityWeights(h1_to_y=-2.5))
    labels = [a.text for a in fig.layout.annotations if a.text and not a.showarrow]
    assert sorted(labels[:6]) == sorted(["1", "1", "1", "1", "-2.5", "1"])
    units = fig.data[-1]
    assert [t.split("<br>")[0] for t in units.text] == ["x(t)", "y(t-1)", "h₁", "h₂", "y(t)"]
    assert "bias -1.5" in units.text[2]
    red = [a for a in fig.layout.annotations if a.showarrow and a.arrowcolor == "crimson"]
    assert len(red) == 1  # the one negative weight
    assert "↻ 0.5" in [a.text for a in figures.network_diagram(SumWeights(w_rec=0.5)).layout.annotations]
    assert "-1" in [a.text for a in figures.network_diagram(CompareWeights()).layout.annotations]


def _as_sent(figure_dict: dict) -> dict:
    return json.loads(pio.to_json(figure_dict, validate=False))


@pytest.mark.parametrize(
    "array",
    [
        np.arange(5),
        np.arange(5, dtype=np.int64) * 1000,
        np.arange(3, dtype=np.int64) * 2**40,
        np.arange(4, dtype=np.uint64),
        np.linspace(0, 1, 7, dtype=np.float32),
        np.eye(3),
        np.array([]),
        np.array(["a", None], dtype=object),
        np.array([True, False]),
        np.array([np.nan, np.inf, -1.5]),
    ],
)
def test_a_figure_encodes_its_arrays_as_plotly_would(array):
    # figure() encodes arrays itself (rnnviz/figures/__init__.py): the JSON must be plotly.py's own.
    fig = figure(
        [
            dict(
                type="heatmap" if array.ndim == 2 else "scatter",
                x=array,
                y=array,
                z=array,
                customdata=[array, {"nested": array}],
            )
        ],
        dict(xaxis=dict(range=np.array([0.0, 1.0])), annotations=[dict(text="a", x=array)]),
    )
    assert _as_sent(fig.to_dict()) == _as_sent(go.Figure.to_dict(fig))


def test_the_pages_figures_encode_as_plotly_would():
    view = maps.explore(maps.LogisticMap(3.5), 40, 0.1)
    for fig in (
        maps_figures.lecture_panels(view),
        maps_figures.cobweb(view),
        figures.network_diagram(ParityWeights()),
        figures.unrolled(handbuilt.unroll_parity(ParityWeights(), np.array([0, 1, 1])).rows),
    ):
        assert _as_sent(fig.to_dict()) == _as_sent(go.Figure.to_dict(fig))
