"""Rule-file messages policy staff can act on: each refusal exits 1, is located `FILE:LINE`,
names the key, and says in words what to write instead."""

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pool.cli import main

VALID = """\
ruleset: demo
version: "1"
title: 演示 demo
effective_from: 2020-01
metrics:
  tax: {unit: CNY, label: tax}
agreement:
  origin_share: {type: ratio, default: 50%, min: 30%, max: 60%}
eligibility:
  min_planned_investment: 20000000
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
        city: 0%
"""


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


def line_no(path: Path, marker: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return i
    raise AssertionError(f"{marker!r} not in {path}")


def refused(tmp_path: Path, text: str, marker: str, key: str) -> str:
    """`pool rules check` exits 1 with a problem `FILE:LINE: key: …` at `marker`'s line; returns it."""
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1, result.output
    prefix = f"{path}:{line_no(path, marker)}: {key}: "
    found = [line for line in result.output.splitlines() if line.startswith(prefix)]
    assert found, f"no line starting {prefix!r} in:\n{result.output}"
    return found[0][len(prefix) :]


def test_valid_base_file_passes(tmp_path):
    result = run("rules", "check", str(write(tmp_path, VALID)))
    assert result.exit_code == 0, result.output


def test_unknown_key_names_the_allowed_keys_and_the_nearest(tmp_path):
    text = VALID.replace("  min_planned_investment: 20000000\n", "  kinds_exclude: [real_estate]\n")
    message = refused(tmp_path, text, "kinds_exclude", "eligibility.kinds_exclude")
    assert message.startswith("unknown key 'kinds_exclude'; allowed here: min_planned_investment, ")
    assert "kinds_excluded" in message and "capital_sources" in message
    assert message.endswith("(did you mean 'kinds_excluded'?)")


def test_unknown_key_in_a_metric(tmp_path):
    text = VALID.replace("label: tax}", "lable: tax}")
    message = refused(tmp_path, text, "lable", "metrics.tax.lable")
    assert "allowed here: unit, label" in message
    assert "(did you mean 'label'?)" in message


def test_unknown_key_unlike_any_allowed_one_has_no_guess(tmp_path):
    text = VALID.replace("    mode: split\n", "    mode: split\n    colour: red\n")
    message = refused(tmp_path, text, "colour: red", "shares[0].colour")
    assert message.startswith("unknown key 'colour'; allowed here: name, ")
    assert "book" in message and "schedule" in message
    assert "did you mean" not in message


def test_misplaced_key_names_its_home_and_what_is_allowed_here(tmp_path):
    text = VALID.replace("      years: 3\n", "      years: 3\n      cap: {origin_total: 5}\n")
    message = refused(tmp_path, text, "cap: {origin_total", "shares[0].term.cap")
    assert message.startswith(
        "'cap' does not belong here; it is a key of a share; allowed here: start, years"
    )


def test_ruleset_id_is_described_in_words(tmp_path):
    message = refused(tmp_path, VALID.replace("ruleset: demo", "ruleset: Shang Luo"), "ruleset:", "ruleset")
    assert message == (
        "'Shang Luo' is not a ruleset id; write lowercase letters a-z, digits and '-' only, with no "
        "spaces or Chinese characters, such as shangluo-default"
    )
    assert "pattern" not in message


def test_share_name_is_described_in_words(tmp_path):
    message = refused(tmp_path, VALID.replace("- name: tax", "- name: 税收"), "name: 税收", "shares[0].name")
    assert message.startswith("'税收' is not a share name; start with a lowercase letter a-z")
    assert "put Chinese in a label" in message and "pattern" not in message


def test_metric_name_is_described_in_words(tmp_path):
    text = VALID.replace("  tax: {unit: CNY, label: tax}", "  Tax-Local: {unit: CNY}")
    message = refused(tmp_path, text, "Tax-Local", "metrics.Tax-Local")
    assert message.startswith("'Tax-Local' is not a metric name; start with a lowercase letter")
    assert "such as tax_local" in message


def test_agreement_name_is_described_in_words(tmp_path):
    text = VALID.replace("  origin_share: {type", "  origin share: {type")
    message = refused(tmp_path, text, "origin share:", "agreement.origin share")
    assert message.startswith("'origin share' is not an agreement value's name;")


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ('"7:3"', "for 7:3 write 70% for the first party's portion (the other 30% follows)"),
        ('"4：6"', "for 4:6 write 40% for the first party's portion (the other 60% follows)"),
        ("1:2", "for 1:2 write 1/3 for the first party's portion (the other 2/3 follows)"),
    ],
)
def test_a_proportion_written_as_a_ratio_gets_a_sentence(tmp_path, written, words):
    text = VALID.replace("        city: 0%", f"        city: {written}")
    message = refused(tmp_path, text, "city: ", "shares[0].schedule[0].city")
    assert "is not a ratio; a ratio is one party's portion, not a proportion between two parties" in message
    assert words in message


