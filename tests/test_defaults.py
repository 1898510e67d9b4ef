"""The default models shipped as weights (rnnviz.defaults): each file loads into the model the code
builds at its default settings, its metric holds when measured again, and sessions never change it."""

import dataclasses
import io

import pytest
import torch
from apptest_helpers import run_app

from rnnviz import defaults
from ui import models as ui_models

PAGES = {
    "lstm_gates": ("pages/lstm_gates.py", {"gates_example": "7", "gates_force_o": "false"}),
    "lstm_gates_bias1": ("pages/lstm_gates.py", {"gates_forget_bias": "1", "gates_example": "7"}),
    "lstm_gates_rnn": ("pages/lstm_gates.py", {"gates_example": "7"}),
    "seq2seq_dates": (
        "pages/sequence_to_sequence.py",
        {
            "s2s_input_dates": "3/7/1988",
            "s2s_beam": "5",
            "s2s_normalize": "true",
            "s2s_colour_dates": "month",
            "seq2seq_numbers": "true",
        },
    ),
    "seq2seq_reverse_attention": (
        "pages/sequence_to_sequence.py",
        {
            "s2s_task": "reverse",
            "s2s_attention": "general",
            "s2s_beam": "3",
            "s2s_input_reverse": "abcdefghijklm",
            "seq2seq_numbers": "true",
        },
    ),
    "long_term_lstm": ("pages/long_term_dependencies.py", {}),
    "long_term_lecture_irnn": ("pages/long_term_dependencies.py", {"ltd_steps": "6000"}),
    "sentiment": (
        "pages/sentiment.py",
        {"sent_tweet": "i was never disappointed by the hotel", "sentiment_numbers": "true"},
    ),
    "sentiment_bow": ("pages/sentiment.py", {"sent_tweet": "the food was not good"}),
    "char_lm": (
        "pages/char_language_model.py",
        {
            "clm_temperature": "1.2",
            "clm_top_k": "5",
            "clm_text": "the sample above",
            "clm_colour": "bracket depth",
            "char_lm_numbers": "true",
        },
    ),
}


def snapshot_bytes(loop) -> bytes:
    buffer = io.BytesIO()
    torch.save(loop.snapshot(), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", defaults.names())
def test_each_default_loads_at_the_codes_settings_and_its_metric_holds(name):
    loop = defaults.load(name)  # raises OutOfDate, saying which script to rerun, when the code has moved on
    default, recorded = defaults.get(name), defaults.describe(name)
    assert loop.done and loop.step_count == recorded["steps"] and recorded["torch"] == torch.__version__
    key, value = default.check(loop)
    assert abs(value - recorded["metrics"][key]) <= default.tolerance, (
        f"{name}: {key} is {value:.4g} now against {recorded['metrics'][key]:.4g} when it was made; "
        f"if the model's code changed, rerun `python -m rnnviz.defaults {name}`"
    )


def test_a_file_the_code_no_longer_fits_says_to_rerun_the_script(monkeypatch):
    moved_on = dataclasses.replace(defaults.get("lstm_gates"), settings=lambda: {"hidden_size": 33})
    monkeypatch.setitem(defaults._registry(), "lstm_gates", moved_on)
    with pytest.raises(defaults.OutOfDate, match="rerun `python -m rnnviz.defaults lstm_gates`"):
        defaults.load("lstm_gates")


def test_the_weights_stay_small():
    assert defaults.total_mb() <= defaults.MAX_TOTAL_MB


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_session_reading_the_shared_default_leaves_it_bit_for_bit_unchanged(name):
    page, query = PAGES[name]
    shipped = snapshot_bytes(defaults.load(name))
    at = run_app(page, query=query, timeout=120)
    assert not at.exception, at.exception
    assert snapshot_bytes(ui_models.shared(name)) == shipped
