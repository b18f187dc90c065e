"""Running sums: a project settled from the sums kept at an earlier month plus what changed since
(newly covered months, restated and late figures) gives exactly what collecting its whole
history gives — or says it must be collected again. And a project whose transfers did not move
and that has no first-report term is always carried, never collected again."""

from collections import Counter

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from support.running import carried_as_whole, changes, kept
from support.strategies import Scenario, actuals_strategy, restrict, scenarios

from pool.rules import running
from pool.rules.engine import contexts, settle_project

PROPERTY = settings(max_examples=200, deadline=None)
pytestmark = pytest.mark.heavy
CITY = "city"


@PROPERTY
@given(scenarios(max_transfers=3), st.data())
def test_kept_sums_plus_changes_settle_as_the_whole_history(sc: Scenario, data: st.DataObject) -> None:
    first = sc.through
    later = first + data.draw(st.integers(0, 30), label="months later")
    before = restrict(sc.actuals, first)
    # the later history: every figure of the earlier one, some restated, and new and late figures
    after = {m: dict(v) for m, v in sc.actuals.items()}
    for m, v in data.draw(actuals_strategy(first - 40, later, max_size=8), label="restated and new").items():
        after.setdefault(m, {}).update(v)
    after = restrict(after, later)
    carried = carried_as_whole(sc.project, sc.transfers, before, first, after, later, CITY)
    event("carried" if carried else "collected again")


@PROPERTY
@given(scenarios(max_transfers=3), st.data())
def test_a_project_whose_coverage_and_start_hold_is_carried(sc: Scenario, data: st.DataObject) -> None:
    in_force = [t for t in sc.transfers if t.effective <= sc.through]
    first_report = any(
        s.term is not None and s.term.start == "first_report" for t in in_force for s in t.ruleset.shares
    )
    if len(in_force) != len(sc.transfers) or first_report:
        return
    later = sc.through + data.draw(st.integers(0, 24), label="months later")
    before = restrict(sc.actuals, sc.through)
    after = restrict(sc.actuals, later)
    old = running.from_history(contexts(sc.project, sc.transfers, sc.through, CITY), before)
    ctxs = contexts(sc.project, sc.transfers, later, CITY)
    carried = running.carried(ctxs, kept(old), changes(before, after))
    assert carried is not None
    assert Counter(running.settled(carried)) == Counter(running.settled(running.from_history(ctxs, after)))


@PROPERTY
@given(scenarios(max_transfers=3))
def test_the_whole_history_collected_settles_as_the_engine(sc: Scenario) -> None:
    """Settlement and `verify --deep` settle a project from its collected sums (`from_history`
    then `settled`); that is the engine's `settle_project`, target for target."""
    plan = running.from_history(contexts(sc.project, sc.transfers, sc.through, CITY), sc.actuals)
    targets, _ = settle_project(sc.project, sc.transfers, sc.actuals, sc.through, CITY)
    assert Counter(running.settled(plan)) == Counter(targets)
