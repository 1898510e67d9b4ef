"""Numbers given by their log10, written as text and LaTeX (rnnviz.magnitudes), also beyond float64."""

import math

from rnnviz import magnitudes


def test_format_log10_beyond_float64():
    assert magnitudes.format_log10(math.log10(117.39085)) == "117.4"
    assert magnitudes.format_log10(476 + math.log10(4.4069)) == "4.407e+476"
    assert magnitudes.format_log10(-1000.5) == "3.162e-1001"
    assert magnitudes.format_log10(math.log10(9.99996)) == "10"
    assert magnitudes.format_log10(-math.inf) == "0"
    assert magnitudes.format_log10(float("nan")) == "undefined"


def test_latex_number_plain_where_it_reads_plainly_and_a_power_of_ten_beyond():
    assert magnitudes.latex_number(1.0, math.log10(117.39085)) == "117.4"
    assert magnitudes.latex_number(-1.0, math.log10(0.005154)) == "-0.005154"
    assert magnitudes.latex_number(1.0, 476 + math.log10(4.4069)) == r"4.407 \times 10^{476}"
    assert magnitudes.latex_number(0.0, 3.0) == "0" and magnitudes.latex_number(1.0, -math.inf) == "0"
