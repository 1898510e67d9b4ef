"""AppTest tests of the sentiment page: it opens on the shipped models, trains other settings on a click."""

from apptest_helpers import chart_keys, chart_traces, run_app, upload

from rnnviz import defaults, sentiment

PAGE = "pages/sentiment.py"


def percent(metric_value: str) -> float:
    return float(metric_value.rstrip("%"))


def test_the_page_opens_on_the_shipped_lstm_beside_the_bag_of_words_without_training():
    at = run_app(PAGE, timeout=120)
    assert not at.exception, at.exception
    assert not at.button or not any(b.label.startswith("Train this") for b in at.button)
    assert chart_keys(at) == [
        "sent_curves",
        "sent_confusion",
        "sent_bow_confusion",
        "sent_by_kind",
        "sent_reading",
        "sent_states",
        "sent_gradients",
        "sent_horizon",
    ]
    values = {m.label: m.value for m in at.metric}
    shipped, bow = defaults.describe("sentiment")["metrics"], defaults.describe("sentiment_bow")["metrics"]
    assert percent(values["LSTM, test accuracy"]) == round(100 * shipped["test_accuracy"], 1) == 100.0
    assert percent(values["LSTM, early cue"]) == round(100 * shipped["early_cue_accuracy"], 1)
    assert percent(values["bag of words, test accuracy"]) == round(100 * bow["test_accuracy"], 1) < 70
    assert "generated from templates" in at.markdown[0].value
    table = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert table["model"].tolist() == [
        "LSTM (last readout, embedding words)",
        "LSTM (max readout, embedding words)",
        "LSTM (average readout, embedding words)",
        "RNN (last readout, embedding words)",
        "RNN (max readout, embedding words)",
        "RNN (average readout, embedding words)",
        "GRU (last readout, embedding words)",
        "bag of words",
    ]
    rows = table.set_index("model")
    assert percent(rows.loc["RNN (last readout, embedding words)", "early cue"]) < 75
    assert percent(rows.loc["bag of words", "negation"]) < 10


def test_a_shipped_readout_is_one_click_away_and_opens_trained():
    at = run_app(PAGE, query={"sent_kind": "rnn", "sent_readout": "max"}, timeout=120)
    assert not at.exception and not at.info
    early = defaults.describe("sentiment_rnn_max")["metrics"]["early_cue_accuracy"]
    assert percent({m.label: m.value for m in at.metric}["RNN, early cue"]) == round(100 * early, 1)


def test_typing_a_sentence_changes_the_reading():
    at = run_app(PAGE, timeout=120)
    before = chart_traces(at, "sent_reading")[0]["x"]
    at.text_input(key="sent_tweet").set_value("i was never disappointed qwertyzzz").run()
    after = chart_traces(at, "sent_reading")[0]["x"]
    assert after != before and after[-1].endswith("(unk)") and len(after) == 5
    assert any("qwertyzzz" in m.value for m in at.markdown)
    at.text_input(key="sent_tweet").set_value(" ,, ").run()
    assert not at.exception and "at least one word" in at.error[0].value


def test_other_settings_wait_for_a_click_then_train_in_the_session():
    at = run_app(PAGE, query={"sent_kind": "gru", "sent_hidden": "16", "sent_epochs": "1", "sent_seed": "7"})
    assert not at.exception and "not trained yet" in at.info[0].value and chart_keys(at) == []
    next(b for b in at.button if b.label.startswith("Train this")).click().run(timeout=120)
    assert not at.exception and "sent_reading" in chart_keys(at)
    table = next(d.value for d in at.dataframe if "model" in d.value.columns)
    assert table["model"].tolist()[-1] == "GRU (last readout, embedding words), yours"


def test_bad_link_warns():
    at = run_app(PAGE, query={"sent_kind": "tcn", "sent_hidden": "999"}, timeout=120)
    assert not at.exception and "malformed or out of range" in at.warning[0].value


def test_the_page_says_how_to_cut_a_balanced_file_and_a_one_polarity_file_is_refused_saying_it_again():
    at = run_app(PAGE, timeout=120)
    assert any("head -n 10000" in m.value and "sorted by polarity" in m.value for m in at.markdown)
    rows = [f'"0","{i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","u{i}","sad day {i}"' for i in range(30)]
    at = upload(at, "tweets.csv", "\n".join(rows).encode())
    assert (
        not at.exception
        and "negative (0) tweets only" in at.error[0].value
        and "tail -n" in at.error[0].value
    )


def test_a_bad_upload_shows_an_error_and_no_exception():
    at = run_app(PAGE, timeout=120)
    for junk in [b"", b"a,b\n1,2\n", bytes(range(256)) * 20]:
        upload(at, "tweets.csv", junk)
        assert not at.exception, at.exception
        assert at.error and at.error[0].value.startswith("Could not read this file")
    assert "sent_reading" in chart_keys(at)  # the rest of the page still works


def test_a_good_upload_trains_on_click():
    rows = []
    for i in range(60):
        polarity, text = ("4", f"love this great day {i}") if i % 2 else ("0", f"hate this awful day {i}")
        rows.append(f'"{polarity}","{i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","user{i}","{text}"')
    at = upload(run_app(PAGE, timeout=120), "tweets.csv", "\n".join(rows).encode("latin-1"))
    assert not at.exception and at.success[0].value == "Read 60 tweets (30 positive)."
    next(b for b in at.button if b.label == "Train on these tweets").click().run(timeout=120)
    assert not at.exception
    scores = {m.label: m.value for m in at.metric}
    assert scores["bag of words, test accuracy"] == "100.0%" and "LSTM, test accuracy" in scores


def test_reading_characters_is_a_choice_that_trains_on_a_click():
    at = run_app(PAGE, query={"sent_tokens": "characters"})
    assert not at.exception
    assert "not trained yet" in at.info[0].value and "characters" in at.info[0].value


def test_a_link_beyond_the_widgets_limits_falls_back_to_the_defaults_and_says_so():
    at = run_app(PAGE, query={"sent_hidden": "136", "sent_epochs": "11", "sent_seed": "10000"}, timeout=120)
    assert not at.exception, at.exception
    assert all(
        key in at.warning[0].value for key in ("`sent_hidden=136`", "`sent_epochs=11`", "`sent_seed=10000`")
    )
    assert at.session_state["sent_model"]["settings"] == sentiment.DEFAULT and not at.info  # the shipped LSTM


def test_a_link_to_a_step_too_large_gets_a_message_and_trains_nothing():
    at = run_app(
        PAGE, query={"sent_tokens": "characters", "sent_hidden": "128", "sent_epochs": "10"}, timeout=120
    )
    assert not at.exception, at.exception
    assert "cannot train here" in at.error[0].value and "billion multiply-adds" in at.error[0].value
    assert chart_keys(at) == [] and not any(b.label.startswith("Train this") for b in at.button)