@pytest.mark.parametrize(("written", "meant"), [("50％", "50%"), ("５０%", "50%"), ("１/３", "1/3")])
def test_a_full_width_ratio_gets_a_sentence(tmp_path, written, meant):
    text = VALID.replace("        city: 0%", f"        city: {written}")
    message = refused(tmp_path, text, "city: ", "shares[0].schedule[0].city")
    assert message == (
        f"{written!r} is not a ratio; it uses full-width characters (such as ％ or ０-９); "
        f"write {meant} instead"
    )


def test_full_width_percent_in_an_agreement_default(tmp_path):
    text = VALID.replace("default: 50%", "default: 50％")
    message = refused(tmp_path, text, "default: 50％", "agreement.origin_share.default")
    assert "full-width" in message and "write 50% instead" in message


def _yaml_error(tmp_path: Path, text: str, marker: str) -> str:
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1, result.output
    prefix = f"{path}:{line_no(path, marker)}: not valid YAML: "
    lines = [line for line in result.output.splitlines() if line.startswith(prefix)]
    assert lines, result.output
    return lines[0]


def test_yaml_colon_space_in_a_text_gets_a_hint(tmp_path):
    line = _yaml_error(tmp_path, VALID.replace("title: 演示 demo", "title: 商洛: 税收分成"), "title:")
    assert "mapping values are not allowed here" in line
    assert "a text containing ': ' (a colon followed by a space) must be put in quotes" in line
    assert 'title: "商洛: 税收分成"' in line


def test_yaml_tab_gets_a_hint(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(VALID.replace("      years: 3\n", "\tyears: 3\n"), encoding="utf-8")
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(path))}:{line_no(path, 'years: 3')}: not valid YAML: .*tab character; "
        "YAML indents with spaces only",
        result.output,
        re.M,
    ), result.output


def test_yaml_bad_indentation_gets_a_hint(tmp_path):
    line = _yaml_error(tmp_path, VALID.replace("    book: fiscal", "   book: fiscal"), "book: fiscal")
    assert "check the indentation" in line


def test_yaml_unclosed_brace_gets_a_hint(tmp_path):
    text = VALID.replace("  tax: {unit: CNY, label: tax}\n", "  tax: {unit: CNY, label: tax\n")
    path = write(tmp_path, text)
    result = run("rules", "check", str(path))
    assert result.exit_code == 1
    assert "is not closed" in result.output


# --- rules test: a file that fails to load counts its cases ------------------------------------

CASES = """\
rules: rules.yaml
cases:
  - name: one
    transfers: [{from: aa, to: bb, effective: 2020-03}]
    through: 2020-12
    expect: {}
  - name: two
    transfers: [{from: aa, to: bb, effective: 2020-03}]
    through: 2020-12
    expect: {}
  - name: three
    transfers: [{from: aa, to: bb, effective: 2020-03}]
    through: 2020-12
    expect: {}
"""


def test_cases_of_a_file_whose_rules_fail_to_load_count_as_failed(tmp_path):
    rules = write(tmp_path, VALID.replace("ruleset: demo", "ruleset: Demo"))
    cases = write(tmp_path, CASES, "demo.cases.yaml")
    result = run("rules", "test", str(cases))
    assert result.exit_code == 1
    assert f"ERROR {cases} (3 cases not run, counted as failed)" in result.output
    assert f"{rules}:{line_no(rules, 'ruleset:')}: ruleset: 'Demo' is not a ruleset id" in result.output
    assert result.output.strip().splitlines()[-1] == "0 passed, 3 failed"


def test_cases_of_a_malformed_case_file_count_as_failed(tmp_path):
    write(tmp_path, VALID)
    text = CASES.replace("    through: 2020-12\n", "    throug: 2020-12\n", 1)
    cases = write(tmp_path, text, "x.cases.yaml")
    result = run("rules", "test", str(cases))
    assert result.exit_code == 1
    assert f"{cases}:{line_no(cases, 'throug:')}: cases[0].throug: unknown key 'throug'" in result.output
    assert "(did you mean 'through'?)" in result.output
    assert result.output.strip().splitlines()[-1] == "0 passed, 3 failed"


def test_the_passing_files_still_count_beside_a_failed_one(tmp_path):
    write(tmp_path, VALID)
    good = write(tmp_path, CASES, "good.cases.yaml")
    bad = write(tmp_path, "rules: rules.yaml\ncases: [\n", "bad.cases.yaml")
    result = run("rules", "test", str(good), str(bad))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "3 passed, 1 failed"
