"""The long-term-dependencies page: the defaults and the lecture's settings open on their recorded runs
without training; Play and Step train a fresh copy from step 0; settings restart; divergence is shown,
never a traceback."""

import pandas as pd
import pytest
from apptest_helpers import chart_keys, chart_traces, open_numbers, run_app

from rnnviz import defaults, long_term
from ui.share import frame

PAGE = "pages/long_term_dependencies.py"
SHORT = {"ltd_T": "12", "ltd_hidden": "8", "ltd_step_size": "5"}  # small, so that steps take milliseconds


def points(at, key="ltd_loss"):
    """Number of points of each trace of a chart, by trace name."""
    return {trace["name"]: len(trace["x"]) for trace in chart_traces(at, key)}


def held_out(at, name):
    """The test-set curve of a model."""
    return next(t for t in chart_traces(at, "ltd_loss") if t["name"] == f"{name} (test set)")


def progress_text(at):
    return at.get("progress")[0].proto.text


def test_the_defaults_open_on_the_recorded_runs_without_training(no_training):
    at = run_app(PAGE)
    assert not at.exception and not at.error
    assert chart_keys(at) == ["ltd_loss", "ltd_horizon", "ltd_jacobian", "ltd_ledger", "ltd_marked"]
    assert progress_text(at) == "step 1500 of 1500" and at.session_state["ltd_run"] == 0
    for kind, name in zip(("rnn", "irnn", "lstm"), ("tanh RNN", "IRNN", "LSTM")):
        shipped = defaults.load(f"long_term_{kind}")
        curve = held_out(at, name)
        assert curve["x"] == shipped.test_steps and curve["y"] == pytest.approx(
            shipped.test_losses, rel=1e-12
        )
        assert points(at)[f"{name} (training batch)"] == 1500
    assert held_out(at, "LSTM")["y"][-1] < 0.01 < 0.1 < held_out(at, "tanh RNN")["y"][-1]
    # at the defaults the IRNN learns nothing either: the page says why
    assert held_out(at, "IRNN")["y"][-1] > 0.1
    assert len(chart_traces(at, "ltd_horizon")[0]["y"]) == 1500 // 25 + 1  # steps 0, 25, ..., 1500
    jacobian = {t["name"]: t for t in chart_traces(at, "ltd_jacobian")}
    assert list(jacobian) == ["tanh RNN", "IRNN", "LSTM"] and len(jacobian["LSTM"]["y"]) == 100
    assert jacobian["tanh RNN"]["y"][0] < 1e-10 and jacobian["IRNN"]["y"][0] > 0.5  # vanished vs carried
    lstm = defaults.describe("long_term_lstm")["metrics"]["first_step_below"]
    info = at.info[0].value
    assert info.startswith("The recorded run of these settings")
    assert f"LSTM is below 0.05 from step {lstm}" in info and "IRNN stays above 0.05" in info
    # how far back the gradient reaches
    assert "tanh RNN 2e-21 → 3e-24, IRNN 0.7 → 0.2, LSTM 8e-21 → 0.02" in info
    assert "the loss explodes at step 2. So it is trained at 0.001" in at.markdown[-1].value
    assert at.button(key="ltd_play").label == "Play"
    at.checkbox(key="ltd_gru").check().run()  # the GRU has no recording: a fresh run of all four, from step 0
    assert progress_text(at) == "step 0 of 1500" and at.info[0].value.startswith("Press Play")


