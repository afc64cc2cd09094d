"""Number extraction and normalisation: table-driven cases and property tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.core.numbers import extract, mask, normalise, values


def found(text: str) -> list[tuple[str, bool]]:
    return [(str(n.value), n.percent) for n in extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,665 patients", [("2665", False)]),
        ("2665 patients", [("2665", False)]),
        ("1,234,567 doses", [("1234567", False)]),
        ("n\u00a0=\u00a02\u202f665", [("2665", False)]),  # narrow no-break space as thousands separator
        ("0.5 and .5 and 0.50", [("0.5", False)] * 3),
        ("10 and 100 and 1000", [("10", False), ("100", False), ("1000", False)]),
        ("45% responded", [("45", True)]),
        ("45 % responded", [("45", True)]),
        ("45 percent responded", [("45", True)]),
        ("45 per cent responded", [("45", True)]),
        ("5 percentage points", [("5", True)]),
        ("the 45th percentile", [("45", False)]),
        ("aged 14 to 19", [("14", False), ("19", False)]),
        ("aged 14–19", [("14", False), ("19", False)]),
        ("aged 14-19", [("14", False), ("19", False)]),
        ("14–19% of patients", [("14", True), ("19", True)]),
        ("from 14% to 19%", [("14", True), ("19", True)]),
        ("an effect of -0.64", [("0.64", False)]),
        ("two hours", [("2", False)]),
        ("Twenty patients", [("20", False)]),
        ("thirteen, fourteen, fifteen, sixteen", [("13", False), ("14", False), ("15", False), ("16", False)]),
        ("seventeen, eighteen, nineteen, eleven, twelve", [(str(n), False) for n in (17, 18, 19, 11, 12)]),
        ("three, four, five, six, seven, eight, nine, ten", [(str(n), False) for n in range(3, 11)]),
        ("a one-year follow-up", [("1", False)]),
        ("twenty-one patients", [("21", False)]),
        ("a two-hour session", [("2", False)]),
        ("five percent", [("5", True)]),
        ("in one trial", [("1", False)]),
        ("one of the trials", []),
        ("no one knows", []),
        ("one another", []),
        ("an acceptable one", []),
        ("someone, everyone, anyone", []),
        ("a half, once, twice, first, second, hundred", []),
        ("COVID-19", []),
        ("PHQ-9 and DSM-5 and ICD-10 and SF-36", []),
        ("SSRIs", []),
        ("5-HT2A receptors", []),
        ("5-HT receptors", []),
        ("NG59 and TA854", []),
        ("H1N1", []),
        ("a 5-year follow-up", [("5", False)]),
        ("10mg of ketamine", [("10", False)]),
        ("0.5 mg/kg", [("0.5", False)]),
        ("the 3rd dose", [("3", False)]),
        ("`code 42`", []),
        ("[the report](https://example.org/2023/12)", []),
        ("[report 7](https://example.org/2023/12)", [("7", False)]),
        ("see https://example.org/a/2023 now", []),
        ("see <https://example.org/2023>", []),
        ('<span id="x3">7</span>', [("7", False)]),
        ("&#124; &nbsp;", []),
        ("<!-- 99 -->", []),
        ("doi 10.1016/j.x.2022.04.037", []),
        ("footnote[^2]", []),
        ("ratio 2:1", [("2", False), ("1", False)]),
    ],
)
def test_extract(text, expected):
    assert found(text) == expected


def test_text_as_written_and_offsets():
    text = "Of 2,665 patients, 14–19% responded within two hours."
    got = extract(text)
    assert [n.text for n in got] == ["2,665", "14%", "19%", "two"]
    assert [text[n.start] for n in got] == ["2", "1", "1", "t"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("2,665", "2665", True),
        ("0.5", ".5", True),
        ("0.50", "0.5", True),
        ("10", "10.0", True),
        ("45", "54", False),
        ("45%", "45 percent", True),
        ("45%", "45", False),  # a percentage and a bare number are different kinds
        ("45%", "55%", False),
        ("two", "2", True),
        ("fourteen", "14", True),
    ],
)
def test_values_match(a, b, same):
    assert (values(a) == values(b)) is same


def test_normalise():
    assert normalise("2,665") == Decimal(2665)
    assert str(normalise("10")) == "10" and str(normalise("100.0")) == "100"
    assert normalise("abc") is None


def test_mask_keeps_offsets_and_lines():
    text = "see `code 1`\n[x](http://a.b/2) and <b>3</b>"
    masked = mask(text)
    assert len(masked) == len(text) and masked.count("\n") == 1
    assert "1" not in masked and "2" not in masked and "3" in masked


# --- properties ------------------------------------------------------------------------------------------

INTS = st.integers(min_value=0, max_value=10**9)


def thousands(n: int) -> str:
    return f"{n:,}"


@settings(max_examples=300, deadline=None)
@given(INTS)
def test_thousands_separators_do_not_change_the_value(n):
    assert values(f"x {thousands(n)} y") == values(f"x {n} y") == {(Decimal(n), False)}


@settings(max_examples=300, deadline=None)
@given(INTS, st.integers(min_value=0, max_value=999), st.sampled_from(["", "0", "00"]))
def test_decimals_normalise(whole, frac, pad):
    text = f"{whole}.{frac}{pad}"
    (n,) = extract(f"value {text} here")
    assert n.value == Decimal(text) and not n.percent


@settings(max_examples=300, deadline=None)
@given(INTS, st.sampled_from(["%", " %", " percent", " per cent", " percentage points"]))
def test_every_way_of_writing_a_percentage_is_one_value(n, suffix):
    assert values(f"about {n}{suffix} of them") == {(Decimal(n), True)}
    assert values(f"about {n}{suffix} of them") != values(f"about {n} of them")


@settings(max_examples=300, deadline=None)
@given(INTS, INTS, st.sampled_from([" to ", "–", "-", " – "]), st.booleans())
def test_a_range_is_both_endpoints(a, b, dash, percent):
    suffix = "%" if percent else ""
    got = values(f"between {a}{dash}{b}{suffix} weeks")
    assert got == {(Decimal(a), percent), (Decimal(b), percent)}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=65, max_codepoint=90), min_size=1, max_size=5), INTS)
def test_a_name_with_digits_is_not_a_number(letters, n):
    assert extract(f"the {letters}{n} and {letters}-{n} codes") == []


@pytest.mark.parametrize("n", range(1, 30))
def test_every_number_word_is_found_alone(n):
    from kb_tools.core.numbers import _NAMES

    word = _NAMES[n - 1] if n <= 20 else f"twenty-{_NAMES[n - 21]}"
    assert found(f"in {word} trials") == [(str(n), False)]
    assert found(f"{word.capitalize()} percent") == [(str(n), True)]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_any_text_extracts_without_error(text):
    for n in extract(text):
        assert 0 <= n.start < len(text)
        assert n.value >= 0 and n.text
