"""Exact YAML reading: numbers are never read through binary floating point."""

import sys

import pytest

from pool.domain.errors import InvalidInput
from pool.rules.yamlio import MAX_ALIASES, LineDict, LineList, YamlError, YamlText, line_of, load_yaml


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("0.1", "0.1"),
        (".inf", ".inf"),
        ("-.inf", "-.inf"),
        (".nan", ".nan"),
        (".NaN", ".NaN"),
        ("1_000", "1_000"),
        ("0x10", "0x10"),
        ("012", "012"),
        ("2015-06-01", "2015-06-01"),
        ("2015-06-01 10:00:00", "2015-06-01 10:00:00"),
        ("1.0e+3", "1.0e+3"),
        ("1:30", "1:30"),
        ("70000000.01", "70000000.01"),
        ("0.30000000000000004", "0.30000000000000004"),
    ],
)
def test_inexact_or_exotic_scalars_stay_source_text(source, text):
    value = load_yaml(f"v: {source}\n")["v"]
    assert isinstance(value, YamlText)
    assert value == text


@pytest.mark.parametrize("source", ["1e3", "1E3", "0o17", "1.5e3"])
def test_exponent_forms_are_text_not_numbers(source):
    # PyYAML's YAML 1.1 resolver reads `1e3` (no dot) and `0o17` as plain strings, not numbers;
    # either way they must reach the parsers as their source text.
    value = load_yaml(f"v: {source}\n")["v"]
    assert isinstance(value, str)
    assert value == source


def test_no_float_anywhere_in_a_document():
    data = load_yaml("a: [0.1, 1e3, .inf, .nan, 2.50]\nb: {c: 3.14159}\n")

    def walk(node):
        assert not isinstance(node, float)
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    assert data["a"] == ["0.1", "1e3", ".inf", ".nan", "2.50"]
    assert data["b"]["c"] == "3.14159"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("42", 42),
        ("0", 0),
        ("-3", -3),
        ("+7", 7),
        ("60000000", 60000000),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_plain_integers_are_ints(source, value):
    got = load_yaml(f"v: {source}\n")["v"]
    assert type(got) is int
    assert got == value


def test_other_scalars():
    data = load_yaml('a: true\nb: "0.1"\nc: 2015-06\nd: ~\ne: 50%\nf: 1/2\n')
    assert data["a"] is True
    assert data["b"] == "0.1"
    assert data["c"] == "2015-06"
    assert data["d"] is None
    assert data["e"] == "50%"
    assert data["f"] == "1/2"


def test_duplicate_keys_refused_with_line():
    with pytest.raises(YamlError) as exc:
        load_yaml("a: 1\nb: 2\na: 3\n")
    assert exc.value.line == 3
    assert "duplicate" in str(exc.value) and "'a'" in str(exc.value)
    assert isinstance(exc.value, InvalidInput)


def test_duplicate_keys_refused_when_nested():
    text = "shares:\n  - name: tax\n    book: fiscal\n    mode: split\n    book: statistics\n"
    with pytest.raises(YamlError) as exc:
        load_yaml(text)
    assert exc.value.line == 5
    assert "book" in str(exc.value)


def test_duplicate_keys_differing_only_in_number_form():
    # 1 and 01 are different source texts; 1 and 1 are the same key.
    with pytest.raises(YamlError):
        load_yaml("1: a\n1: b\n")


def _bomb(levels: int, per: int) -> str:
    lines = ['l0: &l0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * per) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_refused_before_it_expands():
    with pytest.raises(YamlError) as exc:
        load_yaml(_bomb(12, 10))  # 10**11 leaves if expanded
    assert "alias" in str(exc.value)
    assert exc.value.line > 1


def test_too_many_aliases_refused_even_if_small():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(YamlError):
        load_yaml(text)


def test_a_few_aliases_are_fine_and_not_expanded():
    data = load_yaml(_bomb(9, 9))  # 72 aliases, under the limit: shared, not copied
    assert data["l8"][0] is data["l7"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        "{a: " * 5000 + "1" + "}" * 5000,
        "".join(" " * i + "a:\n" for i in range(3000)) + " " * 3000 + "a: 1\n",
        "- " * 5000 + "x\n",
    ],
    ids=["flow-seq", "flow-map", "block-map", "block-seq"],
)
def test_deep_nesting_is_a_yaml_error_not_a_crash(text):
    limit = sys.getrecursionlimit()
    try:
        with pytest.raises(YamlError) as exc:
            load_yaml(text)
    finally:
        assert sys.getrecursionlimit() == limit
    assert str(exc.value)
    assert isinstance(exc.value.line, int) or "larger than" in str(exc.value)  # a size has no line


