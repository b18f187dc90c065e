"""The values reports print and read: percentages rounded half away from zero, amounts in 万 and
亿 exactly, periods as ranges of months."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pool.domain.errors import InvalidInput
from pool.domain.money import parse_amount, parse_scaled_amount
from pool.domain.periods import parse_period, percent, rounded

ratios = st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6)


@given(ratios)
def test_percent_rounds_half_away_from_zero(r: Fraction) -> None:
    exact = Decimal(r.numerator) * 100 / Decimal(r.denominator)
    expected = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)  # away from zero for ties
    if expected == 0:
        expected = abs(expected)
    assert percent(r) == str(expected)


@given(ratios)
def test_rounded_is_the_nearest_hundredth(r: Fraction) -> None:
    shown = Fraction(rounded(r))
    assert abs(shown - r) <= Fraction(1, 200)
    # symmetric about zero (half away from zero, not half up), and never "-0.00"
    assert Fraction(rounded(-r)) == -shown
    assert rounded(-r) != "-0.00"


@given(st.integers(0, 10**9), st.integers(0, 8), st.sampled_from(["万", "亿", "万元", "亿元"]))
def test_scaled_amounts_are_exact(whole: int, places: int, unit: str) -> None:
    digits = str(whole).rjust(places + 1, "0")
    text = f"{digits[: len(digits) - places]}.{digits[len(digits) - places :]}" if places else digits
    scale = 10**4 if unit.startswith("万") else 10**8
    yuan = Decimal(text) * scale
    try:
        fen = parse_scaled_amount(text + unit)
    except InvalidInput as exc:
        # refused only when it needs a fraction of a fen, or is beyond any amount
        assert yuan != yuan.quantize(Decimal("0.01")) or "too large" in str(exc)
        return
    assert Decimal(fen) / 100 == yuan
    if yuan == yuan.quantize(Decimal("0.01")) and fen <= 10**15:
        assert parse_amount(format(yuan.quantize(Decimal("0.01")), "f")) == fen


@given(st.integers(1900, 9999))
def test_a_year_is_its_four_quarters_and_twelve_months(year: int) -> None:
    whole = parse_period(str(year))
    quarters = [parse_period(f"{year}Q{q}") for q in range(1, 5)]
    months = [parse_period(f"{year}-{m:02d}") for m in range(1, 13)]
    assert [m for q in quarters for m in q.months()] == list(whole.months())
    assert [p.first for p in months] == list(whole.months())
    assert all(p.year == year and p.january == year * 12 for p in [whole, *quarters, *months])


@pytest.mark.parametrize("text", ["2025-00", "2025-13", "2025Q0", "2025Q5", "1899", "2025-5", "Q2 2025", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a period"):
        parse_period(text)
