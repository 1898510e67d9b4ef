"""AppTest tests of the sequence-to-sequence page: it opens on the shipped date model without training,
compares the shipped reverse models, and trains the session's own models live."""

import re

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

from rnnviz import defaults, seq2seq
from ui import models as ui_models

PAGE = "pages/sequence_to_sequence.py"
# A small live model: reverse strings of up to 4 letters, trained a few steps per test.
SMALL = {
    "s2s_task": "reverse",
    "s2s_length": "4",
    "s2s_hidden": "32",
    "s2s_steps": "100",
    "s2s_step_size": "20",
}


def progress(at) -> str:
    return at.get("progress")[0].proto.text


def button(at, label):
    return next(b for b in at.button if b.label.startswith(label))


def caption(at, start: str) -> str:
    return next(c.value for c in at.caption if c.value.startswith(start))


def test_opens_on_the_shipped_date_model_without_training(no_training):
    at = run_app(PAGE, query={"seq2seq_numbers": "true"})
    assert not at.exception, at.exception
    shipped = ui_models.shared("seq2seq_dates")
    steps = defaults.describe("seq2seq_dates")["steps"]
    assert (
        at.session_state["s2s_model"]["loop"] is shipped
        and progress(at) == f"step {steps} of {steps}: finished"
    )
    assert chart_keys(at) == ["s2s_curves", "s2s_by_length", "s2s_decoding", "s2s_encoder", "s2s_memory"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["held-out exact match"] == f"{100 * shipped.test_exact[-1]:.1f}%"
    assert float(metrics["held-out exact match"][:-1]) >= 99 and metrics["longer inputs, exact match"] == "—"
    assert any("**Thursday, 26 November 2026** → **`2026-11-26`**" in m.value for m in at.markdown)
    decoding = chart_traces(at, "s2s_decoding")[0]
    assert decoding["x"][-1].endswith("<eos>") and len(decoding["x"]) == 11
    # the shipped model is done
    assert at.button(key="s2s_play").disabled and at.button(key="s2s_step").disabled
    assert not any(b.label.startswith("Train the") for b in at.button)
    table = at.dataframe[0].value
    assert "".join(table["written"][:-1]) == "2026-11-26" and table["P(written)"].min() > 0.5


def test_the_snippet_loads_the_shipped_model_and_reproduces_the_pages_table(no_training):
    at = run_app(PAGE, query={"s2s_input_dates": "3/7/1988", "s2s_beam": "3", "seq2seq_numbers": "true"})
    assert "defaults.load('seq2seq_dates')" in at.code[0].value and "beam_width=3" in at.code[0].value
    namespace: dict = {}
    exec(at.code[0].value, namespace)  # noqa: S102 -- our own snippet, run as a notebook would
    pd.testing.assert_frame_equal(
        pd.DataFrame(namespace["table"]), at.dataframe[0].value.reset_index(drop=True), check_dtype=False
    )
    assert any(
        "**3/7/1988** → **`1988-07-03`**: beam search of width 3, log-probability" in m.value
        for m in at.markdown
    )


def test_per_character_beam_scores_are_offered_and_said(no_training):
    at = run_app(PAGE, query={"s2s_beam": "4", "s2s_normalize": "true", "seq2seq_numbers": "true"})
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if m.value.startswith("**Thursday, 26 November 2026**"))
    assert "beam search of width 4, ranked by log-probability / length" in line
    assert "length_alpha=1.0" in at.code[0].value and "unless it is taken per character" in caption(
        at, "At each"
    )


def test_the_memory_maps_caption_states_what_was_measured_on_the_map_drawn(no_training):
    at = run_app(PAGE)
    (trace,) = chart_traces(at, "s2s_memory")  # by year: one trace, a colour scale
    years, first_axis = np.array(trace["marker"]["color"]), np.array(trace["x"])
    assert years.min() >= 1950 and years.max() <= 2049
    text = caption(at, "The encoder's final state")
    assert "Measured on this model (plain, seed 0, step" in text
    name, r = re.search(
        r"the first axis \(\d+% of the variance\) correlates most with the ([a-z ]+), \|r\| = ([\d.]+)", text
    ).groups()
    # On the shipped model (seed 0, step 4000) the first axis splits the centuries: 19xx against 20xx.
    assert name == "century" and float(r) == round(abs(np.corrcoef(years >= 2000, first_axis)[0, 1]), 2)
    assert float(r) > 0.9
    at.radio(key="s2s_colour_dates").set_value("month").run()
    assert len(chart_traces(at, "s2s_memory")) == 12  # one trace per month


def test_the_length_comparison_shows_the_shipped_reverse_models(no_training):
    at = run_app(PAGE, query={"s2s_task": "reverse"})
    assert not at.exception, at.exception
    steps = seq2seq.REVERSE_DEFAULT.steps
    assert [t["name"] for t in chart_traces(at, "s2s_by_length")] == [
        f"plain (this model, step {steps})",
        f"reversed (shipped, step {steps})",
        f"general attention (shipped, step {steps})",
    ]
    assert chart_traces(at, "s2s_by_length")[0]["x"] == list(range(1, 16))  # lengths 1..10 and 5 longer
    assert seq2seq.length_comparison_text() in caption(at, "Exact match against the input's length")
    assert not any(b.label.startswith("Train the") for b in at.button)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one character"),
        ("   ", "at least one character"),
        ("26 Növ 2026 ✓", "'ö' '✓'"),
        ("1" * 41, "at most 40"),
    ],
)
def test_bad_typed_inputs_get_a_message_and_no_exception(text, message):
    at = run_app(PAGE)
    at.text_input(key="s2s_input_dates").set_value(text).run()
    assert not at.exception and message in at.error[0].value
    assert chart_keys(at) == ["s2s_curves", "s2s_by_length", "s2s_memory"]  # the reading: a message instead


