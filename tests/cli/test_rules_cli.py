"""`pool rules check` and `pool rules test`: no database involved."""

import re
import shutil
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pool.cli import main

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"

# A valid ruleset every refusal test starts from. Line numbers are found by `line_no`, so the
# expected FILE:LINE is the exact line of the offending key in the file the test wrote.
VALID = """\
ruleset: demo
version: "1"
title: 演示 demo
effective_from: 2020-01
metrics:
  tax: {unit: CNY, label: tax}
  incentives: {unit: CNY, label: incentives}
agreement:
  pre_move_tax: {type: amount, required: true}
  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}
shares:
  - name: tax
    book: fiscal
    base: tax
    mode: split
    term:
      start: transfer
      years: 3
    schedule:
      - years: 1-3
        origin: agreement.origin_share
  - name: funds
    book: statistics
    base: incentives
    mode: dual
    term:
      start: transfer
      years: 5
"""


TOP_LEVEL_KEYS = (
    "ruleset version title reference effective_from effective_until city metrics agreement "
    "eligibility chain chain_term chain_agreement shares"
).split()

ORIGIN = "        origin: agreement.origin_share\n"  # the first share's only schedule step


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_no(path: Path, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line of `path` containing `marker`."""
    seen = 0
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return i
    raise AssertionError(f"{marker!r} not in {path}")


def located(output: str, path: Path) -> list[str]:
    return [line for line in output.splitlines() if re.match(rf"{re.escape(str(path))}:\d+: ", line)]


def check_refused(tmp_path: Path, text: str, marker: str, key: str, *words: str, occurrence: int = 1):
    """Run `pool rules check` on `text`; expect exit 1 and one problem at `marker`'s line naming `key`."""
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1, result.output
    line = line_no(path, marker, occurrence)
    problems = [p for p in located(result.output, path) if p.startswith(f"{path}:{line}: ")]
    assert problems, f"nothing reported at {path}:{line}:\n{result.output}"
    assert any(key in p and all(w in p for w in words) for p in problems), result.output
    return result


def test_valid_file_passes(tmp_path):
    path = write(tmp_path, VALID)
    result = run("rules", "check", str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.output
    assert "warning" not in result.output


def test_library_files_pass():
    files = sorted(str(p) for p in LIBRARY.glob("*.yaml") if not p.name.endswith(".cases.yaml"))
    assert files
    result = run("rules", "check", *files)
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(files)


def test_unknown_key(tmp_path):
    text = VALID.replace("    mode: split\n", "    mode: split\n    colour: red\n")
    check_refused(tmp_path, text, "colour: red", "shares[0].colour", "unknown key")


def test_unknown_top_level_key(tmp_path):
    text = VALID.replace("title: 演示 demo\n", "title: 演示 demo\ntitel: typo\n")
    check_refused(tmp_path, text, "titel: typo", "titel", "unknown key")


def test_misplaced_key_says_where_it_belongs(tmp_path):
    text = VALID.replace("    mode: split\n", "    mode: split\n    years: 3\n")
    result = check_refused(tmp_path, text, "    years: 3", "shares[0].years", "does not belong here", "term")
    assert "term" in result.output


def test_misplaced_cap_under_term(tmp_path):
    text = VALID.replace("      years: 3\n", "      years: 3\n      cap: {origin_total: 5}\n")
    result = check_refused(tmp_path, text, "cap: {origin_total", "shares[0].term.cap", "does not belong here")
    assert "a share" in result.output


def test_missing_required_key(tmp_path):
    text = VALID.replace("    book: fiscal\n", "")
    # The share mapping that lacks `book` starts at its `- name: tax` line.
    check_refused(tmp_path, text, "- name: tax", "shares[0].book", "missing")


def test_missing_required_top_level_key(tmp_path):
    text = VALID.replace('version: "1"\n', "")
    check_refused(tmp_path, text, "ruleset: demo", "version", "missing")


def test_unit_longer_than_the_ledger_column(tmp_path):
    text = VALID.replace("  tax: {unit: CNY, label: tax}\n", "  tax: {unit: USD-THOUSANDS, label: tax}\n")
    check_refused(
        tmp_path,
        text,
        "unit: USD-THOUSANDS",
        "metrics.tax.unit",
        "'USD-THOUSANDS' is 13 characters long; a unit is at most 10 characters, such as CNY or USD",
    )


@pytest.mark.parametrize("unit", ['""', '"US D"', '"USD\\t"'])
def test_unit_that_is_not_a_code(tmp_path, unit):
    text = VALID.replace("  tax: {unit: CNY, label: tax}\n", f"  tax: {{unit: {unit}, label: tax}}\n")
    check_refused(tmp_path, text, f"unit: {unit}", "metrics.tax.unit", "is not a unit", "such as CNY or USD")


def test_title_with_a_control_character(tmp_path):
    text = VALID.replace("title: 演示 demo\n", 'title: "演示\\0demo"\n')
    check_refused(tmp_path, text, "title:", "title", "control character U+0000 at position 3")


def test_bad_ratio_syntax(tmp_path):
    text = VALID.replace(ORIGIN, "        origin: fifty percent\n")
    check_refused(tmp_path, text, "origin: fifty percent", "shares[0].schedule[0].origin", "fifty percent")


@pytest.mark.parametrize("ratio", ["150%", "-0.5", "1/0", "0.5.5"])
def test_bad_ratio_values(tmp_path, ratio):
    text = VALID.replace(ORIGIN, f'        origin: "{ratio}"\n')
    check_refused(tmp_path, text, f'origin: "{ratio}"', "shares[0].schedule[0].origin")


def test_bad_amount_syntax_three_decimals(tmp_path):
    text = VALID.replace(
        ORIGIN, "        origin: agreement.origin_share\n    cap:\n      origin_total: 1000.123\n"
    )
    check_refused(
        tmp_path, text, "origin_total: 1000.123", "shares[0].cap.origin_total", "1000.123", "two decimals"
    )


@pytest.mark.parametrize("amount", ["1e6", "1,000.00", ".inf", "-5"])
def test_bad_amount_values(tmp_path, amount):
    text = VALID.replace(
        ORIGIN, f"        origin: agreement.origin_share\n    cap:\n      origin_total: {amount}\n"
    )
    check_refused(tmp_path, text, f"origin_total: {amount}", "shares[0].cap.origin_total")


def test_bad_agreement_default_amount(tmp_path):
    text = VALID.replace(
        "  pre_move_tax: {type: amount, required: true}\n",
        "  pre_move_tax:\n    type: amount\n    default: 0.001\n",
    )
    check_refused(tmp_path, text, "default: 0.001", "agreement.pre_move_tax.default", "two decimals")


def test_portions_in_one_step_above_100_percent(tmp_path):
    text = VALID.replace(ORIGIN, "        origin: 80%\n        city: 30%\n")
    check_refused(tmp_path, text, "- years: 1-3", "shares[0].schedule[0]", "100%")


def test_portions_above_100_percent_in_a_later_step(tmp_path):
    text = VALID.replace(
        "      - years: 1-3\n", "      - years: 1\n        origin: 10%\n      - years: 2-3\n"
    ).replace(ORIGIN, "        origin: 3/4\n        city: 1/2\n")
    check_refused(tmp_path, text, "- years: 2-3", "shares[0].schedule[1]", "100%")


def test_schedule_leaves_a_term_year_uncovered(tmp_path):
    text = VALID.replace("      years: 3\n", "      years: 4\n")
    check_refused(tmp_path, text, "    schedule:", "shares[0].schedule", "year 4")


def test_schedule_leaves_an_extension_year_uncovered(tmp_path):
    text = VALID.replace("      years: 3\n", "      years: 3\n      extend_years_if_cap_unmet: 2\n").replace(
        ORIGIN, ORIGIN + "    cap: {origin_total: agreement.pre_move_tax}\n"
    )
    assert "- years: 1-3" in text and "years: 3\n      extend_years_if_cap_unmet: 2" in text
    check_refused(tmp_path, text, "    schedule:", "shares[0].schedule", "year 4", "not covered")


def test_schedule_gap_in_the_middle(tmp_path):
    text = VALID.replace("      - years: 1-3\n", "      - years: 1\n        origin: 10%\n      - years: 3\n")
    check_refused(tmp_path, text, "    schedule:", "shares[0].schedule", "year 2")


def test_schedule_years_overlap(tmp_path):
    text = VALID.replace(
        ORIGIN, "        origin: agreement.origin_share\n      - years: 3-4\n        origin: 10%\n"
    ).replace("      years: 3\n", "      years: 4\n")
    check_refused(tmp_path, text, "- years: 3-4", "shares[0].schedule[1].years", "overlap", "3")


def test_open_ended_step_overlapping_a_later_one(tmp_path):
    text = VALID.replace("      - years: 1-3\n", "      - years: 1+\n").replace(
        ORIGIN, ORIGIN + "      - years: 2\n        origin: 10%\n"
    )
    check_refused(tmp_path, text, "- years: 2", "shares[0].schedule[1].years", "overlap")


def test_base_names_an_undeclared_metric(tmp_path):
    text = VALID.replace("    base: tax\n", "    base: tax_locl\n")
    check_refused(tmp_path, text, "base: tax_locl", "shares[0].base", "tax_locl", "not declared")


def test_minus_names_an_undeclared_metric(tmp_path):
    text = VALID.replace(
        "    base: tax\n",
        "    base:\n      plus: [tax]\n      minus:\n        - incentives\n        - rebates\n",
    )
    check_refused(tmp_path, text, "- rebates", "shares[0].base.minus[1]", "rebates", "not declared")


def _base(plus, minus=()):
    """VALID with the first share's base written out, one metric a line."""
    lines = "    base:\n      plus:\n" + "".join(f"        - {m}\n" for m in plus)
    if minus:
        lines += "      minus:\n" + "".join(f"        - {m}\n" for m in minus)
    incentives = "  incentives: {unit: CNY, label: incentives}\n"
    usd = incentives + "  fdi: {unit: USD, label: fdi}\n"
    return VALID.replace("    base: tax\n", lines).replace(incentives, usd)


def test_base_repeats_a_plus_metric(tmp_path):
    check_refused(
        tmp_path,
        _base(["tax", "tax"]),
        "        - tax",
        "shares[0].base.plus[1]",
        "'tax' is already in plus[0]; a base counts each metric once",
        occurrence=2,
    )


def test_base_repeats_a_minus_metric(tmp_path):
    check_refused(
        tmp_path,
        _base(["tax"], ["incentives", "incentives"]),
        "        - incentives",
        "shares[0].base.minus[1]",
        "'incentives' is already in minus[0]",
        occurrence=2,
    )


def test_base_adds_and_subtracts_the_same_metric(tmp_path):
    check_refused(
        tmp_path,
        _base(["tax"], ["tax"]),
        "        - tax",
        "shares[0].base.minus[0]",
        "'tax' is both added and subtracted (also plus[0]), so it cancels out",
        occurrence=2,
    )


@pytest.mark.parametrize(("plus", "minus"), [(["tax", "fdi"], []), (["tax"], ["fdi"])])
def test_base_mixes_units(tmp_path, plus, minus):
    side = "plus[1]" if len(plus) == 2 else "minus[0]"
    check_refused(
        tmp_path,
        _base(plus, minus),
        "        - fdi",
        f"shares[0].base.{side}",
        "'fdi' is in USD, but 'tax' is in CNY; a base adds and subtracts metrics of one unit only",
    )


def test_agreement_reference_to_an_undeclared_value(tmp_path):
    text = VALID.replace(ORIGIN, "        origin: agreement.orign_share\n")
    check_refused(
        tmp_path,
        text,
        "origin: agreement.orign_share",
        "shares[0].schedule[0].origin",
        "agreement.orign_share",
        "not declared",
    )


def test_agreement_reference_in_a_cap_to_an_undeclared_value(tmp_path):
    text = VALID.replace(ORIGIN, ORIGIN + "    cap:\n      origin_total: agreement.pre_tax\n")
    check_refused(
        tmp_path,
        text,
        "origin_total: agreement.pre_tax",
        "shares[0].cap.origin_total",
        "agreement.pre_tax",
        "not declared",
    )


def test_agreement_reference_of_the_wrong_type(tmp_path):
    text = VALID.replace(ORIGIN, "        origin: agreement.pre_move_tax\n")
    check_refused(tmp_path, text, "origin: agreement.pre_move_tax", "shares[0].schedule[0].origin", "ratio")


def test_split_share_without_schedule(tmp_path):
    text = VALID.replace("    schedule:\n      - years: 1-3\n        origin: agreement.origin_share\n", "")
    check_refused(tmp_path, text, "- name: tax", "shares[0]", "schedule")


def test_cap_on_a_dual_share(tmp_path):
    text = VALID + "    cap: {origin_total: 1000}\n"
    check_refused(tmp_path, text, "cap: {origin_total: 1000}", "shares[1].cap", "dual")


def test_floor_on_an_origin_share(tmp_path):
    text = VALID.replace("    mode: dual\n", "    mode: origin\n")
    text += "    floor:\n      origin_per_year: 100\n"
    check_refused(tmp_path, text, "    floor:", "shares[1].floor", "origin")


def test_schedule_on_a_dual_share(tmp_path):
    text = VALID + "    schedule:\n      - {years: 1-5, origin: 50%}\n"
    check_refused(tmp_path, text, "    schedule:", "shares[1].schedule", "dual", occurrence=2)


def test_extension_without_cap(tmp_path):
    text = VALID.replace("      years: 3\n", "      years: 3\n      extend_years_if_cap_unmet: 2\n").replace(
        "      - years: 1-3\n", "      - years: 1-5\n"
    )
    check_refused(
        tmp_path, text, "extend_years_if_cap_unmet: 2", "shares[0].term.extend_years_if_cap_unmet", "cap"
    )


def test_agreement_default_above_its_own_max(tmp_path):
    text = VALID.replace(
        "  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}\n",
        "  origin_share:\n    type: ratio\n    default: 70%\n    min: 30%\n    max: 60%\n",
    )
    check_refused(tmp_path, text, "default: 70%", "agreement.origin_share.default", "70%", "60%")


def test_agreement_default_below_its_own_min(tmp_path):
    text = VALID.replace(
        "  pre_move_tax: {type: amount, required: true}\n",
        "  pre_move_tax:\n    type: amount\n    default: 5\n    min: 10\n",
    )
    check_refused(tmp_path, text, "default: 5", "agreement.pre_move_tax.default", "minimum")


def test_duplicate_share_names(tmp_path):
    text = VALID.replace("  - name: funds\n", "  - name: tax\n")
    check_refused(tmp_path, text, "- name: tax", "shares[1].name", "duplicate", "tax", occurrence=2)


def test_effective_until_before_effective_from(tmp_path):
    text = VALID.replace("effective_from: 2020-01\n", "effective_from: 2020-01\neffective_until: 2019-12\n")
    check_refused(tmp_path, text, "effective_until: 2019-12", "effective_until", "before")


def test_bad_month(tmp_path):
    text = VALID.replace("effective_from: 2020-01\n", "effective_from: 2020-13\n")
    check_refused(tmp_path, text, "effective_from: 2020-13", "effective_from", "month")


def test_duplicate_yaml_key(tmp_path):
    text = VALID.replace("    mode: split\n", "    mode: split\n    book: statistics\n")
    check_refused(tmp_path, text, "book: statistics", "book", "duplicate")


def test_not_a_mapping(tmp_path):
    path = write(tmp_path, "- just\n- a list\n")
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:1:" in result.output


def test_several_problems_reported_at_once(tmp_path):
    text = (
        VALID.replace("effective_from: 2020-01\n", "effective_from: 2020-01\neffective_until: 2019-12\n")
        .replace("    base: tax\n", "    base: tax_locl\n")
        .replace(ORIGIN, "        origin: agreement.orign_share\n")
        .replace("  - name: funds\n", "  - name: tax\n")
        + "    cap: {origin_total: 1000}\n"
    )
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    problems = located(result.output, path)
    assert len(problems) == 5, result.output
    expected_lines = [
        line_no(path, "effective_until: 2019-12"),
        line_no(path, "base: tax_locl"),
        line_no(path, "origin: agreement.orign_share"),
        line_no(path, "- name: tax", 2),
        line_no(path, "cap: {origin_total"),
    ]
    assert sorted(int(p.split(":")[1]) for p in problems) == sorted(expected_lines)


def test_several_shape_problems_reported_at_once(tmp_path):
    text = (
        VALID.replace("    mode: split\n", "    mode: split\n    colour: red\n")
        .replace("    book: statistics\n", "    book: statistic\n")
        .replace("      years: 5\n", "      years: 5\n      cap: {origin_total: 5}\n")
    )
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    problems = located(result.output, path)
    assert len(problems) == 3, result.output
    assert sorted(int(p.split(":")[1]) for p in problems) == [
        line_no(path, "colour: red"),
        line_no(path, "book: statistic"),
        line_no(path, "cap: {origin_total"),
    ]


def test_problems_in_a_valid_share_reported_beside_a_malformed_share(tmp_path):
    text = VALID.replace("    mode: split\n", "    mode: split\n    colour: red\n")
    text += "    cap: {origin_total: 1000}\n"
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    problems = located(result.output, path)
    assert len(problems) == 2, result.output
    assert any("shares[0].colour" in p for p in problems)
    assert any("shares[1].cap" in p for p in problems)


def test_top_level_typo_does_not_hide_share_problems(tmp_path):
    """An unknown top-level key and a misused cap are both reported in one run."""
    text = VALID.replace("title: 演示 demo\n", "title: 演示 demo\ntitel: typo\n")
    text += "    cap: {origin_total: 1000}\n"
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    problems = located(result.output, path)
    assert any("titel" in p for p in problems), result.output
    assert any("shares[1].cap" in p for p in problems), result.output


def test_several_files(tmp_path):
    good = write(tmp_path, VALID, "good.yaml")
    bad = write(tmp_path, VALID.replace("    base: tax\n", "    base: nope\n"), "bad.yaml")
    result = run("rules", "check", str(good), str(bad))
    assert result.exit_code == 1
    assert f"{good}: ok" in result.output
    assert f"{bad}:{line_no(bad, 'base: nope')}:" in result.output
    assert "1 of 2 files" in result.output


def test_expired_ruleset_warns_but_passes(tmp_path):
    text = VALID.replace("effective_from: 2020-01\n", "effective_from: 2019-01\neffective_until: 2020-01\n")
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert f"{path}:{line_no(path, 'effective_until')}:" in warnings[0]
    assert "2020-01" in warnings[0]


def test_ruleset_expiring_within_90_days_warns_but_passes(tmp_path):
    today = date.today()
    year, month = (today.year, today.month + 1) if today.month < 12 else (today.year + 1, 1)
    until = f"{year:04d}-{month:02d}"  # ends at most ~61 days from today
    text = VALID.replace("effective_from: 2020-01\n", f"effective_from: 2020-01\neffective_until: {until}\n")
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.output
    assert until in warnings[0]
    assert "90 days" in warnings[0]


def test_ruleset_ending_far_ahead_does_not_warn(tmp_path):
    until = f"{date.today().year + 2:04d}-06"
    text = VALID.replace("effective_from: 2020-01\n", f"effective_from: 2020-01\neffective_until: {until}\n")
    result = run("rules", "check", str(write(tmp_path, text)))
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{path}: cannot read the file: No such file or directory."


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("演示 demo", "café").encode("latin-1"))
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    line = line_no(write(tmp_path, VALID, "utf8.yaml"), "title:")  # where café is
    assert result.stderr.splitlines()[0] == f"{path}:{line}: the file is not UTF-8 text; save it as UTF-8."


# Every problem `check` prints names its file, and its line where the file has one.


def only_located(result, *paths: Path) -> None:
    summary = re.compile(r"\d+ of \d+ files have problems\.")
    for problem in result.stderr.splitlines():
        if not summary.fullmatch(problem):
            assert any(re.match(rf"{re.escape(str(p))}:\d+: ", problem) for p in paths), problem


def test_bounds_that_are_not_ratios_are_located(tmp_path):
    """A bound written `.nan`, or far above 100%, beside a valid default."""
    share = "  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}\n"
    nan = write(tmp_path, VALID.replace(share, share.replace("max: 60%", "max: .nan")), "nan.yaml")
    big = "min: 99999999999999999999999999999999999/3"
    ratio_big = write(tmp_path, VALID.replace(share, share.replace("min: 30%", big)), "ratio_big.yaml")
    result = run("rules", "check", str(nan), str(ratio_big))
    assert result.exit_code == 1
    only_located(result, nan, ratio_big)
    line = line_no(nan, "origin_share:")
    assert f"{nan}:{line}: agreement.origin_share.max: '.nan' is not a ratio" in result.stderr
    assert (
        f"{ratio_big}:{line}: agreement.origin_share.min: 99999999999999999999999999999999999/3 is not "
        in (result.stderr)
    )
    assert result.stderr.splitlines()[-1] == "2 of 2 files have problems."


def test_a_flag_with_a_bound_is_located(tmp_path):
    text = VALID.replace(
        "  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}\n",
        "  origin_share: {type: ratio, default: 50%}\n  moved: {type: flag, default: true, min: 5}\n",
    )
    result = check_refused(tmp_path, text, "moved:", "agreement.moved.min", "a flag cannot have a min")
    only_located(result, tmp_path / "rules.yaml")


def test_the_last_month_there_is_may_end_a_ruleset(tmp_path):
    text = VALID.replace("effective_from: 2020-01\n", "effective_from: 2020-01\neffective_until: 9999-12\n")
    result = run("rules", "check", str(write(tmp_path, text)))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n\n"])
def test_an_empty_file_is_named(tmp_path, text):
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}: the file is empty; a rule file is a mapping of keys such as ruleset, shares"
    )


