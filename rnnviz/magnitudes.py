"""Numbers that float64 cannot hold, as text: a size given by its log10 ('3.162e-1001'), also in LaTeX.

The analysis pages carry products of many factors as logarithms (rnnviz.dynamics, rnnviz.maps), so
that 1e-1001 is a result, not 0; this is how they are written, everywhere the same way."""

from __future__ import annotations

import math


def format_log10(log10_value: float, digits: int = 4) -> str:
    """10**log10_value as text with `digits` significant digits, also beyond float64 ('3.162e+476' for 476.5)."""
    if math.isnan(log10_value):
        return "undefined"
    if log10_value == -math.inf:
        return "0"
    if log10_value == math.inf:
        return "inf"
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if round(mantissa, digits - 1) >= 10:  # 9.9999 rounds up to 10.00
        mantissa, exponent = mantissa / 10, exponent + 1
    if -4 <= exponent < digits + 2:
        return f"{10.0**log10_value:.{digits}g}"
    return f"{mantissa:.{digits - 1}f}e{exponent:+d}"


def latex_number(sign: float, log10_abs: float, digits: int = 4) -> str:
    """sign * 10**log10_abs in LaTeX: 117.4, or 3.162 \\times 10^{476} beyond what reads plainly."""
    if log10_abs == -math.inf or sign == 0:
        return "0"
    minus = "-" if sign < 0 else ""
    exponent = math.floor(log10_abs)
    if -4 <= exponent <= 5:
        return minus + f"{10.0**log10_abs:.{digits}g}"
    text = format_log10(log10_abs, digits)  # m.mmme+k
    mantissa, power = text.split("e")
    return minus + rf"{mantissa} \times 10^{{{int(power)}}}"
