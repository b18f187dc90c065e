"""Attribution by described period over random pools: the regions of a share that is never
counted twice add up to the city total, and a year's four quarters add up to the year."""

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from support.strategies import BASE, COUNTIES, DEFAULT_CITY, Scenario, actuals_strategy, scenarios

from pool.rules.attribution import (
    TOTAL,
    Cumulative,
    attribute_project,
    between,
    indicators_of,
    new_cumulative,
)
from pool.rules.facts import ProjectFacts

PROPERTY = settings(max_examples=60, deadline=None)


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[Scenario], list[tuple[str, dict[str, dict[int, int]]]], int]:
    """Moved projects (random rulesets, chains, actuals), projects that never moved, and a year."""
    moved = draw(st.lists(scenarios(max_transfers=3, max_rulesets=2), min_size=1, max_size=3))
    still = draw(
        st.lists(st.tuples(st.sampled_from(COUNTIES), actuals_strategy(BASE - 6, BASE + 40)), max_size=2)
    )
    year = draw(st.integers(BASE // 12 - 1, BASE // 12 + 4))
    return moved, still, year


def attribute(
    moved: list[Scenario], still: list[tuple[str, dict[str, dict[int, int]]]], months: set[int]
) -> tuple[Cumulative, list]:
    default = moved[0].rulesets[0]
    chosen = indicators_of(default)
    into = new_cumulative(months, chosen)
    for sc in moved:
        attribute_project(
            into, chosen, sc.transfers[-1].to_region, sc.project, sc.transfers, sc.actuals, DEFAULT_CITY
        )
    for host, actuals in still:
        attribute_project(into, chosen, host, ProjectFacts(), [], actuals, DEFAULT_CITY)
    return into, chosen


def never_doubled(moved: list[Scenario], key: tuple[str, str]) -> bool:
    """No ruleset of the pool counts this share in full for more than one party."""
    for sc in moved:
        for rs in sc.rulesets:
            for share in rs.shares:
                if (share.book, share.name) == key and share.mode == "dual":
                    return False
    return True


@PROPERTY
@given(pools())
def test_regions_add_up_to_the_city_total_for_shares_never_counted_twice(pool) -> None:
    moved, still, year = pool
    months = set(range(year * 12 - 1, year * 12 + 12))
    into, chosen = attribute(moved, still, months)
    for ind in chosen:
        if not never_doubled(moved, ind.key):
            continue
        for month in months:
            amounts = into[month][ind.key]
            assert sum(v for r, v in amounts.items() if r is not TOTAL) == amounts.get(TOTAL, 0)


@PROPERTY
@given(pools())
def test_four_quarters_add_up_to_the_year(pool) -> None:
    moved, still, year = pool
    jan = year * 12
    whole, chosen = attribute(moved, still, {jan - 1, jan + 11})
    quarters = []
    for q in range(4):
        first, last = jan + 3 * q, jan + 3 * q + 2
        cum, _ = attribute(moved, still, {first - 1, last})
        quarters.append(cum)
    for ind in chosen:
        year_amounts = between(whole, ind.key, jan + 11, jan - 1)
        summed: dict = defaultdict(int)
        for q, cum in enumerate(quarters):
            for region, amount in between(cum, ind.key, jan + 3 * q + 2, jan + 3 * q - 1).items():
                summed[region] += amount
        regions = set(year_amounts) | set(summed)
        assert {r: summed.get(r, 0) for r in regions} == {r: year_amounts.get(r, 0) for r in regions}
