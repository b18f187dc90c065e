"""Exact primitives: amounts, months, ratios and the largest-remainder step."""

from decimal import Decimal
from fractions import Fraction
from itertools import product

import pytest

from pool.domain.allocation import largest_remainder, split_equally
from pool.domain.errors import InvalidInput
from pool.domain.money import AmountError, format_amount, parse_amount
from pool.domain.months import MonthError, format_month, parse_month
from pool.domain.ratio import RatioError, format_ratio, parse_ratio


def _is_sentence(message: str) -> bool:
    return bool(message) and "Traceback" not in message and len(message.split()) >= 3


# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("1234.5", 123450),
        ("1234.50", 123450),
        ("1234", 123400),
        ("0.01", 1),
        ("0", 0),
        ("0.00", 0),
        (" 12.30 ", 1230),
        (1234, 123400),
        (0, 0),
        (Decimal("1234.5"), 123450),
        (Decimal("0.01"), 1),
        (Decimal("7"), 700),
        ("10000000000000.00", 10**15),
    ],
)
def test_parse_amount_accepts_plain_decimals(value, fen):
    assert parse_amount(value) == fen
    assert isinstance(parse_amount(value), int)


@pytest.mark.parametrize(
    "value",
    [
        "1.234",
        "0.001",
        "1234.500",
        "1e3",
        "1E3",
        "1.5e2",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1,234.00",
        "1 234",
        "1_234",
        "",
        "   ",
        "abc",
        "12.",
        ".5",
        "+5",
        "0x10",
    ],
)
def test_parse_amount_refuses_non_plain_text(value):
    with pytest.raises(AmountError) as exc:
        parse_amount(value)
    assert _is_sentence(str(exc.value))
    assert isinstance(exc.value, InvalidInput)


@pytest.mark.parametrize("value", [1.5, 0.1, 100.0, float("nan"), float("inf")])
def test_parse_amount_refuses_floats(value):
    with pytest.raises(AmountError) as exc:
        parse_amount(value)
    assert _is_sentence(str(exc.value))


@pytest.mark.parametrize("value", [True, False])
def test_parse_amount_refuses_booleans(value):
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, Fraction(1, 2), b"12"])
def test_parse_amount_refuses_other_types(value):
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize(
    "value", [Decimal("1.234"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")]
)
def test_parse_amount_refuses_inexact_or_non_finite_decimals(value):
    with pytest.raises(AmountError):
        parse_amount(value)


def test_parse_amount_messages_say_why():
    with pytest.raises(AmountError, match="more than two decimals"):
        parse_amount("1.234")
    with pytest.raises(AmountError, match="exponent"):
        parse_amount("1e3")
    with pytest.raises(AmountError, match="separators"):
        parse_amount("1,234.00")
    with pytest.raises(AmountError, match="separators"):
        parse_amount("1 234")
    with pytest.raises(AmountError, match="empty"):
        parse_amount("")
    with pytest.raises(AmountError, match="negative"):
        parse_amount("-1.00")


@pytest.mark.parametrize("value", ["-1", "-0.01", "-1234.50", -5, Decimal("-2.5")])
def test_parse_amount_refuses_negatives_unless_allowed(value):
    with pytest.raises(AmountError):
        parse_amount(value)
    assert parse_amount(value, allow_negative=True) < 0


def test_parse_amount_negative_values_when_allowed():
    assert parse_amount("-1234.5", allow_negative=True) == -123450
    assert parse_amount("-0.01", allow_negative=True) == -1
    assert parse_amount(-3, allow_negative=True) == -300
    assert parse_amount("-0", allow_negative=True) == 0


def test_parse_amount_refuses_absurdly_long_text_quickly():
    with pytest.raises(AmountError):
        parse_amount("9" * 10_000)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (10, "0.10"),
        (123450, "1234.50"),
        (100, "1.00"),
        (-1, "-0.01"),
        (-123456, "-1234.56"),
        (9999999999999999999999, "99999999999999999999.99"),
    ],
)
def test_format_amount(fen, text):
    assert format_amount(fen) == text


@pytest.mark.parametrize("fen", [0, 1, 9, 10, 99, 100, 101, 123450, 10**15 - 7, -1, -100, -987654321])
def test_format_amount_round_trips(fen):
    assert parse_amount(format_amount(fen), allow_negative=True) == fen


@pytest.mark.parametrize("text", ["0.00", "0.01", "1234.50", "70000000.01"])
def test_parse_then_format_is_canonical(text):
    assert format_amount(parse_amount(text)) == text