def test_restart_then_step_trains_a_copy_of_your_own():
    at = run_app(PAGE, query={"s2s_step_size": "10"})
    button(at, "Restart").click().run()
    assert (
        progress(at).startswith(f"step 0 of {seq2seq.DEFAULT.steps}")
        and not at.button(key="s2s_step").disabled
    )
    button(at, "Step").click().run()
    assert progress(at).startswith(f"step 10 of {seq2seq.DEFAULT.steps}") and not at.exception
    assert at.session_state["s2s_model"]["loop"] is not ui_models.shared("seq2seq_dates")
    assert ui_models.shared("seq2seq_dates").step_count == seq2seq.DEFAULT.steps


def test_other_settings_train_live_with_step_and_play():
    # A budget that one tick of play (0.8 s, about 100 steps of this tiny model) cannot finish.
    at = run_app(PAGE, query={**SMALL, "s2s_steps": "2000"})
    assert not at.exception and "Press Play" in at.info[0].value
    assert progress(at).startswith("step 0 of 2000")
    button(at, "Step").click().run()
    assert progress(at).startswith("step 20 of 2000")
    curves = chart_traces(at, "s2s_curves")
    assert len(curves[0]["x"]) == 20 and curves[2]["x"] == [0]  # losses; held-out scores every 120 steps
    at.button(key="s2s_play").click().run(timeout=120)  # each tick draws, then trains about a second
    assert at.button(key="s2s_play").label == "Pause" and progress(at).startswith("step 20 of 2000")
    at.button(key="s2s_play").click().run()
    played = int(progress(at).split()[1])
    assert at.button(key="s2s_play").label == "Play" and played > 20 and not at.exception
    at.run()
    assert progress(at).startswith(f"step {played} of 2000")  # paused: a rerun trains nothing


def test_the_budget_ends_playing():
    at = run_app(PAGE, query={**SMALL, "s2s_steps": "50", "s2s_step_size": "45"})
    at.button(key="s2s_step").click().run()
    at.button(key="s2s_play").click().run(timeout=120)
    assert progress(at).startswith("step 50 of 50: finished") and at.button(key="s2s_play").label == "Play"
    assert at.button(key="s2s_play").disabled and not at.exception


def test_the_variants_train_on_a_click_for_the_length_comparison():
    at = run_app(PAGE, query=SMALL)
    button(at, "Step").click().run()
    assert [t["name"] for t in chart_traces(at, "s2s_by_length")] == ["plain (this model, step 20)"]
    button(at, "Train the reversed and general attention variants").click().run(timeout=120)
    names = [t["name"] for t in chart_traces(at, "s2s_by_length")]
    assert names == [
        "plain (this model, step 20)",
        "reversed (yours, step 20)",
        "general attention (yours, step 20)",
    ]
    assert chart_traces(at, "s2s_by_length")[0]["x"] == list(range(1, 10))  # lengths 1..4 and 5 longer


def test_attention_shows_the_alignment_and_a_long_input_is_flagged():
    at = run_app(PAGE, query={**SMALL, "s2s_attention": "dot", "s2s_input_reverse": "abcdefg"})
    assert not at.exception and "s2s_alignment" in chart_keys(at)
    alignment = chart_traces(at, "s2s_alignment")[0]
    assert alignment["x"] == ["1. a", "2. b", "3. c", "4. d", "5. e", "6. f", "7. g"]
    assert "no training input had more than 4" in at.warning[0].value


def test_the_snippet_retrains_your_own_model_and_reproduces_the_pages_table():
    at = run_app(
        PAGE, query={**SMALL, "s2s_attention": "general", "s2s_beam": "3", "seq2seq_numbers": "true"}
    )
    button(at, "Step").click().run()
    page_table = at.dataframe[0].value
    namespace: dict = {}
    exec(at.code[0].value, namespace)  # noqa: S102 -- our own snippet, run as a notebook would
    snippet_table = pd.DataFrame(namespace["table"])
    pd.testing.assert_frame_equal(snippet_table, page_table.reset_index(drop=True), check_dtype=False)
    assert "steps=20" in at.code[0].value and "beam_width=3" in at.code[0].value


def test_a_bad_link_warns_and_falls_back():
    at = run_app(PAGE, query={"s2s_task": "translate", "s2s_hidden": "999"})
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert "s2s_decoding" in chart_keys(at)


def test_a_link_beyond_the_widgets_limits_falls_back_to_the_defaults_and_says_so(no_training):
    query = {
        "s2s_hidden": "272",
        "s2s_length": "31",
        "s2s_steps": "10050",
        "s2s_step_size": "1001",
        "s2s_beam": "6",
        "s2s_task": "reverse",
    }
    at = run_app(PAGE, query=query)
    assert not at.exception, at.exception
    warning = at.warning[0].value
    assert all(f"`{key}={value}`" in warning for key, value in query.items() if key != "s2s_task")
    config = at.session_state["s2s_model"]["settings"]
    assert (config.task, config.hidden_size, config.length, config.steps) == ("reverse", 128, 10, 4000)
    assert at.number_input(key="s2s_step_size").value == 50 and at.number_input(key="s2s_beam").value == 1


def test_a_link_to_a_step_too_large_for_a_live_tick_gets_a_message_and_no_model(no_training):
    query = {
        "s2s_task": "reverse",
        "s2s_length": "30",
        "s2s_kind": "lstm",
        "s2s_hidden": "256",
        "s2s_attention": "additive",
    }
    at = run_app(PAGE, query=query)
    assert not at.exception, at.exception
    assert "cannot train here" in at.error[0].value and "billion multiply-adds" in at.error[0].value
    assert chart_keys(at) == [] and "s2s_model" not in at.session_state