def test_the_lecture_button_opens_the_long_run_in_which_the_irnn_leaves_the_baseline(no_training):
    at = run_app(PAGE, query={"ltd_hidden": "32", "ltd_lr_irnn": "0.01", "ltd_gru": "true"})
    at.button(key="ltd_lecture").click().run()
    assert not at.exception
    lecture = long_term.LECTURE["irnn"]
    assert (
        at.slider(key="ltd_T").value == lecture.T and at.number_input(key="ltd_steps").value == lecture.steps
    )
    assert at.number_input(key="ltd_hidden").value == 64 and at.number_input(key="ltd_lr_irnn").value == 1e-3
    assert progress_text(at) == f"step {lecture.steps} of {lecture.steps}"
    irnn, rnn = held_out(at, "IRNN")["y"], held_out(at, "tanh RNN")["y"]
    assert irnn[-1] < 0.01 and min(rnn) > 0.15
    assert len(chart_traces(at, "ltd_horizon")[0]["y"]) == lecture.steps // 100 + 1  # every 100 steps
    left = long_term.lecture_steps()
    assert f"IRNN is below 0.05 from step {left['irnn']:,}" in at.info[0].value
    # the text under the charts
    assert f"the IRNN is below 0.05 from step {left['irnn']:,}" in at.markdown[-1].value
    assert "tanh RNN stays above 0.05" in at.info[0].value and "the tanh RNN never" in at.markdown[-1].value


def test_step_and_play_train_a_fresh_copy_from_step_0_and_new_settings_bring_the_recording_back():
    at = run_app(PAGE, query={"ltd_step_size": "3"})
    at.button(key="ltd_step").click().run()
    assert progress_text(at) == "step 3 of 1500"
    shipped = defaults.load("long_term_irnn")
    trained = next(t for t in chart_traces(at, "ltd_loss") if t["name"] == "IRNN (training batch)")
    # the recorded run's first steps, again
    assert trained["y"] == pytest.approx(shipped.losses[:3], rel=1e-6)
    assert shipped.step_count == 1500  # the shared run is not the one that trained
    at.button(key="ltd_play").click().run()
    at.button(key="ltd_play").click().run()
    played = int(progress_text(at).split()[1])
    assert played > 3 and points(at)["LSTM (training batch)"] == played
    at.button(key="ltd_restart").click().run()
    assert progress_text(at) == "step 0 of 1500" and at.info[0].value.startswith("Press Play")
    at.slider(key="ltd_T").set_value(99).run()
    at.slider(key="ltd_T").set_value(100).run()
    assert progress_text(at) == "step 1500 of 1500" and at.info[0].value.startswith("The recorded run")


def test_step_trains_every_model_and_a_new_setting_restarts():
    at = run_app(PAGE, query=SHORT)
    assert progress_text(at) == "step 0 of 1500" and at.info[0].value.startswith("Press Play")
    at.button(key="ltd_step").click().run()
    assert progress_text(at) == "step 5 of 1500"
    counts = points(at)
    assert (
        counts["tanh RNN (training batch)"]
        == counts["IRNN (training batch)"]
        == counts["LSTM (training batch)"]
        == 5
    )
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
    # the fragment's timer does not run in AppTest; its first run does
    at.button(key="ltd_play").click().run()
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
    at = run_app(
        PAGE,
        query=SHORT
        | {
            "ltd_optimizer": "sgd",
            "ltd_lr_rnn": "100",
            "ltd_clip_rnn": "0",
            "ltd_step_size": "30",
            "ltd_gru": "true",
        },
    )
    at.button(key="ltd_step").click().run()
    assert not at.exception
    assert len(at.warning) == 1 and at.warning[0].value.startswith("tanh RNN stopped at step ")
    assert "the others go on" in at.warning[0].value
    counts = points(at)
    assert (
        counts["tanh RNN (training batch)"]
        < 30
        == counts["LSTM (training batch)"]
        == counts["GRU (training batch)"]
    )
    marker = next(t for t in chart_traces(at, "ltd_loss") if t["name"] == "tanh RNN diverged")
    assert (
        marker["text"][0].startswith("tanh RNN diverged at step ")
        and "training stopped" in marker["hovertemplate"]
    )
    assert at.dataframe[0].value["status"].iloc[0].startswith("stopped at step")


def test_the_snippet_of_the_recorded_runs_reproduces_the_table():
    at = open_numbers(run_app(PAGE))
    expander = next(e for e in at.expander if any("table =" in c.value for c in e.code))
    snippet = next(c.value for c in expander.code if "table =" in c.value)
    assert "defaults.load" in snippet
    namespace: dict = {}
    exec(compile(snippet, "<snippet of the long-term page>", "exec"), namespace)  # our own generated code
    shown = expander.dataframe[0].value
    assert len(shown) == 3 * 31
    pd.testing.assert_frame_equal(
        frame(namespace["table"]).reset_index(drop=True),
        shown.reset_index(drop=True),
        check_dtype=False,
        rtol=1e-12,
        atol=0,
    )


