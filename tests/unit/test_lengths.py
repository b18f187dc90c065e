"""The lengths the rule-file schema allows are the lengths of the columns the text is stored in.

The tables are declared with the constants of pool.domain.lengths; this fails if a column is
declared with another length, or if a column that holds a rule file's code or name is added
without one. (The migrations are compared with the models in tests/integration/test_migrations.)
"""

import pytest
from sqlalchemy import String

from pool.domain import lengths
from pool.domain.accounts import SOURCE
from pool.domain.vocab import BOOKS
from pool.rules.schema import Ruleset
from pool.store.base import Base
from pool.store.default_tables import DefaultRuleset
from pool.store.ledger_tables import (
    Actual,
    ActualRevision,
    LedgerAccount,
    LedgerEntry,
    PayableSum,
    PositionYear,
    ShareSum,
    TransferPosition,
)
from pool.store.models import Region, RulesetVersion
from pool.store.target_tables import AssessmentScheme

COLUMNS = {
    "RULESET_ID": [RulesetVersion.ruleset, DefaultRuleset.ruleset],
    "VERSION": [RulesetVersion.version, AssessmentScheme.version],
    "METRIC": [Actual.metric, ActualRevision.metric],
    "SHARE": [
        LedgerAccount.share,
        LedgerEntry.share,
        TransferPosition.share,
        ShareSum.share,
        PositionYear.share,
    ],
    "UNIT": [LedgerAccount.unit, PayableSum.unit],
    "REGION_CODE": [
        Region.code,
        LedgerAccount.region,
        TransferPosition.region,
        PositionYear.region,
        PayableSum.payer,
        PayableSum.payee,
    ],
    "BOOK": [LedgerAccount.book, LedgerEntry.book, TransferPosition.book, PositionYear.book],
    "ACCOUNT_NAME": [LedgerAccount.name],
}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_each_column_is_declared_with_the_rule_file_limit(name: str) -> None:
    limit = getattr(lengths, name)
    for attribute in COLUMNS[name]:
        column = attribute.property.columns[0]
        assert isinstance(column.type, String)
        assert column.type.length == limit, f"{column.table.name}.{column.name}"


def test_every_column_holding_a_rule_file_code_is_listed() -> None:
    listed = {
        (a.property.columns[0].table.name, a.property.columns[0].name) for c in COLUMNS.values() for a in c
    }
    holding = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name in ("share", "metric", "unit", "book", "ruleset", "version")
        and isinstance(column.type, String)
    }
    assert holding <= listed


def test_an_account_name_fits_its_column() -> None:
    assert max(len(b) for b in BOOKS) <= lengths.BOOK
    assert len(SOURCE) <= lengths.REGION_CODE
    longest = max(len(b) for b in BOOKS) + 1 + lengths.REGION_CODE + 1 + lengths.SHARE
    assert longest <= lengths.ACCOUNT_NAME


def _ruleset(**values: str) -> dict[str, object]:
    v = {"ruleset": "r", "version": "1", "metric": "m", "unit": "CNY", "share": "s", "city": "c", **values}
    return {
        "ruleset": v["ruleset"],
        "version": v["version"],
        "title": "t",
        "effective_from": "2024-01",
        "city": v["city"],
        "metrics": {v["metric"]: {"unit": v["unit"]}},
        "shares": [{"name": v["share"], "book": "fiscal", "base": v["metric"], "mode": "host"}],
    }


@pytest.mark.parametrize(
    ("field", "limit", "make"),
    [
        ("ruleset", lengths.RULESET_ID, lambda n: "r" * n),
        ("version", lengths.VERSION, lambda n: "1" * n),
        ("metric", lengths.METRIC, lambda n: "m" * n),
        ("share", lengths.SHARE, lambda n: "s" * n),
        ("unit", lengths.UNIT, lambda n: "U" * n),
        ("city", lengths.REGION_CODE, lambda n: "c" * n),
    ],
)
def test_the_schema_allows_exactly_the_column_length(field, limit, make) -> None:
    Ruleset.model_validate(_ruleset(**{field: make(limit)}))
    with pytest.raises(ValueError, match=f"{limit}"):
        Ruleset.model_validate(_ruleset(**{field: make(limit + 1)}))
