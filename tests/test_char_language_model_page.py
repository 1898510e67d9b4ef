"""AppTest tests of the character-level language model page."""

import io

import pandas as pd
import torch
from apptest_helpers import chart_keys, run_app, upload

from rnnviz import charlm, corpora, defaults, training
from ui import models as ui_models
from ui.share import frame

PAGE = "pages/char_language_model.py"
# The numbers expander open (ui.share fills it only when open): its table and snippet are read here.
NUMBERS = {"char_lm_numbers": "true"}
SMALL = {"clm_corpus": "rnnviz source", "clm_hidden": "32", "clm_window": "32", "clm_steps": "40", **NUMBERS}


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def numbers(at) -> pd.DataFrame:
    """The loss table of "The numbers" (the page's other table is the feature units')."""
    return next(d.value for d in at.dataframe if "step" in d.value.columns)


def snippet(at) -> str:
    return next(c.value for c in at.code if c.value.startswith("from rnnviz import"))


def test_the_page_opens_on_the_shipped_model_without_training():
    at = run_app(PAGE, query=NUMBERS, timeout=120)
    assert not at.exception, at.exception
    # ui.models.shared("char_lm"): loaded, not trained here
    assert at.session_state["clm_model"]["owner"] == 0
    assert chart_keys(at) == [
        "clm_loss",
        "clm_forced",
        "clm_free",
        "clm_read",
        "clm_gradients",
        "clm_horizon",
    ]
    shipped, steps = defaults.describe("char_lm"), charlm.DEFAULT.steps
    values = metrics(at)
    assert values["characters trained on"] == f"{steps * 32 * 128:,}"
    assert values["held-out bits per character"] == f"{shipped['metrics']['sample_bits']:.3f}"
    assert at.button(key="clm_play").disabled and at.button(key="clm_step").disabled  # at its budget
    assert "Trained to its budget" in at.info[0].value
    assert f"The sections below read and sample the shipped model, trained ahead of time (step {steps})." in [
        c.value for c in at.caption
    ]
    checkpoints = [c.value for c in at.caption if c.value.startswith("step ")]
    assert checkpoints[0] == f"step {steps}" and checkpoints[-3:] == ["step 300", "step 100", "step 0"]
    table = numbers(at)
    assert table["step"].tolist() == list(range(steps + 1))
    assert table["held-out bpc"].notna().sum() == steps // charlm.DEFAULT.test_every + 1
    assert any(
        f"{shipped['metrics']['sample_chars']:,} characters of held-out documents" in c.value
        for c in at.caption
    )
    # the sample shown is the shipped model's own, at the page's defaults (drawn beside the test-time panel's)
    shared = ui_models.shared("char_lm")
    drawn = charlm.sample(
        shared.model, shared.data.vocab, "def ", 200, temperature=0.8, top_k=0, seed=0, stop_at_eos=True
    )
    assert at.code[-1].value == "def " + drawn.text


def test_restart_trains_a_fresh_model_and_the_shipped_one_stays_as_it_was():
    at = run_app(PAGE, query={"clm_step_size": "2"}, timeout=120)
    at.button(key="clm_restart").click().run(timeout=120)
    assert not at.exception and at.session_state["clm_model"]["owner"] > 0
    assert metrics(at)["characters trained on"] == "0" and not at.button(key="clm_step").disabled
    at.button(key="clm_step").click().run(timeout=120)
    assert not at.exception and metrics(at)["characters trained on"] == f"{2 * 32 * 128:,}"
    assert ui_models.shared("char_lm").step_count == charlm.DEFAULT.steps


def test_play_trains_on_and_pause_stops():
    at = run_app(PAGE, query={**SMALL, "clm_steps": "5000"})  # a budget one tick cannot finish
    assert not at.exception and metrics(at)["characters trained on"] == "0"
    at.button(key="clm_play").click().run(timeout=60)  # draws, then trains for the rest of the tick
    assert not at.exception and at.button(key="clm_play").label == "Pause"
    at.button(key="clm_play").click().run(timeout=60)  # Pause: this run draws what the tick trained
    trained = int(metrics(at)["characters trained on"].replace(",", ""))
    assert trained > 0 and trained % (32 * 32) == 0
    at.run()
    assert int(metrics(at)["characters trained on"].replace(",", "")) == trained


