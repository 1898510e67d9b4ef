"""The long-term-dependencies page: Step trains, settings restart, divergence is shown, never a traceback."""

import pytest
from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/long_term_dependencies.py"
SHORT = {"ltd_T": "12", "ltd_hidden": "8", "ltd_step_size": "5"}  # small, so that steps take milliseconds


def points(at, key="ltd_loss"):
    """Number of points of each trace of a chart, by trace name."""
    return {trace["name"]: len(trace["x"]) for trace in chart_traces(at, key)}


def progress_text(at):
    return at.get("progress")[0].proto.text


def test_defaults_run_paused_and_show_the_gradient_at_initialisation():
    at = run_app(PAGE)
    assert not at.exception and not at.error
    assert chart_keys(at) == ["ltd_loss", "ltd_horizon", "ltd_jacobian"]
    assert progress_text(at) == "step 0 of 1500"
    assert points(at)["LSTM (training batch)"] == 0  # a plain run trains nothing
    jacobian = {t["name"]: t for t in chart_traces(at, "ltd_jacobian")}
    assert list(jacobian) == ["tanh RNN", "IRNN", "LSTM"] and len(jacobian["LSTM"]["y"]) == 100
    assert jacobian["tanh RNN"]["y"][0] < 1e-10 and jacobian["IRNN"]["y"][0] > 0.5  # vanished vs carried
    assert at.button(key="ltd_play").label == "Play"
    at.run()
    assert progress_text(at) == "step 0 of 1500"


def test_step_trains_every_model_and_a_new_setting_restarts():
    at = run_app(PAGE, query=SHORT)
    at.button(key="ltd_step").click().run()
    assert progress_text(at) == "step 5 of 1500"
    counts = points(at)
    assert counts["tanh RNN (training batch)"] == counts["IRNN (training batch)"] == counts["LSTM (training batch)"] == 5
    assert counts["LSTM (test set)"] == 1  # step 0
    horizon = chart_traces(at, "ltd_horizon")
    assert [t["name"] for t in horizon] == ["tanh RNN", "IRNN", "LSTM"] and horizon[0]["y"] == [0]
    assert len(horizon[0]["x"]) == 12
    at.button(key="ltd_step").click().run()
    assert progress_text(at) == "step 10 of 1500" and points(at)["IRNN (training batch)"] == 10
    at.run()  # a plain rerun keeps the trainers and trains nothing
    assert progress_text(at) == "step 10 of 1500"
    at.radio(key="ltd_task").set_value("copy").run()
    assert progress_text(at) == "step 0 of 1500" and points(at)["LSTM (training batch)"] == 0
    assert len(chart_traces(at, "ltd_jacobian")[0]["x"]) == 12 + 21  # symbols, blanks, delimiter, recall
    at.button(key="ltd_step").click().run()
    at.slider(key="ltd_T").set_value(15).run()
    assert progress_text(at) == "step 0 of 1500"


def test_play_trains_and_pause_stops():
    at = run_app(PAGE, query=SHORT)
    at.button(key="ltd_play").click().run()  # the fragment's timer does not run in AppTest; its first run does
    assert at.button(key="ltd_play").label == "Pause"
    assert progress_text(at) == "step 0 of 1500"  # each tick draws, then trains
    at.button(key="ltd_play").click().run()
    assert at.button(key="ltd_play").label == "Play"
    played = int(progress_text(at).split()[1])
    assert played > 0 and points(at)["LSTM (training batch)"] == played
    at.run()
    assert progress_text(at) == f"step {played} of 1500"  # paused: a rerun trains nothing


def test_the_budget_ends_playing():
    at = run_app(PAGE, query=SHORT | {"ltd_steps": "10"})
    at.button(key="ltd_play").click().run()
    assert progress_text(at) == "step 10 of 10" and at.button(key="ltd_play").label == "Play"
    assert not at.exception


def test_a_diverging_model_is_marked_and_the_others_go_on():
    at = run_app(PAGE, query=SHORT | {"ltd_optimizer": "sgd", "ltd_lr_rnn": "100", "ltd_clip_rnn": "0",
                                      "ltd_step_size": "30", "ltd_gru": "true"})  # fmt: skip
    at.button(key="ltd_step").click().run()
    assert not at.exception
    assert len(at.warning) == 1 and at.warning[0].value.startswith("tanh RNN stopped at step ")
    assert "the others go on" in at.warning[0].value
    counts = points(at)
    assert counts["tanh RNN (training batch)"] < 30 == counts["LSTM (training batch)"] == counts["GRU (training batch)"]
    marker = next(t for t in chart_traces(at, "ltd_loss") if t["name"] == "tanh RNN diverged")
    assert marker["text"][0].startswith("tanh RNN diverged at step ") and "training stopped" in marker["hovertemplate"]
    assert at.dataframe[0].value["status"].iloc[0].startswith("stopped at step")


@pytest.mark.parametrize("query", [{"ltd_T": "5"}, {"ltd_task": "lstm"}, {"ltd_lr_lstm": "-1"}, {"ltd_hidden": "abc"}])
def test_bad_links_fall_back_to_the_defaults_with_a_warning(query):
    at = run_app(PAGE, query=query)
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert progress_text(at) == "step 0 of 1500"