def test_moderate_nesting_is_fine():
    assert load_yaml("[" * 50 + "]" * 50) is not None


def test_huge_file_refused():
    with pytest.raises(YamlError) as exc:
        load_yaml("a: " + "x" * 3_000_000 + "\n")
    assert exc.value.line is None  # refused before a line of it is read


def test_nesting_over_the_limit_is_refused_on_its_line():
    with pytest.raises(YamlError) as exc:
        load_yaml("a: 1\nb: 2\nc: " + "[" * 150 + "]" * 150 + "\n")
    assert exc.value.line == 3 and "nested too deeply" in str(exc.value)


def test_a_control_character_is_refused_on_its_line():
    with pytest.raises(YamlError) as exc:
        load_yaml("a: 1\nb: 2\nc: x\x00y\n")
    assert exc.value.line == 3 and "U+0000" in str(exc.value)


def test_broken_yaml_reports_line():
    with pytest.raises(YamlError) as exc:
        load_yaml("a: 1\nb: [1, 2\nc: 3\nd: {\n")
    assert exc.value.line >= 2
    assert "not valid YAML" in str(exc.value)


def test_tab_indentation_reports_line():
    with pytest.raises(YamlError) as exc:
        load_yaml("a:\n  b: 1\n\tc: 2\n")
    assert exc.value.line == 3


def test_unsafe_tags_refused():
    with pytest.raises(YamlError):
        load_yaml("a: !!python/object/apply:os.system ['echo hi']\n")


def test_empty_document_is_none():
    assert load_yaml("") is None
    assert load_yaml("# only a comment\n") is None


SOURCE = """\
ruleset: demo
metrics:
  tax: {unit: CNY}
shares:
  - name: tax
    term:
      years: 3
    schedule:
      - years: 1-3
        origin: 50%
      - years: 4+
        origin: 0%
"""


def test_mappings_and_sequences_carry_lines():
    data = load_yaml(SOURCE)
    assert isinstance(data, LineDict)
    assert isinstance(data["shares"], LineList)
    assert data.lines == {"ruleset": 1, "metrics": 2, "shares": 4}
    assert data["shares"].lines == {0: 5}
    assert data["shares"][0]["schedule"].lines == {0: 9, 1: 11}


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        ((), 1),
        (("ruleset",), 1),
        (("metrics",), 2),
        (("metrics", "tax"), 3),
        (("metrics", "tax", "unit"), 3),
        (("shares",), 4),
        (("shares", 0), 5),
        (("shares", 0, "name"), 5),
        (("shares", 0, "term"), 6),
        (("shares", 0, "term", "years"), 7),
        (("shares", 0, "schedule"), 8),
        (("shares", 0, "schedule", 0), 9),
        (("shares", 0, "schedule", 0, "origin"), 10),
        (("shares", 0, "schedule", 1), 11),
        (("shares", 0, "schedule", 1, "years"), 11),
        (("shares", 0, "schedule", 1, "origin"), 12),
        # not present: the deepest located ancestor
        (("shares", 0, "cap"), 5),
        (("shares", 0, "cap", "origin_total"), 5),
        (("shares", 3, "name"), 4),
        (("nothing",), 1),
        (("shares", 0, "term", "years", "deeper"), 7),
    ],
)
def test_line_of(loc, line):
    assert line_of(load_yaml(SOURCE), loc) == line


def test_line_of_plain_values():
    assert line_of({"a": 1}, ("a",)) == 1
    assert line_of(None, ("a",)) == 1


def test_very_long_integer_is_a_yaml_error_or_text_not_a_crash():
    # Python refuses int() of more than 4300 digits with a ValueError; the reader must not leak it.
    try:
        value = load_yaml("v: " + "9" * 5000 + "\n")["v"]
    except YamlError as exc:
        assert exc.line == 1
    else:
        assert isinstance(value, YamlText | int)
