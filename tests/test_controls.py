"""The control table says exactly which link values Streamlit will not take as they are."""

import pytest

from ui.controls import Choice, Number, Text

CHECK_N = Number("n", "n", 10, 1, 16, 1)
WEIGHT = Number("w", "w", -1.5, -1000.0, 1000.0, 0.5)


@pytest.mark.parametrize("raw", ["1", "16", "10.0"])
def test_whole_number_in_range_is_taken(raw):
    assert CHECK_N.problem(raw) is None


@pytest.mark.parametrize("raw", ["abc", "", "0", "17", "2.5", "nan", "inf", "1e308"])
def test_whole_number_out_of_range_or_malformed_is_named(raw):
    assert CHECK_N.problem(raw) == "a whole number from 1 to 16; using 10"


def test_real_number_bounds():
    assert WEIGHT.problem("0.25") is None and WEIGHT.problem("-1000") is None
    assert WEIGHT.problem("1000.5") == "a number from -1000 to 1000; using -1.5"
    assert WEIGHT.problem("NaN") is not None


def test_choice_and_text():
    network = Choice("net", "Network", ("parity", "sum"), "parity")
    assert network.problem("sum") is None
    assert network.problem("lstm") == "one of parity, sum; using parity"
    bits = Text("bits", "Bits", "0 1", max_chars=5)
    assert bits.problem("0 1 1") is None
    assert bits.problem("0 1 1 0") == "at most 5 characters; cut there"