def test_the_snippet_of_a_live_run_reproduces_the_table():
    at = run_app(PAGE, query=SHORT | {"ltd_step_size": "60", "ltd_gru": "true"})
    at = open_numbers(at.button(key="ltd_step").click().run())
    expander = next(e for e in at.expander if any("table =" in c.value for c in e.code))
    snippet = next(c.value for c in expander.code if "table =" in c.value)
    assert "train_together" in snippet and "max_steps=60" in snippet
    namespace: dict = {}
    exec(compile(snippet, "<snippet of the long-term page>", "exec"), namespace)  # our own generated code
    shown = expander.dataframe[0].value
    assert len(shown) == 4 * 2  # four models, tested at steps 0 and 50
    pd.testing.assert_frame_equal(
        frame(namespace["table"]).reset_index(drop=True),
        shown.reset_index(drop=True),
        check_dtype=False,
        rtol=1e-12,
        atol=0,
    )


@pytest.mark.parametrize(
    "query",
    [
        {"ltd_T": "5"},
        {"ltd_task": "lstm"},
        {"ltd_lr_lstm": "-1"},
        {"ltd_hidden": "abc"},
        {"ltd_T": "201"},
        {"ltd_hidden": "132"},
        {"ltd_steps": "10010"},
        {"ltd_step_size": "501"},
    ],
)
def test_bad_links_fall_back_to_the_defaults_with_a_warning(query):
    at = run_app(PAGE, query=query)
    assert not at.exception and "malformed or out of range" in at.warning[0].value
    assert progress_text(at) == "step 1500 of 1500"  # the defaults' recorded runs


def test_settings_without_a_recording_draw_no_empty_horizon_before_the_first_step(no_training):
    at = run_app(PAGE, query={"ltd_T": "200"})
    assert not at.exception and "ltd_horizon" not in chart_keys(at)
    assert any("drawn once the models have taken their first step" in info.value for info in at.info)


# every limit of the page's widgets at once
LARGEST = {
    "ltd_task": "copy",
    "ltd_T": "200",
    "ltd_hidden": "128",
    "ltd_gru": "true",
    "ltd_steps": "10000",
    "ltd_step_size": "500",
    "ltd_seed": "9999",
}


def test_the_largest_link_opens_but_cannot_train_a_round_longer_than_a_tick(no_training):
    at = run_app(PAGE, query=LARGEST, timeout=120)
    assert not at.exception and "malformed or out of range" not in " ".join(w.value for w in at.warning)
    assert at.warning[0].value.startswith("These settings cannot train here: one round of training")
    assert at.button(key="ltd_play").disabled and at.button(key="ltd_step").disabled
    assert progress_text(at) == "step 0 of 10000" and chart_keys(at) == ["ltd_loss", "ltd_jacobian"]
    assert [i.value for i in at.info][-2:] == [
        "The gradient horizon: nothing trains at these settings (see above).",
        "The ledger: nothing trains at these settings (see above).",
    ]
    at.session_state["ltd_asked_steps"] = 500  # what a click on Step would ask for, were it not disabled
    at.run()
    assert progress_text(at) == "step 0 of 10000" and "ltd_asked_steps" not in at.session_state


def test_a_move_beyond_the_bound_says_why_instead_of_press_play():
    at = run_app(PAGE, query=SHORT)
    at.button(key="ltd_step").click().run()
    assert progress_text(at) == "step 5 of 1500" and not at.button(key="ltd_step").disabled
    at.number_input(key="ltd_hidden").set_value(128).run()  # at T = 12: 76 million a round, within
    assert not at.button(key="ltd_play").disabled and at.info[0].value.startswith("Press Play")
    at.slider(key="ltd_T").set_value(200).run()  # 1,278 million
    assert at.button(key="ltd_play").disabled and not any(i.value.startswith("Press Play") for i in at.info)
    assert "1,278 million multiply-adds" in at.warning[0].value and not at.exception
