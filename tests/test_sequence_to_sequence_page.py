"""AppTest tests of the sequence-to-sequence page."""

import pandas as pd
import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/sequence_to_sequence.py"
# A small live model: reverse strings of up to 4 letters, trained a few steps per test.
SMALL = {"s2s_task": "reverse", "s2s_length": "4", "s2s_hidden": "32", "s2s_steps": "100", "s2s_step_size": "20"}


def progress(at) -> str:
    return at.get("progress")[0].proto.text


def button(at, label):
    return next(b for b in at.button if b.label.startswith(label))


def test_defaults_show_a_trained_date_model_reading_the_example():
    at = run_app(PAGE, query={"seq2seq_numbers": "true"}, timeout=300)  # the first run trains the shared default
    assert not at.exception, at.exception
    assert chart_keys(at) == ["s2s_curves", "s2s_by_length", "s2s_decoding", "s2s_encoder", "s2s_memory"]
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["held-out exact match"][:-1]) >= 90
    assert any("**Thursday, 26 November 2026** → **`2026-11-26`**" in m.value for m in at.markdown)
    decoding = chart_traces(at, "s2s_decoding")[0]
    assert decoding["x"][-1].endswith("<eos>") and len(decoding["x"]) == 11
    assert not any(b.label == "Play" for b in at.button)  # the shared model is not trained further here
    table = at.dataframe[0].value
    assert "".join(table["written"][:-1]) == "2026-11-26" and table["P(written)"].min() > 0.5


def test_colouring_the_memory_map_by_year_or_month():
    at = run_app(PAGE, timeout=300)
    (trace,) = chart_traces(at, "s2s_memory")  # by year: one trace, a colour scale
    years, first_axis = trace["marker"]["color"], trace["x"]
    assert min(years) >= 1950 and max(years) <= 2049
    # the memory's first principal axis separates the centuries: the first thing to write
    in_1900s = [x for x, year in zip(first_axis, years) if year < 2000]
    in_2000s = [x for x, year in zip(first_axis, years) if year >= 2000]
    assert abs(sum(in_1900s) / len(in_1900s) - sum(in_2000s) / len(in_2000s)) > 3  # about 6 apart here
    at.radio(key="s2s_colour_dates").set_value("month").run()
    assert len(chart_traces(at, "s2s_memory")) == 12  # one trace per month


@pytest.mark.parametrize(
    "text, message",
    [("", "at least one character"), ("   ", "at least one character"), ("26 Növ 2026 ✓", "'ö' '✓'"),
     ("1" * 41, "at most 40")],
)  # fmt: skip
def test_bad_typed_inputs_get_a_message_and_no_exception(text, message):
    at = run_app(PAGE, timeout=300)
    at.text_input(key="s2s_input_dates").set_value(text).run()
    assert not at.exception and message in at.error[0].value
    assert chart_keys(at) == ["s2s_curves", "s2s_by_length", "s2s_memory"]  # the reading: a message instead


def test_beam_search_and_another_input():
    at = run_app(PAGE, timeout=300)
    at.text_input(key="s2s_input_dates").set_value("3/7/1988").run()
    at.number_input(key="s2s_beam").set_value(5).run()
    assert not at.exception
    assert any("**3/7/1988** → **`1988-07-03`**: beam search of width 5" in m.value for m in at.markdown)


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
    assert names == ["plain (this model, step 20)", "reversed (step 20)", "general attention (step 20)"]
    assert chart_traces(at, "s2s_by_length")[0]["x"] == list(range(1, 10))  # lengths 1..4 and 5 longer


def test_attention_shows_the_alignment_and_a_long_input_is_flagged():
    at = run_app(PAGE, query={**SMALL, "s2s_attention": "dot", "s2s_input_reverse": "abcdefg"})
    assert not at.exception and "s2s_alignment" in chart_keys(at)
    alignment = chart_traces(at, "s2s_alignment")[0]
    assert alignment["x"] == ["1. a", "2. b", "3. c", "4. d", "5. e", "6. f", "7. g"]
    assert "no training input had more than 4" in at.warning[0].value


def test_the_snippet_reproduces_the_pages_table():
    at = run_app(PAGE, query={**SMALL, "s2s_attention": "general", "s2s_beam": "3", "seq2seq_numbers": "true"})
    button(at, "Step").click().run()
    page_table = at.dataframe[0].value
    namespace: dict = {}
    exec(at.code[0].value, namespace)  # noqa: S102 -- our own snippet, run as a notebook would
    snippet_table = pd.DataFrame(namespace["table"])
    pd.testing.assert_frame_equal(snippet_table, page_table.reset_index(drop=True), check_dtype=False)
    assert "steps=20" in at.code[0].value and "beam_width=3" in at.code[0].value


def test_a_bad_link_warns_and_falls_back():
    at = run_app(PAGE, query={"s2s_task": "translate", "s2s_hidden": "999"}, timeout=300)
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert "s2s_decoding" in chart_keys(at)
