"""The additions to the rule format: what `pool rules check` refuses (exit 1, `FILE:LINE: key:`,
in words), and what the engine gives for each addition (read through `pool rules test`)."""

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pool.cli import main

BASE = """\
ruleset: v2
version: "1"
title: 第二版
effective_from: 2020-01
metrics:
  tax: {unit: CNY, signed: true}
  output: {unit: CNY}
agreement:
  origin_share: {type: ratio, default: 40%, min: 10%, max: 60%}
  term_years: {type: years, default: 5, min: 3, max: 8}
  park_share: {type: ratio, default: 10%, min: 0%, max: 20%}
  government_led: {type: flag, default: false}
eligibility:
  kinds: [manufacturing, services]
  min_planned_fixed_assets: 1000
chain: first_origin
chain_term: continue
chain_agreement: first
shares:
  - name: tax
    label: 税收分成
    book: fiscal
    base: tax
    mode: split
    term: {start: transfer, years: agreement.term_years}
    schedule:
      - years: 1-8
        when: {min_planned_investment: 500000000}
        origin: agreement.origin_share
        city: 10%
      - years: 1-8
        origin: agreement.origin_share
        parties: {park: agreement.park_share}
  - name: output
    book: statistics
    base: output
    mode: dual
"""


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def write(tmp_path: Path, text: str, name: str = "v2.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_no(path: Path, marker: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return i
    raise AssertionError(f"{marker!r} not in {path}")


def refused(tmp_path: Path, text: str, marker: str, key: str) -> str:
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1, result.output
    prefix = f"{path}:{line_no(path, marker)}: {key}: "
    found = [line for line in result.output.splitlines() if line.startswith(prefix)]
    assert found, f"no line starting {prefix!r} in:\n{result.output}"
    return found[0][len(prefix) :]


def test_a_file_using_every_addition_is_valid(tmp_path):
    result = run("rules", "check", str(write(tmp_path, BASE)))
    assert result.exit_code == 0, result.output


# --- refusals --------------------------------------------------------------------------------


def test_a_years_value_that_is_not_whole(tmp_path):
    text = BASE.replace("{type: years, default: 5,", "{type: years, default: 5.5,")
    message = refused(tmp_path, text, "term_years:", "agreement.term_years.default")
    assert message == "'5.5' is not a number of years; write a whole number from 1 to 100, such as 5"


def test_an_optional_years_value_needs_a_default(tmp_path):
    text = BASE.replace("{type: years, default: 5, min: 3, max: 8}", "{type: years, min: 3, max: 8}")
    message = refused(tmp_path, text, "term_years:", "agreement.term_years")
    assert message == "an optional years value needs a default"


def test_term_years_naming_a_value_of_another_type(tmp_path):
    text = BASE.replace("years: agreement.term_years}", "years: agreement.origin_share}")
    message = refused(tmp_path, text, "years: agreement.origin_share", "shares[0].term.years")
    assert message == "agreement.origin_share is a ratio, but this needs a years"


def test_term_years_as_a_literal_that_is_not_whole(tmp_path):
    text = BASE.replace("years: agreement.term_years}", "years: 0}")
    message = refused(tmp_path, text, "years: 0}", "shares[0].term.years")
    assert "is not a number of years; write a whole number from 1 to 100" in message


def test_the_schedule_must_cover_every_year_the_bounds_allow(tmp_path):
    text = BASE.replace(
        "{type: years, default: 5, min: 3, max: 8}", "{type: years, default: 5, min: 3, max: 9}"
    )
    message = refused(tmp_path, text, "    schedule:", "shares[0].schedule")
    assert message == "term year 9 is not covered by any schedule step"


def test_an_unbounded_years_value_needs_an_open_ended_step(tmp_path):
    text = BASE.replace("{type: years, default: 5, min: 3, max: 8}", "{type: years, default: 5, min: 3}")
    message = refused(tmp_path, text, "    schedule:", "shares[0].schedule")
    assert message.startswith("agreement.term_years has no max, so the term may be any length;")
    assert "open-ended step such as `years: 6+`" in message


def test_a_term_year_covered_only_by_a_when_step(tmp_path):
    text = BASE.replace(
        "      - years: 1-8\n        origin: agreement.origin_share\n",
        "      - years: 1-7\n        origin: agreement.origin_share\n",
    )
    message = refused(tmp_path, text, "    schedule:", "shares[0].schedule")
    assert message == (
        "term year 8 is not covered by any schedule step without `when`; add a fallback step for "
        "the years a `when` does not hold"
    )


def test_when_takes_only_eligibility_keys(tmp_path):
    text = BASE.replace("when: {min_planned_investment: 500000000}", "when: {min_investment: 500000000}")
    message = refused(tmp_path, text, "min_investment", "shares[0].schedule[0].when.min_investment")
    assert message.startswith("unknown key 'min_investment'; allowed here: min_planned_investment,")
    assert "(did you mean 'min_planned_investment'?)" in message


def test_when_naming_an_undeclared_flag(tmp_path):
    text = BASE.replace("when: {min_planned_investment: 500000000}", "when: {agreement_flags: [gov_led]}")
    message = refused(tmp_path, text, "gov_led", "shares[0].schedule[0].when.agreement_flags[0]")
    assert message == "'gov_led' is not declared under agreement as a flag"


def test_portions_with_parties_above_100_percent(tmp_path):
    step = (
        "      - years: 1-8\n        origin: agreement.origin_share\n"
        "        parties: {park: agreement.park_share}"
    )
    assert step in BASE
    text = BASE.replace(step, step.replace("1-8", "1-8  # fallback").replace("agreement.park_share", "95%"))
    message = refused(tmp_path, text, "# fallback", "shares[0].schedule[1]")
    assert message == "origin, city and parties' portions add up to more than 100% even at their minimums"


def test_a_party_that_is_not_a_region_code(tmp_path):
    text = BASE.replace("parties: {park: agreement.park_share}", "parties: {西安园区: 10%}")
    message = refused(tmp_path, text, "西安园区", "shares[0].schedule[1].parties.西安园区")
    assert message.startswith("'西安园区' is not a name; start with a lowercase letter a-z")


def test_a_kind_both_included_and_excluded(tmp_path):
    text = BASE.replace(
        "  kinds: [manufacturing, services]\n",
        "  kinds: [manufacturing, services]\n  kinds_excluded: [services]\n",
    )
    message = refused(tmp_path, text, "  kinds: [", "eligibility.kinds")
    assert message == "services is both in kinds and in kinds_excluded; name a kind in one list"


def test_an_unknown_kind_is_listed_in_words(tmp_path):
    text = BASE.replace("kinds: [manufacturing, services]", "kinds: [manufacturing, factory]")
    message = refused(tmp_path, text, "factory", "eligibility.kinds[1]")
    assert message == (
        "'factory' is not allowed here; write one of: manufacturing, services, agriculture, "
        "infrastructure, real_estate, other"
    )


@pytest.mark.parametrize(
    ("line", "written", "key", "words"),
    [
        (
            "chain_term: continue",
            "chain_term: contine",
            "chain_term",
            "write one of: restart, continue (did you mean 'continue'?)",
        ),
        ("chain_agreement: first", "chain_agreement: last", "chain_agreement", "write one of: each, first"),
    ],
)
def test_chain_options_in_words(tmp_path, line, written, key, words):
    message = refused(tmp_path, BASE.replace(line, written), written, key)
    assert message.endswith(words)


def test_signed_is_true_or_false(tmp_path):
    text = BASE.replace("signed: true}", "signed: maybe}")
    message = refused(tmp_path, text, "signed: maybe", "metrics.tax.signed")
    assert message == "'maybe' is not true or false; write true or false"


def test_label_on_a_step_is_not_a_key_of_a_step(tmp_path):
    text = BASE.replace("        city: 10%\n", "        city: 10%\n        label: 大项目\n")
    message = refused(tmp_path, text, "label: 大项目", "shares[0].schedule[0].label")
    assert message.startswith(
        "'label' does not belong here; it is a key of a share or an agreement declaration or a metric"
    )
    assert "allowed here: years, when, origin, city, parties" in message


# --- the engine, through rule tests ----------------------------------------------------------


def cases(tmp_path: Path, body: str) -> tuple[int, str]:
    write(tmp_path, BASE)
    path = write(
        tmp_path, "rules: v2.yaml\ncases:\n" + textwrap.indent(textwrap.dedent(body), "  "), "v2.cases.yaml"
    )
    result = run("rules", "test", str(path))
    return result.exit_code, result.output


PROJECT = "project: {planned_investment: 100000000, planned_fixed_assets: 50000000}"


def test_parties_get_their_portion_and_the_host_the_rest(tmp_path):
    # 1,000.00: origin 40% 400.00, park 10% 100.00, host 500.00 (investment under 5亿: no city)
    code, out = cases(
        tmp_path,
        f"""\
        - name: park
          {PROJECT}
          transfers: [{{from: aa, to: bb, effective: 2020-01}}]
          actuals: {{tax: {{2020-02: "1000.00"}}}}
          through: 2020-12
          expect: {{tax: {{aa: "400.00", park: "100.00", bb: "500.00"}}}}
        """,
    )
    assert code == 0, out


def test_the_when_step_applies_to_a_large_project(tmp_path):
    # 5亿: the first step, origin 40%, city 10%, no park: 1,000.00 -> 400 / 100 / 500
    code, out = cases(
        tmp_path,
        """\
        - name: large
          project: {planned_investment: 500000000, planned_fixed_assets: 50000000}
          transfers: [{from: aa, to: bb, effective: 2020-01}]
          actuals: {tax: {2020-02: "1000.00"}}
          through: 2020-12
          expect: {tax: {aa: "400.00", city: "100.00", bb: "500.00", park: "0.00"}}
        """,
    )
    assert code == 0, out


def test_a_negative_year_stays_with_the_host_and_dual_counts_it_for_the_host_only(tmp_path):
    code, out = cases(
        tmp_path,
        f"""\
        - name: refund
          {PROJECT}
          transfers: [{{from: aa, to: bb, effective: 2020-01}}]
          actuals: {{tax: {{2020-02: "100.00", 2020-03: "-300.00"}}}}
          through: 2020-12
          expect: {{tax: {{bb: "-200.00", aa: "0.00", park: "0.00"}}}}
        """,
    )
    assert code == 0, out


def test_a_negative_month_of_an_unsigned_metric_is_refused(tmp_path):
    code, out = cases(
        tmp_path,
        f"""\
        - name: negative output
          {PROJECT}
          transfers: [{{from: aa, to: bb, effective: 2020-01}}]
          actuals: {{output: {{2020-02: "-1.00"}}}}
          through: 2020-12
          expect_error: "metric 'output' has a negative amount in 2020-02, but only a metric declared"
        """,
    )
    assert code == 0, out


def test_a_failing_negative_expectation_is_shown(tmp_path):
    code, out = cases(
        tmp_path,
        f"""\
        - name: refund
          {PROJECT}
          transfers: [{{from: aa, to: bb, effective: 2020-01}}]
          actuals: {{tax: {{2020-03: "-300.00"}}}}
          through: 2020-12
          expect: {{tax: {{bb: "-299.99"}}}}
        """,
    )
    assert code == 1
    assert "-299.99" in out and "-300.00" in out and "<- differs by -0.01" in out
    assert "share tax 税收分成 (fiscal, mode split)" in out
    assert "chain_agreement first" in out


def test_chain_term_continue_and_chain_agreement_first(tmp_path):
    # aa -> bb 2020-01 (origin 50%, 3 years); bb -> cc 2021-01 (origin 20%, 8 years: informational).
    # Second move: year of 2022-12 counted from 2020-01 = 3 -> 50% of 100.00; 2023-01 is year 4,
    # past the first agreement's 3 years -> host cc. Park 10% both moves.
    # 2020-06: aa 50, park 10, bb 40. 2022-12: aa 50, park 10, cc 40. 2023-01: cc 100.
    code, out = cases(
        tmp_path,
        f"""\
        - name: chain
          {PROJECT}
          transfers:
            - {{from: aa, to: bb, effective: 2020-01, agreement: {{origin_share: 50%, term_years: 3}}}}
            - {{from: bb, to: cc, effective: 2021-01, agreement: {{origin_share: 20%, term_years: 8}}}}
          actuals: {{tax: {{2020-06: "100.00", 2022-12: "100.00", 2023-01: "100.00"}}}}
          through: 2023-12
          expect: {{tax: {{aa: "100.00", park: "20.00", bb: "40.00", cc: "140.00"}}}}
        """,
    )
    assert code == 0, out


def test_a_named_party_that_is_an_origin_is_refused(tmp_path):
    code, out = cases(
        tmp_path,
        f"""\
        - name: park found it
          {PROJECT}
          transfers: [{{from: park, to: bb, effective: 2020-01}}]
          through: 2020-12
          expect_error: "names park under parties, but park is an origin of this transfer"
        """,
    )
    assert code == 0, out


def test_not_eligible_without_fixed_assets_and_the_reason_is_shown(tmp_path):
    code, out = cases(
        tmp_path,
        """\
        - name: no fixed assets
          project: {planned_investment: 100000000}
          transfers: [{from: aa, to: bb, effective: 2020-01}]
          actuals: {tax: {2020-02: "1.00"}}
          through: 2020-12
          expect: {tax: {aa: "1.00"}}
        """,
    )
    assert code == 1
    assert (
        "NOT eligible: planned fixed assets are not recorded, and min_planned_fixed_assets needs them" in out
    )


def test_a_when_on_an_agreement_flag(tmp_path):
    """A step whose `when` names a flag applies when the approval sets it (no park then).
    origin_share defaults to 40%: 1,000.00 -> aa 400.00, city or park 100.00, bb 500.00."""
    text = BASE.replace(
        "when: {min_planned_investment: 500000000}", "when: {agreement_flags: [government_led]}"
    )
    write(tmp_path, text)
    path = write(
        tmp_path,
        "rules: v2.yaml\ncases:\n"
        + textwrap.indent(
            textwrap.dedent(
                f"""\
                - name: government-led
                  {PROJECT}
                  transfers: [{{from: aa, to: bb, effective: 2020-01, agreement: {{government_led: true}}}}]
                  actuals: {{tax: {{2020-02: "1000.00"}}}}
                  through: 2020-12
                  expect: {{tax: {{aa: "400.00", city: "100.00", bb: "500.00"}}}}
                - name: market move
                  {PROJECT}
                  transfers: [{{from: aa, to: bb, effective: 2020-01}}]
                  actuals: {{tax: {{2020-02: "1000.00"}}}}
                  through: 2020-12
                  expect: {{tax: {{aa: "400.00", park: "100.00", bb: "500.00"}}}}
                """
            ),
            "  ",
        ),
        "flag.cases.yaml",
    )
    result = run("rules", "test", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2 passed, 0 failed"