# --- months ------------------------------------------------------------------------------------


def test_parse_month():
    assert parse_month("2024-03") == 2024 * 12 + 2
    assert parse_month("2024-01") == 2024 * 12
    assert parse_month("2024-12") == 2024 * 12 + 11
    assert format_month(parse_month("2024-03")) == "2024-03"


@pytest.mark.parametrize(
    "value",
    [
        "2024-13",
        "2024-3",
        "24-03",
        "2024-00",
        "2024/03",
        "2024-03-01",
        "202403",
        "",
        "March 2024",
        "2024-1a",
        " -03",
    ],
)
def test_parse_month_refuses_bad_text(value):
    with pytest.raises(MonthError) as exc:
        parse_month(value)
    assert _is_sentence(str(exc.value))
    assert isinstance(exc.value, InvalidInput)


@pytest.mark.parametrize("value", [202403, 2024.03, None, True, Decimal("2024.03"), ["2024-03"]])
def test_parse_month_refuses_non_strings(value):
    with pytest.raises(MonthError):
        parse_month(value)


def test_month_arithmetic():
    dec = parse_month("2024-12")
    assert format_month(dec + 1) == "2025-01"
    assert format_month(dec - 11) == "2024-01"
    assert format_month(dec - 12) == "2023-12"
    assert parse_month("2025-03") - parse_month("2024-03") == 12
    assert parse_month("2016-03") - parse_month("2015-09") == 6
    # term year of period p from start S: (months(p) - months(S)) // 12 + 1
    s = parse_month("2016-03")
    assert (parse_month("2017-02") - s) // 12 + 1 == 1
    assert (parse_month("2017-03") - s) // 12 + 1 == 2


def test_month_round_trip_over_years():
    for year, month in product((1999, 2000, 2015, 2024), range(1, 13)):
        text = f"{year:04d}-{month:02d}"
        m = parse_month(text)
        assert format_month(m) == text
        assert divmod(m, 12) == (year, month - 1)
    assert [format_month(parse_month("2023-11") + i) for i in range(4)] == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    ]


# --- ratios ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["50%", "0.5", "1/2", "0.50", "50.0%", "2/4", " 50% "])
def test_half_in_every_notation(text):
    assert parse_ratio(text) == Fraction(1, 2)
    assert isinstance(parse_ratio(text), Fraction)


@pytest.mark.parametrize(
    ("text", "ratio"),
    [
        ("12.5%", Fraction(1, 8)),
        ("0%", Fraction(0)),
        ("100%", Fraction(1)),
        ("0", Fraction(0)),
        ("1", Fraction(1)),
        ("1/3", Fraction(1, 3)),
        ("2/3", Fraction(2, 3)),
        ("0.1", Fraction(1, 10)),
        ("33.3%", Fraction(333, 1000)),
        ("70%", Fraction(7, 10)),
        ("0.125", Fraction(1, 8)),
        (0, Fraction(0)),
        (1, Fraction(1)),
        (Fraction(1, 3), Fraction(1, 3)),
        (Decimal("0.25"), Fraction(1, 4)),
    ],
)
def test_parse_ratio_exact(text, ratio):
    assert parse_ratio(text) == ratio


@pytest.mark.parametrize(
    "value",
    [
        "150%",
        "100.1%",
        "1.5",
        "3/2",
        "-1",
        "-0.5",
        "-50%",
        "1/0",
        "0/0",
        "abc",
        "",
        "50",
        "%",
        "50 %",
        "1e-1",
        "0.5.0",
        "half",
        "1//2",
        "NaN",
        "inf",
        2,
        -1,
        Decimal("NaN"),
        Decimal("1.5"),
        Fraction(3, 2),
    ],
)
def test_parse_ratio_refuses(value):
    with pytest.raises(RatioError) as exc:
        parse_ratio(value)
    assert _is_sentence(str(exc.value))
    assert isinstance(exc.value, InvalidInput)


@pytest.mark.parametrize("value", [0.5, 0.0, 1.0, float("nan"), True, False, None, [1, 2]])
def test_parse_ratio_refuses_floats_and_other_types(value):
    with pytest.raises(RatioError):
        parse_ratio(value)


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (Fraction(1, 2), "50%"),
        (Fraction(1, 8), "12.5%"),
        (Fraction(0), "0%"),
        (Fraction(1), "100%"),
        (Fraction(7, 10), "70%"),
        (Fraction(1, 3), "1/3"),
        (Fraction(2, 7), "2/7"),
        (Fraction(1, 1000), "0.1%"),
    ],
)
def test_format_ratio(ratio, text):
    assert format_ratio(ratio) == text


