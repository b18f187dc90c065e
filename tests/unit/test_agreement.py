"""Agreement resolution: an approval's values checked against the ruleset's declarations."""

from fractions import Fraction

import pytest

from pool.domain.errors import InvalidInput
from pool.rules.agreement import resolve_agreement
from pool.rules.loader import load_ruleset_text

RULES = """\
ruleset: demo
version: "1"
title: Demo
effective_from: 2020-01
metrics:
  tax: {unit: CNY}
agreement:
  pre_move_tax_3y: {type: amount, required: true, min: 1000, max: "99999999.99"}
  government_led: {type: flag, default: false}
  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}
  existing_tax_per_year: {type: amount, default: "12.50"}
  extra_amount: {type: amount}
  extra_flag: {type: flag}
  city_share: {type: ratio, default: 10%, max: 50%}
shares:
  - name: tax
    book: fiscal
    base: tax
    mode: split
    baseline: agreement.existing_tax_per_year
    term: {start: transfer, years: 3}
    schedule:
      - years: 1-3
        origin: agreement.origin_share
        city: agreement.city_share
"""


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset_text(RULES, "demo.yaml")


def _refused(ruleset, raw):
    with pytest.raises(InvalidInput) as exc:
        resolve_agreement(ruleset, raw)
    return str(exc.value)


def test_defaults_are_filled_in(ruleset):
    values = resolve_agreement(ruleset, {"pre_move_tax_3y": "60000000"})
    assert values == {
        "pre_move_tax_3y": 6000000000,
        "government_led": False,
        "origin_share": Fraction(1, 2),
        "existing_tax_per_year": 1250,
        "extra_amount": 0,
        "extra_flag": False,
        "city_share": Fraction(1, 10),
    }
    assert type(values["government_led"]) is bool
    assert isinstance(values["origin_share"], Fraction)


def test_given_values_are_parsed_by_type(ruleset):
    values = resolve_agreement(
        ruleset,
        {
            "pre_move_tax_3y": "60000000.01",
            "government_led": "true",
            "origin_share": "0.4",
            "existing_tax_per_year": 5,
            "extra_amount": "0.01",
            "extra_flag": "yes",
            "city_share": "1/4",
        },
    )
    assert values["pre_move_tax_3y"] == 6000000001
    assert values["government_led"] is True
    assert values["origin_share"] == Fraction(2, 5)
    assert values["existing_tax_per_year"] == 500
    assert values["extra_amount"] == 1
    assert values["extra_flag"] is True
    assert values["city_share"] == Fraction(1, 4)


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        (True, True),
        (False, False),
        ("false", False),
        ("no", False),
        ("TRUE", True),
        ("0", False),
        ("1", True),
        (1, True),
        (0, False),
    ],
)
def test_flag_spellings(ruleset, raw, flag):
    values = resolve_agreement(ruleset, {"pre_move_tax_3y": 100000, "government_led": raw})
    assert values["government_led"] is flag


def test_missing_required_value(ruleset):
    message = _refused(ruleset, {"government_led": True})
    assert "pre_move_tax_3y" in message
    assert "required" in message


@pytest.mark.parametrize("raw", ["abc", "1.234", "1e3", "-5", "1,000", 1.5, True, ""])
def test_wrong_type_for_an_amount(ruleset, raw):
    message = _refused(ruleset, {"pre_move_tax_3y": raw})
    assert "pre_move_tax_3y" in message


@pytest.mark.parametrize("raw", ["maybe", "2", "", "y es", 2, 0.0, None])
def test_wrong_type_for_a_flag(ruleset, raw):
    message = _refused(ruleset, {"pre_move_tax_3y": 100000, "government_led": raw})
    assert "government_led" in message


@pytest.mark.parametrize("raw", ["half", "150%", "-10%", 0.5, "1/0"])
def test_wrong_type_for_a_ratio(ruleset, raw):
    message = _refused(ruleset, {"pre_move_tax_3y": 100000, "origin_share": raw})
    assert "origin_share" in message


@pytest.mark.parametrize(
    ("key", "raw", "word"),
    [
        ("origin_share", "70%", "maximum"),
        ("origin_share", "0.61", "maximum"),
        ("origin_share", "29%", "minimum"),
        ("origin_share", "1/4", "minimum"),
        ("pre_move_tax_3y", "999.99", "minimum"),
        ("pre_move_tax_3y", "100000000", "maximum"),
        ("city_share", "51%", "maximum"),
    ],
)
def test_out_of_bounds(ruleset, key, raw, word):
    raw_values = {"pre_move_tax_3y": 100000, key: raw}
    message = _refused(ruleset, raw_values)
    assert key in message
    assert word in message


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("origin_share", "30%"),
        ("origin_share", "60%"),
        ("pre_move_tax_3y", "1000"),
        ("pre_move_tax_3y", "99999999.99"),
    ],
)
def test_bounds_are_inclusive(ruleset, key, raw):
    values = resolve_agreement(ruleset, {"pre_move_tax_3y": 100000, key: raw})
    assert key in values


def test_undeclared_key(ruleset):
    message = _refused(ruleset, {"pre_move_tax_3y": 100000, "orgin_share": "50%"})
    assert "orgin_share" in message
    assert "not declared" in message


def test_portions_over_100_percent_after_resolution(ruleset):
    message = _refused(ruleset, {"pre_move_tax_3y": 100000, "origin_share": "60%", "city_share": "50%"})
    assert "origin_share" in message and "city_share" in message


def test_ruleset_without_agreement_declarations():
    rs = load_ruleset_text(
        RULES.split("agreement:")[0]
        + """\
shares:
  - name: tax
    book: fiscal
    base: tax
    mode: host
""",
        "plain.yaml",
    )
    assert resolve_agreement(rs, {}) == {}
    message = _refused(rs, {"anything": "1"})
    assert "anything" in message
