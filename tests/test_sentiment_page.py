"""AppTest tests of the sentiment page."""

from apptest_helpers import chart_keys, chart_traces, run_app

PAGE = "pages/sentiment.py"


def test_defaults_train_and_show_the_rnn_beside_the_bag_of_words():
    at = run_app(PAGE, timeout=120)
    assert not at.exception, at.exception
    assert chart_keys(at) == [
        "sent_curves",
        "sent_confusion",
        "sent_bow_confusion",
        "sent_reading",
        "sent_states",
    ]
    values = {m.label: m.value for m in at.metric}
    lstm, bow = (
        float(values["LSTM, negation + late cue"][:-1]),
        float(values["BoW, negation + late cue"][:-1]),
    )
    assert float(values["LSTM, test accuracy"][:-1]) >= 95 and lstm > bow
    table = next(d.value for d in at.dataframe if "readout" in d.value.columns)
    assert table["readout"].tolist()[:1] == ["last"] or "last" in table["readout"].tolist()


def test_typing_a_tweet_changes_the_reading():
    at = run_app(PAGE, timeout=120)
    before = chart_traces(at, "sent_reading")[0]["x"]
    at.text_input(key="sent_tweet").set_value("i was never disappointed qwertyzzz").run()
    after = chart_traces(at, "sent_reading")[0]["x"]
    assert after != before and after[-1].endswith("(unk)") and len(after) == 5
    assert any("qwertyzzz" in m.value for m in at.markdown)
    at.text_input(key="sent_tweet").set_value(" ,, ").run()
    assert not at.exception and "at least one word" in at.error[0].value


def test_other_settings_wait_for_a_click():
    at = run_app(PAGE, query={"sent_kind": "gru", "sent_hidden": "16", "sent_epochs": "1", "sent_seed": "7"})
    assert not at.exception and "not trained yet" in at.info[0].value and chart_keys(at) == []
    next(b for b in at.button if b.label.startswith("Train this")).click().run(timeout=120)
    assert not at.exception and "sent_reading" in chart_keys(at)


def test_bad_link_warns():
    at = run_app(PAGE, query={"sent_kind": "tcn", "sent_hidden": "999"}, timeout=120)
    assert not at.exception and "malformed or out of range" in at.warning[0].value


def _upload(at, content: bytes):
    at.get("file_uploader")[0].set_value(("tweets.csv", content, "text/csv"))
    return at.run(timeout=120)


def test_a_bad_upload_shows_an_error_and_no_exception():
    at = run_app(PAGE, timeout=120)
    for junk in [b"", b"a,b\n1,2\n", bytes(range(256)) * 20]:
        _upload(at, junk)
        assert not at.exception, at.exception
        assert at.error and at.error[0].value.startswith("Could not read this file")
    assert "sent_reading" in chart_keys(at)  # the rest of the page still works


def test_a_good_upload_trains_on_click():
    rows = []
    for i in range(60):
        polarity, text = ("4", f"love this great day {i}") if i % 2 else ("0", f"hate this awful day {i}")
        rows.append(f'"{polarity}","{i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","user{i}","{text}"')
    at = _upload(run_app(PAGE, timeout=120), "\n".join(rows).encode("latin-1"))
    assert not at.exception and at.success[0].value == "Read 60 tweets (30 positive)."
    next(b for b in at.button if b.label == "Train on these tweets").click().run(timeout=120)
    assert not at.exception
    assert {m.label for m in at.metric} >= {"LSTM, test accuracy", "bag of words, test accuracy"}


def test_reading_characters_is_a_choice_that_trains_on_a_click():
    at = run_app(PAGE, query={"sent_tokens": "characters"})
    assert not at.exception
    assert "not trained yet" in at.info[0].value and "characters" in at.info[0].value
