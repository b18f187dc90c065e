"""The stored text of a published version is immutable: the limits added to rule files since it
may have been published do not stop it from loading (and settling as it did), while a new file
with the same text is refused."""

import pytest

from pool.rules.loader import RuleFileError, load_ruleset, load_ruleset_text

TEXT = """\
ruleset: older
version: "1"
title: 旧版本
effective_from: 2024-07
metrics:
  tax: {unit: CNY-THOUSANDS}
shares:
  - name: tax
    book: fiscal
    base: {plus: [tax, tax]}
    mode: origin
"""


def test_a_new_file_meets_the_limits() -> None:
    with pytest.raises(RuleFileError, match=r"new\.yaml:6: metrics\.tax\.unit: .* a unit is at most 10"):
        load_ruleset(TEXT, "new.yaml")
    with pytest.raises(RuleFileError, match=r"new\.yaml:10: shares\[0\]\.base\.plus\[1\]: .* once"):
        load_ruleset(TEXT.replace("CNY-THOUSANDS", "CNY"), "new.yaml")


def test_a_published_version_from_before_the_limits_still_loads() -> None:
    stored = load_ruleset_text(TEXT, "older@1")
    assert stored.metrics["tax"].unit == "CNY-THOUSANDS"
    assert stored.shares[0].base.plus == ["tax", "tax"]


def test_a_published_version_is_still_checked_for_what_settlement_needs() -> None:
    with pytest.raises(RuleFileError, match="not declared under metrics"):
        load_ruleset_text(TEXT.replace("[tax, tax]", "[tax, nope]"), "older@1")
