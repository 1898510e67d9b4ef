"""A config's settings are one table for the config and the page: the config refuses what its
controls cannot show, and the controls show exactly the config's labels, ranges and defaults."""

import dataclasses

import pytest

import numpy as np

from rnnviz import charlm, dynamics, models, sentiment, seq2seq, settings, training
from ui.controls import Choice, Number, Toggle

CONFIGS = [
    charlm.CharLMConfig,
    sentiment.SentimentConfig,
    seq2seq.Seq2SeqConfig,
    training.TrainConfig,
    models.ModelConfig,
    dynamics.Settings,
]


@pytest.mark.parametrize("config_class", CONFIGS, ids=lambda c: c.__name__)
def test_every_setting_holds_its_fields_default_and_refuses_one_step_beyond_its_range(config_class):
    defaults = {f.name: f.default for f in dataclasses.fields(config_class)}
    specs = settings.all_of(config_class)
    assert specs, "a config the pages draw controls from has settings"
    config_class()  # the defaults pass their own check
    for name, spec in specs.items():
        assert spec.name == name and spec.default == defaults[name] and spec.label
        if spec.options:
            assert spec.default in spec.options
            with pytest.raises(ValueError, match=f"^{name} must be one of"):
                config_class(**{name: "no such option"})
        elif isinstance(spec.default, bool):
            with pytest.raises(ValueError, match=f"^{name} must be True or False"):
                config_class(**{name: 1})
        else:
            assert spec.low <= spec.default <= spec.high and 0 < spec.step <= spec.high - spec.low
            for outside in (spec.high + spec.step, spec.low - spec.step):
                with pytest.raises(ValueError, match=f"^{name} must be a (whole )?number from"):
                    config_class(**{name: type(spec.default)(outside)})


def test_a_whole_number_setting_refuses_fractions_and_a_number_refuses_nan():
    with pytest.raises(ValueError, match="hidden_size must be a whole number from 8 to 512, got 64.5"):
        charlm.CharLMConfig(hidden_size=64.5)
    with pytest.raises(ValueError, match="lr must be a number from 1e-05 to 0.1, got nan"):
        charlm.CharLMConfig(lr=float("nan"))
    assert charlm.CharLMConfig(hidden_size=8).hidden_size == 8  # the low end is allowed
    assert dynamics.Settings(H=np.int64(3)).H == 3  # numpy's whole numbers are whole numbers


def test_the_controls_of_a_setting_show_its_label_range_step_and_help():
    hidden = Number.of(charlm.CharLMConfig, "hidden_size", "k")
    assert (hidden.label, hidden.default, hidden.min, hidden.max, hidden.step) == (
        "hidden units",
        512,
        8,
        512,
        8,
    )
    assert hidden.whole and not Number.of(charlm.CharLMConfig, "lr", "k2").whole
    # a page's own opening value
    assert Number.of(training.TrainConfig, "lr", "k3", default=1e-3).default == 1e-3
    attention = Choice.of(seq2seq.Seq2SeqConfig, "attention", "k4")
    assert (
        attention.options == seq2seq.ATTENTIONS and attention.default == "none" and "Luong" in attention.help
    )
    reverse = Toggle.of(seq2seq.Seq2SeqConfig, "reverse_source", "k5")
    assert reverse.default is False and reverse.label == "Read the source backwards"
    with pytest.raises(KeyError, match="embed_dim has no setting"):
        settings.of(seq2seq.Seq2SeqConfig, "embed_dim")


def test_a_link_beyond_a_settings_range_is_what_the_control_names():
    steps = Number.of(seq2seq.Seq2SeqConfig, "steps", "s2s_steps")
    assert steps.problem("10000") is None
    assert steps.problem("10050") == "a whole number from 1 to 10000; using 4000"
