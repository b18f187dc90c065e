"""`chain_agreement: first` across rulesets: a value of the chain's first agreement counts for a
later move only if the later ruleset declares it with the same type and it fits its bounds."""

from pool.domain.months import parse_month
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import chain_agreement
from pool.rules.facts import TransferFacts
from pool.rules.loader import load_ruleset_text

FIRST = """\
ruleset: a
version: "1"
title: a
effective_from: 2020-01
metrics: {tax: {unit: CNY}}
agreement:
  origin_share: {type: ratio, default: 60%, min: 10%, max: 70%}
  term_years: {type: years, default: 4, max: 6}
shares:
  - {name: tax, book: fiscal, base: tax, mode: split, term: {years: 6},
     schedule: [{years: 1-6, origin: agreement.origin_share}]}
"""

LATER = """\
ruleset: b
version: "1"
title: b
effective_from: 2020-01
chain_agreement: first
metrics: {tax: {unit: CNY}}
agreement:
  origin_share: {type: ratio, default: 30%, min: 10%, max: 50%}
  term_years: {type: years, default: 3, max: 5}
shares:
  - {name: tax, book: fiscal, base: tax, mode: split, term: {years: agreement.term_years},
     schedule: [{years: 1-5, origin: agreement.origin_share, city: 10%}]}
"""


def _chain(first_values: dict[str, str]) -> list[TransferFacts]:
    a, b = load_ruleset_text(FIRST, "a"), load_ruleset_text(LATER, "b")
    month = parse_month("2020-01")
    return [
        TransferFacts("x", "y", month, a, resolve_agreement(a, first_values), 1),
        TransferFacts("y", "z", month + 6, b, resolve_agreement(b, {}), 2),
    ]


def test_first_values_within_the_later_bounds_are_taken():
    ordered = _chain({"origin_share": "45%", "term_years": "5"})
    assert chain_agreement(ordered, 1) == {
        "origin_share": ordered[0].agreement["origin_share"],
        "term_years": 5,
    }
    assert chain_agreement(ordered, 0) is ordered[0].agreement


def test_a_first_value_outside_the_later_bounds_leaves_the_move_its_own():
    ordered = _chain({"origin_share": "60%", "term_years": "6"})
    assert chain_agreement(ordered, 1) == ordered[1].agreement