@pytest.mark.parametrize("character", ["\x00", "\x1b"])
def test_a_control_character_is_located_on_its_line(tmp_path, character):
    path = write(tmp_path, VALID.replace("title: 演示 demo", f"title: 演示{character}demo"))
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{path}:{line_no(path, 'title:')}: not valid YAML: the character U+00"
    ), result.stderr


def test_a_key_with_a_control_character_is_quoted_on_its_line(tmp_path):
    path = write(tmp_path, VALID + '"odd\\rkey": 1\n')
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[
        0
    ] == f"{path}:{line_no(path, 'odd')}: 'odd\\rkey': unknown key 'odd\\rkey'; allowed here: " + ", ".join(
        TOP_LEVEL_KEYS
    )


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    result = run("rules", "check", str(path))
    assert result.exit_code == 0, result.output


def test_broken_yaml_is_located(tmp_path):
    text = VALID.replace("  tax: {unit: CNY, label: tax}\n", "  tax: {unit: CNY, label: tax\n")
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert located(result.output, path)


def _bomb_anchors(levels: int, per: int, indent: str) -> str:
    lines = [f'{indent}l0: &l0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * per) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_refused_fast(tmp_path):
    anchors = _bomb_anchors(12, 10, "  ")
    path = write(tmp_path, VALID.replace("metrics:\n", "x:\n" + anchors + "metrics:\n"))
    started = time.perf_counter()
    result = run("rules", "check", str(path))
    assert time.perf_counter() - started < 2
    assert result.exit_code == 1
    assert "alias" in result.output
    assert len(result.output) < 2000


def test_aliases_under_the_limit_are_not_expanded_into_messages(tmp_path):
    """54 aliases (under the alias limit) naming 9**6 leaves: the problem must be reported briefly.

    The anchors sit under a malformed share, so the rest of the file is still checked, and the
    agreement default (an alias of the largest list) is reported as not being an amount.
    """
    text = (
        'ruleset: demo\nversion: "1"\ntitle: demo\neffective_from: 2020-01\n'
        "metrics:\n  tax: {unit: CNY}\n"
        "shares:\n"
        "  - name: tax\n    book: fiscal\n    base: tax\n    mode: host\n"
        "  - name: junk\n    book: fiscal\n    base: tax\n    mode: host\n    junk:\n"
        + _bomb_anchors(7, 9, "      ")
        + "agreement:\n  pre_move_tax: {type: amount, default: *l6}\n"
    )
    path = write(tmp_path, text)
    started = time.perf_counter()
    result = run("rules", "check", str(path))
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1
    assert f"{path}:{line_no(path, 'default: *l6')}:" in result.output, result.output[:2000]
    assert len(result.output) < 5000, f"{len(result.output)} characters of output"
    assert elapsed < 1


def test_deep_nesting_is_a_sentence(tmp_path):
    path = write(tmp_path, VALID + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert "nested too deeply" in result.output


def test_very_long_number_is_located(tmp_path):
    text = VALID + "eligibility:\n  min_planned_investment: " + "9" * 5000 + "\n"
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_no(path, 'min_planned_investment')}:" in result.output, result.output[:500]
    assert "internal error" not in result.output


def test_cases_files_are_skipped_by_check(tmp_path):
    rules = write(tmp_path, VALID)
    cases = write(tmp_path, "rules: rules.yaml\ncases: []\n", "x.cases.yaml")
    result = run("rules", "check", str(rules), str(cases))
    assert result.exit_code == 0, result.output


def test_check_needs_a_file():
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 2


# --- pool rules test ---------------------------------------------------------------------------

CASE_RULES = """\
ruleset: mini
version: "1"
title: Mini
effective_from: 2020-01
metrics:
  tax: {unit: CNY}
agreement:
  pre: {type: amount, required: true}
  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}
shares:
  - name: tax
    book: fiscal
    base: tax
    mode: split
    term: {start: transfer, years: 2}
    schedule:
      - years: 1-2
        origin: agreement.origin_share
"""

# 100.01 yuan = 10001 fen at 50:50 -> 5000.5 each; the leftover fen goes to the host (tie order).
CASE = """\
rules: mini.yaml
cases:
  - name: odd fen to the host
    transfers:
      - {from: aa, to: bb, effective: 2020-03, agreement: {pre: 1000}}
    actuals:
      tax: {2020-03: "100.01", 2023-05: "7.00"}
    through: 2023-12
    expect:
      tax: {aa: "50.00", bb: "57.01"}
"""


@pytest.fixture
def case_dir(tmp_path):
    write(tmp_path, CASE_RULES, "mini.yaml")
    return tmp_path


def test_passing_case(case_dir):
    path = write(case_dir, CASE, "mini.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_failing_case_shows_expected_actual_and_trace(case_dir):
    path = write(case_dir, CASE.replace('bb: "57.01"', 'bb: "57.02"'), "mini.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    out = result.output
    assert "odd fen to the host" in out
    assert f"{path}:{line_no(path, '- name: odd fen')}" in out
    row = next(line for line in out.splitlines() if "57.02" in line)
    assert "bb" in row and "57.01" in row  # region, expected and actual on one row
    assert "trace:" in out
    assert "C=100.01" in out  # the trace shows year 1's base...
    assert "leftover fen to bb" in out  # ...and where the odd fen went
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_rules_option_overrides_the_case_files_rules(case_dir):
    other = write(case_dir, CASE_RULES.replace("origin: agreement.origin_share", "origin: 0%"), "other.yaml")
    path = write(case_dir, CASE, "mini.cases.yaml")
    result = run("rules", "test", str(path), "--rules", str(other))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "0 passed, 1 failed"
    assert run("rules", "test", str(path), "--rules", str(case_dir / "mini.yaml")).exit_code == 0


def test_case_file_without_rules(case_dir):
    path = write(case_dir, CASE.replace("rules: mini.yaml\n", ""), "mini.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert "--rules" in result.output
    assert run("rules", "test", str(path), "--rules", str(case_dir / "mini.yaml")).exit_code == 0


EXPECT_ERROR = """\
rules: mini.yaml
cases:
  - name: pre is required
    transfers:
      - {from: aa, to: bb, effective: 2020-03, agreement: {origin_share: 40%}}
    actuals:
      tax: {2020-03: "100.00"}
    through: 2020-12
    expect_error: {error}
"""


def test_expect_error_passes_when_the_error_matches(case_dir):
    path = write(case_dir, EXPECT_ERROR.replace("{error}", "pre"), "err.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_expect_error_fails_when_the_error_differs(case_dir):
    path = write(case_dir, EXPECT_ERROR.replace("{error}", "something else entirely"), "err.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert "something else entirely" in result.output
    assert "pre" in result.output  # the error that did happen
    assert result.output.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_expect_error_fails_when_it_settles(case_dir):
    text = EXPECT_ERROR.replace("agreement: {origin_share: 40%}", "agreement: {pre: 5}")
    text = text.replace("{error}", "pre")
    path = write(case_dir, text, "err.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert "settled" in result.output
    assert result.output.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_case_file_with_a_structural_problem(case_dir):
    path = write(case_dir, CASE.replace("    expect:\n", "    expected:\n"), "bad.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_no(path, 'expected:')}:" in result.output
    assert "expected" in result.output


def test_case_file_with_a_bad_amount(case_dir):
    path = write(case_dir, CASE.replace('"100.01"', '"100.011"'), "bad.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_no(path, '100.011')}:" in result.output


def test_case_file_whose_rules_are_invalid(case_dir):
    write(case_dir, CASE_RULES.replace("    base: tax\n", "    base: nope\n"), "mini.yaml")
    path = write(case_dir, CASE, "mini.cases.yaml")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    assert "mini.yaml:" in result.output and "nope" in result.output


def test_missing_case_file(tmp_path):
    result = run("rules", "test", str(tmp_path / "none.cases.yaml"))
    assert result.exit_code == 1
    assert "none.cases.yaml" in result.output


def test_several_case_files_are_totalled(case_dir):
    ok = write(case_dir, CASE, "a.cases.yaml")
    bad = write(case_dir, CASE.replace('aa: "50.00"', 'aa: "49.99"'), "b.cases.yaml")
    result = run("rules", "test", str(ok), str(bad))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "1 passed, 1 failed"


def test_library_case_files_pass():
    files = sorted(str(p) for p in LIBRARY.glob("*.cases.yaml"))
    assert files
    result = run("rules", "test", *files)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ passed, 0 failed", result.output.strip().splitlines()[-1])


def test_library_case_with_a_wrong_expectation_fails(tmp_path):
    shutil.copy(LIBRARY / "jjj-2015.yaml", tmp_path / "jjj-2015.yaml")
    text = (LIBRARY / "jjj-2015.cases.yaml").read_text(encoding="utf-8")
    assert 'tax: {beijing: "60000000.00", hebei: "81001000.02"}' in text
    text = text.replace(
        'tax: {beijing: "60000000.00", hebei: "81001000.02"}',
        'tax: {beijing: "60000000.00", hebei: "81001000.03"}',
    )
    path = tmp_path / "jjj-2015.cases.yaml"
    path.write_text(text, encoding="utf-8")
    total = text.count("  - name: ")
    result = run("rules", "test", str(path))
    assert result.exit_code == 1
    out = result.output
    row = next(line for line in out.splitlines() if "hebei" in line and "81001000.03" in line)
    assert "81001000.02" in row
    assert "trace" in out and "cap" in out
    assert out.strip().splitlines()[-1] == f"{total - 1} passed, 1 failed"