@pytest.mark.parametrize(
    "ratio",
    [
        Fraction(1, 2),
        Fraction(1, 8),
        Fraction(1, 3),
        Fraction(3, 7),
        Fraction(0),
        Fraction(1),
        Fraction(333, 1000),
        Fraction(1, 64),
    ],
)
def test_format_ratio_round_trips(ratio):
    assert parse_ratio(format_ratio(ratio)) == ratio


# --- largest remainder ------------------------------------------------------------------------


THIRD = Fraction(1, 3)
HALF = Fraction(1, 2)


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (1, [THIRD] * 3, [1, 0, 0]),  # tie: the earliest party (host) first
        (2, [THIRD] * 3, [1, 1, 0]),  # then the next (first origin)
        (3, [THIRD] * 3, [1, 1, 1]),
        (100, [THIRD] * 3, [34, 33, 33]),
        (101, [HALF, HALF], [51, 50]),  # the jjj example: odd fen, tie to host
        (100, [HALF, HALF], [50, 50]),
        (7000000001, [HALF, HALF], [3500000001, 3500000000]),
        (10, [Fraction(7, 10), Fraction(3, 10)], [7, 3]),
        (1, [THIRD, Fraction(2, 3)], [0, 1]),  # the larger remainder wins over the tie order
        (5, [Fraction(1, 6), THIRD, HALF], [1, 2, 2]),
        (1, [Fraction(0), HALF, HALF], [0, 1, 0]),  # a zero-weight party never gets a fen
        (3, [Fraction(0), THIRD, THIRD, THIRD], [0, 1, 1, 1]),
        (0, [HALF, HALF], [0, 0]),
        (12345, [Fraction(1)], [12345]),
        (999, [Fraction(1), Fraction(0)], [999, 0]),
        (1, [Fraction(2, 5), Fraction(3, 10), Fraction(3, 10)], [1, 0, 0]),  # 0.4 > 0.3
        (2, [Fraction(2, 5), Fraction(3, 10), Fraction(3, 10)], [1, 1, 0]),  # 0.3 tie: earlier first
    ],
)
def test_largest_remainder_examples(total, weights, expected):
    assert largest_remainder(total, weights) == expected


def test_largest_remainder_sums_and_stays_within_one_fen():
    weight_sets = [
        [THIRD] * 3,
        [HALF, HALF],
        [Fraction(7, 10), Fraction(3, 10)],
        [Fraction(1, 6), THIRD, HALF],
        [Fraction(1, 7)] * 7,
        [Fraction(2, 5), Fraction(1, 10), HALF],
        [Fraction(1, 4), Fraction(1, 8), Fraction(1, 8), HALF],
        [Fraction(0), Fraction(1)],
    ]
    for weights in weight_sets:
        assert sum(weights) == 1
        for total in list(range(0, 60)) + [10**12 + 1, 7000000001]:
            shares = largest_remainder(total, weights)
            assert sum(shares) == total
            assert all(s >= 0 for s in shares)
            for share, w in zip(shares, weights, strict=True):
                assert abs(share - total * w) < 1


@pytest.mark.parametrize(
    ("total", "parties", "expected"),
    [
        (5, 3, [2, 2, 1]),
        (2, 3, [1, 1, 0]),
        (1, 3, [1, 0, 0]),
        (0, 2, [0, 0]),
        (9, 3, [3, 3, 3]),
        (7, 1, [7]),
        (101, 2, [51, 50]),
    ],
)
def test_split_equally(total, parties, expected):
    assert split_equally(total, parties) == expected


def test_split_equally_agrees_with_largest_remainder():
    for parties in range(1, 6):
        for total in range(0, 40):
            assert split_equally(total, parties) == largest_remainder(total, [Fraction(1, parties)] * parties)


@pytest.mark.parametrize("value", ["10000000000000.01", 10**14, "99999999999999999999.99"])
def test_parse_amount_refuses_amounts_beyond_storage(value):
    with pytest.raises(AmountError, match="too large"):
        parse_amount(value)


def test_parse_amount_refuses_negative_zero():
    with pytest.raises(AmountError, match="negative"):
        parse_amount("-0.00")
