"""The sequence-to-sequence tasks' targets: dates against datetime, programs against an evaluator
written here, reverse and sort against Python."""

import datetime
import re

import pytest

from rnnviz import tasks

DATE_FORMATS = [
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%A, %d %B %Y",
    "%a %d %b %Y",
    "%d-%b-%Y",
    "%A, %B %d, %Y",
    "%Y/%m/%d",
]


def parse_date(text: str) -> tuple[datetime.date, str]:
    """The day a source names (strptime ignores case) and the format that reads it."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), fmt
        except ValueError:
            continue
    raise AssertionError(f"no format reads {text!r}")


@pytest.mark.parametrize("held_out", [False, True])
def test_date_targets_are_the_iso_form_of_the_day_the_source_names(held_out):
    pairs = tasks.date_pairs(3000, seed=4, held_out=held_out)
    used = set()
    for source, target in pairs:
        day, fmt = parse_date(source)
        used.add(fmt)
        assert target == day.isoformat() and tasks.FIRST_YEAR <= day.year <= tasks.LAST_YEAR
        if "%A" in fmt or "%a" in fmt:  # strptime does not check the weekday: check it here
            assert source.lower().startswith(day.strftime("%a").lower())
            assert source[:3].lower() == day.strftime("%A")[:3].lower()
        assert tasks.is_held_out_date(day) == held_out  # training and test days never overlap
        assert set(source + target) <= set(tasks.SEQ2SEQ_ALPHABETS["dates"])
    assert used == set(DATE_FORMATS)  # "%d/%m/%Y" reads both 6/11/2026 and 06/11/2026
    assert any(s.islower() for s, _ in pairs) and any(not s.islower() for s, _ in pairs)


def test_the_lectures_example_is_one_of_the_formats():
    assert "Thursday, 26 November 2026" in tasks._date_formats(datetime.date(2026, 11, 26))
    assert "26 Nov 2026" in tasks._date_formats(datetime.date(2026, 11, 26))


def run_program(program: str) -> str:
    """What the program prints: a reference evaluator of the task's little language (no eval)."""
    values: dict[str, int] = {}

    def value(term: str) -> int:
        return values[term] if term.isalpha() else int(term)

    def apply(left: int, sign: str, right: int) -> int:
        return left + right if sign == "+" else left - right

    printed = []
    for statement in program.split(";"):
        if m := re.fullmatch(r"([abc])=(\w+)(?:([+-])(\w+))?", statement):
            name, first, sign, second = m.groups()
            values[name] = value(first) if sign is None else apply(value(first), sign, value(second))
        elif m := re.fullmatch(r"for x in range\((\d+)\):([abc])([+-])=(\d+)", statement):
            for _ in range(int(m[1])):
                values[m[2]] = apply(values[m[2]], m[3], int(m[4]))
        elif m := re.fullmatch(r"print\((\w+)(?:([+-])(\w+))?\)", statement):
            first, sign, second = m.groups()
            printed.append(str(value(first) if sign is None else apply(value(first), sign, value(second))))
        else:
            raise AssertionError(f"not a statement of the task: {statement!r}")
    return "\n".join(printed)


@pytest.mark.parametrize("digits", [1, 2, 4])
def test_programs_print_what_the_reference_evaluator_prints(digits):
    pairs = tasks.program_pairs(2000, digits, seed=digits)
    for program, target in pairs:
        assert run_program(program) == target, program
        numbers = re.findall(r"(?<![(\d])\d+", program)  # all but the loop counts, range(k)
        assert numbers and all(len(n) <= digits for n in numbers)
        assert set(program + target) <= set(tasks.SEQ2SEQ_ALPHABETS["execute"])
    assert any("for x in range" in p for p, _ in pairs) and any(t.startswith("-") for _, t in pairs)
    assert any(re.search(r"b=a[+-]", p) for p, _ in pairs)


def test_longer_programs_use_numbers_with_more_digits():
    for program, target in tasks.program_pairs(300, 3, seed=1, min_digits=3):
        assert run_program(program) == target
        assert all(len(n) == 3 for n in re.findall(r"(?<![(\d])\d+", program))


def test_reverse_and_sort():
    for source, target in tasks.reverse_pairs(500, 2, 7, seed=0):
        assert target == source[::-1] and 2 <= len(source) <= 7 and source.isalpha()
    for source, target in tasks.sort_pairs(500, 1, 9, seed=0):
        assert target == "".join(sorted(source)) and 1 <= len(source) <= 9 and source.isdigit()
    assert {len(s) for s, _ in tasks.reverse_pairs(500, 3, 5, seed=1)} == {3, 4, 5}


def test_generators_are_deterministic_by_seed():
    for make in [
        lambda s: tasks.date_pairs(50, s),
        lambda s: tasks.program_pairs(50, 3, s),
        lambda s: tasks.reverse_pairs(50, 1, 9, s),
        lambda s: tasks.sort_pairs(50, 1, 9, s),
    ]:
        assert make(3) == make(3) and make(3) != make(4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tasks.reverse_pairs(5, 0, 3, 0),
        lambda: tasks.sort_pairs(5, 4, 3, 0),
        lambda: tasks.program_pairs(5, 0, 0),
        lambda: tasks.program_pairs(5, 2, 0, min_digits=3),
        lambda: tasks.date_pairs(-1, 0),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