def test_the_snippet_gives_the_same_table_as_the_page():
    at = run_app(PAGE, query={**SMALL, "clm_step_size": "12"})
    at.button(key="clm_step").click().run(timeout=60)
    assert not at.exception
    shown = numbers(at)
    assert shown["step"].tolist() == list(range(13))
    code = snippet(at)
    assert "trainer.step(12)" in code and "builtin_data('rnnviz source', 0)" in code
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the page's own text, written by the page
    pd.testing.assert_frame_equal(frame(scope["table"]), shown, check_dtype=False)
    training.set_threads(1)


def test_a_bad_text_upload_shows_an_error_and_no_exception():
    at = run_app(PAGE, query={"clm_corpus": "upload"})
    assert not at.exception and "Upload a UTF-8 text file" in at.info[0].value
    for junk, why in [
        (b"", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"caf\xe9 " * 1000, "not UTF-8"),
        (b"x = 1\n" * 10, "at least 2,000"),
    ]:
        upload(at, "notes.txt", junk, key="clm_text_upload")
        assert not at.exception, at.exception
        assert at.error[0].value.startswith("Could not read this file") and why in at.error[0].value


def test_a_good_text_upload_trains_on_it():
    text = "\n\n".join(
        f"The cat number {i} sat on the mat and looked at the dog number {i}. " * 30 for i in range(12)
    )
    at = upload(
        run_app(PAGE, query={"clm_corpus": "upload", "clm_hidden": "32", "clm_window": "32", **NUMBERS}),
        "cats.txt",
        text.encode(),
        key="clm_text_upload",
    )
    assert not at.exception and not at.error
    assert any("cats.txt" in c.value and "held out" in c.value for c in at.caption)
    assert "corpora.load_text(" in snippet(at)


def test_a_model_file_loads_and_a_bad_one_gets_a_message(tmp_path):
    at = run_app(PAGE, query=SMALL)
    for junk in [b"junk", _torch_bytes({"weights": torch.zeros(2)})]:
        upload(at, "model.pt", junk, key="clm_model_upload")
        assert not at.exception and at.error[0].value.startswith("Could not load this file")
    training.set_threads(1)
    data = charlm.prepare(corpora.rnnviz_corpus(), seed=0)
    trainer = charlm.CharTrainer(data, charlm.CharLMConfig(kind="gru", hidden_size=48, window=32, steps=3))
    trainer.step(3)
    upload(at, "model.pt", charlm.to_bytes(trainer), key="clm_model_upload")
    assert not at.exception and not at.error
    assert "uploaded GRU (1 × 48" in at.success[0].value
    assert any("uploaded GRU" in c.value for c in at.caption)


def _torch_bytes(payload) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def test_colouring_by_a_unit_the_model_lacks_warns():
    at = run_app(PAGE, query={**SMALL, "clm_colour": "unit number", "clm_unit": "100"})
    assert not at.exception and "This model has 32 hidden units" in at.warning[0].value
    at.radio(key="clm_colour").set_value("bracket depth").run()
    assert not at.warning and any("most correlated with *bracket depth*" in c.value for c in at.caption)


def test_sampling_controls_change_the_sample():
    at = run_app(PAGE, query={**SMALL, "clm_temperature": "0.0", "clm_length": "50"})
    greedy = at.code[-1].value
    at.slider(key="clm_temperature").set_value(1.5).run()
    assert not at.exception and at.code[-1].value != greedy and at.code[-1].value.startswith("def ")


def test_bad_link_warns():
    at = run_app(PAGE, query={**SMALL, "clm_kind": "tcn", "clm_hidden": "9999"})
    assert not at.exception and "malformed or out of range" in at.warning[0].value
